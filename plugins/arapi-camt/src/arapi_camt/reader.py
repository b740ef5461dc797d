"""Streaming read of a whole camt.052/053/054 document.

lxml's iterparse (through :mod:`arapi.plugin.safexml`) hands us only the end
of the elements we need: the group header, each statement and each entry.
An entry is turned into a line as soon as it is complete, then cleared and
unlinked, so the tree never holds more than a few entries whatever the file's
size.

Most documents are read faster: their runs of entries are cut out and parsed
a chunk at a time (:mod:`arapi_camt.runs`), and only the small rest is
streamed; the entries are then handed to the same statement builder, so the
result is the same.
"""

from __future__ import annotations

from lxml import etree

from arapi.plugin import safexml
from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile
from arapi_camt import runs
from arapi_camt.elements import namespace_cut
from arapi_camt.statements import StatementBuilder, start_statement

#: message element -> (format, statement container)
MESSAGES = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_CONTAINERS = frozenset(container for _, container in MESSAGES.values())
_STREAMED = ("GrpHdr", "Stmt", "Rpt", "Ntfctn", "Ntry")
_PEEK_BYTES = 64 * 1024


def read_document(data: bytes, accepted: tuple[str, ...], *, chunked: bool = True) -> StatementFile:
    """Parse ``data`` as one of the ``accepted`` formats ("camt.053", "camt.052", "camt.054").

    Entries are parsed in chunks (:mod:`arapi_camt.runs`) when the document
    allows it, else streamed; ``chunked=False`` always streams. Both give the
    same result.
    """
    data = _checked_bytes(data)
    namespace, prefix = _message_namespace(data)
    if namespace is None:
        return _read(data, accepted, tuple("{*}" + tag for tag in _STREAMED), None)
    tags = tuple(f"{{{namespace}}}{tag}" for tag in _STREAMED)
    if chunked:
        try:
            return _read_chunked(data, accepted, tags, namespace, prefix)
        except (runs.FallBack, ParseError):
            pass  # streamed instead: the same result, or the canonical error
    return _read(data, accepted, tags, None)


def read_in_chunks(data: bytes, accepted: tuple[str, ...]) -> StatementFile:
    """Read with the entries parsed in chunks; :class:`runs.FallBack` when that does not apply."""
    data = _checked_bytes(data)
    namespace, prefix = _message_namespace(data)
    if namespace is None:
        raise runs.FallBack("no camt message at the head of the document")
    tags = tuple(f"{{{namespace}}}{tag}" for tag in _STREAMED)
    return _read_chunked(data, accepted, tags, namespace, prefix)


def _read_chunked(
    data: bytes,
    accepted: tuple[str, ...],
    tags: tuple[str, ...],
    namespace: str,
    prefix: str | None,
) -> StatementFile:
    plan = runs.plan(data, namespace, prefix)
    if plan is None:
        raise runs.FallBack("no entries to cut out")
    return _read(plan.skeleton, accepted, (*tags, runs.MARKER_TAG), plan)


def _checked_bytes(data) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(ParseErrorCode.MALFORMED, "expected the file's bytes")
    return bytes(data)


def _read(
    data: bytes, accepted: tuple[str, ...], tags: tuple[str, ...], plan: runs.Plan | None
) -> StatementFile:
    document = _Document(accepted, plan)
    try:
        for _event, element in safexml.iterparse(data, tag=tags):
            document.take(element)
    except ParseError as exc:
        raise _refined(exc) from None
    except (etree.LxmlError, LookupError, UnicodeError, ValueError) as exc:  # lxml's own refusals
        raise ParseError(ParseErrorCode.MALFORMED, f"unreadable XML: {exc}") from None
    return document.result()


def _message_namespace(data: bytes) -> tuple[str | None, str | None]:
    """(namespace, prefix) of the message element, read from the start tags at the head.

    lxml matches an exact "{namespace}Ntry" much faster than "{*}Ntry"; the
    prefix tells :mod:`arapi_camt.runs` how the entries' tags are written.
    (None, None) when the head does not show a camt message.
    """
    try:
        starts = safexml.iterparse(data[:_PEEK_BYTES], events=("start",))
        for depth, (_event, element) in enumerate(starts):
            namespace, name = safexml.namespace(element), safexml.localname(element)
            if name in MESSAGES:  # "{}Ntry" is an exact no-namespace tag
                return namespace, element.prefix
            if depth >= 2:
                break
    except ParseError:
        pass  # a broken head: the full parse reports it
    return None, None


class _Document:
    __slots__ = (
        "accepted",
        "plan",
        "format",
        "container",
        "message",
        "current",
        "statements",
        "warnings",
    )

    def __init__(self, accepted: tuple[str, ...], plan: runs.Plan | None):
        self.accepted = accepted
        self.plan = plan
        self.format: str | None = None
        self.container: str | None = None
        self.message: etree._Element | None = None
        self.current: StatementBuilder | None = None
        self.statements: list[Statement] = []
        self.warnings: list[str] = []

    def take(self, element: etree._Element) -> None:
        tag = element.tag
        if tag == runs.MARKER_TAG:
            self._run(element)
            return
        cut = namespace_cut(tag)
        name = tag[cut:]
        if name == "Ntry":
            self._entry(element, cut)
        elif name == "GrpHdr":
            self._identify(element.getparent())
        elif name in _CONTAINERS:
            self._statement_end(element, cut, name)

    # ------------------------------------------------------------ events

    def _entry(self, ntry: etree._Element, cut: int) -> None:
        builder = self._builder_for(ntry.getparent(), cut)
        if builder is None:
            return  # an Ntry outside any statement is not ours to read
        builder.add(ntry)
        _release(ntry)

    def _run(self, marker: etree._Element) -> None:
        """A run of entries cut out by :mod:`arapi_camt.runs`: read as if streamed here."""
        plan = self.plan
        builder = self._builder_for(marker.getparent(), namespace_cut(plan.ntry_tag))
        if builder is None:
            _prefix, entries = plan.entries(marker, local_names=False)
            for _ in entries:  # parsed all the same, as streaming would
                pass
        else:
            reader = builder.reader
            own_namespace = reader.prefix == f"{{{plan.namespace}}}"
            prefix, entries = plan.entries(marker, local_names=own_namespace)
            reader = reader.with_prefix(prefix)
            for ntry in entries:
                builder.add(ntry, reader)
        _release(marker)

    def _builder_for(self, parent: etree._Element | None, cut: int) -> StatementBuilder | None:
        """The builder of the statement an entry sits in (started at its first entry)."""
        builder = self.current
        if builder is None or parent is not builder.container:
            if parent is None or not self._is_container(parent, cut):
                return None
            builder = self.current = self._start(parent, cut)
        return builder

    def _statement_end(self, container: etree._Element, cut: int, name: str) -> None:
        if not self._is_container(container, cut):
            return
        builder = self.current
        if builder is None:
            builder = self._start(container, cut)
        else:
            builder.read_trailing(container, cut)
        self.statements.append(builder.build(self.warnings))
        self.current = None
        _release(container)

    # ------------------------------------------------------------ checks

    def _is_container(self, element: etree._Element, cut: int) -> bool:
        """True for a Stmt/Rpt/Ntfctn directly under the message element."""
        if self.message is None:
            self._identify(element.getparent())
        return element.getparent() is self.message and element.tag[cut:] == self.container

    def _identify(self, message: etree._Element | None) -> None:
        if self.message is not None:
            return
        if message is None:
            raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, "not a camt message")
        namespace, name = safexml.namespace(message), safexml.localname(message)
        if name not in MESSAGES:
            raise ParseError(
                ParseErrorCode.UNKNOWN_FORMAT, f"not a camt.052/053/054 message: <{name}>"
            )
        fmt, container = MESSAGES[name]
        if fmt not in self.accepted:
            raise ParseError(
                ParseErrorCode.UNKNOWN_FORMAT,
                f"this is a {fmt} message (<{name}>), not {' or '.join(self.accepted)}",
            )
        if fmt not in namespace:
            self.warnings.append(f"<{name}> is in namespace {namespace!r}, not a {fmt} one")
        self.format, self.container, self.message = fmt, container, message

    def _start(self, container: etree._Element, cut: int) -> StatementBuilder:
        return start_statement(container, cut, self.format or "")

    def result(self) -> StatementFile:
        if self.plan is not None:
            self.plan.check_complete()
        if self.message is None:
            raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, "no camt.052/053/054 message found")
        if not self.statements:
            raise ParseError(
                ParseErrorCode.NO_CONTENT,
                f"the {self.format} message holds no {self.container} element",
            )
        return StatementFile(statements=tuple(self.statements), warnings=tuple(self.warnings))


def _release(element: etree._Element) -> None:
    """Free a handled element and everything before it: memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _refined(exc: ParseError) -> ParseError:
    """Give libxml2's depth and encoding failures their own codes."""
    if exc.code is ParseErrorCode.MALFORMED:
        if "Excessive depth" in exc.message:
            return ParseError(ParseErrorCode.TOO_DEEP, exc.message)
        if "encoding" in exc.message.lower():
            return ParseError(ParseErrorCode.ENCODING, exc.message)
    return exc
