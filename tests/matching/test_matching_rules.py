"""Every matching rule on small hand-built cases, including those where the
engine must refuse to guess."""

from __future__ import annotations

from datetime import date

from arapi import rf
from arapi.matching import MatchConfig, Proposal
from tests.matching.builders import (
    IBAN_DUPONT,
    IBAN_DUPONT_LYON,
    IBAN_MARTIN,
    IBAN_STRANGER,
    World,
    allocation,
    item,
    line,
)


def top(engine, bank_line) -> tuple[str, Proposal | None, list[Proposal]]:
    proposals = engine.match(bank_line)
    return engine.decide(proposals), (proposals[0] if proposals else None), proposals


# ---------------------------------------------------------------- stage 1: exact keys


def test_exact_invoice_number_in_remittance_applies_automatically(world):
    decision, best, _ = top(
        world.engine(), line(120000, remittance="VIR SEPA PAIEMENT FACT FA-2025-000123")
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000)}
    assert "reference.number" in best.rules and "amount.exact" in best.rules
    assert "FA-2025-000123" in best.explanation


def test_number_reformatted_without_separators_or_prefix(world):
    engine = world.engine()
    for text in ("FA2025000123", "fa 2025 000123", "FACTURE 2025-000123", "REGLT FA-2025-123"):
        decision, best, _ = top(engine, line(120000, remittance=text, payer_iban=IBAN_MARTIN))
        assert decision == "auto", text
        assert allocation(best) == {(10, 120000)}, text


def test_number_buried_in_long_remittance(world):
    text = "VIR SEPA RECU /DE TRANSPORTS MARTIN /MOTIF REGLEMENT CDE 4500012345 FACTURE FA-2025-000124 DU 12/03/2025 MONTANT 500,00 EUR"
    decision, best, _ = top(world.engine(), line(50000, remittance=text))
    assert decision == "auto"
    assert allocation(best) == {(11, 50000)}


def test_number_with_typo_corroborated_by_account_and_amount(world):
    # 000123 typed 000132: one swap. Account and amount both point at invoice 10.
    decision, best, _ = top(
        world.engine(), line(120000, remittance="FA-2025-000132", payer_iban=IBAN_MARTIN)
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000)}
    assert "reference.number_typo" in best.rules


def test_typo_without_amount_or_payer_corroboration_is_not_applied(world):
    # One character away from FA-2025-000123, but unknown payer and an amount that fits nothing.
    decision, best, _ = top(world.engine(), line(77700, remittance="FA-2025-000132"))
    assert decision != "auto"


def test_typo_with_amount_only_waits_for_review(world):
    decision, best, _ = top(world.engine(), line(120000, remittance="FA-2025-000132"))
    assert decision == "review"
    assert allocation(best) == {(10, 120000)}


def test_digit_lookalike_letters_are_read_as_digits(world):
    decision, best, _ = top(
        world.engine(), line(120000, remittance="FA-2O25-OOO123", payer_iban=IBAN_MARTIN)
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000)}


def test_rf_creditor_reference_is_certain():
    reference = rf.generate("FA2025000123")
    world = World(
        items=[
            item(10, 1, "FA-2025-000123", 120000, payment_reference=reference),
            item(11, 2, "FA-2025-000124", 120000),
        ]
    )
    engine = world.engine()
    # Even from an unknown payer naming another invoice in the text, the RF wins.
    decision, best, proposals = top(
        engine,
        line(
            120000,
            creditor_reference=reference,
            remittance="FA-2025-000124",
            payer_iban=IBAN_STRANGER,
        ),
    )
    assert decision == "auto"
    assert len(proposals) == 1
    assert allocation(best) == {(10, 120000)}
    assert best.confidence_bp >= 9900 and "reference.rf" in best.rules
    # Printed in groups inside the free text, lower case: still exact.
    printed = rf.format_printed(reference).lower()
    decision, best, _ = top(engine, line(60000, remittance=f"paiement {printed} merci"))
    assert decision == "auto"
    assert allocation(best) == {(10, 60000)}  # a partial payment, certain invoice


def test_rf_with_wrong_check_digits_is_not_certain():
    reference = rf.generate("FA2025000123")
    broken = reference[:2] + ("00" if reference[2:4] != "00" else "01") + reference[4:]
    world = World(items=[item(10, 1, "FA-2025-000123", 120000, payment_reference=reference)])
    _, best, _ = top(world.engine(), line(99900, creditor_reference=broken))
    assert best is None or best.confidence_bp < 9900


def test_end_to_end_id_of_our_direct_debit(world):
    world.direct_debits = {"ARAPI-DD-0000042": (11, 12)}
    decision, best, _ = top(
        world.engine(), line(83000, end_to_end_id="ARAPI-DD-0000042", remittance="PRLV SEPA")
    )
    assert decision == "auto"
    assert allocation(best) == {(11, 50000), (12, 33000)}
    assert "reference.end_to_end_id" in best.rules


def test_payment_reference_printed_on_invoice():
    world = World(items=[item(10, 1, "2025-17", 45000, payment_reference="+++090/9337/55493+++")])
    decision, best, _ = top(world.engine(), line(45000, remittance="+++090/9337/55493+++"))
    assert decision == "auto"
    assert allocation(best) == {(10, 45000)}
    assert "reference.payment_reference" in best.rules


# ---------------------------------------------------------------- stage 2 and 3: payer and amount


def test_known_account_and_unique_amount_without_reference(world):
    decision, best, _ = top(
        world.engine(), line(33000, payer_iban=IBAN_MARTIN, remittance="VIREMENT")
    )
    assert decision == "auto"
    assert allocation(best) == {(12, 33000)}
    assert "payer.iban" in best.rules and "amount.unique" in best.rules


def test_two_open_items_of_the_same_amount_wait_for_review(world):
    decision, best, proposals = top(world.engine(), line(45000, payer_iban=IBAN_DUPONT))
    assert decision == "review"
    assert {frozenset(allocation(p)) for p in proposals[:2]} == {
        frozenset({(21, 45000)}),
        frozenset({(22, 45000)}),
    }
    assert proposals[0].confidence_bp == proposals[1].confidence_bp


def test_payer_name_alone_is_proposed_but_not_applied(world):
    decision, best, _ = top(world.engine(), line(70000, payer_name="GARAGE LEROY"))
    assert decision == "review"
    assert allocation(best) == {(50, 70000)}
    assert "payer.name" in best.rules


def test_fuzzy_name_variants_reach_the_customer(world):
    engine = world.engine()
    for name in (
        "TRANSP MARTIN",
        "STE TRANSPORTS MARTIN",
        "TRANSPORTS MARTN SARL",
        "MARTIN TRANSPORTS",
    ):
        _, best, _ = top(engine, line(33000, payer_name=name))
        assert best is not None and allocation(best) == {(12, 33000)}, name


def test_name_and_exact_number_apply_a_partial_payment(world):
    decision, best, _ = top(
        world.engine(), line(20000, payer_name="Transports Martin", remittance="FA-2025-000123")
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 20000)}


def test_unknown_payer_without_reference_gets_nothing(world):
    decision, best, proposals = top(
        world.engine(), line(12345, payer_name="ACME WIDGETS LTD", payer_iban=IBAN_STRANGER)
    )
    assert decision == "none"
    assert proposals == []


def test_subsidiary_pays_parent_invoice(world):
    decision, best, _ = top(
        world.engine(), line(99000, payer_iban=IBAN_DUPONT_LYON, remittance="FA-2025-000140")
    )
    assert decision == "auto"
    assert allocation(best) == {(30, 99000)}
    assert "payer.iban_group" in best.rules
    # Without a reference the group's item is still found, for review.
    _, best, _ = top(world.engine(), line(99000, payer_iban=IBAN_DUPONT_LYON))
    assert best is not None and allocation(best) == {(30, 99000)}


def test_factor_paying_with_exact_number(world):
    decision, best, _ = top(
        world.engine(),
        line(
            80000,
            payer_name="BNP PARIBAS FACTOR",
            payer_iban=IBAN_STRANGER,
            remittance="/ROC/FA-2025-000125",
        ),
    )
    assert decision == "auto"
    assert allocation(best) == {(20, 80000)}


def test_typo_into_another_customers_number_goes_to_the_payer(world):
    # Martin means FA-2025-000124 (500.00) but types 000125, Dupont's invoice.
    decision, best, _ = top(
        world.engine(), line(50000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000125")
    )
    assert allocation(best) == {(11, 50000)}
    assert decision == "auto"


def test_typo_into_another_number_without_payer_is_refused(world):
    decision, _, proposals = top(world.engine(), line(50000, remittance="FA-2025-000125"))
    assert decision != "auto"
    assert {frozenset(allocation(p)) for p in proposals} >= {frozenset({(11, 50000)})}


def test_unknown_invoice_number_blocks_amount_only_guess(world):
    # The customer pays FA-2025-000199, not booked yet; the amount matches an open item.
    decision, best, _ = top(
        world.engine(), line(33000, payer_iban=IBAN_MARTIN, remittance="FACTURE FA-2025-000199")
    )
    assert decision != "auto"
    assert best is None or "reference.unknown_number" in best.rules


def test_currency_must_match(world):
    decision, best, proposals = top(
        world.engine(),
        line(120000, currency="USD", remittance="FA-2025-000123", payer_iban=IBAN_MARTIN),
    )
    assert decision == "none"
    assert proposals == []


def test_short_number_counts_only_inside_the_payer(world):
    world.items.append(item(60, 5, "4711", 15000))
    world.items.append(item(61, 2, "4712", 15000))
    engine = world.engine()
    engine.learn(5, iban=IBAN_STRANGER)
    decision, best, _ = top(
        engine, line(15000, payer_iban=IBAN_STRANGER, remittance="FACTURE 4711")
    )
    assert decision == "auto"
    assert allocation(best) == {(60, 15000)}
    # The same text from an unknown payer is no evidence.
    _, best, _ = top(engine, line(15000, remittance="FACTURE 4711"))
    assert best is None or best.confidence_bp < 9500


# ---------------------------------------------------------------- several invoices, partial, fees, discount


def test_several_named_invoices_in_one_payment(world):
    decision, best, _ = top(
        world.engine(),
        line(
            203000,
            payer_iban=IBAN_MARTIN,
            remittance="FA-2025-000123 FA-2025-000124 FA-2025-000130",
        ),
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000), (11, 50000), (12, 33000)}


def test_several_invoices_abbreviated(world):
    decision, best, _ = top(
        world.engine(), line(170000, payer_iban=IBAN_MARTIN, remittance="FACT FA-2025-000123/124")
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000), (11, 50000)}


def test_named_invoices_of_which_the_payment_covers_some(world):
    decision, best, _ = top(
        world.engine(),
        line(
            153000,
            payer_iban=IBAN_MARTIN,
            remittance="FA-2025-000123 FA-2025-000124 FA-2025-000130",
        ),
    )
    assert allocation(best) == {(10, 120000), (12, 33000)}


def test_subset_sum_without_reference_is_proposed_for_review(world):
    decision, best, _ = top(
        world.engine(), line(83000, payer_iban=IBAN_MARTIN, remittance="FACTURES MARS")
    )
    assert decision == "review"
    assert allocation(best) == {(11, 50000), (12, 33000)}
    assert "items.subset_sum" in best.rules


def test_subset_sum_respects_its_cap():
    received = date(2025, 6, 30)
    # Item k falls due k days before the payment; values are distinct.
    items = [
        item(
            100 + k,
            1,
            f"FA-2025-{500 + k:06d}",
            10_000 + 37 * k,
            issue_date=date(2025, 1, 1),
            due_days=(received - date(2025, 1, 1)).days - k,
        )
        for k in range(60)
    ]
    far_pair = 10_000 + 37 * 50 + 10_000 + 37 * 51
    bank_line = line(far_pair, payer_iban=IBAN_MARTIN, received_on=received)
    capped = (
        World(items=items, config=MatchConfig(subset_sum_max_items=5)).engine().match(bank_line)
    )
    assert all({150, 151} - {pl.invoice_id for pl in p.lines} for p in capped)
    wide = World(items=items, config=MatchConfig(subset_sum_max_items=60)).engine().match(bank_line)
    assert any({pl.invoice_id for pl in p.lines} == {150, 151} for p in wide) or any(
        len(p.lines) == 2 and sum(pl.amount_minor for pl in p.lines) == far_pair for p in wide
    )


def test_credit_note_deducted(world):
    world.items.append(item(13, 1, "AV-2025-000007", -20000, kind="credit_note"))
    decision, best, _ = top(
        world.engine(),
        line(
            100000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123 MOINS AVOIR AV-2025-000007"
        ),
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000), (13, -20000)}


def test_partial_payment_with_reference(world):
    decision, best, _ = top(
        world.engine(), line(40000, payer_iban=IBAN_MARTIN, remittance="ACOMPTE FA-2025-000123")
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 40000)}
    assert "amount.partial" in best.rules
    assert "stays open" in best.explanation


def test_bank_fees_within_tolerance_are_written_off(world):
    decision, best, _ = top(
        world.engine(), line(118500, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123")
    )
    assert decision == "auto"
    (only,) = best.lines
    assert (only.invoice_id, only.amount_minor, only.writeoff_minor, only.discount_minor) == (
        10,
        118500,
        1500,
        0,
    )
    assert "amount.fees" in best.rules


def test_shortfall_beyond_fee_tolerance_is_a_partial_payment(world):
    config = MatchConfig(fee_tolerance_minor=1000)
    world.config = config
    _, best, _ = top(
        world.engine(), line(118500, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123")
    )
    (only,) = best.lines
    assert only.writeoff_minor == 0 and only.amount_minor == 118500
    assert "amount.partial" in best.rules


def discounted_invoice():
    """Domain vector: 10 000 HT + 20 % VAT = 12 000 TTC, 2 % for paying within 10 days."""
    return item(
        70,
        1,
        "FA-2025-000170",
        1_200_000,
        discount_bp=200,
        discount_days=10,
        issue_date=date(2025, 3, 1),
    )


def test_discount_taken_in_time_is_recorded_as_discount():
    # Paid on day 9: 12 000 less 2 % is 11 760.
    world = World(items=[discounted_invoice()])
    decision, best, _ = top(
        world.engine(),
        line(
            1_176_000,
            remittance="FA-2025-000170",
            payer_iban=IBAN_MARTIN,
            received_on=date(2025, 3, 10),
        ),
    )
    assert decision == "auto"
    (only,) = best.lines
    assert (only.amount_minor, only.discount_minor, only.writeoff_minor) == (1_176_000, 24_000, 0)
    assert "amount.discount" in best.rules


def test_discount_taken_too_late_is_a_partial_payment():
    world = World(items=[discounted_invoice()])
    _, best, _ = top(
        world.engine(),
        line(
            1_176_000,
            remittance="FA-2025-000170",
            payer_iban=IBAN_MARTIN,
            received_on=date(2025, 3, 25),
        ),
    )
    (only,) = best.lines
    assert only.discount_minor == 0 and only.amount_minor == 1_176_000
    assert "amount.discount_too_late" in best.rules and "stays open" in best.explanation


def test_discount_not_allowed_by_terms_is_not_granted(world):
    # 2 % short on an invoice without discount terms: beyond the fee tolerance.
    world.config = MatchConfig(fee_tolerance_minor=500)
    _, best, _ = top(
        world.engine(), line(117600, remittance="FA-2025-000123", payer_iban=IBAN_MARTIN)
    )
    assert all(pl.discount_minor == 0 for pl in best.lines)


def test_overpayment_leaves_unapplied_cash(world):
    decision, best, _ = top(
        world.engine(), line(130000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123")
    )
    assert decision == "auto"
    assert allocation(best) == {(10, 120000)}
    assert best.unapplied_minor == 10000
    assert "unapplied" in best.explanation


# ---------------------------------------------------------------- decisions, state, learning


def test_consume_updates_open_amounts(world):
    engine = world.engine()
    bank_line = line(40000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123")
    proposals = engine.match(bank_line)
    engine.consume(proposals[0])
    assert engine.open_amount(10) == 80000
    # The rest is now the exact amount.
    _, best, _ = top(
        engine, line(80000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123", payment_id=2)
    )
    assert allocation(best) == {(10, 80000)} and "amount.exact" in best.rules
    engine.consume(best)
    # Settled: the same reference no longer finds it.
    _, best, _ = top(
        engine, line(80000, payer_iban=IBAN_MARTIN, remittance="FA-2025-000123", payment_id=3)
    )
    assert best is None or 10 not in {pl.invoice_id for pl in best.lines}


def test_learning_makes_the_next_payment_match_on_the_account(world):
    engine = world.engine()
    new_iban = "FR1420041010050500013M02606"
    payment = line(70000, payer_name="LEROY AUTOMOBILES SERVICE", payer_iban=new_iban)
    assert engine.decide(engine.match(payment)) != "auto"
    # A person confirms: this payer is Garage Leroy.
    engine.learn(5, iban=new_iban, name="LEROY AUTOMOBILES SERVICE")
    decision, best, _ = top(engine, payment)
    assert decision == "auto"
    assert allocation(best) == {(50, 70000)}
    assert "payer.iban" in best.rules and "payer.name" in best.rules


def test_decide_refuses_when_the_runner_up_is_close(world):
    engine = world.engine()

    def proposal(ids, confidence):
        from arapi.matching import ProposalLine

        return Proposal(1, tuple(ProposalLine(i, 100) for i in ids), confidence, (), "x")

    assert engine.decide([]) == "none"
    assert engine.decide([proposal([1], 9800)]) == "auto"
    assert engine.decide([proposal([1], 9800), proposal([2], 9700)]) == "review"
    assert engine.decide([proposal([1], 9800), proposal([2], 9500)]) == "auto"
    assert engine.decide([proposal([1], 9400)]) == "review"
    assert engine.decide([proposal([1], 1000)]) == "none"


def test_proposals_are_ranked_and_bounded(world):
    proposals = world.engine().match(line(45000, payer_iban=IBAN_DUPONT, remittance="PAIEMENT"))
    confidences = [p.confidence_bp for p in proposals]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 10000 for c in confidences)
    assert len(proposals) <= MatchConfig().max_proposals


def test_non_positive_amounts_are_not_matched(world):
    assert world.engine().match(line(0, remittance="FA-2025-000123")) == []
    assert world.engine().match(line(-120000, remittance="FA-2025-000123")) == []


def test_typo_with_name_and_exact_amount_applies_but_name_alone_does_not(world):
    engine = world.engine()
    decision, best, _ = top(
        engine, line(120000, payer_name="TRANSPORTS MARTIN", remittance="FA-2025-000132")
    )
    assert decision == "auto" and allocation(best) == {(10, 120000)}
    decision, _, _ = top(
        engine, line(60000, payer_name="TRANSPORTS MARTIN", remittance="FA-2025-000132")
    )
    assert decision != "auto"


def test_another_customer_paying_with_clear_reference_and_amount(world):
    # Dupont's account pays Martin's invoice, number and amount exact: a third party.
    decision, best, _ = top(
        world.engine(), line(50000, payer_iban=IBAN_DUPONT, remittance="FA-2025-000124")
    )
    assert decision == "auto"
    assert allocation(best) == {(11, 50000)} and "payer.third_party" in best.rules
    # With a wrong amount the same payer is an objection.
    decision, best, _ = top(
        world.engine(), line(30000, payer_iban=IBAN_DUPONT, remittance="FA-2025-000124")
    )
    assert decision != "auto"


def test_lone_item_rivalled_by_a_combination_waits_for_review(world):
    # A lone item of 83 000, and two others (500.00 + 330.00) adding up to it.
    world.items.append(item(14, 1, "FA-2025-000160", 83000))
    decision, best, proposals = top(world.engine(), line(83000, payer_iban=IBAN_MARTIN))
    assert decision == "review"
    readings = {frozenset(allocation(p)) for p in proposals}
    assert frozenset({(14, 83000)}) in readings
    assert frozenset({(11, 50000), (12, 33000)}) in readings


def test_bank_line_currency_case_is_normalised(world):
    decision, best, _ = top(
        world.engine(), line(120000, currency="eur", remittance="FA-2025-000123")
    )
    assert decision == "auto" and allocation(best) == {(10, 120000)}
