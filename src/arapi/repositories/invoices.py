from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from arapi.models import Allocation, Invoice, InvoiceTaxLine
from arapi.repositories import paging
from arapi.repositories.balances import SETTLED, InvoiceBalance


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    open_minor: int
    written_off_minor: int
    status: str


@dataclass(frozen=True)
class InvoiceFilter:
    customer_ids: Sequence[int] | None = None  # None: all; partners pass their grants
    statuses: Sequence[str] | None = None
    currency: str | None = None
    kind: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    # Overdue on this date: invoices (never credit notes) with something open, due before it.
    overdue_on: date | None = None
    search: str | None = None  # number or customer name


def _rows(result) -> list[InvoiceRow]:
    return [InvoiceRow(r[0], int(r[1]), int(r[2]), r[3]) for r in result]


def _filtered(org_id: int, f: InvoiceFilter, balance: InvoiceBalance):
    from arapi.models import Customer

    stmt = balance.select_invoices().where(Invoice.organization_id == org_id)
    if f.customer_ids is not None:
        stmt = stmt.where(Invoice.customer_id.in_(list(f.customer_ids) or [-1]))
    if f.statuses:
        stmt = stmt.where(balance.status.in_(list(f.statuses)))
    if f.currency:
        stmt = stmt.where(Invoice.currency == f.currency)
    if f.kind:
        stmt = stmt.where(Invoice.kind == f.kind)
    if f.due_from:
        stmt = stmt.where(Invoice.due_date >= f.due_from)
    if f.due_to:
        stmt = stmt.where(Invoice.due_date <= f.due_to)
    if f.overdue_on:
        # A credit note is money we owe the customer: it is never past due, whatever its due date.
        stmt = stmt.where(
            Invoice.kind == "invoice",
            Invoice.due_date < f.overdue_on,
            balance.open_minor > 0,
        )
    if f.search:
        # autoescape: "%", "_" and the escape character are matched literally.
        needle = f.search.strip().lower()
        names = select(Customer.id).where(
            Customer.organization_id == org_id,
            func.lower(Customer.name).contains(needle, autoescape=True),
        )
        stmt = stmt.where(
            or_(
                func.lower(Invoice.number).contains(needle, autoescape=True),
                Invoice.customer_id.in_(names),
            )
        )
    return stmt


SORT_COLUMNS = {
    "DUE_DATE": Invoice.due_date,
    "ISSUE_DATE": Invoice.issue_date,
    "NUMBER": Invoice.number,
    "TOTAL": Invoice.total_minor,
    "CREATED": Invoice.id,
}


def sort_keys(field: str, descending: bool) -> list[paging.SortKey]:
    column = SORT_COLUMNS[field]
    keys = [paging.SortKey(column, descending)]
    if field == "TOTAL":  # amounts in different currencies do not compare: by currency first
        keys.insert(0, paging.SortKey(Invoice.currency, descending))
    if column is not Invoice.id:
        keys.append(paging.SortKey(Invoice.id, descending))
    return keys


def key_of(row: InvoiceRow, field: str) -> tuple:
    invoice = row.invoice
    value = getattr(invoice, SORT_COLUMNS[field].key)
    if field == "CREATED":
        return (value,)
    if field == "TOTAL":
        return (invoice.currency, value, invoice.id)
    return (value, invoice.id)


def page(
    session: Session,
    org_id: int,
    f: InvoiceFilter,
    *,
    field: str,
    descending: bool,
    limit: int,
    after: Sequence | None,
    before: Sequence | None,
    forward: bool,
) -> tuple[list[InvoiceRow], bool]:
    balance = InvoiceBalance()
    result = paging.fetch(
        session,
        _filtered(org_id, f, balance),
        sort_keys(field, descending),
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )
    return _rows(result.rows), result.has_more


def get_rows(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, InvoiceRow]:
    ids = list(ids)
    if not ids:
        return {}
    balance = InvoiceBalance()
    stmt = balance.select_invoices().where(Invoice.organization_id == org_id, Invoice.id.in_(ids))
    return {row.invoice.id: row for row in _rows(session.execute(stmt))}


def get_row(session: Session, org_id: int, invoice_id: int) -> InvoiceRow | None:
    return get_rows(session, org_id, [invoice_id]).get(invoice_id)


def lock(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, Invoice]:
    """Lock invoices (ordered by id, so concurrent writers never deadlock)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    stmt = (
        select(Invoice)
        .where(Invoice.organization_id == org_id, Invoice.id.in_(ids))
        .order_by(Invoice.id)
        .with_for_update()
    )
    return {inv.id: inv for inv in session.scalars(stmt)}


def by_number(session: Session, org_id: int, number: str) -> Invoice | None:
    return session.scalar(
        select(Invoice).where(Invoice.organization_id == org_id, Invoice.number == number)
    )


def add(session: Session, invoice: Invoice, taxes: Iterable[InvoiceTaxLine] = ()) -> Invoice:
    session.add(invoice)
    session.flush()
    for tax in taxes:
        tax.invoice_id = invoice.id
        session.add(tax)
    return invoice


def taxes_for(session: Session, invoice_ids: Iterable[int]) -> dict[int, list[InvoiceTaxLine]]:
    out: dict[int, list[InvoiceTaxLine]] = {}
    ids = list(invoice_ids)
    if not ids:
        return out
    for tax in session.scalars(
        select(InvoiceTaxLine).where(InvoiceTaxLine.invoice_id.in_(ids)).order_by(InvoiceTaxLine.id)
    ):
        out.setdefault(tax.invoice_id, []).append(tax)
    return out


def has_net_allocations(session: Session, invoice_id: int) -> bool:
    """True while allocations (not reversed) settle this invoice or use this credit note."""
    settled = session.scalar(
        select(func.coalesce(func.sum(SETTLED), 0)).where(Allocation.invoice_id == invoice_id)
    )
    used = session.scalar(
        select(func.coalesce(func.sum(Allocation.amount_minor), 0)).where(
            Allocation.credit_note_id == invoice_id
        )
    )
    return settled != 0 or used != 0


# ------------------------------------------------------------------ aggregates


AGING_BUCKETS = ("NOT_DUE", "D1_30", "D31_60", "D61_90", "D91_120", "OVER_120")


def aging(
    session: Session,
    org_id: int,
    customer_ids: Sequence[int] | None,
    asof: date,
    by_issue_date: bool = False,
) -> dict[tuple[int, str], dict[str, int]]:
    """(customer_id, currency) -> bucket -> open minor units, summed in SQL.

    Buckets by days past due (or days since issue when ``by_issue_date``); the
    boundaries are dates computed here so SQL needs no date arithmetic.
    """
    balance = InvoiceBalance()
    ref = Invoice.issue_date if by_issue_date else Invoice.due_date
    bucket = case(
        (ref >= asof, literal("NOT_DUE")),
        (ref >= asof - timedelta(days=30), literal("D1_30")),
        (ref >= asof - timedelta(days=60), literal("D31_60")),
        (ref >= asof - timedelta(days=90), literal("D61_90")),
        (ref >= asof - timedelta(days=120), literal("D91_120")),
        else_=literal("OVER_120"),
    )
    stmt = (
        select(
            Invoice.customer_id,
            Invoice.currency,
            bucket.label("bucket"),
            func.sum(balance.open_minor),
        )
        .select_from(Invoice)
        .where(
            Invoice.organization_id == org_id,
            Invoice.kind == "invoice",
            Invoice.cancelled_at.is_(None),
        )
        .group_by(Invoice.customer_id, Invoice.currency, bucket)
    )
    if customer_ids is not None:
        stmt = stmt.where(Invoice.customer_id.in_(list(customer_ids) or [-1]))
    out: dict[tuple[int, str], dict[str, int]] = {}
    for customer_id, currency, name, total in session.execute(stmt):
        out.setdefault((customer_id, currency), dict.fromkeys(AGING_BUCKETS, 0))[name] = int(
            total or 0
        )
    return out


def exposure(
    session: Session, org_id: int, customer_ids: Sequence[int], asof: date
) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(customer_id, currency) -> (open invoices, overdue invoices, open credit notes)."""
    balance = InvoiceBalance()
    is_invoice = Invoice.kind == "invoice"
    open_inv = func.sum(case((is_invoice, balance.open_minor), else_=0))
    overdue = func.sum(case((is_invoice & (Invoice.due_date < asof), balance.open_minor), else_=0))
    credits = func.sum(case((~is_invoice, balance.open_minor), else_=0))
    stmt = (
        select(Invoice.customer_id, Invoice.currency, open_inv, overdue, credits)
        .select_from(Invoice)
        .where(
            Invoice.organization_id == org_id,
            Invoice.customer_id.in_(list(customer_ids) or [-1]),
            Invoice.cancelled_at.is_(None),
        )
        .group_by(Invoice.customer_id, Invoice.currency)
    )
    return {
        (c, cur): (int(a or 0), int(b or 0), int(d or 0))
        for c, cur, a, b, d in session.execute(stmt)
    }
