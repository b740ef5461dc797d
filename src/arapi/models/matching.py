"""Cash-application proposals waiting for review or already decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Id, UTCDateTime, fk, org_fk


class MatchProposal(Base):
    __tablename__ = "match_proposals"

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    payment_id: Mapped[int] = fk("payments.id", ondelete="CASCADE")
    customer_id: Mapped[int | None] = fk("customers.id", nullable=True)
    rank: Mapped[int]
    # Confidence in basis points (0..10000): an integer, so it compares exactly.
    confidence_bp: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # pending | applied (automatic) | confirmed | rejected | superseded | undone
    lines: Mapped[list] = mapped_column(
        JSON
    )  # [{invoice_id, amount_minor, discount_minor, writeoff_minor}]
    # Cash the proposal leaves unapplied (an overpayment).
    unapplied_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    rules: Mapped[list] = mapped_column(JSON)  # rule names that fired
    explanation: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[Created]
