"""Cash application in GraphQL: proposals, the review queue, and the decisions on them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql import loaders
from arapi.graphql.common import money, mutate, page_request, pk_of, read
from arapi.graphql.errors import UserError
from arapi.graphql.nodes import Customer, Invoice, Payment, payment_node
from arapi.graphql.permissions import require
from arapi.graphql.relay import Connection, Node, PageRequest, build_connection, to_global_id
from arapi.graphql.scalars import Money
from arapi.matching import service
from arapi.repositories import matching as repo
from arapi.repositories import payments as payment_repo


@strawberry.enum
class ProposalStatus(Enum):
    PENDING = "pending"
    APPLIED = "applied"  # applied automatically by the engine
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    UNDONE = "undone"


ALL_STATUSES = tuple(status.value for status in ProposalStatus)


@strawberry.type(description="Part of a proposal: what it would settle on one invoice.")
class ProposalLine:
    amount: Money = strawberry.field(
        description="Cash applied (negative for a credit note it offsets)."
    )
    discount: Money
    write_off: Money
    invoice_pk: strawberry.Private[int]

    @strawberry.field
    async def invoice(self, info: Info) -> Invoice | None:
        return await loaders.invoices(info).load(self.invoice_pk)


@strawberry.type(
    description="One way to apply a payment, with the engine's confidence and its reasons."
)
class MatchProposal(Node):
    id: strawberry.ID
    rank: int
    confidence: Decimal = strawberry.field(description='From "0.0000" to "1.0000".')
    status: ProposalStatus
    rules: list[str] = strawberry.field(
        description="The rules that fired, e.g. RF_REFERENCE, AMOUNT_EXACT."
    )
    explanation: str = strawberry.field(
        description="The same in words, with the differences tolerated."
    )
    lines: list[ProposalLine]
    unapplied_amount: Money = strawberry.field(
        description="What the proposal leaves unapplied (an overpayment)."
    )
    decided_by: str | None
    created_at: datetime
    customer_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row, currency: str) -> MatchProposal:
        return cls(
            id=strawberry.ID(to_global_id("MatchProposal", row.id)),
            rank=row.rank,
            confidence=Decimal(row.confidence_bp).scaleb(-4),
            status=ProposalStatus(row.status),
            rules=list(row.rules),
            explanation=row.explanation,
            lines=[
                ProposalLine(
                    amount=money(ln["amount_minor"], currency),
                    discount=money(ln.get("discount_minor", 0), currency),
                    write_off=money(ln.get("writeoff_minor", 0), currency),
                    invoice_pk=ln["invoice_id"],
                )
                for ln in row.lines
            ],
            unapplied_amount=money(row.unapplied_minor or 0, currency),
            decided_by=row.decided_by,
            created_at=row.created_at,
            customer_pk=row.customer_id,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return (
            None
            if self.customer_pk is None
            else await loaders.customers(info).load(self.customer_pk)
        )


async def payment_proposals(
    info: Info, payment: Payment, statuses: tuple[str, ...]
) -> list[MatchProposal]:
    require(info, Permission.READ_ALL)
    rows = await loaders.proposals(info, statuses).load(payment.pk)
    return [MatchProposal.from_model(r, payment.amount.currency) for r in rows]


def _review_cursor(page: PageRequest) -> int | None:
    """The payment id a paymentsForReview cursor holds: its one sort key, never null.

    The repository compares it with the id column as is; a cursor of another
    list (a name, a date, two keys) must not reach that SQL.
    """
    if page.after is None:
        return None
    if len(page.after) == 1 and isinstance(page.after[0], int):  # never a bool: see decode_cursor
        return page.after[0]
    raise ArapiError(
        CommonErrorCode.INVALID_INPUT, "the cursor was made for another list", ["after"]
    )


@strawberry.type
class MatchingQuery:
    @strawberry.field(description="Payments whose proposals wait for a person, oldest first.")
    async def payments_for_review(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Payment]:
        viewer = require(info, Permission.READ_ALL)
        page = page_request(info, first, after)
        after_id = _review_cursor(page)

        def fetch(s):
            ids, more = repo.payments_waiting_for_review(
                s, viewer.organization_id, limit=page.size, after=after_id
            )
            rows = payment_repo.get_rows(s, viewer.organization_id, ids)
            return [rows[i] for i in ids if i in rows], more

        rows, has_more = await read(info, fetch)
        return build_connection(
            rows,
            page,
            key_of=lambda r: (r.payment.id,),
            to_node=Payment.from_row,
            has_more=has_more,
        )


@strawberry.input
class MatchRunInput:
    payment_id: strawberry.ID | None = None
    statement_id: strawberry.ID | None = None


@strawberry.type
class MatchRunPayload:
    examined: int
    applied: list[Payment]
    waiting_for_review: list[Payment]
    unmatched: int
    returns_reversed: int
    user_errors: list[UserError]


@strawberry.input
class MatchProposalConfirmInput:
    proposal_id: strawberry.ID


@strawberry.type
class MatchProposalConfirmPayload:
    payment: Payment | None
    user_errors: list[UserError]


@strawberry.input
class MatchProposalRejectInput:
    proposal_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class MatchProposalRejectPayload:
    proposal: MatchProposal | None
    user_errors: list[UserError]


@strawberry.input
class MatchUndoInput:
    payment_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class MatchUndoPayload:
    payment: Payment | None
    user_errors: list[UserError]


def _present_payment(s, viewer, payment) -> Payment:
    return payment_node(s, viewer, payment.id)


@strawberry.type
class MatchingMutation:
    @strawberry.mutation(
        description="Run cash application: one payment, one statement's payments, or every unapplied one."
    )
    async def match_run(self, info: Info, input: MatchRunInput) -> MatchRunPayload:
        settings = info.context.settings

        def write(s, viewer):
            payment = pk_of(input.payment_id, "Payment", "paymentId")
            statement = pk_of(input.statement_id, "BankStatement", "statementId")
            return service.run(
                s,
                viewer,
                payment_ids=None if payment is None else [payment],
                statement_id=statement,
                config=service.config_from(settings.auto_apply_confidence),
            )

        def present(s, viewer, summary):
            rows = payment_repo.get_rows(
                s, viewer.organization_id, summary.applied + summary.review
            )
            return (
                summary,
                [Payment.from_row(rows[i]) for i in summary.applied],
                [Payment.from_row(rows[i]) for i in summary.review],
            )

        outcome, errors = await mutate(info, Permission.MATCH, write, present)
        if errors:
            return MatchRunPayload(
                examined=0,
                applied=[],
                waiting_for_review=[],
                unmatched=0,
                returns_reversed=0,
                user_errors=errors,
            )
        summary, applied, review = outcome
        return MatchRunPayload(
            examined=summary.examined,
            applied=applied,
            waiting_for_review=review,
            unmatched=len(summary.unmatched),
            returns_reversed=summary.returns_reversed,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Apply a proposal; the payer's IBAN and name are learned for the customer."
    )
    async def match_proposal_confirm(
        self, info: Info, input: MatchProposalConfirmInput
    ) -> MatchProposalConfirmPayload:
        def write(s, viewer):
            return service.confirm(
                s, viewer, pk_of(input.proposal_id, "MatchProposal", "proposalId")
            )

        node, errors = await mutate(info, Permission.MATCH, write, _present_payment)
        return MatchProposalConfirmPayload(payment=node, user_errors=errors)

    @strawberry.mutation(
        description="Decline a proposal: it is never proposed again for this payment, and "
        "the payment is no longer applied automatically (its other proposals wait for review)."
    )
    async def match_proposal_reject(
        self, info: Info, input: MatchProposalRejectInput
    ) -> MatchProposalRejectPayload:
        def write(s, viewer):
            return service.reject(
                s, viewer, pk_of(input.proposal_id, "MatchProposal", "proposalId"), input.reason
            )

        def present(s, viewer, row):
            payment = payment_repo.get_row(s, viewer.organization_id, row.payment_id).payment
            return MatchProposal.from_model(row, payment.currency)

        node, errors = await mutate(info, Permission.MATCH, write, present)
        return MatchProposalRejectPayload(proposal=node, user_errors=errors)

    @strawberry.mutation(
        description="Reverse what the engine applied on a payment (reversing rows; nothing is deleted). "
        "The undone proposal is never proposed again for this payment, and the payment is no "
        "longer applied automatically (its other proposals wait for review)."
    )
    async def match_undo(self, info: Info, input: MatchUndoInput) -> MatchUndoPayload:
        def write(s, viewer):
            return service.undo(
                s, viewer, pk_of(input.payment_id, "Payment", "paymentId"), input.reason
            )

        node, errors = await mutate(info, Permission.MATCH, write, _present_payment)
        return MatchUndoPayload(payment=node, user_errors=errors)
