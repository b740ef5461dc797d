"""Append-only event log and idempotency keys."""

from __future__ import annotations

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Id, IdType, org_fk


class Event(Base):
    """Who did what, when. Rows are only ever inserted."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "organization_id", "subject_type", "subject_id"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(IdType)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[Created]


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "operation", "key"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    operation: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int] = mapped_column(IdType)
    created_at: Mapped[Created]
