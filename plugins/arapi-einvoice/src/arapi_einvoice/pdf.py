"""The invoice XML embedded in a Factur-X / ZUGFeRD / XRechnung PDF.

Read with pypdf directly rather than the ``factur-x`` library: that library's
``get_xml_from_pdf`` parses every candidate attachment with lxml's default
parser (entities resolved) before we could vet it, has no size limit and
pulls in ``requests``. Here pypdf only hands over bytes; the XML then goes
through :mod:`arapi.plugin.safexml` like any other.

Where the XML is looked for: the document's ``/EmbeddedFiles`` name tree
(the same place the factur-x library and pypdf's ``attachment_list`` look),
then, when no invoice is found there, the catalog's ``/AF`` associated files,
where PDF/A-3 and Factur-X also require the invoice to be named (a damaged
name tree then costs a warning, not the invoice). Known names come first
(factur-x.xml, zugferd-invoice.xml, xrechnung.xml, case-insensitive), then
any other ``*.xml`` attachment; the first one whose root is a CII or UBL
invoice wins. When none is, a known-name attachment is still handed over so
that its parse error (DTD refused, broken XML) is the one reported; without
any, the PDF fails with NO_CONTENT (MALFORMED when its structure is damaged
too).
"""

from __future__ import annotations

import io
import logging
from typing import NamedTuple

from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import DictionaryObject, EmbeddedFile

from arapi.plugin.types import ParseError, ParseErrorCode
from arapi_einvoice.sniffing import xml_root_name

MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_XML_BYTES = 16 * 1024 * 1024
MAX_ATTACHMENTS = 200
# All XML attachments tried together: pypdf keeps every stream it decoded while the
# reader lives, so 200 attachments just over MAX_XML_BYTES would hold gigabytes.
MAX_DECODED_BYTES = 4 * MAX_XML_BYTES
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")

logger = logging.getLogger(__name__)


class EmbeddedXml(NamedTuple):
    name: str  # the attachment's name in the PDF
    content: bytes
    warnings: tuple[str, ...] = ()


def _name(attachment) -> str:
    """The name-tree key as text (hostile files may use a byte string)."""
    name = attachment.name
    return name.decode("latin-1") if isinstance(name, bytes) else str(name)


def _declared_sizes(attachment) -> list[int]:
    """Sizes the PDF declares for an attachment (/Params /Size, raw /Length)."""
    sizes: list[int] = []
    declared = attachment.size
    if isinstance(declared, int):
        sizes.append(declared)
    files = attachment.pdf_object.get("/EF")
    files = files.get_object() if files is not None else None
    stream = files.get("/F") if isinstance(files, dict) else None
    if stream is not None:
        length = stream.get_object().get("/Length")
        length = length.get_object() if length is not None else None
        if isinstance(length, int):
            sizes.append(length)
    return sizes


class _Decoded:
    """How many bytes the attachments tried so far decompressed to, against MAX_DECODED_BYTES."""

    def __init__(self) -> None:
        self.total = 0

    @property
    def exhausted(self) -> bool:
        return self.total > MAX_DECODED_BYTES

    def add(self, size: int) -> None:
        self.total += size
        if self.exhausted:
            raise ParseError(
                ParseErrorCode.ZIP_BOMB,
                f"the PDF's XML attachments decompress to more than {MAX_DECODED_BYTES} bytes",
            )


def _content(attachment, decoded: _Decoded) -> bytes:
    name = _name(attachment)
    if any(size > MAX_XML_BYTES for size in _declared_sizes(attachment)):
        raise ParseError(
            ParseErrorCode.TOO_LARGE, f"embedded file {name!r} is larger than {MAX_XML_BYTES} bytes"
        )
    try:
        content = attachment.content  # pypdf caps decompression (75 MB by default)
    except LimitReachedError:
        decoded.add(MAX_XML_BYTES)  # at least that much work was done, then dropped
        raise ParseError(
            ParseErrorCode.ZIP_BOMB, f"embedded file {name!r} decompresses past pypdf's limit"
        ) from None
    decoded.add(len(content))
    if len(content) > MAX_XML_BYTES:
        raise ParseError(
            ParseErrorCode.TOO_LARGE, f"embedded file {name!r} is larger than {MAX_XML_BYTES} bytes"
        )
    return content


def _ordered(attachments: list) -> list:
    def rank(attachment) -> int:
        lowered = _name(attachment).lower()
        return KNOWN_NAMES.index(lowered) if lowered in KNOWN_NAMES else len(KNOWN_NAMES)

    xml_files = [a for a in attachments if _name(a).lower().endswith(".xml")]
    return sorted(xml_files, key=rank)


def _open(data: bytes, *, strict: bool) -> PdfReader:
    reader = PdfReader(io.BytesIO(data), strict=strict)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ParseError(ParseErrorCode.MALFORMED, "encrypted PDF: its attachments cannot be read")
    return reader


def _attachments(reader: PdfReader) -> list:
    found = []
    for attachment in reader.attachment_list:
        found.append(attachment)
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def _associated_files(reader: PdfReader, listed: list) -> list:
    """The catalog's ``/AF`` file specifications that the name tree did not list."""
    specs = reader.root_object.get("/AF")
    specs = specs.get_object() if specs is not None else None
    if not isinstance(specs, list):
        return []
    names = {_name(attachment) for attachment in listed}
    found = []
    for spec in specs[:MAX_ATTACHMENTS]:
        spec = spec.get_object()
        if not isinstance(spec, DictionaryObject) or "/EF" not in spec:
            continue
        name = spec.get("/UF") or spec.get("/F")
        if name is not None and str(name) not in names:
            found.append(EmbeddedFile(name=str(name), pdf_object=spec))
    return found


def _first_invoice(
    attachments: list, decoded: _Decoded
) -> tuple[EmbeddedXml | None, EmbeddedXml | None]:
    """(the first attachment holding invoice XML, else a known-name one that does not)."""
    suspect: EmbeddedXml | None = None
    for attachment in _ordered(attachments):
        name = _name(attachment)
        known = name.lower() in KNOWN_NAMES
        try:
            content = _content(attachment, decoded)
        except ParseError:
            if known or decoded.exhausted:
                raise
            continue  # an oversized annex.xml is not the invoice's problem
        if xml_root_name(content) is not None:
            return EmbeddedXml(name, content), suspect
        logger.debug("attachment %s is not an invoice XML", name)
        if suspect is None and known:
            suspect = EmbeddedXml(name, content)
    return None, suspect


def _associated_warnings(name: str, data: bytes) -> tuple[str, ...]:
    found = (
        f"the PDF's /EmbeddedFiles name tree does not list {name!r}: "
        "read from the catalog's associated files (/AF)"
    )
    damage = _damage(data)
    return (found,) if damage is None else (found, f"damaged PDF structure ({damage})")


def _damage(data: bytes) -> str | None:
    """Why a strict read fails, or None when the PDF structure is sound."""
    try:
        _open(data, strict=True)
    except ParseError as exc:
        return exc.message
    except Exception as exc:  # pypdf raises many types on broken files
        return f"{type(exc).__name__}: {exc}"
    return None


def embedded_invoice_xml(data: bytes) -> EmbeddedXml:
    """The invoice XML inside a PDF, or a coded ParseError."""
    if len(data) > MAX_PDF_BYTES:
        raise ParseError(ParseErrorCode.TOO_LARGE, f"PDF larger than {MAX_PDF_BYTES} bytes")
    if b"%PDF-" not in data[:1024]:
        raise ParseError(ParseErrorCode.MALFORMED, "not a PDF: no %PDF- header")
    # pypdf raises a dozen exception types (and some builtins) on hostile input:
    # everything it raises means "unreadable PDF" here.
    try:
        reader = _open(data, strict=False)
        attachments = _attachments(reader)
        decoded = _Decoded()
        found, suspect = _first_invoice(attachments, decoded)
        if found is not None:
            return found
        if suspect is None:
            associated = _associated_files(reader, attachments)
            found, suspect = _first_invoice(associated, decoded)
            if found is not None:
                return found._replace(warnings=_associated_warnings(found.name, data))
            attachments += associated
        if suspect is not None:
            # A factur-x.xml that is no readable invoice (a DTD, broken XML, a
            # foreign root): parsing it gives the precise coded error.
            return suspect
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(
            ParseErrorCode.MALFORMED, f"unreadable PDF ({type(exc).__name__}: {exc})"
        ) from None
    damage = _damage(data)
    if damage is not None:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f"damaged PDF ({damage}) with no readable embedded invoice XML",
        )
    names = ", ".join(repr(_name(a)) for a in attachments) or "none"
    raise ParseError(
        ParseErrorCode.NO_CONTENT,
        f"PDF without an embedded Factur-X/ZUGFeRD/XRechnung invoice XML (attachments: {names})",
    )
