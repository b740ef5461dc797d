"""Concurrent clients allocating the same payment never over-allocate.

Twenty threads, each on its own database connection, start together (a barrier)
and each allocates 10.00 of a 100.00 payment to its own invoice, twice over.
Only ten allocations can fit. On PostgreSQL the payment row lock (SELECT ... FOR
UPDATE) serialises them; on SQLite, BEGIN IMMEDIATE does.
"""

from __future__ import annotations

import threading

from arapi.db import Database
from arapi.errors import ArapiError
from arapi.ledger import service as ledger
from arapi.ledger.errors import LedgerErrorCode
from arapi.repositories import payments as payment_repo
from tests.helpers import make_customer, make_invoice, make_org, make_payment

CLIENTS = 20


def test_twenty_clients_never_over_allocate(db, db_url):
    viewer = make_org(db)
    with db.write() as s:
        customer = make_customer(s, viewer)
        invoices = [
            make_invoice(s, viewer, customer.id, f"C-{n}", total="20.00").id for n in range(CLIENTS)
        ]
        payment = make_payment(s, viewer, amount="100.00").id

    shared = (
        Database(db_url, pool_size=CLIENTS, max_overflow=0)
        if db.dialect == "postgresql"
        else Database(db_url)
    )
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(invoice_id: int) -> None:
        barrier.wait()
        for _ in range(2):
            try:
                with shared.write() as s:
                    ledger.allocate(
                        s, viewer, payment, [ledger.AllocationLine(invoice_id, "10.00")]
                    )
                result = "ok"
            except ArapiError as exc:
                result = exc.code.value
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=client, args=(i,)) for i in invoices]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    shared.dispose()

    assert len(outcomes) == 2 * CLIENTS
    assert outcomes.count("ok") == 10
    assert outcomes.count(LedgerErrorCode.EXCEEDS_PAYMENT.value) == 2 * CLIENTS - 10
    with db.read() as s:
        assert payment_repo.get_row(s, viewer.organization_id, payment).unapplied_minor == 0
