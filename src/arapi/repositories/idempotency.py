from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from arapi.models import IdempotencyKey


def find(session: Session, org_id: int, operation: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.organization_id == org_id,
            IdempotencyKey.operation == operation,
            IdempotencyKey.key == key,
        )
    )


def add(session: Session, row: IdempotencyKey) -> None:
    session.add(row)
    session.flush()
