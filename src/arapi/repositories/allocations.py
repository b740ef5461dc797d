from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arapi.models import Allocation
from arapi.repositories import owned
from arapi.repositories.balances import SETTLED


def add(session: Session, allocation: Allocation) -> Allocation:
    session.add(allocation)
    session.flush()
    return allocation


def get(session: Session, org_id: int, allocation_id: int) -> Allocation | None:
    row = session.get(Allocation, allocation_id)
    return row if row is not None and row.organization_id == org_id else None


def get_many(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, Allocation]:
    return owned.by_ids(session, Allocation, org_id, ids)


def reversals_of(session: Session, allocation_ids: Iterable[int]) -> dict[int, Allocation]:
    """original allocation id -> the row that reversed it."""
    ids = list(allocation_ids)
    if not ids:
        return {}
    return {
        a.reverses_id: a
        for a in session.scalars(select(Allocation).where(Allocation.reverses_id.in_(ids)))
    }


def lock(session: Session, org_id: int, allocation_id: int) -> Allocation | None:
    return session.scalar(
        select(Allocation)
        .where(Allocation.organization_id == org_id, Allocation.id == allocation_id)
        .with_for_update()
    )


def reversal_of(session: Session, allocation_id: int) -> Allocation | None:
    return session.scalar(select(Allocation).where(Allocation.reverses_id == allocation_id))


def for_payments(
    session: Session, org_id: int, payment_ids: Iterable[int]
) -> dict[int, list[Allocation]]:
    ids = list(set(payment_ids))
    out: dict[int, list[Allocation]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(Allocation)
        .where(Allocation.organization_id == org_id, Allocation.payment_id.in_(ids))
        .order_by(Allocation.id)
    )
    for row in session.scalars(stmt):
        out[row.payment_id].append(row)
    return out


def for_invoices(
    session: Session, org_id: int, invoice_ids: Iterable[int]
) -> dict[int, list[Allocation]]:
    ids = list(set(invoice_ids))
    out: dict[int, list[Allocation]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(Allocation)
        .where(Allocation.organization_id == org_id, Allocation.invoice_id.in_(ids))
        .order_by(Allocation.id)
    )
    for row in session.scalars(stmt):
        out[row.invoice_id].append(row)
    return out


def paid_by_installment(session: Session, installment_ids: Iterable[int]) -> dict[int, int]:
    ids = list(installment_ids)
    if not ids:
        return {}
    stmt = (
        select(
            Allocation.installment_id,
            func.sum(SETTLED),
        )
        .where(Allocation.installment_id.in_(ids))
        .group_by(Allocation.installment_id)
    )
    return {i: int(total or 0) for i, total in session.execute(stmt)}
