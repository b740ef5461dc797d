"""The object types of the ledger: Customer, Invoice, Payment, Allocation, Schedule.

Each type is built eagerly from a repository row (balances already computed in
SQL); related objects resolve through per-request DataLoaders so a page costs
the same number of queries whatever its size.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.graphql import loaders
from arapi.graphql.common import OrderDirection, money, today
from arapi.graphql.permissions import require, require_viewer
from arapi.graphql.relay import Connection, Node, to_global_id
from arapi.graphql.scalars import CurrencyCode, Money
from arapi.invoices import service as invoice_service
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from arapi.repositories import schedules as schedule_repo

if TYPE_CHECKING:
    from arapi.graphql.matching import MatchProposal
    from arapi.graphql.statements import StatementEntry


@strawberry.enum(description="Derived from allocations: never stored.")
class InvoiceStatus(Enum):
    OPEN = "OPEN"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    WRITTEN_OFF = "WRITTEN_OFF"


@strawberry.enum
class InvoiceKind(Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@strawberry.enum
class InvoiceOrderField(Enum):
    DUE_DATE = "DUE_DATE"
    ISSUE_DATE = "ISSUE_DATE"
    NUMBER = "NUMBER"
    TOTAL = strawberry.enum_value(
        "TOTAL", description="By currency, then total: amounts in two currencies do not compare."
    )
    CREATED = "CREATED"


@strawberry.input
class InvoiceOrder:
    field: InvoiceOrderField = InvoiceOrderField.DUE_DATE
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every condition given must hold.")
class InvoiceFilter:
    status: list[InvoiceStatus] | None = None
    customer_id: strawberry.ID | None = None
    currency: CurrencyCode | None = None
    kind: InvoiceKind | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool | None = strawberry.field(
        default=None,
        description="Invoices open and past their due date today (never credit notes).",
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the number or of the customer's name."
    )


# ------------------------------------------------------------------ Customer


@strawberry.type(description="What a customer owes and the credit left, in one currency.")
class Exposure:
    currency: CurrencyCode
    open_amount: Money
    overdue_amount: Money
    unapplied_cash: Money
    open_credits: Money = strawberry.field(description="Credit notes not yet applied.")
    credit_limit: Money | None
    available_credit: Money | None = strawberry.field(
        description="creditLimit - (openAmount - unappliedCash - openCredits); negative when over the limit."
    )

    @classmethod
    def from_figures(cls, f) -> Exposure:
        return cls(
            currency=CurrencyCode(f.currency),
            open_amount=money(f.open_minor, f.currency),
            overdue_amount=money(f.overdue_minor, f.currency),
            unapplied_cash=money(f.unapplied_minor, f.currency),
            open_credits=money(f.open_credits_minor, f.currency),
            credit_limit=None
            if f.credit_limit_minor is None
            else money(f.credit_limit_minor, f.currency),
            available_credit=None
            if f.available_minor is None
            else money(f.available_minor, f.currency),
        )


@strawberry.type(
    description="Open invoice amounts by days past due (or since issue), in one currency."
)
class Aging:
    currency: CurrencyCode
    not_due: Money
    days_1_to_30: Money = strawberry.field(name="days1To30")
    days_31_to_60: Money = strawberry.field(name="days31To60")
    days_61_to_90: Money = strawberry.field(name="days61To90")
    days_91_to_120: Money = strawberry.field(name="days91To120")
    over_120_days: Money = strawberry.field(name="over120Days")
    total: Money

    @classmethod
    def from_buckets(cls, currency: str, b: dict[str, int]) -> Aging:
        return cls(
            currency=CurrencyCode(currency),
            not_due=money(b["NOT_DUE"], currency),
            days_1_to_30=money(b["D1_30"], currency),
            days_31_to_60=money(b["D31_60"], currency),
            days_61_to_90=money(b["D61_90"], currency),
            days_91_to_120=money(b["D91_120"], currency),
            over_120_days=money(b["OVER_120"], currency),
            total=money(sum(b.values()), currency),
        )


@strawberry.type
class Customer(Node):
    id: strawberry.ID
    name: str
    external_ref: str | None
    legal_id: str | None
    legal_id_type: str | None
    country: str | None
    currency: CurrencyCode
    payment_terms_days: int
    credit_limit: Money | None
    created_at: datetime
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, c) -> Customer:
        return cls(
            id=strawberry.ID(to_global_id("Customer", c.id)),
            name=c.name,
            external_ref=c.external_ref,
            legal_id=c.legal_id,
            legal_id_type=c.legal_id_type,
            country=c.country,
            currency=CurrencyCode(c.currency),
            payment_terms_days=c.payment_terms_days,
            credit_limit=None
            if c.credit_limit_minor is None
            else money(c.credit_limit_minor, c.currency),
            created_at=c.created_at,
            pk=c.id,
            parent_pk=c.parent_id,
        )

    @strawberry.field(
        description="Exposure in the customer's own currency (where its credit limit is set)."
    )
    async def exposure(self, info: Info) -> Exposure:
        figures = await loaders.exposures(info).load(self.pk)
        return Exposure.from_figures(figures[0])

    @strawberry.field(
        description="Exposure per currency the customer has business in, its own first."
    )
    async def exposures(self, info: Info) -> list[Exposure]:
        return [Exposure.from_figures(f) for f in await loaders.exposures(info).load(self.pk)]

    @strawberry.field(
        description="Aging buckets per currency: not due, 1-30, 31-60, 61-90, 91-120, over 120 days."
    )
    async def aging(
        self, info: Info, as_of: date | None = None, by_issue_date: bool = False
    ) -> list[Aging]:
        buckets = await loaders.aging(info, as_of or today(), by_issue_date).load(self.pk)
        return [Aging.from_buckets(currency, b) for currency, b in buckets]

    @strawberry.field(
        description="Accounts the customer pays from (given or learned from matches)."
    )
    async def ibans(self, info: Info) -> list[str]:
        require(info, Permission.READ_ALL)
        return await loaders.customer_ibans(info).load(self.pk)

    @strawberry.field
    async def parent(self, info: Info) -> Customer | None:
        return (
            None if self.parent_pk is None else await loaders.customers(info).load(self.parent_pk)
        )

    @strawberry.field
    async def invoices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: InvoiceFilter | None = None,
        order_by: InvoiceOrder | None = None,
    ) -> Connection[Invoice]:
        from arapi.graphql.queries import invoice_connection

        return await invoice_connection(
            info, first, after, last, before, filter, order_by, customer_pk=self.pk
        )

    @strawberry.field
    async def payments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Payment]:
        from arapi.graphql.queries import payment_connection

        return await payment_connection(
            info, first, after, last, before, None, None, customer_pk=self.pk
        )


# ------------------------------------------------------------------ Invoice


@strawberry.type
class TaxLine:
    rate: str = strawberry.field(description='Percent, as text: "20.00".')
    base: Money
    tax: Money


@strawberry.type
class Invoice(Node):
    id: strawberry.ID
    number: str
    kind: InvoiceKind
    issue_date: date
    due_date: date
    total: Money = strawberry.field(description="Total with tax: what the customer owes.")
    total_excl_tax: Money
    tax_total: Money
    open_amount: Money
    status: InvoiceStatus
    days_past_due: int = strawberry.field(
        description="Days since the due date while something is open; else 0 (always 0 for a credit note, which is never past due)."
    )
    external_ref: str | None
    payment_reference: str | None = strawberry.field(
        description="ISO 11649 creditor reference (RF...) to print on the invoice."
    )
    discount_percent: str | None
    discount_days: int | None
    corrects_invoice_id: strawberry.ID | None = strawberry.field(
        description="The invoice this credit note corrects, when known."
    )
    cancelled_at: datetime | None
    created_at: datetime
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    # Set when the list that produced this invoice already loaded its customer.
    prefetched_customer: strawberry.Private[Customer | None] = None

    @classmethod
    def from_row(cls, row: invoice_repo.InvoiceRow, customer: Customer | None = None) -> Invoice:
        inv = row.invoice
        cur = inv.currency
        return cls(
            id=strawberry.ID(to_global_id("Invoice", inv.id)),
            number=inv.number,
            kind=InvoiceKind(inv.kind),
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            total=money(inv.total_minor, cur),
            total_excl_tax=money(inv.total_excl_tax_minor, cur),
            tax_total=money(inv.tax_total_minor, cur),
            open_amount=money(row.open_minor, cur),
            status=InvoiceStatus(row.status),
            days_past_due=invoice_service.days_past_due(
                inv.kind, inv.due_date, today(), row.open_minor
            ),
            external_ref=inv.external_ref,
            payment_reference=inv.payment_reference,
            discount_percent=None if inv.discount_bp is None else f"{inv.discount_bp / 100:.2f}",
            discount_days=inv.discount_days,
            corrects_invoice_id=(
                None
                if inv.corrects_id is None
                else strawberry.ID(to_global_id("Invoice", inv.corrects_id))
            ),
            cancelled_at=inv.cancelled_at,
            created_at=inv.created_at,
            pk=inv.id,
            customer_pk=inv.customer_id,
            prefetched_customer=customer,
        )

    @strawberry.field
    def customer(self, info: Info) -> Customer:
        # Synchronous when prefetched (no task per row); otherwise an awaitable from the loader.
        if self.prefetched_customer is not None:
            return self.prefetched_customer
        return loaders.customers(info).load(self.customer_pk)

    @strawberry.field
    async def taxes(self, info: Info) -> list[TaxLine]:
        rows = await loaders.invoice_taxes(info).load(self.pk)
        cur = self.total.currency
        return [
            TaxLine(rate=t.rate, base=money(t.base_minor, cur), tax=money(t.tax_minor, cur))
            for t in rows
        ]

    @strawberry.field(
        description="Payments applied to this invoice (reversed ones included, flagged)."
    )
    async def allocations(self, info: Info) -> list[Allocation]:
        require(info, Permission.READ_ALL)
        rows = await loaders.allocations_by_invoice(info).load(self.pk)
        return [Allocation.from_row(a, rev) for a, rev in rows if a.kind == "payment"]

    @strawberry.field(
        description="Everything that settled this invoice: payments, credit notes, write-offs."
    )
    async def settlements(self, info: Info) -> list[Settlement]:
        require(info, Permission.READ_ALL)
        rows = await loaders.allocations_by_invoice(info).load(self.pk)
        return [Settlement.from_row(a, rev) for a, rev in rows]


# ------------------------------------------------------------------ Payment


@strawberry.type
class Payment(Node):
    id: strawberry.ID
    amount: Money
    unapplied_amount: Money
    received_on: date
    payer_name: str | None
    payer_iban: str | None
    reference: str | None
    end_to_end_id: str | None
    source: str
    created_at: datetime
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int | None]
    entry_pk: strawberry.Private[int | None] = None

    @classmethod
    def from_row(cls, row: payment_repo.PaymentRow) -> Payment:
        p = row.payment
        return cls(
            id=strawberry.ID(to_global_id("Payment", p.id)),
            amount=money(p.amount_minor, p.currency),
            unapplied_amount=money(row.unapplied_minor, p.currency),
            received_on=p.received_on,
            payer_name=p.payer_name,
            payer_iban=p.payer_iban,
            reference=p.reference,
            end_to_end_id=p.end_to_end_id,
            source=p.source,
            created_at=p.created_at,
            pk=p.id,
            customer_pk=p.customer_id,
            entry_pk=p.statement_entry_id,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return (
            None
            if self.customer_pk is None
            else await loaders.customers(info).load(self.customer_pk)
        )

    @strawberry.field(
        description="The bank statement line the payment came from (null when entered by "
        "hand, and for partner keys: statements are the organization's own)."
    )
    async def statement_entry(
        self, info: Info
    ) -> Annotated[StatementEntry, strawberry.lazy("arapi.graphql.statements")] | None:
        if self.entry_pk is None:
            return None
        return await loaders.statement_entries(info).load(self.entry_pk)

    @strawberry.field(
        description="Allocations of this payment; reversed ones are included and flagged."
    )
    async def allocations(self, info: Info) -> list[Allocation]:
        rows = await loaders.allocations_by_payment(info).load(self.pk)
        return [Allocation.from_row(a, rev) for a, rev in rows]

    @strawberry.field(description="Cash-application proposals waiting for review, best first.")
    async def proposals(
        self, info: Info
    ) -> list[Annotated[MatchProposal, strawberry.lazy("arapi.graphql.matching")]]:
        from arapi.graphql.matching import payment_proposals

        return await payment_proposals(info, self, ("pending",))

    @strawberry.field(description="Every proposal made for this payment, decided ones included.")
    async def proposal_history(
        self, info: Info
    ) -> list[Annotated[MatchProposal, strawberry.lazy("arapi.graphql.matching")]]:
        from arapi.graphql.matching import ALL_STATUSES, payment_proposals

        return await payment_proposals(info, self, ALL_STATUSES)


@strawberry.type(
    description="Money of a payment applied to an invoice. Never changed: an undo adds a reversal."
)
class Allocation(Node):
    id: strawberry.ID
    amount: Money
    discount: Money = strawberry.field(
        description="Early-payment discount settled with this allocation."
    )
    write_off: Money = strawberry.field(
        description="Tolerated difference (e.g. bank fees) settled with it."
    )
    reversed: bool
    reversed_at: datetime | None
    author: str
    explanation: str | None
    created_at: datetime
    pk: strawberry.Private[int]
    payment_pk: strawberry.Private[int]
    invoice_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, a, reversal) -> Allocation:
        cur = a.currency
        return cls(
            id=strawberry.ID(to_global_id("Allocation", a.id)),
            amount=money(a.amount_minor, cur),
            discount=money(a.discount_minor, cur),
            write_off=money(a.writeoff_minor, cur),
            reversed=reversal is not None,
            reversed_at=None if reversal is None else reversal.created_at,
            author=a.author,
            explanation=a.explanation,
            created_at=a.created_at,
            pk=a.id,
            payment_pk=a.payment_id,
            invoice_pk=a.invoice_id,
        )

    @strawberry.field
    async def payment(self, info: Info) -> Payment:
        return await loaders.payments(info).load(self.payment_pk)

    @strawberry.field
    async def invoice(self, info: Info) -> Invoice:
        return await loaders.invoices(info).load(self.invoice_pk)


@strawberry.enum
class SettlementKind(Enum):
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    WRITE_OFF = "write_off"
    PREPAID = "prepaid"  # settled before the invoice was imported


@strawberry.type(description="One thing that settled part of an invoice.")
class Settlement:
    id: strawberry.ID
    kind: SettlementKind
    amount: Money
    discount: Money
    write_off: Money
    reversed: bool
    author: str
    explanation: str | None
    created_at: datetime
    payment_pk: strawberry.Private[int | None]
    credit_note_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, a, reversal) -> Settlement:
        cur = a.currency
        return cls(
            id=strawberry.ID(to_global_id("Allocation", a.id)),
            kind=SettlementKind(a.kind),
            amount=money(a.amount_minor, cur),
            discount=money(a.discount_minor, cur),
            write_off=money(a.writeoff_minor, cur),
            reversed=reversal is not None,
            author=a.author,
            explanation=a.explanation,
            created_at=a.created_at,
            payment_pk=a.payment_id,
            credit_note_pk=a.credit_note_id,
        )

    @strawberry.field
    async def payment(self, info: Info) -> Payment | None:
        return (
            None if self.payment_pk is None else await loaders.payments(info).load(self.payment_pk)
        )

    @strawberry.field
    async def credit_note(self, info: Info) -> Invoice | None:
        return (
            None
            if self.credit_note_pk is None
            else await loaders.invoices(info).load(self.credit_note_pk)
        )


# ------------------------------------------------------------------ Schedule


@strawberry.type
class Installment(Node):
    id: strawberry.ID
    seq: int
    due_date: date
    amount: Money
    paid_amount: Money
    open_amount: Money


@strawberry.type(description="An installment plan over one or more invoices of one customer.")
class Schedule(Node):
    id: strawberry.ID
    currency: CurrencyCode
    total: Money
    cancelled_at: datetime | None
    created_at: datetime
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, s, total_minor: int) -> Schedule:
        return cls(
            id=strawberry.ID(to_global_id("Schedule", s.id)),
            currency=CurrencyCode(s.currency),
            total=money(total_minor, s.currency),
            cancelled_at=s.cancelled_at,
            created_at=s.created_at,
            pk=s.id,
            customer_pk=s.customer_id,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await loaders.customers(info).load(self.customer_pk)

    @strawberry.field
    async def installments(self, info: Info) -> list[Installment]:
        return await loaders.installments(info).load(self.pk)

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        ids = await loaders.schedule_invoice_ids(info).load(self.pk)
        return [inv for inv in await loaders.invoices(info).load_many(ids) if inv is not None]


# ------------------------------------------------------------------ Viewer


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    COLLECTOR = "collector"
    INTEGRATOR = "integrator"
    PARTNER = "partner"


@strawberry.type(description="Who is calling.")
class Viewer:
    organization: Organization
    role: Role
    actor: str = strawberry.field(description="How the event log records this caller.")
    read_only: bool


def viewer_node(info: Info) -> Viewer:
    v = require_viewer(info)
    return Viewer(
        organization=Organization(
            id=strawberry.ID(to_global_id("Organization", v.organization_id)),
            name=v.organization_name,
        ),
        role=Role(v.role.value),
        actor=v.actor,
        read_only=v.read_only,
    )


# ------------------------------------------------------------------ presenting written rows


def invoice_node(session, viewer, invoice_id: int) -> Invoice:
    return Invoice.from_row(invoice_repo.get_row(session, viewer.organization_id, invoice_id))


def payment_node(session, viewer, payment_id: int) -> Payment:
    return Payment.from_row(payment_repo.get_row(session, viewer.organization_id, payment_id))


def schedule_nodes(session, rows) -> list[Schedule]:
    """Schedules with their totals (the sum of their installments), in the order given."""
    items = schedule_repo.installments_for(session, [r.id for r in rows])
    return [Schedule.from_model(r, sum(i.amount_minor for i in items[r.id])) for r in rows]
