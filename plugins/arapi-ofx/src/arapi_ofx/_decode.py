"""Bytes to text: the OFX header, byte-order marks and the character set.

ofxparse's own header reader is where most of its crashes come from
(``CHARSET:NONE`` -> ``unknown encoding: cpNONE``; no header at all, or an
XML 2.x file with non-ASCII text -> decoded as ASCII; headers without line
breaks or with a BOM -> ``ValueError`` on ``split(":")``), so the header is
read here and never by ofxparse.

The declared character set is used when it decodes the bytes. When it is
missing, ``NONE`` or unknown, UTF-8 is tried, then Windows-1252 (what most
OFX 1.x servers really send), then Latin-1, which cannot fail. A file that
declares a single-byte set but is valid UTF-8 with multi-byte characters is
read as UTF-8: the reverse accident is practically impossible.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from arapi.plugin.types import ParseError, ParseErrorCode

_HEADER_KEYS = "OFXHEADER|DATA|VERSION|SECURITY|ENCODING|CHARSET|COMPRESSION|OLDFILEUID|NEWFILEUID"
# Works with one field per line, and with headers run together on one line.
# The value's trailing white space is stripped in Python (_ASCII_SPACE, what
# ``\s`` is under re.A): a ``\s*`` after the lazy ``(.*?)`` would rescan the
# rest of the line at every character of the value (quadratic on long values).
_SGML_FIELD = re.compile(
    rf"({_HEADER_KEYS})\s*:\s*(.*?)(?=(?:{_HEADER_KEYS})\s*:|[\r\n]|$)", re.I | re.A
)
_ASCII_SPACE = " \t\n\r\f\v"
# The pseudo-attributes are read up to the next "<" as well as ">": with
# ``[^>]*?`` each of many unclosed "<?OFX" would be read to the end of the head.
_XML_ENCODING = re.compile(
    r"""<\?xml[^<>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.I | re.A
)
_OFX_PI_VERSION = re.compile(r"""<\?OFX[^<>]*?VERSION\s*=\s*["']?(\d+)""", re.I | re.A)
_OFX_START = re.compile(r"<\s*OFX\s*>", re.I | re.A)
_OFX_START_BYTES = re.compile(rb"<\s*OFX\s*>", re.I | re.A)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SINGLE_BYTE = ("cp1252", "latin-1")


@dataclass(frozen=True)
class DecodedOfx:
    body: str  # from the <OFX> start tag on
    syntax: str  # "sgml" (OFXHEADER:100), "xml" (<?OFX ...?>) or "none"
    version: str | None
    encoding: str
    warnings: tuple[str, ...] = field(default=())


def _codec_name(label: str) -> str | None:
    """The codec for a declared name, if it is a real text encoding."""
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _declared_sgml_codec(fields: dict[str, str]) -> str | None:
    encoding = fields.get("ENCODING", "").upper().replace("-", "")
    if encoding in ("UTF8", "UNICODE"):
        return "utf-8"
    charset = fields.get("CHARSET", "").upper()
    if charset in ("", "NONE"):
        return None
    if charset in ("8859-1", "ISO-8859-1", "ISO8859-1", "LATIN-1"):
        return "latin-1"
    if charset.isdigit():
        return _codec_name("cp" + charset)
    return _codec_name(charset)


def _read_header(head: str) -> tuple[str, str | None, str | None, list[str]]:
    """(syntax, version, declared codec, warnings) from the text before the body."""
    warnings: list[str] = []
    if re.match(r"\s*OFXHEADER\s*:", head, re.I | re.A):
        fields = {
            key.upper(): value.rstrip(_ASCII_SPACE) for key, value in _SGML_FIELD.findall(head)
        }
        declared = _declared_sgml_codec(fields)
        charset = fields.get("CHARSET")
        if declared is None and charset and charset.upper() != "NONE":
            warnings.append(f"unknown CHARSET {charset!r} in the OFX header; character set guessed")
        return "sgml", fields.get("VERSION") or None, declared, warnings
    version_match = _OFX_PI_VERSION.search(head)
    encoding_match = _XML_ENCODING.search(head)
    declared = None
    if encoding_match:
        declared = _codec_name(encoding_match.group(1))
        if declared is None:
            warnings.append(
                f"unknown XML encoding {encoding_match.group(1)!r}; character set guessed"
            )
    if declared == "ascii":
        declared = None  # "US-ASCII" files routinely carry 8-bit text: guess instead
    if version_match or encoding_match:
        return "xml", version_match.group(1) if version_match else None, declared, warnings
    return "none", None, None, warnings


def _looks_like_utf8(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_bytes(data: bytes, declared: str | None) -> tuple[str, str, list[str]]:
    warnings: list[str] = []
    if declared in _SINGLE_BYTE and _looks_like_utf8(data):
        warnings.append(f"the header declares {declared} but the text is UTF-8; read as UTF-8")
        declared = "utf-8"
    attempts = ([declared] if declared else []) + [
        c for c in ("utf-8", "cp1252", "latin-1") if c != declared
    ]
    for codec in attempts:
        try:
            text = data.decode(codec)
        except (UnicodeError, ValueError, LookupError):  # exotic declared codecs fail oddly
            continue
        if declared and codec != declared:
            warnings.append(f"the text is not valid {declared}; read as {codec}")
        return text, codec, warnings
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _not_ofx() -> ParseError:
    return ParseError(ParseErrorCode.MALFORMED, "no <OFX> element: this is not an OFX file")


def decode(data: bytes) -> DecodedOfx:
    """Find the header, pick the character set and return the body from ``<OFX>`` on."""
    bom_codec = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            bom_codec, data = codec, data[len(bom) :]
            break
    if bom_codec and bom_codec != "utf-8":
        # UTF-16/32: no ASCII-compatible header to peek at; decode first.
        try:
            text = data.decode(bom_codec)
        except UnicodeDecodeError:
            raise ParseError(
                ParseErrorCode.ENCODING, f"the byte-order mark says {bom_codec} but the text is not"
            ) from None
        start = _OFX_START.search(text)
        if start is None:
            raise _not_ofx()
        syntax, version, _, warnings = _read_header(text[: start.start()])
        return DecodedOfx(text[start.start() :], syntax, version, bom_codec, tuple(warnings))
    start = _OFX_START_BYTES.search(data)
    if start is None:
        raise _not_ofx()
    syntax, version, declared, warnings = _read_header(data[: start.start()].decode("latin-1"))
    if bom_codec:
        declared = "utf-8"
    text, codec, more = _decode_bytes(data[start.start() :], declared)
    return DecodedOfx(text, syntax, version, codec, tuple(warnings + more))
