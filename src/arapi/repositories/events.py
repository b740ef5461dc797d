from __future__ import annotations

from sqlalchemy.orm import Session

from arapi.models import Event


def add(session: Session, event: Event) -> None:
    session.add(event)
