"""OFX statement parser: OFX 1.x (SGML) and 2.x (XML) bank and credit-card statements.

Design
------
ofxparse (the stack's OFX library) reads small well-formed files correctly,
but two things rule it out as the production path:

* it is quadratic: ``OfxPreprocessedFile`` checks every start tag against a
  *list* of all closing tags, and BeautifulSoup builds a full DOM; on a
  20 000-transaction file it manages a few hundred transactions/s, and each
  transaction costs more the bigger the file (see ``bench/bench_ofx.py``);
* it crashes on or misreads common real files: ``CHARSET:NONE``, no header,
  non-ASCII XML, BOMs, headers without line breaks, self-closing tags, a
  ``<`` in a value, an empty element in a file that closes it elsewhere; it
  shifts dates to UTC (evening entries move to the next day); and its object
  model drops ``REFNUM``, ``DTAVAIL``, ``CURRENCY``, the status of each
  statement response and the document order of statements.

So a file goes through four stages, each linear in its size:

1. :mod:`arapi_ofx._decode` reads the header itself (``OFXHEADER:100`` lines,
   ``<?xml?>``/``<?OFX?>``, or none), strips a BOM and picks the character
   set. DTDs and entity declarations are refused before that
   (:func:`arapi.plugin.safexml.reject_declarations`).
2. :func:`arapi_ofx._markup.strip_noise` drops comments and processing
   instructions and turns CDATA into text.
3. :func:`arapi_ofx._markup.build_tree` builds a light tree with an explicit
   stack and the SGML rules (elements may omit their end tag; an end tag
   closes forgotten aggregates). Plain ``<STMTTRN>`` blocks, the bulk of a
   file, are cut out with ``str.find`` and turned into a dict by C string
   methods after checks that the general token loop would read them the same
   way; the rest goes through that loop (one regex token per tag). A
   transaction costs a fixed amount of work, and its node is a tuple of
   strings that the garbage collector does not track, so the time per
   transaction stays flat as files grow.
4. :func:`arapi_ofx._extract.extract` turns the tree into arapi's frozen
   statements (the rules are in that module), converting values with
   :mod:`arapi_ofx._convert`, which reuses ofxparse's ``OfxParser.toDecimal``
   for amounts (decimal commas, ``1.234,56``, ``+12``).

The careful path, :func:`parse_careful`, differs only in stage 3: the body,
with ofxparse's known faults worked around (:mod:`arapi_ofx._careful`), goes
through ofxparse's ``OfxPreprocessedFile`` and BeautifulSoup, and that tree
goes through the same stage 4. The tests check that both paths give equal
results (or the same error) on every corpus file and on generated files, and
that the ``STMTTRN`` shortcut makes the same node as the token loop.
"""

from __future__ import annotations

import re

from arapi.plugin.safexml import reject_declarations
from arapi.plugin.types import ParseError, ParseErrorCode, StatementFile
from arapi_ofx import _careful
from arapi_ofx._decode import decode
from arapi_ofx._extract import FORMAT, extract
from arapi_ofx._markup import build_tree, strip_noise

_SGML_HEADER = re.compile(rb"\s*OFXHEADER\s*:", re.I)
# Each comment is an atomic group, so it ends at its first "-->": with a plain
# ``<!--.*?-->`` a run of comments could also be read as fewer, longer ones
# ending at a later "-->", and a failed match tried every such reading
# (exponential in the number of comments).
_XML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:(?><!--.*?-->)\s*)*(?:<\?OFX\b|<OFX\s*>)", re.I | re.S
)
_BOMS = (b"\xef\xbb\xbf",)


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise ParseError(
        ParseErrorCode.MALFORMED, f"expected the file's bytes, got {type(data).__name__}"
    )


def sniff(head: bytes) -> bool:
    """True for an OFX SGML header, an OFX XML header or a body starting with ``<OFX>``."""
    try:
        head = bytes(head[:4096])
        for bom in _BOMS:
            if head.startswith(bom):
                head = head[len(bom) :]
        return bool(_SGML_HEADER.match(head) or _XML_START.match(head))
    except Exception:  # sniff must never raise
        return False


def parse(data: bytes) -> StatementFile:
    """Parse an OFX file on the linear path."""
    data = _as_bytes(data)
    reject_declarations(data)
    decoded = decode(data)
    return extract(build_tree(strip_noise(decoded.body)), decoded.warnings)


def parse_careful(data: bytes) -> StatementFile:
    """Parse an OFX file with ofxparse's reader (quadratic: small files only)."""
    data = _as_bytes(data)
    reject_declarations(data)
    decoded = decode(data)
    return extract(_careful.build_tree(strip_noise(decoded.body)), decoded.warnings)


class OfxStatementParser:
    """The ``ofx`` statement parser registered with arapi."""

    format = FORMAT
    label = "OFX 1.x SGML / 2.x XML"

    def sniff(self, head: bytes) -> bool:
        return sniff(head)

    def parse(self, data: bytes) -> StatementFile:
        return parse(data)
