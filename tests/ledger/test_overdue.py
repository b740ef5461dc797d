"""Overdue means invoices: a credit note is never past due, in lists, days past due, aging or exposure."""

from __future__ import annotations

from datetime import date

import pytest

from arapi.customers.exposure import exposures
from arapi.invoices.service import days_past_due
from arapi.ledger import service as ledger
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as invoice_repo
from tests.helpers import make_customer, make_invoice, make_org, make_payment

ASOF = date(2025, 6, 1)


def test_days_past_due():
    due = date(2025, 3, 1)
    assert days_past_due("invoice", due, ASOF, 100) == 92
    assert days_past_due("invoice", due, ASOF, 0) == 0  # nothing open
    assert days_past_due("invoice", ASOF, ASOF, 100) == 0  # due today: not yet past due
    assert days_past_due("credit_note", due, ASOF, 100) == 0  # never past due


@pytest.fixture
def books(db):
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer)
        late = make_invoice(
            s, viewer, customer.id, "F-LATE", total="100.00", issue=date(2025, 1, 1)
        )
        paid = make_invoice(s, viewer, customer.id, "F-PAID", total="50.00", issue=date(2025, 1, 1))
        make_invoice(s, viewer, customer.id, "F-NEW", total="70.00", issue=date(2025, 5, 25))
        # Credit notes fall "due" the day they are issued: long before ASOF.
        make_invoice(
            s,
            viewer,
            customer.id,
            "AV-1",
            total="30.00",
            issue=date(2025, 1, 5),
            kind="credit_note",
        )
        used = make_invoice(
            s,
            viewer,
            customer.id,
            "AV-2",
            total="20.00",
            issue=date(2025, 1, 6),
            kind="credit_note",
        )
        pay = make_payment(s, viewer, amount="50.00")
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(paid.id, "50.00")])
        ledger.apply_credit_note(s, viewer, used.id, late.id, "5.00")
    return viewer, customer


def listed(db, viewer, **criteria) -> list[tuple[str, str]]:
    with db.read() as s:
        rows, _ = invoice_repo.page(
            s,
            viewer.organization_id,
            invoice_repo.InvoiceFilter(**criteria),
            field="NUMBER",
            descending=False,
            limit=100,
            after=None,
            before=None,
            forward=True,
        )
    return [(r.invoice.number, r.invoice.kind) for r in rows]


def test_overdue_filter_lists_open_invoices_past_due_only(db, books):
    viewer, _ = books
    everything = listed(db, viewer)
    assert ("AV-1", "credit_note") in everything and ("AV-2", "credit_note") in everything
    assert listed(db, viewer, overdue_on=ASOF) == [("F-LATE", "invoice")]
    assert listed(db, viewer, overdue_on=ASOF, kind="credit_note") == []


def test_aging_and_exposure_leave_credit_notes_out_of_overdue(db, books):
    viewer, customer = books
    with db.read() as s:
        aging = invoice_repo.aging(s, viewer.organization_id, [customer.id], ASOF)
        figures = exposures(
            s,
            viewer.organization_id,
            [customer_repo.get(s, viewer.organization_id, customer.id)],
            ASOF,
        )[customer.id][0]
    # F-LATE: 95.00 open, due 2025-01-31 (121 days before ASOF); F-NEW: 70.00 not due.
    assert aging[(customer.id, "EUR")] == {
        "NOT_DUE": 7000,
        "D1_30": 0,
        "D31_60": 0,
        "D61_90": 0,
        "D91_120": 0,
        "OVER_120": 9500,
    }
    assert (figures.open_minor, figures.overdue_minor, figures.open_credits_minor) == (
        16500,
        9500,
        4500,
    )
