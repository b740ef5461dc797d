"""A person's veto: an undone or rejected match is never applied again on its payment.

The tester's sequence (apply, undo, run again; reject, run again) through the
service on a real database, and the pure screening of proposals.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from arapi.ledger import service as ledger
from arapi.matching import service
from arapi.matching.declined import DeclinedReading, screen
from arapi.matching.model import Proposal, ProposalLine
from arapi.models import MatchProposal
from arapi.repositories import invoices as invoice_repo
from tests.helpers import make_customer, make_invoice, make_org, make_payment

DUPONT_IBAN = "FR7630006000011234567890189"
MARTIN_IBAN = "DE89370400440532013000"


# ------------------------------------------------------------------ pure screening


def proposal(*ids: int, confidence: int = 9900) -> Proposal:
    return Proposal(
        customer_id=1,
        lines=tuple(ProposalLine(iid, 10000) for iid in ids),
        confidence_bp=confidence,
        rules=("amount.exact",),
        explanation="Amount equals the open amount.",
    )


NUMBERS = {1: "FA-1", 2: "FA-2", 3: "FA-3"}
UNDONE = DeclinedReading(frozenset({1}), "undone", "alice", datetime(2025, 3, 2, 9, tzinfo=UTC))


def proposal_for(db, payment_id: int, invoice_id: int) -> MatchProposal:
    """The payment's proposal whose first line is for ``invoice_id``."""
    with db.read() as s:
        return next(
            p
            for p in s.scalars(select(MatchProposal).where(MatchProposal.payment_id == payment_id))
            if p.lines[0]["invoice_id"] == invoice_id
        )


def test_without_declined_readings_nothing_changes():
    proposals = [proposal(1), proposal(2, confidence=5000)]
    assert screen(proposals, "auto", [], NUMBERS) == (proposals, "auto")


def test_the_declined_set_is_not_proposed_again_and_nothing_is_automatic():
    kept, decision = screen([proposal(1), proposal(2, confidence=6000)], "auto", [UNDONE], NUMBERS)
    assert decision == "review"
    assert [p.invoice_ids for p in kept] == [frozenset({2})]
    assert kept[0].rules[-1] == "review.declined_payment"
    assert "FA-1 undone by alice on 2025-03-02" in kept[0].explanation
    assert kept[0].explanation.startswith("Amount equals the open amount. Waits for review")


def test_only_the_declined_reading_leaves_nothing_to_propose():
    assert screen([proposal(1)], "auto", [UNDONE], NUMBERS) == ([], "none")


def test_a_reading_with_a_declined_invoice_is_flagged_and_offered_last():
    rejected = DeclinedReading(frozenset({1, 2}), "rejected", "bob")
    kept, decision = screen(
        [proposal(1, 2), proposal(1, 3), proposal(3, confidence=7000)],
        "review",
        [rejected],
        NUMBERS,
    )
    assert decision == "review"
    assert [p.invoice_ids for p in kept] == [frozenset({3}), frozenset({1, 3})]
    flagged = kept[1]
    assert flagged.rules == ("amount.exact", "review.declined_invoice")
    assert flagged.confidence_bp == 9900  # the evidence is what it is; the flag says the rest
    assert "FA-1 declined for this payment before (FA-1, FA-2 rejected by bob)" in (
        flagged.explanation
    )


def test_none_stays_none():
    assert screen([], "none", [UNDONE], NUMBERS) == ([], "none")


# ------------------------------------------------------------------ on the ledger


@pytest.fixture
def books(db):
    viewer = make_org(db)
    with db.write() as s:
        dupont = make_customer(s, viewer, name="Dupont Transports SARL", ibans=[DUPONT_IBAN])
        martin = make_customer(s, viewer, name="Boulangerie Martin", ibans=[MARTIN_IBAN])
        inv = {
            "a": make_invoice(s, viewer, dupont.id, "FA-2025-00123", total="1200.00"),
            "b": make_invoice(s, viewer, dupont.id, "FA-2025-00124", total="300.00"),
            "c": make_invoice(s, viewer, martin.id, "FA-2025-00200", total="450.00"),
            "d": make_invoice(s, viewer, martin.id, "FA-2025-00201", total="450.00"),
        }
    return viewer, inv


def open_of(db, viewer, invoice) -> int:
    with db.read() as s:
        return invoice_repo.get_row(s, viewer.organization_id, invoice.id).open_minor


def history(db, payment_id) -> list[tuple[str, set[int]]]:
    with db.read() as s:
        rows = s.scalars(
            select(MatchProposal)
            .where(MatchProposal.payment_id == payment_id)
            .order_by(MatchProposal.id)
        )
        return [(r.status, {ln["invoice_id"] for ln in r.lines}) for r in rows]


def engine_decision(db, viewer, payment) -> tuple[str, set[int]]:
    """What the engine alone would do with the payment now (the veto aside)."""
    with db.read() as s:
        engine = service.build_engine(s, viewer.organization_id, service.config_from(None))
        row = s.merge(payment)
        proposals = engine.match(service._line(row, row.amount_minor))
    return engine.decide(proposals), set(proposals[0].invoice_ids) if proposals else set()


@pytest.mark.parametrize("by", ["invoice number", "RF reference"])
def test_undone_match_is_not_applied_again(db, books, by):
    viewer, inv = books
    a = inv["a"]
    reference = "VIR SEPA FACTURE FA-2025-00123" if by == "invoice number" else a.payment_reference
    with db.write() as s:
        pay = make_payment(
            s, viewer, amount="1200.00", payer_name="DUPONT TRANSPORTS", reference=reference
        )
    with db.write() as s:
        assert service.run(s, viewer).applied == [pay.id]
    assert open_of(db, viewer, a) == 0
    with db.write() as s:
        service.undo(s, viewer, pay.id, "wrong customer")
    assert open_of(db, viewer, a) == 120000
    # The engine on its own would apply the same allocation again ...
    assert engine_decision(db, viewer, pay) == ("auto", {a.id})
    # ... the veto stops it.
    with db.write() as s:
        summary = service.run(s, viewer)
    assert summary.applied == [] and summary.unmatched == [pay.id]
    assert open_of(db, viewer, a) == 120000
    assert history(db, pay.id) == [("undone", {a.id})]
    with db.write() as s:  # and again: a veto does not wear off
        assert service.run(s, viewer, payment_ids=[pay.id]).applied == []
    assert history(db, pay.id) == [("undone", {a.id})]

    # Another payment of the same invoice is matched as before: the veto is this payment's.
    with db.write() as s:
        other = make_payment(
            s, viewer, amount="1200.00", payer_name="DUPONT TRANSPORTS", reference=reference
        )
    with db.write() as s:
        summary = service.run(s, viewer)
    assert summary.applied == [other.id] and summary.unmatched == [pay.id]
    assert open_of(db, viewer, a) == 0


def test_rejected_proposal_is_not_applied_when_it_becomes_clear(db, books):
    viewer, inv = books
    c, d = inv["c"], inv["d"]
    with db.write() as s:
        pay = make_payment(
            s,
            viewer,
            amount="450.00",
            payer_name="BOULANGERIE MARTIN",
            payer_iban=MARTIN_IBAN,
            reference="MERCI",
        )
    with db.write() as s:
        assert service.run(s, viewer).review == [pay.id]  # two invoices of 450.00
    pending = {frozenset(ids): status for status, ids in history(db, pay.id)}
    assert pending == {frozenset({c.id}): "pending", frozenset({d.id}): "pending"}
    for_c = proposal_for(db, pay.id, c.id)
    with db.write() as s:
        service.reject(s, viewer, for_c.id, "not this one")
    # Invoice d is paid otherwise: c is now the only reading, and a clear one.
    with db.write() as s:
        cheque = make_payment(s, viewer, amount="450.00")
        ledger.allocate(s, viewer, cheque.id, [ledger.AllocationLine(d.id, "450.00")])
    assert engine_decision(db, viewer, pay) == ("auto", {c.id})
    with db.write() as s:
        summary = service.run(s, viewer, payment_ids=[pay.id])
    assert summary.applied == [] and summary.unmatched == [pay.id]
    assert open_of(db, viewer, c) == 45000
    statuses = [status for status, ids in history(db, pay.id) if ids == {c.id}]
    assert statuses == ["rejected"]  # not proposed again, let alone applied


def test_other_readings_of_a_vetoed_payment_wait_for_review(db, books):
    """Rejected: c. Once c is paid otherwise, d is the one clear reading; a person confirms it."""
    viewer, inv = books
    c, d = inv["c"], inv["d"]
    with db.write() as s:
        pay = make_payment(
            s, viewer, amount="450.00", payer_name="BOULANGERIE MARTIN", payer_iban=MARTIN_IBAN
        )
    with db.write() as s:
        assert service.run(s, viewer).review == [pay.id]
    for_c = proposal_for(db, pay.id, c.id)
    with db.write() as s:
        service.reject(s, viewer, for_c.id, "the customer paid c by cheque")
        cheque = make_payment(s, viewer, amount="450.00")
        ledger.allocate(s, viewer, cheque.id, [ledger.AllocationLine(c.id, "450.00")])
    assert engine_decision(db, viewer, pay) == ("auto", {d.id})
    with db.write() as s:
        summary = service.run(s, viewer)
    assert summary.applied == [] and summary.review == [pay.id]
    assert open_of(db, viewer, d) == 45000
    with db.read() as s:
        pending = list(
            s.scalars(
                select(MatchProposal).where(
                    MatchProposal.payment_id == pay.id, MatchProposal.status == "pending"
                )
            )
        )
    assert [(p.rank, p.lines[0]["invoice_id"]) for p in pending] == [(1, d.id)]
    assert "review.declined_payment" in pending[0].rules
    assert "FA-2025-00200 rejected by test on" in pending[0].explanation
    with db.write() as s:
        service.confirm(s, viewer, pending[0].id)
    assert open_of(db, viewer, d) == 0
