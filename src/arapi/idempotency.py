"""Idempotency keys for mutations that create money movements.

The same key with the same input returns the first result and writes nothing;
the same key with a different input is an IDEMPOTENCY_CONFLICT error.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError, CommonErrorCode
from arapi.inputs import check_text
from arapi.models import IdempotencyKey
from arapi.repositories import idempotency as repo

KEY_MAX_LENGTH = IdempotencyKey.__table__.c.key.type.length


def fingerprint(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(
    session: Session, viewer: Viewer, operation: str, key: str | None, payload: Any
) -> int | None:
    """The result id of an earlier identical request, or None when this key is new."""
    if not key:
        return None
    if len(key) > KEY_MAX_LENGTH:
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"an idempotency key has at most {KEY_MAX_LENGTH} characters",
            ["idempotencyKey"],
        )
    check_text(key, "the idempotency key")
    row = repo.find(session, viewer.organization_id, operation, key)
    if row is None:
        return None
    if row.request_hash != fingerprint(payload):
        raise ArapiError(
            CommonErrorCode.IDEMPOTENCY_CONFLICT,
            f"idempotency key {key!r} was already used with a different input",
            ["idempotencyKey"],
        )
    return row.result_id


def remember(
    session: Session, viewer: Viewer, operation: str, key: str | None, payload: Any, result_id: int
) -> None:
    if not key:
        return
    repo.add(
        session,
        IdempotencyKey(
            organization_id=viewer.organization_id,
            operation=operation,
            key=key,
            request_hash=fingerprint(payload),
            result_id=result_id,
        ),
    )
