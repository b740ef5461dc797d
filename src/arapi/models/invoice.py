"""Invoices and credit notes. The open amount is derived from allocations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Currency, Id, Minor, UTCDateTime, fk, org_fk, utcnow


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_invoices_org_due", "organization_id", "due_date", "id"),
        Index("ix_invoices_org_customer", "organization_id", "customer_id", "due_date"),
    )

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    customer_id: Mapped[int] = fk("customers.id")
    kind: Mapped[str] = mapped_column(String(12), default="invoice")  # invoice | credit_note
    number: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date]
    due_date: Mapped[date]
    currency: Mapped[Currency]
    total_excl_tax_minor: Mapped[Minor]
    tax_total_minor: Mapped[Minor]
    total_minor: Mapped[Minor]  # with tax: what the customer owes
    external_ref: Mapped[str | None] = mapped_column(String(100))
    # ISO 11649 creditor reference printed on the invoice ("RF..").
    payment_reference: Mapped[str | None] = mapped_column(String(35), index=True)
    # Early-payment discount terms: percent in basis points within discount_days of issue.
    discount_bp: Mapped[int | None] = mapped_column()
    discount_days: Mapped[int | None] = mapped_column()
    # The invoice a credit note corrects, when known.
    corrects_id: Mapped[int | None] = fk("invoices.id", nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20), default="api")
    created_at: Mapped[Created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InvoiceTaxLine(Base):
    """Tax per rate; the rate is kept as text ("20.00") so it is never a float."""

    __tablename__ = "invoice_tax_lines"

    id: Mapped[Id]
    invoice_id: Mapped[int] = fk("invoices.id", ondelete="CASCADE")
    rate: Mapped[str] = mapped_column(String(12))
    base_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
