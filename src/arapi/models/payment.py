"""Payments, their immutable allocations, and returned direct debits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Currency, Id, Minor, fk, org_fk


def _where_set(column: str) -> Index:
    """``ix_payments_<column>`` over the rows where ``column`` is not NULL (partial, on both databases)."""
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_payments_{column}", column, postgresql_where=where, sqlite_where=where)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_org_received", "organization_id", "received_on", "id"),
        # Only where set: an imported payment has no customer until it is applied, and OFX
        # or CFONB lines carry no end-to-end id. Lookups by value (=, IN, = ANY) still use
        # them; a bulk import writes no index entry for the empty ones.
        _where_set("customer_id"),
        _where_set("end_to_end_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    customer_id: Mapped[int | None] = fk("customers.id", nullable=True, index=False)
    amount_minor: Mapped[Minor]
    currency: Mapped[Currency]
    received_on: Mapped[date]
    payer_name: Mapped[str | None] = mapped_column(String(300))
    # Shown with the payment and learnt when it is applied; never searched: no index.
    payer_iban: Mapped[str | None] = mapped_column(String(34))
    reference: Mapped[str | None] = mapped_column(Text)
    end_to_end_id: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20), default="api")  # api | statement | demo
    statement_entry_id: Mapped[int | None] = fk("statement_entries.id", nullable=True)
    created_at: Mapped[Created]


class Allocation(Base):
    """Money applied to an invoice. Never updated or deleted: an undo is a reversing row.

    ``amount_minor`` is cash taken from the payment (or credit from a credit note);
    ``discount_minor`` and ``writeoff_minor`` settle the invoice without cash.
    An invoice is settled by the sum of all three over its rows; a reversal row
    carries the negated amounts and points at the row it reverses.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("reverses_id"),
        Index("ix_allocations_invoice", "invoice_id"),
        Index("ix_allocations_payment", "payment_id"),
    )

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    # payment | credit_note | write_off | prepaid (settled before the invoice was imported)
    kind: Mapped[str] = mapped_column(String(12))
    payment_id: Mapped[int | None] = fk("payments.id", nullable=True, index=False)
    credit_note_id: Mapped[int | None] = fk("invoices.id", nullable=True)
    invoice_id: Mapped[int] = fk("invoices.id", index=False)
    installment_id: Mapped[int | None] = fk("installments.id", nullable=True)
    currency: Mapped[Currency]
    amount_minor: Mapped[Minor]
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    writeoff_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reverses_id: Mapped[int | None] = fk("allocations.id", nullable=True, index=False)
    author: Mapped[str] = mapped_column(String(100))  # api key name, "engine", "cli"
    explanation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Created]


class PaymentReturn(Base):
    """A returned direct debit (SEPA R-transaction) and the payment it reverses."""

    __tablename__ = "payment_returns"

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    statement_entry_id: Mapped[int | None] = fk("statement_entries.id", nullable=True)
    payment_id: Mapped[int | None] = fk("payments.id", nullable=True)
    amount_minor: Mapped[Minor]
    currency: Mapped[Currency]
    reason_code: Mapped[str | None] = mapped_column(String(10))
    end_to_end_id: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[Created]
