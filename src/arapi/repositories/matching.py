"""SQL for cash application: the engine's inputs in bulk, and proposals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from arapi.models import Allocation, Customer, Invoice, MatchProposal, Payment, PaymentReturn
from arapi.repositories.balances import InvoiceBalance, PaymentBalance


def open_items(session: Session, org_id: int) -> list[tuple]:
    """Every invoice and credit note with something open (open amount as InvoiceBalance derives it).

    Rows: (id, customer_id, number, currency, open_minor, total_minor, issue_date, due_date,
    payment_reference, discount_bp, discount_days, kind).
    """
    balance = InvoiceBalance()
    stmt = select(
        Invoice.id,
        Invoice.customer_id,
        Invoice.number,
        Invoice.currency,
        balance.open_minor,
        Invoice.total_minor,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.payment_reference,
        Invoice.discount_bp,
        Invoice.discount_days,
        Invoice.kind,
    ).where(Invoice.organization_id == org_id, balance.open_minor > 0)
    return list(session.execute(stmt))


def customers(session: Session, org_id: int) -> list[tuple[int, str, int | None]]:
    return list(
        session.execute(
            select(Customer.id, Customer.name, Customer.parent_id).where(
                Customer.organization_id == org_id
            )
        )
    )


def unapplied_payments(
    session: Session,
    org_id: int,
    *,
    payment_ids: Iterable[int] | None = None,
    statement_id: int | None = None,
) -> list[tuple[Payment, int]]:
    from arapi.models import StatementEntry

    balance = PaymentBalance()
    stmt = (
        select(Payment, balance.unapplied)
        .where(Payment.organization_id == org_id, balance.unapplied > 0)
        .order_by(Payment.received_on, Payment.id)
    )
    if payment_ids is not None:
        stmt = stmt.where(Payment.id.in_(list(payment_ids) or [-1]))
    if statement_id is not None:
        entries = select(StatementEntry.id).where(StatementEntry.statement_id == statement_id)
        stmt = stmt.where(Payment.statement_entry_id.in_(entries))
    return [(p, int(u)) for p, u in session.execute(stmt)]


def add_proposals(session: Session, rows: list[MatchProposal]) -> None:
    session.add_all(rows)
    session.flush()


def supersede_pending(session: Session, org_id: int, payment_ids: Iterable[int]) -> None:
    ids = list(payment_ids)
    for start in range(0, len(ids), 900):
        session.execute(
            update(MatchProposal)
            .where(
                MatchProposal.organization_id == org_id,
                MatchProposal.payment_id.in_(ids[start : start + 900]),
                MatchProposal.status == "pending",
            )
            .values(status="superseded")
        )


def proposal(
    session: Session, org_id: int, proposal_id: int, *, lock: bool = False
) -> MatchProposal | None:
    stmt = select(MatchProposal).where(
        MatchProposal.organization_id == org_id, MatchProposal.id == proposal_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def proposals_by_id(
    session: Session, org_id: int, ids: Iterable[int]
) -> dict[int, tuple[MatchProposal, str]]:
    """Proposals by id, each with its payment's currency (its amounts are in it)."""
    ids = list(set(ids))
    if not ids:
        return {}
    stmt = (
        select(MatchProposal, Payment.currency)
        .join(Payment, Payment.id == MatchProposal.payment_id)
        .where(MatchProposal.organization_id == org_id, MatchProposal.id.in_(ids))
    )
    return {row.id: (row, currency) for row, currency in session.execute(stmt)}


def proposals_for(
    session: Session, org_id: int, payment_ids: Iterable[int], statuses: tuple[str, ...]
) -> dict[int, list[MatchProposal]]:
    ids = list(set(payment_ids))
    out: dict[int, list[MatchProposal]] = {i: [] for i in ids}
    if not ids:
        return out
    stmt = (
        select(MatchProposal)
        .where(
            MatchProposal.organization_id == org_id,
            MatchProposal.payment_id.in_(ids),
            MatchProposal.status.in_(statuses),
        )
        .order_by(MatchProposal.payment_id, MatchProposal.rank, MatchProposal.id)
    )
    for row in session.scalars(stmt):
        out[row.payment_id].append(row)
    return out


#: Proposal statuses by which a person declined a reading of a payment.
DECLINED_STATUSES = ("undone", "rejected")


def declined(
    session: Session, org_id: int, payment_ids: Iterable[int]
) -> dict[int, list[tuple[list, str, str | None, datetime | None]]]:
    """payment id -> (lines, status, decided_by, decided_at) of its undone and rejected proposals.

    Only payments that have some are keys; oldest decision first.
    """
    ids = sorted(set(payment_ids))
    out: dict[int, list[tuple[list, str, str | None, datetime | None]]] = {}
    for start in range(0, len(ids), 900):
        stmt = (
            select(
                MatchProposal.payment_id,
                MatchProposal.lines,
                MatchProposal.status,
                MatchProposal.decided_by,
                MatchProposal.decided_at,
            )
            .where(
                MatchProposal.organization_id == org_id,
                MatchProposal.payment_id.in_(ids[start : start + 900]),
                MatchProposal.status.in_(DECLINED_STATUSES),
            )
            .order_by(MatchProposal.payment_id, MatchProposal.id)
        )
        for payment_id, lines, status, by, at in session.execute(stmt):
            out.setdefault(payment_id, []).append((lines, status, by, at))
    return out


def invoice_numbers(session: Session, org_id: int, invoice_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(invoice_ids))
    out: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        stmt = select(Invoice.id, Invoice.number).where(
            Invoice.organization_id == org_id, Invoice.id.in_(ids[start : start + 900])
        )
        out.update({iid: number for iid, number in session.execute(stmt)})
    return out


def payments_waiting_for_review(
    session: Session, org_id: int, *, limit: int, after: int | None
) -> tuple[list[int], bool]:
    """Ids of payments with pending proposals, oldest first (keyset on payment id)."""
    stmt = (
        select(MatchProposal.payment_id)
        .where(MatchProposal.organization_id == org_id, MatchProposal.status == "pending")
        .group_by(MatchProposal.payment_id)
        .order_by(MatchProposal.payment_id)
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(MatchProposal.payment_id > after)
    ids = list(session.scalars(stmt))
    return ids[:limit], len(ids) > limit


def engine_allocations(
    session: Session, org_id: int, payment_id: int, author: str
) -> list[Allocation]:
    """Allocations the engine made on a payment and that are not reversed yet."""
    reversed_ids = select(Allocation.reverses_id).where(Allocation.reverses_id.is_not(None))
    stmt = (
        select(Allocation)
        .where(
            Allocation.organization_id == org_id,
            Allocation.payment_id == payment_id,
            Allocation.author == author,
            Allocation.reverses_id.is_(None),
            Allocation.id.not_in(reversed_ids),
        )
        .order_by(Allocation.id)
    )
    return list(session.scalars(stmt))


def live_allocations(session: Session, org_id: int, payment_id: int) -> list[Allocation]:
    """A payment's allocations not reversed yet, newest first."""
    reversed_ids = select(Allocation.reverses_id).where(Allocation.reverses_id.is_not(None))
    stmt = (
        select(Allocation)
        .where(
            Allocation.organization_id == org_id,
            Allocation.payment_id == payment_id,
            Allocation.reverses_id.is_(None),
            Allocation.id.not_in(reversed_ids),
        )
        .order_by(Allocation.id.desc())
    )
    return list(session.scalars(stmt))


def returns_to_settle(session: Session, org_id: int) -> list[tuple[int, int, str | None]]:
    """(payment id, over-allocation, reason) for returned payments whose allocations exceed what is left."""
    balance = PaymentBalance()
    reason = (
        select(func.max(PaymentReturn.reason_code))
        .where(PaymentReturn.payment_id == Payment.id)
        .correlate(Payment)
        .scalar_subquery()
    )
    stmt = select(Payment.id, -balance.unapplied, reason).where(
        Payment.organization_id == org_id,
        Payment.id.in_(
            select(PaymentReturn.payment_id).where(PaymentReturn.organization_id == org_id)
        ),
        balance.unapplied < 0,
    )
    return [(pid, int(over), code) for pid, over, code in session.execute(stmt)]
