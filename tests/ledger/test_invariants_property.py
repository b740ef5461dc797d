"""Random sequences of ledger operations never break the invariants (hypothesis state machine).

Each example runs against a real database; after every step the balances read
back through SQL must satisfy: no payment over-allocated, no invoice below zero
open, no credit note over-used, allocation currencies equal to both sides'.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from arapi.auth import service as auth
from arapi.auth.viewer import Viewer
from arapi.db import Database
from arapi.errors import ArapiError
from arapi.ledger import service as ledger
from arapi.models import Allocation, Invoice, Payment
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from arapi.repositories.balances import InvoiceBalance, PaymentBalance
from tests.helpers import make_customer, make_invoice, make_payment

AMOUNTS = st.integers(min_value=-500, max_value=30000).map(
    lambda c: f"{c / 100:.2f}" if c % 7 else str(c // 100)
)
CURRENCIES = st.sampled_from(["EUR", "EUR", "EUR", "USD"])


def run_machine(db_url: str, truncate) -> None:
    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            truncate()
            self.db = Database(db_url)
            with self.db.write() as s:
                org = auth.create_organization(s, "prop")
                self.viewer = Viewer.system(org.id, org.name)
                self.customer = make_customer(s, self.viewer).id
            self.invoices, self.payments, self.notes, self.allocations = [], [], [], []
            self.counter = 0

        def teardown(self):
            self.db.dispose()

        def _try(self, fn):
            try:
                with self.db.write() as s:
                    return fn(s)
            except ArapiError:
                return None

        @rule(total=st.integers(1, 50000), currency=CURRENCIES, credit=st.booleans())
        def issue(self, total, currency, credit):
            self.counter += 1
            kind = "credit_note" if credit else "invoice"
            inv = self._try(
                lambda s: make_invoice(
                    s,
                    self.viewer,
                    self.customer,
                    f"N{self.counter}",
                    total=f"{total / 100:.2f}",
                    currency=currency,
                    kind=kind,
                )
            )
            (self.notes if credit else self.invoices).append(inv.id)

        @rule(amount=st.integers(1, 60000), currency=CURRENCIES)
        def receive(self, amount, currency):
            pay = self._try(
                lambda s: make_payment(
                    s, self.viewer, amount=f"{amount / 100:.2f}", currency=currency
                )
            )
            self.payments.append(pay.id)

        @rule(data=st.data())
        def allocate(self, data):
            if not self.payments or not self.invoices:
                return
            pay = data.draw(st.sampled_from(self.payments))
            lines = data.draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(self.invoices),
                        AMOUNTS,
                        AMOUNTS.filter(lambda a: not a.startswith("-")),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
            self._try(
                lambda s: ledger.allocate(
                    s,
                    self.viewer,
                    pay,
                    [
                        ledger.AllocationLine(i, a, writeoff=w if w != "0" else 0)
                        for i, a, w in lines
                    ],
                )
            )

        @rule(data=st.data(), delta=st.sampled_from([-1, 0, 1]))
        def allocate_at_the_boundary(self, data, delta):
            """Aim exactly at an invoice's open amount or a payment's unapplied amount, plus or minus a cent."""
            if not self.payments or not self.invoices:
                return
            pay, inv = (
                data.draw(st.sampled_from(self.payments)),
                data.draw(st.sampled_from(self.invoices)),
            )
            with self.db.read() as s:
                open_minor = invoice_repo.get_row(s, self.viewer.organization_id, inv).open_minor
                unapplied = payment_repo.get_row(
                    s, self.viewer.organization_id, pay
                ).unapplied_minor
            target = data.draw(st.sampled_from([open_minor, unapplied])) + delta
            self._try(
                lambda s: ledger.allocate(
                    s, self.viewer, pay, [ledger.AllocationLine(inv, f"{target / 100:.2f}")]
                )
            )

        @rule(data=st.data())
        def apply_note(self, data):
            if not self.notes or not self.invoices:
                return
            note, inv = (
                data.draw(st.sampled_from(self.notes)),
                data.draw(st.sampled_from(self.invoices)),
            )
            self._try(
                lambda s: ledger.apply_credit_note(s, self.viewer, note, inv, data.draw(AMOUNTS))
            )

        @rule(data=st.data())
        def reverse(self, data):
            with self.db.read() as s:
                ids = list(s.scalars(select(Allocation.id)))
            if ids:
                self._try(lambda s: ledger.reverse(s, self.viewer, data.draw(st.sampled_from(ids))))

        @rule(data=st.data())
        def write_off(self, data):
            if self.invoices:
                self._try(
                    lambda s: ledger.write_off(
                        s, self.viewer, data.draw(st.sampled_from(self.invoices))
                    )
                )

        @invariant()
        def balances_hold(self):
            if not hasattr(self, "db"):
                return
            with self.db.read() as s:
                balance = InvoiceBalance()
                for invoice, open_minor, *_ in s.execute(balance.select_invoices()):
                    assert 0 <= open_minor <= invoice.total_minor, (invoice.number, open_minor)
                pays = PaymentBalance()
                for payment, unapplied in s.execute(pays.select_payments()):
                    assert 0 <= unapplied <= payment.amount_minor
                mismatched = s.scalar(
                    select(func.count())
                    .select_from(Allocation)
                    .join(Invoice, Invoice.id == Allocation.invoice_id)
                    .outerjoin(Payment, Payment.id == Allocation.payment_id)
                    .where(
                        (Allocation.currency != Invoice.currency)
                        | (Payment.currency != Allocation.currency)
                    )
                )
                assert mismatched == 0

    LedgerMachine.TestCase.settings = settings(
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    LedgerMachine.TestCase().runTest()


def test_random_operation_sequences_keep_invariants(db_url):
    from tests.conftest import clear_tables

    run_machine(db_url, lambda: clear_tables(db_url))
