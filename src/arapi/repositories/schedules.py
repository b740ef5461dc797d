from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from arapi.models import Installment, PaymentSchedule, ScheduleInvoice
from arapi.repositories import owned, paging


@dataclass(frozen=True)
class ScheduleFilter:
    customer_ids: Sequence[int] | None = None
    active_only: bool = False


def add(
    session: Session,
    schedule: PaymentSchedule,
    invoice_ids: Iterable[int],
    installments: list[Installment],
):
    session.add(schedule)
    session.flush()
    for invoice_id in invoice_ids:
        session.add(ScheduleInvoice(schedule_id=schedule.id, invoice_id=invoice_id))
    for item in installments:
        item.schedule_id = schedule.id
        session.add(item)
    session.flush()
    return schedule


def get(session: Session, org_id: int, schedule_id: int) -> PaymentSchedule | None:
    row = session.get(PaymentSchedule, schedule_id)
    return row if row is not None and row.organization_id == org_id else None


def get_many(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, PaymentSchedule]:
    return owned.by_ids(session, PaymentSchedule, org_id, ids)


def page(session: Session, org_id: int, f: ScheduleFilter, *, limit, after, before, forward):
    stmt = select(PaymentSchedule).where(PaymentSchedule.organization_id == org_id)
    if f.customer_ids is not None:
        stmt = stmt.where(PaymentSchedule.customer_id.in_(list(f.customer_ids) or [-1]))
    if f.active_only:
        stmt = stmt.where(PaymentSchedule.cancelled_at.is_(None))
    return paging.by_id(
        session, stmt, PaymentSchedule.id, limit=limit, after=after, before=before, forward=forward
    )


def installments_for(session: Session, schedule_ids: Iterable[int]) -> dict[int, list[Installment]]:
    ids = list(set(schedule_ids))
    out: dict[int, list[Installment]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = select(Installment).where(Installment.schedule_id.in_(ids)).order_by(Installment.seq)
    for row in session.scalars(stmt):
        out[row.schedule_id].append(row)
    return out


def invoice_ids_for(session: Session, schedule_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(set(schedule_ids))
    out: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(ScheduleInvoice)
        .where(ScheduleInvoice.schedule_id.in_(ids))
        .order_by(ScheduleInvoice.id)
    )
    for row in session.scalars(stmt):
        out[row.schedule_id].append(row.invoice_id)
    return out


def get_installment(session: Session, org_id: int, installment_id: int) -> Installment | None:
    row = session.get(Installment, installment_id)
    return row if row is not None and row.organization_id == org_id else None


def active_schedule_invoice_ids(session: Session, invoice_ids: Iterable[int]) -> set[int]:
    ids = list(invoice_ids)
    if not ids:
        return set()
    stmt = (
        select(ScheduleInvoice.invoice_id)
        .join(PaymentSchedule, PaymentSchedule.id == ScheduleInvoice.schedule_id)
        .where(ScheduleInvoice.invoice_id.in_(ids), PaymentSchedule.cancelled_at.is_(None))
    )
    return set(session.scalars(stmt))
