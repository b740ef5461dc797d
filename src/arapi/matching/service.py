"""Cash application on the ledger: run the engine, book or queue its proposals, learn, undo.

The engine (:mod:`arapi.matching.engine`) is pure; this service feeds it the
organization's open items and customer profiles, books automatic proposals
through the ledger service (author ``engine``, with the explanation in the
allocation and the event log), stores the rest for review, and turns a
person's confirmation into allocations plus learned payer IBANs and names.

An undone or rejected proposal is a person's veto on that payment: later runs
never propose that set of invoices for it again and apply nothing on it
automatically; its other readings wait for review, flagged
(:mod:`arapi.matching.declined`). Every other payment is matched as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.customers.identifiers import compact_iban
from arapi.db.base import utcnow
from arapi.errors import ArapiError, NotFound
from arapi.ledger import service as ledger
from arapi.matching import declined as vetoes
from arapi.matching.engine import MatchingEngine
from arapi.matching.errors import MatchingErrorCode
from arapi.matching.model import (
    BankLine,
    CustomerProfile,
    MatchConfig,
    OpenItem,
    Proposal,
    ProposalLine,
)
from arapi.matching.text import normalize_name
from arapi.models import MatchProposal, Payment
from arapi.money import from_minor
from arapi.repositories import customers as customer_repo
from arapi.repositories import matching as repo
from arapi.repositories import payments as payment_repo

ENGINE = "engine"


@dataclass
class RunSummary:
    examined: int = 0
    applied: list[int] = field(default_factory=list)  # payment ids
    review: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)
    returns_reversed: int = 0

    def to_json(self) -> dict:
        return {
            "examined": self.examined,
            "applied": len(self.applied),
            "waitingForReview": len(self.review),
            "unmatched": len(self.unmatched),
            "returnsReversed": self.returns_reversed,
            "appliedPaymentIds": self.applied,
            "reviewPaymentIds": self.review,
        }


def config_from(auto_apply_confidence: Decimal | None) -> MatchConfig:
    if auto_apply_confidence is None:
        return MatchConfig()
    return MatchConfig(auto_apply_bp=int(auto_apply_confidence * 10000))


# ------------------------------------------------------------------ loading


def build_engine(session: Session, org_id: int, config: MatchConfig) -> MatchingEngine:
    ibans = customer_repo.all_ibans(session, org_id)
    names = customer_repo.payer_names_for(session, org_id)
    profiles = [
        CustomerProfile(cid, name, tuple(names.get(cid, ())), tuple(ibans.get(cid, ())), parent)
        for cid, name, parent in repo.customers(session, org_id)
    ]
    items = [
        OpenItem(
            invoice_id=r[0],
            customer_id=r[1],
            number=r[2],
            currency=r[3],
            open_minor=int(r[4]),
            total_minor=int(r[5]),
            issue_date=r[6],
            due_date=r[7],
            payment_reference=r[8],
            discount_bp=r[9],
            discount_days=r[10],
            kind=r[11],
        )
        for r in repo.open_items(session, org_id)
    ]
    # arapi's own direct debits carry the invoice's RF reference as their end-to-end id.
    direct_debits = {
        i.payment_reference: (i.invoice_id,)
        for i in items
        if i.payment_reference and i.kind == "invoice"
    }
    return MatchingEngine(profiles, items, config, direct_debits)


def _line(payment: Payment, unapplied_minor: int) -> BankLine:
    return BankLine(
        payment_id=payment.id,
        amount_minor=unapplied_minor,
        currency=payment.currency,
        received_on=payment.received_on,
        payer_name=payment.payer_name,
        payer_iban=payment.payer_iban,
        remittance=payment.reference,
        creditor_reference=None,
        end_to_end_id=payment.end_to_end_id,
    )


# ------------------------------------------------------------------ running


def run(
    session: Session,
    viewer: Viewer,
    *,
    payment_ids: list[int] | None = None,
    statement_id: int | None = None,
    config: MatchConfig | None = None,
) -> RunSummary:
    """Match every unapplied payment (or the given ones): apply the certain, queue the rest."""
    viewer.require(Permission.MATCH)
    config = config or MatchConfig()
    summary = RunSummary()
    summary.returns_reversed = settle_returns(session, viewer)
    payments = repo.unapplied_payments(
        session, viewer.organization_id, payment_ids=payment_ids, statement_id=statement_id
    )
    summary.examined = len(payments)
    if not payments:
        return summary
    engine = build_engine(session, viewer.organization_id, config)
    repo.supersede_pending(session, viewer.organization_id, [p.id for p, _ in payments])
    declined, numbers = _declined(session, viewer.organization_id, [p.id for p, _ in payments])
    stored: list[MatchProposal] = []
    for payment, unapplied in payments:
        proposals = engine.match(_line(payment, unapplied))
        decision = engine.decide(proposals)
        if payment.id in declined:
            # A person undid or rejected a match of this payment: never again on its own.
            proposals, decision = vetoes.screen(proposals, decision, declined[payment.id], numbers)
        if decision == "auto":
            _book(session, viewer, payment, proposals[0], author=ENGINE)
            engine.consume(proposals[0])
            stored.append(_row(viewer, payment.id, proposals[0], 1, "applied", ENGINE))
            summary.applied.append(payment.id)
        elif decision == "review":
            stored += [
                _row(viewer, payment.id, p, rank, "pending")
                for rank, p in enumerate(proposals, start=1)
            ]
            summary.review.append(payment.id)
        else:
            summary.unmatched.append(payment.id)
    repo.add_proposals(session, stored)
    audit.record(
        session,
        viewer,
        "matching.run",
        "organization",
        viewer.organization_id,
        examined=summary.examined,
        applied=len(summary.applied),
        review=len(summary.review),
    )
    return summary


def _declined(
    session: Session, org_id: int, payment_ids: list[int]
) -> tuple[dict[int, list[vetoes.DeclinedReading]], dict[int, str]]:
    """The readings people declined, per payment, and the numbers of the invoices they name."""
    found = {
        payment_id: [
            vetoes.DeclinedReading(frozenset(line["invoice_id"] for line in lines), status, by, at)
            for lines, status, by, at in rows
        ]
        for payment_id, rows in repo.declined(session, org_id, payment_ids).items()
    }
    ids = {iid for readings in found.values() for r in readings for iid in r.invoice_ids}
    return found, repo.invoice_numbers(session, org_id, ids) if ids else {}


def _row(
    viewer: Viewer,
    payment_id: int,
    p: Proposal,
    rank: int,
    status: str,
    decided_by: str | None = None,
) -> MatchProposal:
    return MatchProposal(
        organization_id=viewer.organization_id,
        payment_id=payment_id,
        customer_id=p.customer_id,
        rank=rank,
        confidence_bp=p.confidence_bp,
        status=status,
        lines=[
            {
                "invoice_id": ln.invoice_id,
                "amount_minor": ln.amount_minor,
                "discount_minor": ln.discount_minor,
                "writeoff_minor": ln.writeoff_minor,
            }
            for ln in p.lines
        ],
        unapplied_minor=p.unapplied_minor,
        rules=list(p.rules),
        explanation=p.explanation,
        decided_by=decided_by,
        decided_at=utcnow() if decided_by else None,
    )


def _book(
    session: Session, viewer: Viewer, payment: Payment, proposal: Proposal, *, author: str
) -> None:
    """Allocations for a proposal; a credit-note line first gives its credit to the invoices it offsets."""
    lines = proposal.lines
    notes = [ln for ln in lines if ln.amount_minor < 0]
    invoices = [ln for ln in lines if ln.amount_minor >= 0]
    cash = {ln.invoice_id: ln.amount_minor for ln in invoices}
    for note in notes:
        credit = -note.amount_minor
        for ln in invoices:
            part = min(credit, cash[ln.invoice_id])
            if part > 0:
                ledger.apply_credit_note(
                    session,
                    viewer,
                    note.invoice_id,
                    ln.invoice_id,
                    from_minor(part, payment.currency),
                )
                cash[ln.invoice_id] -= part
                credit -= part
    allocation_lines = [
        ledger.AllocationLine(
            invoice_id=ln.invoice_id,
            amount=from_minor(cash[ln.invoice_id], payment.currency),
            discount=from_minor(ln.discount_minor, payment.currency),
            writeoff=from_minor(ln.writeoff_minor, payment.currency),
        )
        for ln in invoices
        if cash[ln.invoice_id] + ln.discount_minor + ln.writeoff_minor > 0
    ]
    if allocation_lines:
        ledger.allocate(
            session,
            viewer,
            payment.id,
            allocation_lines,
            explanation=proposal.explanation,
            author=author,
        )


# ------------------------------------------------------------------ review decisions


def _pending(session: Session, viewer: Viewer, proposal_id: int) -> MatchProposal:
    """The proposal, locked, when it still waits for a decision."""
    row = repo.proposal(session, viewer.organization_id, proposal_id, lock=True)
    if row is None:
        raise NotFound("proposal", ["proposalId"])
    if row.status != "pending":
        raise ArapiError(
            MatchingErrorCode.PROPOSAL_NOT_PENDING, f"this proposal is {row.status}", ["proposalId"]
        )
    return row


def confirm(session: Session, viewer: Viewer, proposal_id: int) -> Payment:
    """Apply a proposal a person chose, and learn the payer's IBAN and name for next time."""
    viewer.require(Permission.MATCH)
    row = _pending(session, viewer, proposal_id)
    payment = payment_repo.lock(session, viewer.organization_id, row.payment_id)
    proposal = Proposal(
        customer_id=row.customer_id,
        lines=tuple(ProposalLine(**ln) for ln in row.lines),
        confidence_bp=row.confidence_bp,
        rules=tuple(row.rules),
        explanation=row.explanation,
        unapplied_minor=row.unapplied_minor,
    )
    try:
        _book(session, viewer, payment, proposal, author=viewer.actor)
    except ArapiError as exc:
        raise ArapiError(
            MatchingErrorCode.PROPOSAL_OUTDATED,
            f"the proposal no longer fits the ledger: {exc.message}",
            ["proposalId"],
        ) from None
    now = utcnow()
    for other in repo.proposals_for(session, viewer.organization_id, [payment.id], ("pending",))[
        payment.id
    ]:
        other.status = "confirmed" if other.id == row.id else "superseded"
        other.decided_by, other.decided_at = viewer.actor, now
    if row.customer_id is not None:
        learn(session, viewer, row.customer_id, payment.payer_iban, payment.payer_name)
    audit.record(session, viewer, "matching.confirmed", "payment", payment.id, proposal=row.id)
    return payment


def reject(
    session: Session, viewer: Viewer, proposal_id: int, reason: str | None = None
) -> MatchProposal:
    viewer.require(Permission.MATCH)
    row = _pending(session, viewer, proposal_id)
    row.status, row.decided_by, row.decided_at = "rejected", viewer.actor, utcnow()
    audit.record(
        session,
        viewer,
        "matching.rejected",
        "payment",
        row.payment_id,
        proposal=row.id,
        reason=reason,
    )
    return row


def undo(session: Session, viewer: Viewer, payment_id: int, reason: str | None = None) -> Payment:
    """Reverse what the engine applied on a payment (reversing rows, nothing deleted)."""
    viewer.require(Permission.MATCH)
    payment = payment_repo.lock(session, viewer.organization_id, payment_id)
    if payment is None:
        raise NotFound("payment", ["paymentId"])
    made = repo.engine_allocations(session, viewer.organization_id, payment_id, ENGINE)
    if not made:
        raise ArapiError(
            MatchingErrorCode.NOTHING_TO_UNDO,
            "no automatic allocation to undo on this payment",
            ["paymentId"],
        )
    for allocation in made:
        ledger.reverse(session, viewer, allocation.id, reason or "automatic match undone")
    for row in repo.proposals_for(session, viewer.organization_id, [payment_id], ("applied",))[
        payment_id
    ]:
        row.status, row.decided_by, row.decided_at = "undone", viewer.actor, utcnow()
    return payment


def learn(
    session: Session, viewer: Viewer, customer_id: int, iban: str | None, name: str | None
) -> None:
    """Remember how this customer pays, so the next payment matches on the first stage."""
    compact = compact_iban(iban)
    if compact:
        if customer_repo.add_iban(session, viewer.organization_id, customer_id, compact, "learned"):
            audit.record(
                session, viewer, "customer.iban_learned", "customer", customer_id, iban=iban
            )
    if name and (normalized := normalize_name(name)):
        if customer_repo.add_payer_name(
            session, viewer.organization_id, customer_id, name[:300], normalized[:300]
        ):
            audit.record(
                session, viewer, "customer.payer_name_learned", "customer", customer_id, name=name
            )


# ------------------------------------------------------------------ returned direct debits


def settle_returns(session: Session, viewer: Viewer) -> int:
    """Reverse the allocations of payments the bank took back (SEPA returns), newest first.

    A return reduces what its payment can allocate; while the payment's
    allocations exceed what is left, they are reversed and the invoices reopen.
    """
    reversed_count = 0
    by_payment: dict[int, int] = defaultdict(int)
    for payment_id, over, reason in repo.returns_to_settle(session, viewer.organization_id):
        for allocation in repo.live_allocations(session, viewer.organization_id, payment_id):
            if by_payment[payment_id] >= over:
                break
            ledger.reverse(
                session,
                viewer,
                allocation.id,
                f"direct debit returned ({reason or 'no reason code'})",
            )
            by_payment[payment_id] += allocation.amount_minor
            reversed_count += 1
    return reversed_count
