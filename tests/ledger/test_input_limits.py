"""Input at the edge of what the database and date arithmetic can hold gets a coded error, on both backends.

Each case below failed as an internal error (a driver exception, an overflow)
before it was checked; none may write anything.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.invoices.service import TaxInput
from arapi.models import Customer, IdempotencyKey, Invoice, InvoiceTaxLine, Payment
from arapi.payments import service as payments
from arapi.schedules import service as schedules
from tests.helpers import make_customer, make_invoice, make_org, make_payment


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def refused(db, write, code: str) -> ArapiError:
    with pytest.raises(ArapiError) as err:
        with db.write() as s:
            write(s)
    assert err.value.code == code, err.value
    return err.value


@pytest.fixture
def setup(db):
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer)
    return viewer, customer


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x" * 301}, "customers.name is longer than 300 characters (301)"),
        (
            {"name": "Dupont", "external_ref": "r" * 101},
            "customers.external_ref is longer than 100",
        ),
        ({"name": "Du\x00pont"}, "customers.name holds a NUL character"),
        ({"name": "Du\ud800pont"}, "customers.name holds an unpaired surrogate"),
    ],
)
def test_text_a_column_cannot_hold_is_refused_before_the_write(db, fields, message):
    viewer = make_org(db)
    name = fields.pop("name")
    error = refused(db, lambda s: make_customer(s, viewer, name=name, **fields), "INVALID_INPUT")
    assert message in error.message
    assert count(db, Customer) == 0


def test_dates_outside_1900_to_2199_are_refused_with_their_field(db, setup):
    viewer, customer = setup
    # An issue date of 9999-12-31 plus 30 days of terms overflowed Python's dates.
    error = refused(
        db,
        lambda s: make_invoice(s, viewer, customer.id, "F-1", issue=date(9999, 12, 31)),
        "INVALID_INPUT",
    )
    assert error.field == ("issueDate",) and "outside 1900-2199" in error.message
    # A payment received in year 1 made every later matching run overflow.
    error = refused(db, lambda s: make_payment(s, viewer, received=date(1, 1, 1)), "INVALID_INPUT")
    assert error.field == ("receivedOn",)
    assert count(db, Invoice) == count(db, Payment) == 0


def test_discount_days_beyond_a_year_are_refused(db, setup):
    viewer, customer = setup
    refused(
        db,
        lambda s: make_invoice(
            s, viewer, customer.id, "F-1", discount_percent="2", discount_days=2147483647
        ),
        "INVALID_DISCOUNT",
    )


def test_tax_rates_are_percentages_and_long_ones_are_rounded_to_fit(db, setup):
    viewer, customer = setup
    taxes = [TaxInput(rate="5.55555555555", base="100.00", tax="5.56")]
    with db.write() as s:
        make_invoice(s, viewer, customer.id, "F-1", total="105.56", taxes=taxes)
    with db.read() as s:
        assert s.scalar(select(InvoiceTaxLine.rate)) == "5.5556"
    wrong = [TaxInput(rate="150", base="100.00", tax="150.00")]
    refused(
        db,
        lambda s: make_invoice(s, viewer, customer.id, "F-2", total="250.00", taxes=wrong),
        "INVALID_TAX_RATE",
    )


def test_a_sum_of_taxes_too_large_to_store_is_refused(db, setup):
    viewer, customer = setup
    taxes = [TaxInput(rate="20", base="1.00", tax="9999999999999.99")] * 100
    refused(
        db,
        lambda s: make_invoice(s, viewer, customer.id, "F-1", total="1.00", taxes=taxes),
        "INVALID_AMOUNT",
    )


def test_an_idempotency_key_longer_than_its_column_is_refused(db, setup):
    viewer, _ = setup
    data = payments.PaymentInput(amount="10.00", currency="EUR", received_on=date(2025, 2, 1))
    error = refused(
        db, lambda s: payments.create(s, viewer, data, idempotency_key="k" * 201), "INVALID_INPUT"
    )
    assert error.field == ("idempotencyKey",)
    assert count(db, Payment) == count(db, IdempotencyKey) == 0


def test_a_schedule_cannot_list_an_invoice_twice(db, setup):
    # Listed twice, its open amount was counted twice: 600.00 scheduled for 300.00 open.
    viewer, customer = setup
    with db.write() as s:
        invoice = make_invoice(s, viewer, customer.id, "F-1", total="300.00")
    installments = [schedules.InstallmentInput(date(2025, 3, 1), "600.00")]
    error = refused(
        db,
        lambda s: schedules.create(s, viewer, customer.id, [invoice.id, invoice.id], installments),
        "INVALID_INPUT",
    )
    assert error.field == ("invoiceIds",)
