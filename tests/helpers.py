"""Small builders shared by tests: organizations, viewers and ledger rows through the services."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

from arapi.auth import service as auth
from arapi.auth.roles import Role
from arapi.auth.viewer import Viewer
from arapi.customers import service as customers
from arapi.db import Database
from arapi.errors import ArapiError
from arapi.invoices import service as invoices
from arapi.payments import service as payments


def make_org(db, name: str = "acme") -> Viewer:
    with db.write() as s:
        org = auth.create_organization(s, name)
        return Viewer.system(org.id, org.name, actor="test")


def as_role(viewer: Viewer, role: Role, customer_ids=None) -> Viewer:
    return Viewer(
        viewer.organization_id,
        viewer.organization_name,
        role,
        f"test-{role.value}",
        None,
        customer_ids,
    )


def make_customer(s, viewer, name="Dupont SARL", **kw):
    return customers.create(s, viewer, customers.CustomerInput(name=name, **kw))


def make_invoice(
    s, viewer, customer_id, number, total="100.00", currency="EUR", issue=date(2025, 1, 15), **kw
):
    return invoices.create(
        s,
        viewer,
        invoices.InvoiceInput(
            customer_id=customer_id,
            number=number,
            issue_date=issue,
            total=total,
            currency=currency,
            **kw,
        ),
    )


def make_payment(s, viewer, amount="100.00", currency="EUR", received=date(2025, 2, 1), **kw):
    return payments.create(
        s,
        viewer,
        payments.PaymentInput(amount=amount, currency=currency, received_on=received, **kw),
    )


def run_at_once(db, db_url: str, jobs: list[Callable]) -> list[str]:
    """Run each ``job(session)`` in its own write transaction, all released at the same moment.

    Returns each job's result, or the code of the ArapiError it raised, in the order the
    jobs finished. PostgreSQL gets one pooled connection per job so they really overlap;
    SQLite queues them behind its write lock (BEGIN IMMEDIATE).
    """
    shared = (
        Database(db_url, pool_size=len(jobs), max_overflow=0)
        if db.dialect == "postgresql"
        else Database(db_url)
    )
    barrier = threading.Barrier(len(jobs))
    outcomes: list = []
    lock = threading.Lock()

    def client(job: Callable) -> None:
        barrier.wait()
        try:
            with shared.write() as s:
                outcome = job(s)
        except ArapiError as exc:
            outcome = exc.code.value
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    shared.dispose()
    assert len(outcomes) == len(jobs), "a client neither finished nor raised an ArapiError"
    return outcomes
