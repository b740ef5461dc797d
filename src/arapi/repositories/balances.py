"""Open amounts, applied amounts and invoice status, derived in SQL from allocation rows.

Allocation rows are immutable and a reversal is a negated row, so a plain SUM
over an invoice's (or payment's) rows is its current net position. Everything
here is integer arithmetic on minor units.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from arapi.models import Allocation, Invoice, Payment, PaymentReturn

OPEN = "OPEN"
PARTIALLY_PAID = "PARTIALLY_PAID"
PAID = "PAID"
CANCELLED = "CANCELLED"
WRITTEN_OFF = "WRITTEN_OFF"


def _settled(column):
    """Correlated SUM over one invoice's allocations: cost follows the rows asked for, not the ledger."""
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(Allocation.invoice_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )


#: What an allocation settles on its invoice: cash, early-payment discount and write-off.
SETTLED = Allocation.amount_minor + Allocation.discount_minor + Allocation.writeoff_minor


class InvoiceBalance:
    """Column expressions for an invoice's open amount, write-offs and status."""

    def __init__(self) -> None:
        settled = _settled(SETTLED)
        used = (
            select(func.coalesce(func.sum(Allocation.amount_minor), 0))
            .where(Allocation.credit_note_id == Invoice.id)
            .correlate(Invoice)
            .scalar_subquery()
        )
        # Only explicit write-offs make an invoice WRITTEN_OFF; tolerated bank fees do not.
        self.written_off: ColumnElement[int] = _settled(
            case((Allocation.kind == "write_off", Allocation.writeoff_minor), else_=0)
        )
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

    def select_invoices(self):
        """SELECT Invoice, open_minor, written_off, status."""
        return select(
            Invoice,
            self.open_minor.label("open_minor"),
            self.written_off.label("written_off"),
            self.status.label("status"),
        ).select_from(Invoice)


class PaymentBalance:
    """Unapplied = amount - allocated - returned (a returned direct debit gave the money back)."""

    def __init__(self) -> None:
        self.applied: ColumnElement[int] = (
            select(func.coalesce(func.sum(Allocation.amount_minor), 0))
            .where(Allocation.payment_id == Payment.id)
            .correlate(Payment)
            .scalar_subquery()
        )
        self.returned: ColumnElement[int] = (
            select(func.coalesce(func.sum(PaymentReturn.amount_minor), 0))
            .where(PaymentReturn.payment_id == Payment.id)
            .correlate(Payment)
            .scalar_subquery()
        )
        self.unapplied: ColumnElement[int] = Payment.amount_minor - self.applied - self.returned

    def select_payments(self):
        return select(Payment, self.unapplied.label("unapplied_minor")).select_from(Payment)
