"""The append-only event log: every change records who, when and what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from arapi.auth.viewer import Viewer
from arapi.models import Event
from arapi.repositories import events as repo


def record(
    session: Session, viewer: Viewer, action: str, subject_type: str, subject_id: int, **data: Any
) -> None:
    repo.add(
        session,
        Event(
            organization_id=viewer.organization_id,
            actor=viewer.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=_jsonable(data),
        ),
    )


def _jsonable(value: Any) -> Any:
    """Dates and Decimals become strings so the log is plain JSON on every backend."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
