"""Rows of one organization fetched by id, in one query: what every dataloader asks for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


def by_ids(session: Session, model: type[Row], org_id: int, ids: Iterable[int]) -> dict[int, Row]:
    """{id: row} for the ``ids`` that exist in the organization (others are left out)."""
    ids = list(set(ids))
    if not ids:
        return {}
    stmt = select(model).where(model.organization_id == org_id, model.id.in_(ids))
    return {row.id: row for row in session.scalars(stmt)}
