"""The Query root: viewer, node/nodes and the keyset-paginated lists."""

from __future__ import annotations

import asyncio
from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql import loaders
from arapi.graphql.common import OrderDirection, page_request, pk_of, read, today
from arapi.graphql.nodes import (
    Customer,
    Invoice,
    InvoiceFilter,
    InvoiceOrder,
    Payment,
    Schedule,
    Viewer,
    schedule_nodes,
    viewer_node,
)
from arapi.graphql.permissions import require, require_viewer
from arapi.graphql.relay import (
    Connection,
    Node,
    build_connection,
    from_global_id,
)
from arapi.graphql.scalars import CurrencyCode
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from arapi.repositories import schedules as schedule_repo


def _scope(viewer, customer_pk: int | None) -> list[int] | None:
    """The customer ids a list may show: a partner's grants, narrowed to one customer if asked."""
    if customer_pk is None:
        return None if viewer.customer_ids is None else sorted(viewer.customer_ids)
    return [customer_pk] if viewer.sees_customer(customer_pk) else []


# ------------------------------------------------------------------ invoices


async def invoice_connection(
    info: Info,
    first,
    after,
    last,
    before,
    filter: InvoiceFilter | None,
    order_by: InvoiceOrder | None,
    customer_pk=None,
) -> Connection[Invoice]:
    viewer = require_viewer(info)  # partners too: _scope narrows them to their customers
    f = filter or InvoiceFilter()
    order = order_by or InvoiceOrder()
    page = page_request(info, first, after, last, before)
    if f.customer_id is not None:
        customer_pk = pk_of(f.customer_id, "Customer", "filter", "customerId")
    criteria = invoice_repo.InvoiceFilter(
        customer_ids=_scope(viewer, customer_pk),
        statuses=[s.value for s in f.status] if f.status else None,
        currency=f.currency,
        kind=f.kind.value if f.kind else None,
        due_from=f.due_from,
        due_to=f.due_to,
        overdue_on=today() if f.overdue else None,
        search=f.search,
    )
    field = order.field.value

    def fetch(s):
        # The page and its customers in one session: listing invoices with their customer is the common case.
        rows, has_more = invoice_repo.page(
            s,
            viewer.organization_id,
            criteria,
            field=field,
            descending=order.direction is OrderDirection.DESC,
            limit=page.size,
            after=page.after,
            before=page.before,
            forward=not page.backward,
        )
        customers = customer_repo.get_many(
            s, viewer.organization_id, {r.invoice.customer_id for r in rows}
        )
        return rows, has_more, {pk: Customer.from_model(c) for pk, c in customers.items()}

    rows, has_more, customers = await read(info, fetch)
    return build_connection(
        rows,
        page,
        key_of=lambda r: invoice_repo.key_of(r, field),
        to_node=lambda r: Invoice.from_row(r, customers.get(r.invoice.customer_id)),
        has_more=has_more,
    )


# ------------------------------------------------------------------ customers


@strawberry.enum
class CustomerOrderField(Enum):
    NAME = "NAME"
    CREATED = "CREATED"


@strawberry.input
class CustomerOrder:
    field: CustomerOrderField = CustomerOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name, external ref or legal id."
    )
    currency: CurrencyCode | None = None
    country: str | None = None


async def customer_connection(
    info: Info, first, after, last, before, filter, order_by
) -> Connection[Customer]:
    viewer = require_viewer(info)
    f = filter or CustomerFilter()
    order = order_by or CustomerOrder()
    page = page_request(info, first, after, last, before)
    criteria = customer_repo.CustomerFilter(
        ids=_scope(viewer, None), search=f.search, currency=f.currency, country=f.country
    )
    field = order.field.value
    rows, has_more = await read(
        info,
        lambda s: customer_repo.page(
            s,
            viewer.organization_id,
            criteria,
            field=field,
            descending=order.direction is OrderDirection.DESC,
            limit=page.size,
            after=page.after,
            before=page.before,
            forward=not page.backward,
        ),
    )
    return build_connection(
        rows,
        page,
        key_of=lambda c: customer_repo.key_of(c, field),
        to_node=Customer.from_model,
        has_more=has_more,
    )


# ------------------------------------------------------------------ payments


@strawberry.enum
class PaymentOrderField(Enum):
    RECEIVED_ON = "RECEIVED_ON"
    AMOUNT = strawberry.enum_value(
        "AMOUNT", description="By currency, then amount: amounts in two currencies do not compare."
    )
    CREATED = "CREATED"


@strawberry.input
class PaymentOrder:
    field: PaymentOrderField = PaymentOrderField.RECEIVED_ON
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input
class PaymentFilter:
    customer_id: strawberry.ID | None = None
    currency: CurrencyCode | None = None
    unapplied: bool | None = strawberry.field(
        default=None, description="Only payments with money not yet allocated."
    )
    received_from: date | None = None
    received_to: date | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the payer name or the reference."
    )
    statement_id: strawberry.ID | None = None


async def payment_connection(
    info: Info, first, after, last, before, filter, order_by, customer_pk=None
) -> Connection[Payment]:
    viewer = require(info, Permission.READ_ALL)
    f = filter or PaymentFilter()
    order = order_by or PaymentOrder()
    page = page_request(info, first, after, last, before)
    if f.customer_id is not None:
        customer_pk = pk_of(f.customer_id, "Customer", "filter", "customerId")
    criteria = payment_repo.PaymentFilter(
        customer_ids=None if customer_pk is None else [customer_pk],
        currency=f.currency,
        unapplied_only=bool(f.unapplied),
        received_from=f.received_from,
        received_to=f.received_to,
        search=f.search,
        statement_id=pk_of(f.statement_id, "BankStatement", "filter", "statementId"),
    )
    field = order.field.value
    rows, has_more = await read(
        info,
        lambda s: payment_repo.page(
            s,
            viewer.organization_id,
            criteria,
            field=field,
            descending=order.direction is OrderDirection.DESC,
            limit=page.size,
            after=page.after,
            before=page.before,
            forward=not page.backward,
        ),
    )
    return build_connection(
        rows,
        page,
        key_of=lambda r: payment_repo.key_of(r, field),
        to_node=Payment.from_row,
        has_more=has_more,
    )


# ------------------------------------------------------------------ schedules


@strawberry.input
class ScheduleFilter:
    customer_id: strawberry.ID | None = None
    active: bool | None = strawberry.field(
        default=None, description="Only schedules not cancelled."
    )


async def schedule_connection(
    info: Info, first, after, last, before, filter
) -> Connection[Schedule]:
    viewer = require(info, Permission.READ_ALL)
    f = filter or ScheduleFilter()
    page = page_request(info, first, after, last, before)
    customer_pk = pk_of(f.customer_id, "Customer", "filter", "customerId")
    criteria = schedule_repo.ScheduleFilter(
        customer_ids=None if customer_pk is None else [customer_pk], active_only=bool(f.active)
    )

    def fetch(s):
        rows, has_more = schedule_repo.page(
            s,
            viewer.organization_id,
            criteria,
            limit=page.size,
            after=page.after,
            before=page.before,
            forward=not page.backward,
        )
        return schedule_nodes(s, rows), has_more

    nodes, has_more = await read(info, fetch)
    return build_connection(
        nodes, page, key_of=lambda n: (n.pk,), to_node=lambda n: n, has_more=has_more
    )


# ------------------------------------------------------------------ node


NODE_LOADERS = {
    "Customer": loaders.customers,
    "Invoice": loaders.invoices,
    "Payment": loaders.payments,
    "Allocation": loaders.allocations,
    "Schedule": loaders.schedules,
    "BankStatement": loaders.statements,
    "ImportFile": loaders.import_files,
    "MatchProposal": loaders.match_proposals,
}


async def resolve_node(info: Info, gid: str) -> Node | None:
    require_viewer(info)
    try:
        type_name, pk = from_global_id(gid)
    except ArapiError:
        return None
    loader = NODE_LOADERS.get(type_name)
    return None if loader is None else await loader(info).load(pk)


@strawberry.type
class Query:
    @strawberry.field(description="The organization and role of the caller.")
    def viewer(self, info: Info) -> Viewer:
        return viewer_node(info)

    @strawberry.field(
        description="Any object by its global ID; null when it does not exist for the caller."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="Several objects by global ID, in order; null for each one not found."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise ArapiError(
                CommonErrorCode.INVALID_INPUT,
                f"at most {info.context.settings.max_page_size} ids",
                ["ids"],
            )
        # Together, so each kind of object loads in one batch.
        return list(await asyncio.gather(*(resolve_node(info, gid) for gid in ids)))

    @strawberry.field
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
    ) -> Connection[Customer]:
        return await customer_connection(info, first, after, last, before, filter, order_by)

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
        return await invoice_connection(info, first, after, last, before, filter, order_by)

    @strawberry.field
    async def payments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: PaymentFilter | None = None,
        order_by: PaymentOrder | None = None,
    ) -> Connection[Payment]:
        return await payment_connection(info, first, after, last, before, filter, order_by)

    @strawberry.field
    async def schedules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ScheduleFilter | None = None,
    ) -> Connection[Schedule]:
        return await schedule_connection(info, first, after, last, before, filter)
