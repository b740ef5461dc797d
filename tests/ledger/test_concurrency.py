"""Concurrent clients allocating the same payment never over-allocate.

Forty clients, each on its own database connection, start together (a barrier):
two per invoice, each allocating 10.00 of a 100.00 payment to it. Only ten
allocations can fit. On PostgreSQL the payment row lock (SELECT ... FOR
UPDATE) serialises them; on SQLite, BEGIN IMMEDIATE does.
"""

from __future__ import annotations

from arapi.ledger import service as ledger
from arapi.ledger.errors import LedgerErrorCode
from arapi.repositories import payments as payment_repo
from tests.helpers import make_customer, make_invoice, make_org, make_payment, run_at_once

CLIENTS = 20


def test_twenty_clients_never_over_allocate(db, db_url):
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer)
        invoices = [
            make_invoice(s, viewer, customer.id, f"C-{n}", total="20.00").id for n in range(CLIENTS)
        ]
        payment = make_payment(s, viewer, amount="100.00").id

    def allocate_to(invoice_id: int):
        def job(s) -> str:
            ledger.allocate(s, viewer, payment, [ledger.AllocationLine(invoice_id, "10.00")])
            return "ok"

        return job

    outcomes = run_at_once(db, db_url, [allocate_to(i) for i in invoices for _ in range(2)])

    assert len(outcomes) == 2 * CLIENTS
    assert outcomes.count("ok") == 10
    assert outcomes.count(LedgerErrorCode.EXCEEDS_PAYMENT.value) == 2 * CLIENTS - 10
    with db.read() as s:
        assert payment_repo.get_row(s, viewer.organization_id, payment).unapplied_minor == 0


def test_clients_creating_the_same_number_or_external_ref_get_a_coded_error(db, db_url):
    """Numbers and external refs are checked before the insert; creators take turns, so the
    losers get DUPLICATE_NUMBER / DUPLICATE_EXTERNAL_REF, never a unique-key failure."""
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer).id

    def invoice(s):
        return make_invoice(s, viewer, customer, "F-1").number

    def customer_with_ref(s):
        return make_customer(s, viewer, "Martin SARL", external_ref="C042").name

    outcomes = run_at_once(db, db_url, [invoice] * 4 + [customer_with_ref] * 4)
    assert sorted(outcomes) == sorted(
        ["F-1"] + ["DUPLICATE_NUMBER"] * 3 + ["Martin SARL"] + ["DUPLICATE_EXTERNAL_REF"] * 3
    )
