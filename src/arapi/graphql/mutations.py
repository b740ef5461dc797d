"""The Mutation root. Each mutation: one transaction, a payload with userErrors.

Naming follows ``nounVerb(input: NounVerbInput!): NounVerbPayload!``. When
userErrors is not empty nothing was written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.customers import service as customer_service
from arapi.graphql.common import mutate, pk_of
from arapi.graphql.errors import UserError
from arapi.graphql.nodes import (
    Allocation,
    Customer,
    Invoice,
    Payment,
    Schedule,
    invoice_node,
    payment_node,
    schedule_nodes,
)
from arapi.graphql.scalars import CurrencyCode, MoneyInput
from arapi.invoices import service as invoice_service
from arapi.ledger import service as ledger
from arapi.payments import service as payment_service
from arapi.repositories import allocations as allocation_repo
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as invoice_repo
from arapi.schedules import service as schedule_service


def _money_parts(value: MoneyInput, *field: str) -> tuple[Decimal, str]:
    m = value.to_domain(*field)
    return m.amount, m.currency


def _invoice(session, viewer, invoice) -> Invoice:
    return invoice_node(session, viewer, invoice.id)


def _payment(session, viewer, payment) -> Payment:
    return payment_node(session, viewer, payment.id)


# ------------------------------------------------------------------ customers


@strawberry.input
class CustomerCreateInput:
    name: str
    external_ref: str | None = None
    legal_id: str | None = strawberry.field(
        default=None, description="SIREN, SIRET or EU VAT number."
    )
    legal_id_type: str | None = strawberry.field(
        default=None, description="siren, siret or vat; detected when omitted."
    )
    country: str | None = None
    currency: CurrencyCode | None = None
    payment_terms_days: int | None = None
    credit_limit: MoneyInput | None = None
    ibans: list[str] | None = None
    parent_id: strawberry.ID | None = None


@strawberry.type
class CustomerCreatePayload:
    customer: Customer | None
    user_errors: list[UserError]


# ------------------------------------------------------------------ invoices


@strawberry.input
class TaxLineInput:
    rate: Decimal
    base: Decimal
    tax: Decimal


@strawberry.input
class InvoiceCreateInput:
    customer_id: strawberry.ID
    number: str
    issue_date: date
    due_date: date | None = strawberry.field(
        default=None, description="Default: issue date + the customer's payment terms."
    )
    total: MoneyInput = strawberry.field(description="Total with tax.")
    total_excl_tax: Decimal | None = None
    tax_total: Decimal | None = None
    taxes: list[TaxLineInput] | None = None
    external_ref: str | None = None
    payment_reference: str | None = strawberry.field(
        default=None, description="Default: a generated RF reference."
    )
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    idempotency_key: str | None = None


@strawberry.type
class InvoiceCreatePayload:
    invoice: Invoice | None
    user_errors: list[UserError]


@strawberry.input
class CreditNoteCreateInput:
    customer_id: strawberry.ID
    number: str
    issue_date: date
    total: MoneyInput
    total_excl_tax: Decimal | None = None
    tax_total: Decimal | None = None
    corrects_invoice_id: strawberry.ID | None = None
    external_ref: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class CreditNoteCreatePayload:
    credit_note: Invoice | None
    user_errors: list[UserError]


@strawberry.input
class CreditNoteApplyInput:
    credit_note_id: strawberry.ID
    invoice_id: strawberry.ID
    amount: Decimal
    idempotency_key: str | None = None


@strawberry.type
class CreditNoteApplyPayload:
    invoice: Invoice | None
    credit_note: Invoice | None
    user_errors: list[UserError]


@strawberry.input
class InvoiceUpdateInput:
    invoice_id: strawberry.ID
    due_date: date | None = None
    external_ref: str | None = None
    payment_reference: str | None = None


@strawberry.type
class InvoiceUpdatePayload:
    invoice: Invoice | None
    user_errors: list[UserError]


@strawberry.input
class InvoiceCancelInput:
    invoice_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class InvoiceCancelPayload:
    invoice: Invoice | None
    user_errors: list[UserError]


@strawberry.input
class InvoiceWriteOffInput:
    invoice_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class InvoiceWriteOffPayload:
    invoice: Invoice | None
    user_errors: list[UserError]


# ------------------------------------------------------------------ payments


@strawberry.input
class PaymentCreateInput:
    amount: MoneyInput
    received_on: date
    customer_id: strawberry.ID | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    reference: str | None = None
    end_to_end_id: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class PaymentCreatePayload:
    payment: Payment | None
    user_errors: list[UserError]


@strawberry.input
class AllocationLineInput:
    invoice_id: strawberry.ID | None = None
    installment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Pay an installment; without invoiceId the amount spreads over its schedule's invoices.",
    )
    amount: Decimal
    discount: Decimal | None = strawberry.field(
        default=None, description="Early-payment discount settled too."
    )
    write_off: Decimal | None = strawberry.field(
        default=None, description="Tolerated difference settled too."
    )


@strawberry.input
class PaymentAllocateInput:
    payment_id: strawberry.ID
    allocations: list[AllocationLineInput]
    idempotency_key: str | None = None


@strawberry.type
class PaymentAllocatePayload:
    payment: Payment | None
    user_errors: list[UserError]


@strawberry.input
class AllocationReverseInput:
    allocation_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class AllocationReversePayload:
    allocation: Allocation | None
    user_errors: list[UserError]


# ------------------------------------------------------------------ schedules


@strawberry.input
class InstallmentInput:
    due_date: date
    amount: Decimal


@strawberry.input
class ScheduleCreateInput:
    customer_id: strawberry.ID
    invoice_ids: list[strawberry.ID]
    installments: list[InstallmentInput]


@strawberry.type
class ScheduleCreatePayload:
    schedule: Schedule | None
    user_errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def customer_create(
        self, info: Info, input: CustomerCreateInput
    ) -> CustomerCreatePayload:
        def write(s, viewer):
            return customer_service.create(
                s,
                viewer,
                customer_service.CustomerInput(
                    name=input.name,
                    external_ref=input.external_ref,
                    legal_id=input.legal_id,
                    legal_id_type=input.legal_id_type,
                    country=input.country,
                    currency=input.currency,
                    payment_terms_days=input.payment_terms_days,
                    credit_limit=_money_parts(input.credit_limit, "creditLimit")
                    if input.credit_limit
                    else None,
                    ibans=list(input.ibans or []),
                    parent_id=pk_of(input.parent_id, "Customer", "parentId"),
                ),
            )

        node, errors = await mutate(
            info,
            Permission.WRITE_LEDGER,
            write,
            lambda s, v, c: Customer.from_model(customer_repo.get(s, v.organization_id, c.id)),
        )
        return CustomerCreatePayload(customer=node, user_errors=errors)

    @strawberry.mutation
    async def invoice_create(self, info: Info, input: InvoiceCreateInput) -> InvoiceCreatePayload:
        def write(s, viewer):
            amount, currency = _money_parts(input.total, "total")
            return invoice_service.create(
                s,
                viewer,
                invoice_service.InvoiceInput(
                    customer_id=pk_of(input.customer_id, "Customer", "customerId"),
                    number=input.number,
                    issue_date=input.issue_date,
                    due_date=input.due_date,
                    total=amount,
                    currency=currency,
                    total_excl_tax=input.total_excl_tax,
                    tax_total=input.tax_total,
                    taxes=[
                        invoice_service.TaxInput(t.rate, t.base, t.tax) for t in input.taxes or []
                    ],
                    external_ref=input.external_ref,
                    payment_reference=input.payment_reference,
                    discount_percent=input.discount_percent,
                    discount_days=input.discount_days,
                ),
                idempotency_key=input.idempotency_key,
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _invoice)
        return InvoiceCreatePayload(invoice=node, user_errors=errors)

    @strawberry.mutation
    async def invoice_update(self, info: Info, input: InvoiceUpdateInput) -> InvoiceUpdatePayload:
        def write(s, viewer):
            return invoice_service.update(
                s,
                viewer,
                pk_of(input.invoice_id, "Invoice", "invoiceId"),
                invoice_service.InvoiceChanges(
                    input.due_date, input.external_ref, input.payment_reference
                ),
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _invoice)
        return InvoiceUpdatePayload(invoice=node, user_errors=errors)

    @strawberry.mutation
    async def invoice_cancel(self, info: Info, input: InvoiceCancelInput) -> InvoiceCancelPayload:
        def write(s, viewer):
            return invoice_service.cancel(
                s, viewer, pk_of(input.invoice_id, "Invoice", "invoiceId"), input.reason
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _invoice)
        return InvoiceCancelPayload(invoice=node, user_errors=errors)

    @strawberry.mutation
    async def invoice_write_off(
        self, info: Info, input: InvoiceWriteOffInput
    ) -> InvoiceWriteOffPayload:
        def write(s, viewer):
            invoice_id = pk_of(input.invoice_id, "Invoice", "invoiceId")
            ledger.write_off(s, viewer, invoice_id, input.reason)
            return invoice_id

        node, errors = await mutate(
            info,
            Permission.WRITE_LEDGER,
            write,
            invoice_node,
        )
        return InvoiceWriteOffPayload(invoice=node, user_errors=errors)

    @strawberry.mutation
    async def credit_note_create(
        self, info: Info, input: CreditNoteCreateInput
    ) -> CreditNoteCreatePayload:
        def write(s, viewer):
            amount, currency = _money_parts(input.total, "total")
            return invoice_service.create(
                s,
                viewer,
                invoice_service.InvoiceInput(
                    customer_id=pk_of(input.customer_id, "Customer", "customerId"),
                    number=input.number,
                    issue_date=input.issue_date,
                    total=amount,
                    currency=currency,
                    total_excl_tax=input.total_excl_tax,
                    tax_total=input.tax_total,
                    external_ref=input.external_ref,
                    kind="credit_note",
                    corrects_id=pk_of(input.corrects_invoice_id, "Invoice", "correctsInvoiceId"),
                ),
                idempotency_key=input.idempotency_key,
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _invoice)
        return CreditNoteCreatePayload(credit_note=node, user_errors=errors)

    @strawberry.mutation
    async def credit_note_apply(
        self, info: Info, input: CreditNoteApplyInput
    ) -> CreditNoteApplyPayload:
        def write(s, viewer):
            return ledger.apply_credit_note(
                s,
                viewer,
                pk_of(input.credit_note_id, "Invoice", "creditNoteId"),
                pk_of(input.invoice_id, "Invoice", "invoiceId"),
                input.amount,
                idempotency_key=input.idempotency_key,
            )

        def present(s, v, allocation):
            rows = invoice_repo.get_rows(
                s, v.organization_id, [allocation.invoice_id, allocation.credit_note_id]
            )
            return Invoice.from_row(rows[allocation.invoice_id]), Invoice.from_row(
                rows[allocation.credit_note_id]
            )

        pair, errors = await mutate(info, Permission.WRITE_LEDGER, write, present)
        invoice, note = pair if pair else (None, None)
        return CreditNoteApplyPayload(invoice=invoice, credit_note=note, user_errors=errors)

    @strawberry.mutation
    async def payment_create(self, info: Info, input: PaymentCreateInput) -> PaymentCreatePayload:
        def write(s, viewer):
            amount, currency = _money_parts(input.amount, "amount")
            return payment_service.create(
                s,
                viewer,
                payment_service.PaymentInput(
                    amount=amount,
                    currency=currency,
                    received_on=input.received_on,
                    customer_id=pk_of(input.customer_id, "Customer", "customerId"),
                    payer_name=input.payer_name,
                    payer_iban=input.payer_iban,
                    reference=input.reference,
                    end_to_end_id=input.end_to_end_id,
                ),
                idempotency_key=input.idempotency_key,
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _payment)
        return PaymentCreatePayload(payment=node, user_errors=errors)

    @strawberry.mutation
    async def payment_allocate(
        self, info: Info, input: PaymentAllocateInput
    ) -> PaymentAllocatePayload:
        def write(s, viewer):
            lines = [
                ledger.AllocationLine(
                    invoice_id=pk_of(
                        line.invoice_id, "Invoice", "allocations", str(i), "invoiceId"
                    ),
                    amount=line.amount,
                    installment_id=pk_of(
                        line.installment_id, "Installment", "allocations", str(i), "installmentId"
                    ),
                    discount=line.discount or 0,
                    writeoff=line.write_off or 0,
                )
                for i, line in enumerate(input.allocations)
            ]
            return ledger.allocate(
                s,
                viewer,
                pk_of(input.payment_id, "Payment", "paymentId"),
                lines,
                idempotency_key=input.idempotency_key,
            )

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, _payment)
        return PaymentAllocatePayload(payment=node, user_errors=errors)

    @strawberry.mutation
    async def allocation_reverse(
        self, info: Info, input: AllocationReverseInput
    ) -> AllocationReversePayload:
        def write(s, viewer):
            return ledger.reverse(
                s, viewer, pk_of(input.allocation_id, "Allocation", "allocationId"), input.reason
            )

        def present(s, v, reversal):
            original = allocation_repo.get(s, v.organization_id, reversal.reverses_id)
            return Allocation.from_row(original, reversal)

        node, errors = await mutate(info, Permission.WRITE_LEDGER, write, present)
        return AllocationReversePayload(allocation=node, user_errors=errors)

    @strawberry.mutation
    async def schedule_create(
        self, info: Info, input: ScheduleCreateInput
    ) -> ScheduleCreatePayload:
        def write(s, viewer):
            return schedule_service.create(
                s,
                viewer,
                pk_of(input.customer_id, "Customer", "customerId"),
                [pk_of(gid, "Invoice", "invoiceIds") for gid in input.invoice_ids],
                [
                    schedule_service.InstallmentInput(i.due_date, i.amount)
                    for i in input.installments
                ],
            )

        node, errors = await mutate(
            info,
            Permission.WRITE_LEDGER,
            write,
            lambda s, v, schedule: schedule_nodes(s, [schedule])[0],
        )
        return ScheduleCreatePayload(schedule=node, user_errors=errors)
