"""Cash application on a real database: run, review, confirm with learning, reject, undo, returns."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.matching import service
from arapi.matching.errors import MatchingErrorCode
from arapi.models import (
    Allocation,
    CustomerIban,
    CustomerPayerName,
    Event,
    MatchProposal,
    PaymentReturn,
)
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from tests.helpers import make_customer, make_invoice, make_org, make_payment


@pytest.fixture
def ledger(db):
    viewer = make_org(db)
    with db.write() as s:
        dupont = make_customer(
            s, viewer, name="Dupont Transports SARL", ibans=["FR7630006000011234567890189"]
        )
        martin = make_customer(s, viewer, name="Boulangerie Martin")
        inv = {
            "a": make_invoice(s, viewer, dupont.id, "FA-2025-00123", total="1200.00"),
            "b": make_invoice(s, viewer, dupont.id, "FA-2025-00124", total="300.00"),
            "c": make_invoice(s, viewer, martin.id, "FA-2025-00200", total="450.00"),
            "d": make_invoice(s, viewer, martin.id, "FA-2025-00201", total="450.00"),
        }
    return viewer, dupont, martin, inv


def open_of(db, viewer, invoice):
    with db.read() as s:
        return invoice_repo.get_row(s, viewer.organization_id, invoice.id).open_minor


def count(db, model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_certain_matches_are_applied_with_their_explanation(db, ledger):
    viewer, dupont, _, inv = ledger
    with db.write() as s:
        by_number = make_payment(
            s,
            viewer,
            amount="1200.00",
            payer_name="DUPONT TRANSPORTS",
            reference="VIR SEPA FACTURE FA-2025-00123",
        )
        by_rf = make_payment(s, viewer, amount="300.00", reference=f"{inv['b'].payment_reference}")
    with db.write() as s:
        summary = service.run(s, viewer)
    assert sorted(summary.applied) == sorted([by_number.id, by_rf.id]) and summary.review == []
    assert open_of(db, viewer, inv["a"]) == 0 and open_of(db, viewer, inv["b"]) == 0
    with db.read() as s:
        allocation = s.scalar(select(Allocation).where(Allocation.payment_id == by_number.id))
        event = s.scalar(
            select(Event).where(
                Event.action == "payment.allocated", Event.subject_id == by_number.id
            )
        )
    assert allocation.author == "engine" and "FA-2025-00123" in allocation.explanation
    assert event.data["author"] == "engine" and event.data["explanation"] == allocation.explanation


def test_ambiguous_payment_waits_for_review_then_confirm_teaches(db, ledger):
    viewer, _, martin, inv = ledger
    with db.write() as s:
        pay = make_payment(
            s,
            viewer,
            amount="450.00",
            payer_name="BOULANGERIE MARTIN",
            payer_iban="DE89370400440532013000",
            reference="MERCI",
        )
    with db.write() as s:
        summary = service.run(s, viewer)
    assert summary.review == [pay.id] and summary.applied == []
    assert open_of(db, viewer, inv["c"]) == 45000 and open_of(db, viewer, inv["d"]) == 45000
    with db.read() as s:
        proposals = list(
            s.scalars(
                select(MatchProposal)
                .where(MatchProposal.status == "pending")
                .order_by(MatchProposal.rank)
            )
        )
    assert len(proposals) >= 2 and all(p.explanation for p in proposals)
    chosen = next(p for p in proposals if p.lines[0]["invoice_id"] == inv["d"].id)
    with db.write() as s:
        service.confirm(s, viewer, chosen.id)
    assert open_of(db, viewer, inv["d"]) == 0 and open_of(db, viewer, inv["c"]) == 45000
    assert count(db, MatchProposal, MatchProposal.status == "pending") == 0
    assert (
        count(
            db,
            CustomerIban,
            CustomerIban.customer_id == martin.id,
            CustomerIban.source == "learned",
        )
        == 1
    )
    assert count(db, CustomerPayerName, CustomerPayerName.customer_id == martin.id) == 1
    with pytest.raises(ArapiError) as err, db.write() as s:
        service.confirm(s, viewer, chosen.id)
    assert err.value.code is MatchingErrorCode.PROPOSAL_NOT_PENDING
    # Next time the same payer pays the other invoice, the learned IBAN identifies it.
    with db.write() as s:
        again = make_payment(
            s,
            viewer,
            amount="450.00",
            payer_name="BOULANGERIE MARTIN",
            payer_iban="DE89370400440532013000",
            reference="MERCI",
        )
    with db.write() as s:
        summary = service.run(s, viewer, payment_ids=[again.id])
    assert summary.applied == [again.id]
    assert open_of(db, viewer, inv["c"]) == 0


def test_reject_and_unknown_payer(db, ledger):
    viewer, *_ = ledger
    with db.write() as s:
        stranger = make_payment(
            s, viewer, amount="77.77", payer_name="NOBODY KNOWN", reference="DONATION"
        )
        pay = make_payment(s, viewer, amount="450.00", payer_name="BOULANGERIE MARTIN")
    with db.write() as s:
        summary = service.run(s, viewer)
    assert stranger.id in summary.unmatched
    with db.read() as s:
        proposal = s.scalar(
            select(MatchProposal).where(
                MatchProposal.payment_id == pay.id, MatchProposal.status == "pending"
            )
        )
    with db.write() as s:
        service.reject(s, viewer, proposal.id, "customer says otherwise")
    assert count(db, Allocation) == 0


def test_undo_reverses_without_deleting(db, ledger):
    viewer, _, _, inv = ledger
    with db.write() as s:
        pay = make_payment(s, viewer, amount="1200.00", reference="FA-2025-00123")
    with db.write() as s:
        service.run(s, viewer)
    with db.write() as s:
        service.undo(s, viewer, pay.id, "wrong customer")
    assert open_of(db, viewer, inv["a"]) == 120000
    assert count(db, Allocation) == 2
    assert count(db, MatchProposal, MatchProposal.status == "undone") == 1
    with pytest.raises(ArapiError) as err, db.write() as s:
        service.undo(s, viewer, pay.id)
    assert err.value.code is MatchingErrorCode.NOTHING_TO_UNDO


def test_returned_direct_debit_reopens_the_invoice(db, ledger):
    viewer, _, _, inv = ledger
    with db.write() as s:
        pay = make_payment(s, viewer, amount="1200.00", end_to_end_id=inv["a"].payment_reference)
    with db.write() as s:
        assert service.run(s, viewer).applied == [pay.id]
    assert open_of(db, viewer, inv["a"]) == 0
    with db.write() as s:
        s.add(
            PaymentReturn(
                organization_id=viewer.organization_id,
                payment_id=pay.id,
                amount_minor=120000,
                currency="EUR",
                reason_code="AM04",
            )
        )
    with db.write() as s:
        summary = service.run(s, viewer)
    assert (
        summary.returns_reversed == 1 and summary.examined == 0
    )  # the returned payment is not cash to apply
    assert open_of(db, viewer, inv["a"]) == 120000
    with db.read() as s:
        reversal = s.scalar(select(Allocation).where(Allocation.reverses_id.is_not(None)))
        assert payment_repo.get_row(s, viewer.organization_id, pay.id).unapplied_minor == 0
    assert "AM04" in reversal.explanation


def test_collector_may_match_partner_may_not(db, ledger):
    from arapi.auth.roles import Role
    from tests.helpers import as_role

    viewer, *_ = ledger
    with db.write() as s:
        service.run(s, as_role(viewer, Role.COLLECTOR))
    with pytest.raises(ArapiError), db.write() as s:
        service.run(s, as_role(viewer, Role.PARTNER, frozenset()))


def test_received_date_is_used_for_discounts(db):
    """A discount taken within the terms is booked as a discount, not left open."""
    viewer = make_org(db)
    with db.write() as s:
        c = make_customer(s, viewer, name="Escompte SA")
        inv = make_invoice(
            s,
            viewer,
            c.id,
            "FA-2025-00999",
            total="12000.00",
            tax_total="2000",
            issue=date(2025, 3, 1),
            discount_percent="2",
            discount_days=10,
        )
        make_payment(
            s, viewer, amount="11760.00", received=date(2025, 3, 8), reference="FA-2025-00999"
        )
    with db.write() as s:
        summary = service.run(s, viewer)
    assert len(summary.applied) == 1
    with db.read() as s:
        allocation = s.scalar(select(Allocation))
    assert (allocation.amount_minor, allocation.discount_minor) == (1176000, 24000)
    assert open_of(db, viewer, inv) == 0
