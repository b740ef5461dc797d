"""Open amounts, applied amounts and invoice status, derived in SQL from allocation rows.

Allocation rows are immutable and a reversal is a negated row, so a plain SUM
over an invoice's (or payment's) rows is its current net position. Everything
here is integer arithmetic on minor units.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from arapi.models import Allocation, Invoice, Payment

OPEN = "OPEN"
PARTIALLY_PAID = "PARTIALLY_PAID"
PAID = "PAID"
CANCELLED = "CANCELLED"
WRITTEN_OFF = "WRITTEN_OFF"


def settled_by_invoice():
    """invoice_id -> settled (cash + discount + write-off) and written-off sums."""
    return (
        select(
            Allocation.invoice_id.label("invoice_id"),
            func.sum(
                Allocation.amount_minor + Allocation.discount_minor + Allocation.writeoff_minor
            ).label("settled"),
            # Only explicit write-offs make an invoice WRITTEN_OFF; tolerated bank fees do not.
            func.sum(
                case((Allocation.kind == "write_off", Allocation.writeoff_minor), else_=0)
            ).label("written_off"),
        )
        .group_by(Allocation.invoice_id)
        .subquery("settled")
    )


def used_by_credit_note():
    """credit_note_id -> credit applied to other invoices."""
    return (
        select(
            Allocation.credit_note_id.label("credit_note_id"),
            func.sum(Allocation.amount_minor).label("used"),
        )
        .where(Allocation.credit_note_id.is_not(None))
        .group_by(Allocation.credit_note_id)
        .subquery("used")
    )


def applied_by_payment():
    return (
        select(
            Allocation.payment_id.label("payment_id"),
            func.sum(Allocation.amount_minor).label("applied"),
        )
        .where(Allocation.payment_id.is_not(None))
        .group_by(Allocation.payment_id)
        .subquery("applied")
    )


class InvoiceBalance:
    """Column expressions over Invoice joined to its settlement subqueries."""

    def __init__(self) -> None:
        self.settled_sq = settled_by_invoice()
        self.used_sq = used_by_credit_note()
        settled = func.coalesce(self.settled_sq.c.settled, 0)
        used = func.coalesce(self.used_sq.c.used, 0)
        self.written_off: ColumnElement[int] = func.coalesce(self.settled_sq.c.written_off, 0)
        self.open_minor: ColumnElement[int] = case(
            (Invoice.cancelled_at.is_not(None), literal(0)),
            (Invoice.kind == "credit_note", Invoice.total_minor - used),
            else_=Invoice.total_minor - settled,
        )
        self.status: ColumnElement[str] = case(
            (Invoice.cancelled_at.is_not(None), literal(CANCELLED)),
            (and_(self.open_minor == 0, self.written_off > 0), literal(WRITTEN_OFF)),
            (self.open_minor <= 0, literal(PAID)),
            (self.open_minor >= Invoice.total_minor, literal(OPEN)),
            else_=literal(PARTIALLY_PAID),
        )

    def joined(self, stmt):
        return stmt.outerjoin(
            self.settled_sq, self.settled_sq.c.invoice_id == Invoice.id
        ).outerjoin(self.used_sq, self.used_sq.c.credit_note_id == Invoice.id)

    def select_invoices(self):
        """SELECT Invoice, open_minor, written_off, status."""
        return self.joined(
            select(
                Invoice,
                self.open_minor.label("open_minor"),
                self.written_off.label("written_off"),
                self.status.label("status"),
            ).select_from(Invoice)
        )


class PaymentBalance:
    def __init__(self) -> None:
        self.applied_sq = applied_by_payment()
        self.applied: ColumnElement[int] = func.coalesce(self.applied_sq.c.applied, 0)
        self.unapplied: ColumnElement[int] = Payment.amount_minor - self.applied

    def select_payments(self):
        return (
            select(Payment, self.unapplied.label("unapplied_minor"))
            .select_from(Payment)
            .outerjoin(self.applied_sq, self.applied_sq.c.payment_id == Payment.id)
        )


def days_past_due(due: date, asof: date, open_minor: int) -> int:
    if open_minor <= 0:
        return 0
    return max(0, (asof - due).days)
