"""Relay plumbing: Node, opaque global IDs and keyset-cursor connections.

How a list field uses it (the repository owns the SQL, this module the paging)::

    # queries.py
    @strawberry.field
    def customers(self, info: Info, first: int | None = None, after: str | None = None,
                  last: int | None = None, before: str | None = None) -> Connection[Customer]:
        page = page_request(info, first, after, last, before)    # arapi.graphql.common
        rows, has_more = await read(info, lambda s: customer_repository.page(s, org, page))
        return build_connection(rows, page, key_of=lambda c: (c.name, c.id),
                                to_node=Customer.from_model, has_more=has_more)

    # repository.py, with arapi.repositories.paging
    def page(session, organization_id, page: PageRequest) -> tuple[list[Customer], bool]:
        stmt = select(Customer).where(Customer.organization_id == organization_id)
        keys = [SortKey(Customer.name), SortKey(Customer.id)]   # unique, NOT NULL
        result = paging.fetch(session, stmt, keys, limit=page.size, after=page.after,
                              before=page.before, forward=not page.backward)
        return [row[0] for row in result.rows], result.has_more

A repository that does its own SQL instead returns the ``page.limit``
(= size + 1) rows read in the walking direction (ascending after ``after``;
descending from ``before`` or the end when ``page.backward``) and the resolver
calls ``build_connection(rows, page, key_of, to_node)``: it drops the extra
row, restores list order and sets ``hasNextPage``/``hasPreviousPage`` without
any COUNT query. The sort key must be unique (end it with the primary key) and
NOT NULL (coalesce otherwise): comparisons with NULL are NULL in SQL.
``paging.fetch`` refuses a cursor minted for another ordering (another arity,
or a value of another type than its sort column) with INVALID_INPUT; ``kinds``
lets a caller check the same when it decodes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import strawberry

from arapi.errors import ArapiError, CommonErrorCode

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_MAX_CURSOR_CHARS = 1024
_MAX_GLOBAL_ID_CHARS = 200
_TYPE_NAME_RE = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
_PK_RE = re.compile(r"[1-9][0-9]{0,18}")
# Keys and cursor integers are compared with BIGINT columns: beyond its range
# PostgreSQL fails the query ("bigint out of range") instead of finding nothing.
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
_B64_RE = re.compile(r"[A-Za-z0-9_-]+")

CursorValue = int | str | date | datetime | None


# -------------------------------------------------------------- global IDs


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64_RE.fullmatch(text):
        raise ValueError("not url-safe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def to_global_id(type_name: str, pk: int) -> str:
    """Opaque global ID of a row: url-safe base64 of "Type:pk" without padding."""
    if not _TYPE_NAME_RE.fullmatch(type_name):
        raise ValueError(f"not a GraphQL type name: {type_name!r}")
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise ValueError(f"primary keys are positive integers, got {pk!r}")
    return _b64encode(f"{type_name}:{pk}".encode("ascii"))


def from_global_id(gid: object, expected_type: str | None = None) -> tuple[str, int]:
    """(type name, primary key) of a global ID, or ArapiError(INVALID_ID).

    With ``expected_type`` an ID of another type is refused too, so an
    ``invoiceId`` argument cannot be fed a Customer ID.
    """
    invalid = ArapiError(CommonErrorCode.INVALID_ID, f"{_shown(gid)} is not a valid ID")
    if not isinstance(gid, str) or not gid or len(gid) > _MAX_GLOBAL_ID_CHARS:
        raise invalid
    try:
        text = _b64decode(gid).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    type_name, sep, pk_text = text.partition(":")
    if not sep or not _TYPE_NAME_RE.fullmatch(type_name) or not _PK_RE.fullmatch(pk_text):
        raise invalid
    pk = int(pk_text)
    if pk > _BIGINT_MAX:  # 19 digits pass the pattern but may not fit a key column
        raise invalid
    if to_global_id(type_name, pk) != gid:  # one canonical spelling per ID
        raise invalid
    if expected_type is not None and type_name != expected_type:
        raise ArapiError(
            CommonErrorCode.INVALID_ID, f"{_shown(gid)} is not the ID of a {expected_type}"
        )
    return type_name, pk


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    return type(value).__name__


@strawberry.interface(description="An object with a global, opaque ID.")
class Node:
    id: strawberry.ID


# ----------------------------------------------------------------- cursors


def encode_cursor(values: tuple[CursorValue, ...]) -> str:
    """Opaque cursor of a keyset position (the sort-key values of a row)."""
    items: list[Any] = []
    for value in values:
        if value is None or isinstance(value, str):
            items.append(value)
        elif isinstance(value, bool):
            raise TypeError("booleans are not cursor values")
        elif isinstance(value, int):
            items.append(value)
        elif isinstance(value, datetime):  # before date: datetime is a date subclass
            if value.tzinfo is None:
                raise TypeError("cursor datetimes must be timezone-aware")
            items.append({"t": value.isoformat()})
        elif isinstance(value, date):
            items.append({"d": value.isoformat()})
        else:
            raise TypeError(f"unsupported cursor value type: {type(value).__name__}")
    return _b64encode(json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def decode_cursor(cursor: object, kinds: Sequence[type] | None = None) -> tuple[CursorValue, ...]:
    """The sort-key tuple of a cursor, or ArapiError(INVALID_INPUT).

    ``kinds`` (e.g. ``(str, int)``) checks the arity and the type of each
    value, so a cursor of another ordering is refused instead of reaching SQL.
    ``None`` values and any text are accepted here; ``paging.fetch`` refuses
    what SQL cannot compare (NULL, text with a NUL or a lone surrogate). Integers beyond BIGINT
    are refused: no key a cursor is made from can hold one.
    """
    invalid = ArapiError(CommonErrorCode.INVALID_INPUT, f"{_shown(cursor)} is not a valid cursor")
    if not isinstance(cursor, str) or not cursor or len(cursor) > _MAX_CURSOR_CHARS:
        raise invalid
    try:
        items = json.loads(_b64decode(cursor).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not isinstance(items, list):
        raise invalid
    values: list[CursorValue] = []
    for item in items:
        if item is None or isinstance(item, str):
            values.append(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            if not _BIGINT_MIN <= item <= _BIGINT_MAX:
                raise invalid
            values.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            ((tag, text),) = item.items()
            try:
                if tag == "d" and isinstance(text, str):
                    values.append(date.fromisoformat(text))
                elif tag == "t" and isinstance(text, str):
                    instant = datetime.fromisoformat(text)
                    if instant.tzinfo is None:
                        raise invalid
                    values.append(instant)
                else:
                    raise invalid
            except ValueError:
                raise invalid from None
        else:
            raise invalid
    if kinds is not None:
        if len(values) != len(kinds):
            raise invalid
        for value, kind in zip(values, kinds, strict=True):
            if value is None:
                continue
            if kind is date and isinstance(value, datetime):
                raise invalid
            if not isinstance(value, kind):
                raise invalid
    return tuple(values)


# ------------------------------------------------------------ page request


@dataclass(frozen=True)
class PageRequest:
    """Validated paging arguments.

    ``size`` rows are returned; the repository fetches ``limit`` (size + 1) rows
    after ``after`` and before ``before``, ascending when not ``backward``,
    descending (from ``before`` or the end) when ``backward``.
    """

    size: int
    after: tuple[CursorValue, ...] | None = None
    before: tuple[CursorValue, ...] | None = None
    backward: bool = False

    @property
    def limit(self) -> int:
        return self.size + 1

    @classmethod
    def from_args(
        cls,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        max_size: int = MAX_PAGE_SIZE,
        *,
        default_size: int = DEFAULT_PAGE_SIZE,
        kinds: Sequence[type] | None = None,
    ) -> PageRequest:
        if first is not None and last is not None:
            raise ArapiError(
                CommonErrorCode.INVALID_INPUT,
                "pass either first or last, not both",
                ["first"],
            )
        for name, value in (("first", first), ("last", last)):
            if value is None:
                continue
            if value < 0:
                raise ArapiError(
                    CommonErrorCode.INVALID_INPUT, f"{name} must not be negative", [name]
                )
            if value > max_size:
                raise ArapiError(
                    CommonErrorCode.INVALID_INPUT,
                    f"{name} must be at most {max_size} (got {value}); page with the cursors",
                    [name],
                )
        size = (
            first
            if first is not None
            else last
            if last is not None
            else min(default_size, max_size)
        )
        return cls(
            size=size,
            after=_cursor_arg(after, "after", kinds),
            before=_cursor_arg(before, "before", kinds),
            backward=last is not None,
        )


def _cursor_arg(
    cursor: str | None, name: str, kinds: Sequence[type] | None
) -> tuple[CursorValue, ...] | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, kinds)
    except ArapiError as exc:
        raise exc.with_field(name) from None


# -------------------------------------------------------------- connection

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    """A page of a list. ``Connection[Customer]`` is named ``CustomerConnection``."""

    edges: list[Edge[NodeT]]
    nodes: list[NodeT]
    page_info: PageInfo


def build_connection(
    rows: Sequence[RowT],
    page: PageRequest,
    key_of: Callable[[RowT], tuple[CursorValue, ...]],
    to_node: Callable[[RowT], NodeT],
    *,
    has_more: bool | None = None,
    other_side: bool | None = None,
    connection_class: type[Connection[Any]] = Connection,
) -> Connection[NodeT]:
    """Turn the rows a repository fetched into a Connection.

    Without ``has_more``, ``rows`` are the ``page.limit`` (size + 1) rows read
    in the walking direction: the extra row tells whether there is more, and a
    backward page is put back in list order. With ``has_more`` (what
    ``arapi.repositories.paging.fetch`` returns), ``rows`` are already the page,
    in list order.

    The other direction is known from the cursor: a page that starts after a
    cursor has rows before it. A repository that checked it exactly (an
    ``EXISTS`` query) passes ``other_side``.
    ``connection_class`` lets a type add fields (a subclass of Connection).
    """
    if has_more is None:
        has_more = len(rows) > page.size
        kept = list(rows[: page.size])
        if page.backward:
            kept.reverse()
    else:
        kept = list(rows)
    edges = [Edge(cursor=encode_cursor(tuple(key_of(row))), node=to_node(row)) for row in kept]
    if page.backward:
        has_previous = has_more
        has_next = other_side if other_side is not None else page.before is not None
    else:
        has_next = has_more
        has_previous = other_side if other_side is not None else page.after is not None
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return connection_class(edges=edges, nodes=[edge.node for edge in edges], page_info=info)


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Connection",
    "CursorValue",
    "Edge",
    "Node",
    "PageInfo",
    "PageRequest",
    "build_connection",
    "decode_cursor",
    "encode_cursor",
    "from_global_id",
    "to_global_id",
]
