"""Payment schedules: installment plans over one or more invoices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Currency, Id, Minor, UTCDateTime, fk, org_fk


class PaymentSchedule(Base):
    __tablename__ = "payment_schedules"

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    customer_id: Mapped[int] = fk("customers.id")
    currency: Mapped[Currency]
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[Created]


class ScheduleInvoice(Base):
    __tablename__ = "schedule_invoices"
    __table_args__ = (UniqueConstraint("schedule_id", "invoice_id"),)

    id: Mapped[Id]
    schedule_id: Mapped[int] = fk(
        "payment_schedules.id", ondelete="CASCADE", index=False
    )  # leads the unique constraint
    invoice_id: Mapped[int] = fk("invoices.id")


class Installment(Base):
    """Paid amount is derived from allocations that name this installment."""

    __tablename__ = "installments"
    __table_args__ = (UniqueConstraint("schedule_id", "seq"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    schedule_id: Mapped[int] = fk(
        "payment_schedules.id", ondelete="CASCADE", index=False
    )  # leads the unique constraint
    seq: Mapped[int]
    due_date: Mapped[date]
    amount_minor: Mapped[Minor]
