"""Hardened XML reading for parsers: no DTD, no entities, no network, bounded depth.

Every XML-based connector (CAMT, CII, UBL, Factur-X) reads through here so the
rules live in one place. Violations raise :class:`ParseError` with
``FORBIDDEN_XML``, ``TOO_DEEP`` or ``MALFORMED``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from arapi.plugin.types import ParseError, ParseErrorCode

MAX_DEPTH = 64
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_DECLARATIONS = (
    "<!DOCTYPE".encode("utf-16-le"),
    "<!ENTITY".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
    "<!ENTITY".encode("utf-16-be"),
)


def reject_declarations(data: bytes) -> None:
    """Refuse any DTD or entity declaration: real statements and invoices never need one."""
    if _DECLARATIONS.search(data) or any(p in data for p in _WIDE_DECLARATIONS):
        raise ParseError(
            ParseErrorCode.FORBIDDEN_XML, "XML with a DTD or entity declarations is refused"
        )


def _parser_options() -> dict:
    return dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        # Whitespace-only text between elements and the xml:id table are never read: skip building them.
        remove_blank_text=True,
        collect_ids=False,
    )


def fragment_parser() -> etree.XMLParser:
    """A parser with the same protections for ``etree.fromstring`` on a piece of a checked document.

    The caller has already run :func:`reject_declarations` (or parses a piece
    where a declaration cannot be well-formed); one parser per thread.
    """
    return etree.XMLParser(**_parser_options())


def parse(data: bytes) -> etree._Element:
    """Parse a whole document and return its root element."""
    reject_declarations(data)
    depth = 0
    root = None
    try:
        for event, element in etree.iterparse(
            _BytesReader(data), events=("start", "end"), **_parser_options()
        ):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > MAX_DEPTH:
                    raise ParseError(
                        ParseErrorCode.TOO_DEEP, f"XML nested deeper than {MAX_DEPTH} levels"
                    )
            else:
                depth -= 1
    except etree.XMLSyntaxError as exc:
        raise ParseError(ParseErrorCode.MALFORMED, f"not well-formed XML: {exc}") from None
    if root is None:
        raise ParseError(ParseErrorCode.MALFORMED, "empty XML document")
    return root


def iterparse(data: bytes, tag: str | tuple[str, ...] | None = None, events=("end",)) -> Iterator:
    """Streaming parse with the same protections (depth is bounded by libxml2's own limit)."""
    reject_declarations(data)
    try:
        yield from etree.iterparse(_BytesReader(data), events=events, tag=tag, **_parser_options())
    except etree.XMLSyntaxError as exc:
        raise ParseError(ParseErrorCode.MALFORMED, f"not well-formed XML: {exc}") from None


class _BytesReader:
    """A minimal file object over bytes (iterparse wants something with read())."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes):
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = len(self._data) - self._pos
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk


def localname(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element: etree._Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""
