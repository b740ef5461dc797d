"""Invariants of every proposal, on random small worlds (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arapi import rf
from arapi.matching import BankLine, CustomerProfile, MatchingEngine, OpenItem, Proposal

IBANS = [
    "FR7630006000011234567890189",
    "DE89370400440532013000",
    "BE68539007547034",
    "GB82WEST12345698765432",
]
NAMES = [
    "Transports Martin SARL",
    "Martin Transports SAS",
    "Boulangerie Dupont",
    "Dupont & Fils",
    "ACME GmbH",
]
CURRENCIES = ["EUR", "EUR", "EUR", "USD", "JPY"]
AMOUNTS = st.one_of(
    st.sampled_from([100, 1200, 4500, 4500, 12000, 99999]), st.integers(1, 2_000_000)
)


@st.composite
def worlds(draw):
    customers = []
    for cid in range(1, draw(st.integers(1, 5)) + 1):
        parent = draw(st.one_of(st.none(), st.integers(1, cid))) if cid > 1 else None
        customers.append(
            CustomerProfile(
                customer_id=cid,
                name=draw(st.sampled_from(NAMES)),
                name_variants=tuple(draw(st.lists(st.sampled_from(NAMES), max_size=2))),
                ibans=tuple(draw(st.lists(st.sampled_from(IBANS), max_size=2))),
                parent_id=None if parent == cid else parent,
            )
        )
    items = []
    for iid in range(1, draw(st.integers(1, 14)) + 1):
        total = draw(AMOUNTS)
        credit = draw(st.booleans()) and iid % 5 == 0
        open_minor = draw(st.integers(1, total))
        issue = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 150)))
        number = draw(st.sampled_from(["FA-2025-{:06d}", "INV/25/{:04d}", "{:05d}", "F{}"])).format(
            100 + iid
        )
        discount = draw(st.one_of(st.none(), st.sampled_from([(200, 10), (100, 30)])))
        items.append(
            OpenItem(
                invoice_id=iid,
                customer_id=draw(st.integers(1, len(customers))),
                number=number,
                currency=draw(st.sampled_from(CURRENCIES)),
                open_minor=-open_minor if credit else open_minor,
                total_minor=-total if credit else total,
                issue_date=issue,
                due_date=issue + timedelta(days=30),
                payment_reference=rf.generate(number) if draw(st.booleans()) else None,
                discount_bp=discount[0] if discount else None,
                discount_days=discount[1] if discount else None,
                kind="credit_note" if credit else "invoice",
            )
        )
    direct_debits = {
        "DD-1": tuple(draw(st.lists(st.sampled_from([i.invoice_id for i in items]), max_size=3)))
    }
    return customers, items, direct_debits


@st.composite
def bank_lines(draw, items):
    named = draw(st.lists(st.sampled_from(items), max_size=3))
    words = [
        draw(
            st.sampled_from(
                [i.number, i.number.replace("-", " "), i.number[:-1], i.payment_reference or ""]
            )
        )
        for i in named
    ]
    amount = draw(st.one_of(AMOUNTS, st.just(sum(abs(i.open_minor) for i in named) or 1)))
    return BankLine(
        payment_id=draw(st.integers(1, 10**6)),
        amount_minor=amount,
        currency=draw(st.sampled_from(CURRENCIES)),
        received_on=date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 240))),
        payer_name=draw(st.one_of(st.none(), st.sampled_from(NAMES), st.text(max_size=40))),
        payer_iban=draw(st.one_of(st.none(), st.sampled_from(IBANS))),
        remittance=draw(st.one_of(st.none(), st.just(" ".join(words)), st.text(max_size=140))),
        creditor_reference=draw(
            st.one_of(st.none(), st.sampled_from([i.payment_reference for i in items]))
        ),
        end_to_end_id=draw(st.sampled_from([None, "DD-1", "NOTPROVIDED"])),
    )


def check(
    proposal: Proposal, line: BankLine, items: dict[int, OpenItem], opens: dict[int, int]
) -> None:
    assert 0 <= proposal.confidence_bp <= 10000
    assert proposal.lines, "a proposal applies something"
    assert len({pl.invoice_id for pl in proposal.lines}) == len(proposal.lines)
    cash = 0
    for pl in proposal.lines:
        invoice = items[pl.invoice_id]
        assert invoice.currency == line.currency
        open_minor = opens[pl.invoice_id]
        assert open_minor != 0
        assert pl.discount_minor >= 0 and pl.writeoff_minor >= 0
        if open_minor > 0:
            assert 0 < pl.settled_minor <= open_minor
            assert pl.amount_minor >= 0
        else:  # credit note: applied at most in full
            assert open_minor <= pl.amount_minor < 0 and pl.discount_minor == pl.writeoff_minor == 0
        cash += pl.amount_minor
    assert 0 < cash <= line.amount_minor
    assert cash + proposal.unapplied_minor == line.amount_minor or proposal.unapplied_minor == 0
    assert proposal.explanation.strip()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_proposals_never_over_allocate_and_keep_currencies(data):
    customers, items, direct_debits = data.draw(worlds())
    engine = MatchingEngine(customers, items, direct_debits=direct_debits)
    by_id = {i.invoice_id: i for i in items}
    for _ in range(4):
        line = data.draw(bank_lines(items))
        opens = {iid: engine.open_amount(iid) for iid in by_id}
        proposals = engine.match(line)
        if line.amount_minor <= 0:
            assert proposals == []
        confidences = [p.confidence_bp for p in proposals]
        assert confidences == sorted(confidences, reverse=True)
        for proposal in proposals:
            check(proposal, line, by_id, opens)
        decision = engine.decide(proposals)
        assert decision in ("auto", "review", "none")
        if decision == "auto":
            engine.consume(proposals[0])
            for pl in proposals[0].lines:
                after = engine.open_amount(pl.invoice_id)
                assert after == opens[pl.invoice_id] - pl.settled_minor
        # Open amounts never change sign.
        for iid, before in opens.items():
            after = engine.open_amount(iid)
            assert after == 0 or (after > 0) == (before > 0)
