"""The ledger through its services on a real database: allocations, reversals, credit notes, schedules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError, CommonErrorCode, MoneyErrorCode
from arapi.invoices import service as invoices
from arapi.invoices.errors import InvoiceErrorCode
from arapi.ledger import service as ledger
from arapi.ledger.errors import LedgerErrorCode
from arapi.models import Allocation, Event, Invoice, Payment
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from arapi.schedules import service as schedules
from arapi.schedules.errors import ScheduleErrorCode
from tests.helpers import make_customer, make_invoice, make_org, make_payment


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ledger_setup(db):
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer)
        inv1 = make_invoice(s, viewer, customer.id, "F-1", total="120.00")
        inv2 = make_invoice(s, viewer, customer.id, "F-2", total="80.00")
        pay = make_payment(s, viewer, amount="150.00")
    return viewer, customer, inv1, inv2, pay


def open_of(db, viewer, invoice_id):
    with db.read() as s:
        row = invoice_repo.get_row(s, viewer.organization_id, invoice_id)
        return row.open_minor, row.status


def test_allocation_reduces_open_and_payment(db, ledger_setup):
    viewer, customer, inv1, inv2, pay = ledger_setup
    with db.write() as s:
        ledger.allocate(
            s,
            viewer,
            pay.id,
            [ledger.AllocationLine(inv1.id, "120.00"), ledger.AllocationLine(inv2.id, "30")],
        )
    assert open_of(db, viewer, inv1.id) == (0, "PAID")
    assert open_of(db, viewer, inv2.id) == (5000, "PARTIALLY_PAID")
    with db.read() as s:
        row = payment_repo.get_row(s, viewer.organization_id, pay.id)
        assert row.unapplied_minor == 0
        assert row.payment.customer_id == customer.id  # learned from the invoices


@pytest.mark.parametrize(
    "lines, code",
    [
        ([("inv1", "120.00"), ("inv2", "30.01")], LedgerErrorCode.EXCEEDS_PAYMENT),
        ([("inv2", "80.01")], LedgerErrorCode.EXCEEDS_OPEN_AMOUNT),
        ([("inv2", "50"), ("inv2", "40")], LedgerErrorCode.EXCEEDS_OPEN_AMOUNT),
        ([("inv1", "0")], MoneyErrorCode.AMOUNT_NOT_POSITIVE),
        ([("inv1", "-5")], MoneyErrorCode.AMOUNT_NOT_POSITIVE),
        ([("inv1", "1.001")], MoneyErrorCode.AMOUNT_PRECISION),
        ([], LedgerErrorCode.NO_LINES),
    ],
)
def test_bad_allocations_write_nothing(db, ledger_setup, lines, code):
    viewer, _, inv1, inv2, pay = ledger_setup
    ids = {"inv1": inv1.id, "inv2": inv2.id}
    before = (count(db, Allocation), count(db, Event))
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(ids[i], a) for i, a in lines])
    assert err.value.code is code
    assert (count(db, Allocation), count(db, Event)) == before


def test_currency_mismatch(db, ledger_setup):
    viewer, customer, *_ = ledger_setup
    with db.write() as s:
        usd = make_invoice(s, viewer, customer.id, "F-USD", total="10.00", currency="USD")
        pay = make_payment(s, viewer, amount="10.00")
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(usd.id, "10")])
    assert err.value.code is MoneyErrorCode.CURRENCY_MISMATCH


def test_reversal_is_a_new_row_and_reopens(db, ledger_setup):
    viewer, _, inv1, _, pay = ledger_setup
    with db.write() as s:
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(inv1.id, "120")])
    with db.read() as s:
        original = s.scalar(select(Allocation))
    with db.write() as s:
        reversal = ledger.reverse(s, viewer, original.id, "wrong invoice")
    assert reversal.amount_minor == -12000 and reversal.reverses_id == original.id
    assert open_of(db, viewer, inv1.id) == (12000, "OPEN")
    with db.read() as s:  # the original row is untouched
        assert s.get(Allocation, original.id).amount_minor == 12000
    for target, code in (
        (original.id, LedgerErrorCode.ALREADY_REVERSED),
        (reversal.id, LedgerErrorCode.CANNOT_REVERSE_REVERSAL),
    ):
        with pytest.raises(ArapiError) as err, db.write() as s:
            ledger.reverse(s, viewer, target)
        assert err.value.code is code


def test_discount_and_fee_settle_without_cash(db, ledger_setup):
    viewer, _, inv1, _, pay = ledger_setup
    with db.write() as s:
        ledger.allocate(
            s,
            viewer,
            pay.id,
            [ledger.AllocationLine(inv1.id, "117.00", discount="2.40", writeoff="0.60")],
        )
    assert open_of(db, viewer, inv1.id) == (0, "PAID")
    with db.read() as s:
        assert payment_repo.get_row(s, viewer.organization_id, pay.id).unapplied_minor == 3300


def test_idempotent_payment_and_allocation(db, ledger_setup):
    viewer, _, inv1, _, _ = ledger_setup
    from arapi.payments import service as payments

    data = payments.PaymentInput(amount="10.00", currency="EUR", received_on=date(2025, 3, 1))
    with db.write() as s:
        first = payments.create(s, viewer, data, idempotency_key="abc")
    with db.write() as s:
        again = payments.create(s, viewer, data, idempotency_key="abc")
    assert first.id == again.id and count(db, Payment) == 2
    with pytest.raises(ArapiError) as err, db.write() as s:
        payments.create(
            s,
            viewer,
            payments.PaymentInput(amount="11.00", currency="EUR", received_on=date(2025, 3, 1)),
            idempotency_key="abc",
        )
    assert err.value.code is CommonErrorCode.IDEMPOTENCY_CONFLICT
    for _ in range(2):
        with db.write() as s:
            ledger.allocate(
                s,
                viewer,
                first.id,
                [ledger.AllocationLine(inv1.id, "10")],
                idempotency_key="alloc-1",
            )
    assert count(db, Allocation) == 1


def test_credit_note_application(db, ledger_setup):
    viewer, customer, inv1, _, _ = ledger_setup
    with db.write() as s:
        note = make_invoice(s, viewer, customer.id, "AV-1", total="50.00", kind="credit_note")
        ledger.apply_credit_note(s, viewer, note.id, inv1.id, "20.00")
    assert open_of(db, viewer, inv1.id) == (10000, "PARTIALLY_PAID")
    assert open_of(db, viewer, note.id) == (3000, "PARTIALLY_PAID")
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.apply_credit_note(s, viewer, note.id, inv1.id, "30.01")
    assert err.value.code is LedgerErrorCode.EXCEEDS_CREDIT
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.apply_credit_note(s, viewer, inv1.id, note.id, "1")
    assert err.value.code is LedgerErrorCode.NOT_A_CREDIT_NOTE


def test_write_off_and_cancel(db, ledger_setup):
    viewer, _, inv1, inv2, pay = ledger_setup
    with db.write() as s:
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(inv1.id, "100")])
        ledger.write_off(s, viewer, inv1.id, "customer insolvent")
    assert open_of(db, viewer, inv1.id) == (0, "WRITTEN_OFF")
    with pytest.raises(ArapiError) as err, db.write() as s:
        invoices.cancel(s, viewer, inv1.id)
    assert err.value.code is InvoiceErrorCode.HAS_ALLOCATIONS
    with db.write() as s:
        invoices.cancel(s, viewer, inv2.id, "issued by mistake")
    assert open_of(db, viewer, inv2.id) == (0, "CANCELLED")
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.allocate(s, viewer, pay.id, [ledger.AllocationLine(inv2.id, "1")])
    assert err.value.code is LedgerErrorCode.INVOICE_CANCELLED


@pytest.mark.parametrize(
    "changes, code",
    [
        (dict(number="F-1"), InvoiceErrorCode.DUPLICATE_NUMBER),
        (dict(due_date=date(2025, 1, 1)), InvoiceErrorCode.DUE_BEFORE_ISSUE),
        (dict(currency="EURO"), MoneyErrorCode.UNKNOWN_CURRENCY),
        (dict(total="0"), MoneyErrorCode.AMOUNT_NOT_POSITIVE),
        (dict(total="-3"), MoneyErrorCode.AMOUNT_NOT_POSITIVE),
        (
            dict(total="100", tax_total="20", total_excl_tax="81"),
            InvoiceErrorCode.TOTALS_INCONSISTENT,
        ),
    ],
)
def test_invoice_validation_writes_nothing(db, ledger_setup, changes, code):
    viewer, customer, *_ = ledger_setup
    base = dict(
        customer_id=customer.id,
        number="F-NEW",
        issue_date=date(2025, 1, 15),
        total="100.00",
        currency="EUR",
    )
    before = count(db, Invoice)
    with pytest.raises(ArapiError) as err, db.write() as s:
        invoices.create(s, viewer, invoices.InvoiceInput(**(base | changes)))
    assert err.value.code is code
    assert count(db, Invoice) == before


def test_invoice_gets_a_valid_rf_reference_and_due_date_from_terms(db, ledger_setup):
    from arapi import rf

    viewer, customer, inv1, *_ = ledger_setup
    assert rf.is_valid(inv1.payment_reference)
    assert inv1.due_date == date(2025, 2, 14)  # 15 Jan + 30 days (default terms)


def test_an_invoice_number_with_accented_letters_gets_a_reference_from_its_id(db, ledger_setup):
    from arapi import rf

    viewer, customer, *_ = ledger_setup
    with db.write() as s:
        invoice = make_invoice(s, viewer, customer.id, "FAÉ-2025-1", total="10.00")
    assert rf.is_valid(invoice.payment_reference)
    assert rf.base_of(invoice.payment_reference) == f"{invoice.organization_id}X{invoice.id}"


def test_a_given_payment_reference_is_stored_as_a_payer_types_it_back(db, ledger_setup):
    viewer, customer, *_ = ledger_setup
    with db.write() as s:
        printed = make_invoice(
            s, viewer, customer.id, "F-RF", payment_reference=" rf18-5390.0754 7034"
        )
        national = make_invoice(s, viewer, customer.id, "F-BVR", payment_reference="12-345 6")
    assert printed.payment_reference == "RF18539007547034"  # a valid RF, compact
    assert national.payment_reference == "12-3456"  # other references keep their punctuation


def test_schedule_installments_must_add_up_and_take_payments(db, ledger_setup):
    viewer, customer, inv1, inv2, pay = ledger_setup
    with pytest.raises(ArapiError) as err, db.write() as s:
        schedules.create(
            s,
            viewer,
            customer.id,
            [inv1.id, inv2.id],
            [schedules.InstallmentInput(date(2025, 3, 1), "100")],
        )
    assert err.value.code is ScheduleErrorCode.INSTALLMENTS_DO_NOT_ADD_UP
    with db.write() as s:
        plan = schedules.create(
            s,
            viewer,
            customer.id,
            [inv1.id, inv2.id],
            [
                schedules.InstallmentInput(date(2025, 4, 1), "100"),
                schedules.InstallmentInput(date(2025, 3, 1), "100"),
            ],
        )
    from arapi.repositories import schedules as schedule_repo

    with db.read() as s:
        first, second = schedule_repo.installments_for(s, [plan.id])[plan.id]
    assert first.due_date == date(2025, 3, 1) and first.seq == 1
    with db.write() as s:  # an installment-only line spreads over the invoices, earliest due first
        ledger.allocate(
            s, viewer, pay.id, [ledger.AllocationLine(None, "100", installment_id=first.id)]
        )
    assert open_of(db, viewer, inv1.id) == (2000, "PARTIALLY_PAID")
    with pytest.raises(ArapiError) as err, db.write() as s:
        ledger.allocate(
            s, viewer, pay.id, [ledger.AllocationLine(inv2.id, "1", installment_id=first.id)]
        )
    assert err.value.code is LedgerErrorCode.EXCEEDS_INSTALLMENT
    with db.write() as s:
        big = make_payment(s, viewer, amount="500.00")
    with (
        pytest.raises(ArapiError) as err,
        db.write() as s,
    ):  # more than the schedule's invoices have open
        ledger.allocate(
            s, viewer, big.id, [ledger.AllocationLine(None, "100.01", installment_id=second.id)]
        )
    assert err.value.code is LedgerErrorCode.EXCEEDS_OPEN_AMOUNT
    with pytest.raises(ArapiError) as err, db.write() as s:
        schedules.create(
            s, viewer, customer.id, [inv2.id], [schedules.InstallmentInput(date(2025, 3, 1), "80")]
        )
    assert err.value.code is ScheduleErrorCode.ALREADY_SCHEDULED


def test_every_change_is_in_the_event_log(db, ledger_setup):
    viewer, _, inv1, _, pay = ledger_setup
    with db.write() as s:
        ledger.allocate(
            s, viewer, pay.id, [ledger.AllocationLine(inv1.id, "120")], explanation="by hand"
        )
    with db.read() as s:
        actions = [e.action for e in s.scalars(select(Event).order_by(Event.id))]
        allocated = s.scalar(select(Event).where(Event.action == "payment.allocated"))
    assert actions == [
        "customer.created",
        "invoice.created",
        "invoice.created",
        "payment.created",
        "payment.allocated",
    ]
    assert allocated.actor == "test" and allocated.data["lines"][0]["amount"] == "120.00"
