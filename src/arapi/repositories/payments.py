from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from arapi.models import Payment
from arapi.repositories import paging
from arapi.repositories.balances import PaymentBalance


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    unapplied_minor: int


@dataclass(frozen=True)
class PaymentFilter:
    customer_ids: Sequence[int] | None = None
    currency: str | None = None
    unapplied_only: bool = False
    received_from: date | None = None
    received_to: date | None = None
    search: str | None = None  # payer name or reference
    statement_id: int | None = None


SORT_COLUMNS = {
    "RECEIVED_ON": Payment.received_on,
    "AMOUNT": Payment.amount_minor,
    "CREATED": Payment.id,
}


def _filtered(org_id: int, f: PaymentFilter, balance: PaymentBalance):
    stmt = balance.select_payments().where(Payment.organization_id == org_id)
    if f.customer_ids is not None:
        stmt = stmt.where(Payment.customer_id.in_(list(f.customer_ids) or [-1]))
    if f.currency:
        stmt = stmt.where(Payment.currency == f.currency)
    if f.unapplied_only:
        stmt = stmt.where(balance.unapplied > 0)
    if f.received_from:
        stmt = stmt.where(Payment.received_on >= f.received_from)
    if f.received_to:
        stmt = stmt.where(Payment.received_on <= f.received_to)
    if f.search:
        # autoescape: "%", "_" and the escape character are matched literally.
        needle = f.search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Payment.payer_name).contains(needle, autoescape=True),
                func.lower(Payment.reference).contains(needle, autoescape=True),
            )
        )
    if f.statement_id is not None:
        from arapi.models import StatementEntry

        entries = select(StatementEntry.id).where(StatementEntry.statement_id == f.statement_id)
        stmt = stmt.where(Payment.statement_entry_id.in_(entries))
    return stmt


def page(
    session: Session,
    org_id: int,
    f: PaymentFilter,
    *,
    field: str,
    descending: bool,
    limit: int,
    after: Sequence | None,
    before: Sequence | None,
    forward: bool,
) -> tuple[list[PaymentRow], bool]:
    keys = [paging.SortKey(SORT_COLUMNS[field], descending)]
    if field == "AMOUNT":  # amounts in different currencies do not compare: by currency first
        keys.insert(0, paging.SortKey(Payment.currency, descending))
    if field != "CREATED":
        keys.append(paging.SortKey(Payment.id, descending))
    result = paging.fetch(
        session,
        _filtered(org_id, f, PaymentBalance()),
        keys,
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )
    return [PaymentRow(r[0], int(r[1])) for r in result.rows], result.has_more


def key_of(row: PaymentRow, field: str) -> tuple:
    payment = row.payment
    value = getattr(payment, SORT_COLUMNS[field].key)
    if field == "CREATED":
        return (value,)
    if field == "AMOUNT":
        return (payment.currency, value, payment.id)
    return (value, payment.id)


def get_rows(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, PaymentRow]:
    ids = list(set(ids))
    if not ids:
        return {}
    stmt = (
        PaymentBalance()
        .select_payments()
        .where(Payment.organization_id == org_id, Payment.id.in_(ids))
    )
    return {r[0].id: PaymentRow(r[0], int(r[1])) for r in session.execute(stmt)}


def get_row(session: Session, org_id: int, payment_id: int) -> PaymentRow | None:
    return get_rows(session, org_id, [payment_id]).get(payment_id)


def lock(session: Session, org_id: int, payment_id: int) -> Payment | None:
    stmt = (
        select(Payment)
        .where(Payment.organization_id == org_id, Payment.id == payment_id)
        .with_for_update()
    )
    return session.scalar(stmt)


def available_minor(session: Session, payment: Payment) -> int:
    """What the payment can still allocate: its amount less allocations and returns."""
    return int(session.scalar(select(PaymentBalance().unapplied).where(Payment.id == payment.id)))


def add(session: Session, payment: Payment) -> Payment:
    session.add(payment)
    session.flush()
    return payment


def unapplied_by_customer(
    session: Session, org_id: int, customer_ids: Sequence[int]
) -> dict[tuple[int, str], int]:
    balance = PaymentBalance()
    stmt = (
        select(Payment.customer_id, Payment.currency, func.sum(balance.unapplied))
        .select_from(Payment)
        .where(
            Payment.organization_id == org_id, Payment.customer_id.in_(list(customer_ids) or [-1])
        )
        .group_by(Payment.customer_id, Payment.currency)
    )
    return {(c, cur): int(total or 0) for c, cur, total in session.execute(stmt)}
