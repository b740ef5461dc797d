from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from arapi.models import Event


def add(session: Session, event: Event) -> None:
    session.add(event)


def for_subject(session: Session, org_id: int, subject_type: str, subject_id: int) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.organization_id == org_id,
                Event.subject_type == subject_type,
                Event.subject_id == subject_id,
            )
            .order_by(Event.id)
        )
    )


def latest(session: Session, org_id: int, limit: int = 100) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.organization_id == org_id)
            .order_by(Event.id.desc())
            .limit(limit)
        )
    )
