"""Keyset pagination in SQL: no OFFSET, no COUNT, stable under inserts.

A caller gives the statement, its sort columns (each ascending or descending,
the last one unique, usually the id) and the bounds decoded from cursors.
We fetch ``limit + 1`` rows in the walking direction so "is there more" is
exact without a second query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from arapi.errors import ArapiError, CommonErrorCode
from arapi.inputs import text_problem


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool = False


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    has_more: bool  # more rows beyond the page in the walking direction


def _after(keys: Sequence[SortKey], values: Sequence[Any], forward: bool) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order (or before it when not forward)."""
    clauses = []
    for i, key in enumerate(keys):
        use_gt = (not key.descending) == forward
        step = key.column > values[i] if use_gt else key.column < values[i]
        equal_prefix = [keys[j].column == values[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


def _check_bound(keys: Sequence[SortKey], values: Sequence[Any]) -> None:
    """A cursor's values must fit this ordering's keys: one per key, of the column's type, not null.

    A cursor made for another ordering (another field, another arity) is the
    caller's mistake and gets INVALID_INPUT, not a failed or meaningless query.
    """
    wrong = ArapiError(CommonErrorCode.INVALID_INPUT, "the cursor was made for another ordering")
    if len(values) != len(keys):
        raise wrong
    for key, value in zip(keys, values, strict=True):
        # No row has these as keys, so no page made the cursor. Sort keys are
        # NOT NULL and SQL cannot order after a NULL (``column > NULL`` is not
        # even built); text the database cannot hold fails in the driver.
        if value is None or (isinstance(value, str) and text_problem(value) is not None):
            raise ArapiError(CommonErrorCode.INVALID_INPUT, "not a valid cursor")
        kind = _python_type(key.column)
        if kind is None:
            continue
        if (kind is date and isinstance(value, datetime)) or not isinstance(value, kind):
            raise wrong


def _python_type(column: ColumnElement[Any]) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def fetch(
    session: Session,
    stmt: Select,
    keys: Sequence[SortKey],
    *,
    limit: int,
    after: Sequence[Any] | None = None,
    before: Sequence[Any] | None = None,
    forward: bool = True,
) -> KeysetPage:
    for bound in (after, before):
        if bound is not None:
            _check_bound(keys, bound)
    if after is not None:
        stmt = stmt.where(_after(keys, after, True))
    if before is not None:
        stmt = stmt.where(_after(keys, before, False))
    # Walking backwards (last/before) reads the order reversed, then flips the rows.
    order = [
        (key.column.asc() if (not key.descending) == forward else key.column.desc()) for key in keys
    ]
    rows = list(session.execute(stmt.order_by(*order).limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    return KeysetPage(rows, has_more)


def by_id(
    session: Session,
    stmt: Select,
    id_column: ColumnElement[Any],
    *,
    descending: bool = False,
    limit: int,
    after: Sequence[Any] | None = None,
    before: Sequence[Any] | None = None,
    forward: bool = True,
) -> tuple[list[Any], bool]:
    """A page of the one model ``stmt`` selects, walked by its id: (objects, has more)."""
    page = fetch(
        session,
        stmt,
        [SortKey(id_column, descending)],
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )
    return [row[0] for row in page.rows], page.has_more
