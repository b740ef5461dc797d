"""Small builders shared by tests: organizations, viewers and ledger rows through the services."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from arapi.auth import service as auth
from arapi.auth.roles import Role
from arapi.auth.viewer import Viewer
from arapi.customers import service as customers
from arapi.db import Database
from arapi.errors import ArapiError
from arapi.invoices import service as invoices
from arapi.payments import service as payments
from arapi.plugin import PluginHost, hookimpl
from arapi.plugin.types import InvoiceBatch, InvoiceDocument, Party


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


def erp_invoice(number: str, total: str = "120.00", due: str | None = None, buyer="Dupont SA"):
    """An invoice as an ERP connector would hand it over."""
    return InvoiceDocument(
        number=number,
        kind="invoice",
        issue_date=date(2025, 1, 10),
        due_date=date(2025, 2, 9),
        currency="EUR",
        total_without_tax=None,
        tax_total=None,
        total_with_tax=Decimal(total),
        amount_due=Decimal(due or total),
        seller=Party(name="Us"),
        buyer=Party(name=buyer, siren="552120222"),
    )


class ListSource:
    """An invoice source over an in-memory ERP: ``documents`` grows, the cursor is a position.

    ``page_size`` pages the answer (``more``); ``fail`` makes the next fetch raise it.
    """

    name = "memory-erp"
    label = "In-memory ERP (tests)"

    def __init__(self, documents=(), page_size: int = 100) -> None:
        self.documents = list(documents)
        self.page_size = page_size
        self.fail: Exception | None = None
        self.fetched_from: list[str | None] = []
        self.organizations: list[str] = []

    async def fetch(self, cursor: str | None, organization: str) -> InvoiceBatch:
        self.fetched_from.append(cursor)
        self.organizations.append(organization)
        if self.fail is not None:
            raise self.fail
        start = int(cursor or 0)
        page = self.documents[start : start + self.page_size]
        end = start + len(page)
        return InvoiceBatch(invoices=tuple(page), cursor=str(end), more=end < len(self.documents))


def host_with_source(source, plugins: PluginHost | None = None) -> PluginHost:
    """The installed plugins (or ``plugins``) plus one plugin providing ``source``."""

    class SourcePlugin:
        @hookimpl
        def arapi_invoice_sources(self):
            return [source]

    host = plugins or PluginHost.from_entry_points()
    host.register(SourcePlugin(), "test-source", "test-source-dist", "1.0")
    return host
