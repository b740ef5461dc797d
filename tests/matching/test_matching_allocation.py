"""Amount splitting, subset sums and the text keys, on their own."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from arapi.matching import MatchConfig
from arapi.matching.allocation import Fit, allocate, discount_for, fee_tolerance, subset_sums
from arapi.matching.scoring import confidence_bp, margin_points, points_for
from arapi.matching.text import lookalike_fixed, normalize_name, number_keys, text_keys
from tests.matching.builders import item

CONFIG = MatchConfig()


def test_discount_vector_of_the_design_notes():
    invoice = item(
        1, 1, "F1", 1_200_000, discount_bp=200, discount_days=10, issue_date=date(2025, 3, 1)
    )
    assert discount_for(invoice, date(2025, 3, 11), CONFIG) == 24_000
    assert discount_for(invoice, date(2025, 3, 12), CONFIG) == 0  # one day late
    result = allocate([(invoice, 1_200_000)], 1_176_000, date(2025, 3, 5), CONFIG)
    assert result.fit == Fit.DISCOUNT
    assert result.lines[0].discount_minor == 24_000 and result.lines[0].amount_minor == 1_176_000


def test_fee_tolerance_takes_the_smaller_of_its_limits():
    config = MatchConfig(fee_tolerance_minor=3000, fee_tolerance_pct_bp=1000)
    assert fee_tolerance(1_000_000, config) == 3000
    assert fee_tolerance(10_000, config) == 1000


def test_allocation_kinds():
    a, b = item(1, 1, "F1", 10_000), item(2, 1, "F2", 5_000, due_days=60)
    pairs = [(a, 10_000), (b, 5_000)]
    assert allocate(pairs, 15_000, date(2025, 3, 1), CONFIG).fit == Fit.EXACT
    partial = allocate(pairs, 12_000, date(2025, 3, 1), CONFIG)
    assert partial.fit == Fit.PARTIAL
    # Oldest due first: F1 in full, the rest on F2.
    assert [(pl.invoice_id, pl.amount_minor) for pl in partial.lines] == [(1, 10_000), (2, 2_000)]
    over = allocate(pairs, 16_000, date(2025, 3, 1), CONFIG)
    assert over.fit == Fit.OVERPAID and over.unapplied_minor == 1_000
    fees = allocate(pairs, 14_700, date(2025, 3, 1), CONFIG)
    assert fees.fit == Fit.FEES and sum(pl.writeoff_minor for pl in fees.lines) == 300
    assert allocate(pairs, 12_000, date(2025, 3, 1), CONFIG, allow_partial=False) is None
    assert allocate(pairs, 0, date(2025, 3, 1), CONFIG) is None


def test_credit_note_is_deducted_whatever_its_stored_sign():
    invoice, note = item(1, 1, "F1", 10_000), item(2, 1, "AV1", 2_000, kind="credit_note")
    result = allocate([(invoice, 10_000), (note, 2_000)], 8_000, date(2025, 3, 1), CONFIG)
    assert result.fit == Fit.EXACT
    assert {(pl.invoice_id, pl.amount_minor) for pl in result.lines} == {(1, 10_000), (2, -2_000)}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([100, 250, 400, 999, 1000, 1234, 2000, 5000]), max_size=9),
    st.integers(1, 12_000),
    st.integers(0, 300),
    st.integers(1, 6),
)
def test_subset_sums_agree_with_brute_force(values, low, width, max_size):
    pairs = list(enumerate(values))
    found, complete = subset_sums(
        pairs, low, low + width, max_size=max_size, max_visits=10**7, max_solutions=10**6
    )
    expected = {
        tuple(sorted(k for k, _ in combo))
        for size in range(2, max_size + 1)
        for combo in itertools.combinations(pairs, size)
        if low <= sum(v for _, v in combo) <= low + width
    }
    assert complete
    assert {tuple(sorted(s)) for s in found} == expected
    assert len(found) == len(expected)


def test_subset_sums_stop_at_their_budget():
    pairs = [(i, 1) for i in range(40)]
    found, complete = subset_sums(pairs, 20, 21, max_size=30, max_visits=500)
    assert not complete


def test_number_keys():
    keys = number_keys("FA-2025-000123")
    assert (keys.compact, keys.digits, keys.loose, keys.tail) == (
        "FA2025000123",
        "2025000123",
        "2025.123",
        "123",
    )


def test_text_keys_skip_dates_amounts_ibans_and_plain_words():
    keys = text_keys(
        "PAIEMENT FACT FA-2025-000123 DU 12/03/2025 MONTANT 1 234,50 EUR FR7630006000011234567890189"
    )
    assert "FA2025000123" in keys.compacts
    assert "2025000123" in keys.digits and "2025.123" in keys.loose
    assert not any("12032025" in key or "123450" in key for key in keys.digits)
    assert not any("30006000011234567890189" in key for key in keys.digits)
    assert not any(key.startswith("PAIEMENT") for key in keys.compacts)


def test_lookalikes_and_names():
    assert lookalike_fixed("FA-2O25-OOO123") == "FA-2025-000123"
    assert lookalike_fixed("FACTURE") is None
    assert normalize_name("Société Générale S.A.R.L.") == "GENERALE"
    assert normalize_name("Ets. Martin & Fils, SAS") == "MARTIN FILS"


def test_confidence_curve():
    assert 9500 <= confidence_bp(95) <= 9510 and confidence_bp(94) < 9500
    assert confidence_bp(0) == 0 and confidence_bp(-5) == 0
    assert confidence_bp(10_000) < 10_000
    assert points_for(9500) == 95
    assert margin_points(200) == 22
