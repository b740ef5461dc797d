"""Keyset pagination in SQL: no OFFSET, no COUNT, stable under inserts.

A caller gives the statement, its sort columns (each ascending or descending,
the last one unique, usually the id) and the bounds decoded from cursors.
We fetch ``limit + 1`` rows in the walking direction so "is there more" is
exact without a second query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


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
