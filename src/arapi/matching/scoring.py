"""Evidence weights and how they become a confidence.

Each piece of evidence a proposal rests on is a named rule worth some points;
the points add up and map to a confidence in basis points through
``10000 * (1 - exp(-points / 31.7))``: 95 points give 9500 (the default
automatic threshold), 80 give 9200, 60 give 8500, 140 give 9880. The curve
never reaches 10000, and the "doubt" (10000 - confidence) halves every 22
points, which is how the margin over the runner-up is expressed.

Calibration, by design (checked by tests/matching and bench/bench_matching.py):

* an exact invoice number (or payment reference) with the exact amount, or
  with a known payer account, or with a strongly matching payer name, reaches
  the automatic threshold; a clear reference with the right amount does so
  even when someone else (a factor, a sister company) pays;
* a known payer account with the only open item of exactly that amount reaches
  it too (matching order "amount + IBAN" of the design notes), unless the
  remittance names a number we do not know, or other items add up to the
  same amount;
* a reference with one typo needs the exact amount AND the payer (account, or
  a strong name match): a typo with only one of them waits for review;
* a payer name without a reference never does: names collide, accounts do not;
* an RF creditor reference or one of our own direct-debit end-to-end ids is
  certain and is given 9990 without further evidence;
* two readings whose confidences are close (the runner-up's doubt less than
  twice the top one's) are left for review, whatever their level.
"""

from __future__ import annotations

import math
from enum import StrEnum

CERTAIN_BP = 9990
_SCALE = 31.7


class Rule(StrEnum):
    REF_RF = "reference.rf"
    REF_END_TO_END = "reference.end_to_end_id"
    REF_PAYMENT_REFERENCE = "reference.payment_reference"
    REF_NUMBER = "reference.number"
    REF_NUMBER_DIGITS = "reference.number_digits"
    REF_NUMBER_LOOSE = "reference.number_loose"
    REF_NUMBER_TYPO = "reference.number_typo"
    REF_NUMBER_PREFIX_CLASH = "reference.number_prefix_clash"
    REF_NUMBER_TAIL = "reference.number_tail"
    REF_NUMBER_SHORT = "reference.number_short"
    REF_NUMBER_SHORT_AMOUNT = "reference.number_short_amount"
    REF_SHARED = "reference.shared"
    REF_NAMES_OTHER = "reference.names_other_invoice"
    REF_UNKNOWN_NUMBER = "reference.unknown_number"
    PAYER_IBAN = "payer.iban"
    PAYER_IBAN_GROUP = "payer.iban_group"
    PAYER_NAME = "payer.name"
    PAYER_NAME_WEAK = "payer.name_weak"
    PAYER_NAME_GROUP = "payer.name_group"
    PAYER_OTHER_CUSTOMER = "payer.other_customer"
    PAYER_THIRD_PARTY = "payer.third_party"
    AMOUNT_EXACT = "amount.exact"
    AMOUNT_DISCOUNT = "amount.discount"
    AMOUNT_FEES = "amount.fees"
    AMOUNT_PARTIAL = "amount.partial"
    AMOUNT_OVERPAID = "amount.overpaid"
    AMOUNT_DISCOUNT_TOO_LATE = "amount.discount_too_late"
    AMOUNT_UNIQUE = "amount.unique"
    SET_ALL_NAMED = "items.all_named"
    SUBSET_SUM = "items.subset_sum"
    SUBSET_NOT_UNIQUE = "items.subset_not_unique"
    SUPERSEDED = "items.larger_set_fits"
    DATE_BEFORE_ISSUE = "date.before_issue"
    # Not evidence (no points): flags of a payment a person declined a match of
    # (see arapi.matching.declined); its proposals wait for review.
    DECLINED_INVOICE = "review.declined_invoice"
    DECLINED_PAYMENT = "review.declined_payment"


POINTS: dict[Rule, int] = {
    Rule.REF_PAYMENT_REFERENCE: 60,
    Rule.REF_NUMBER: 60,
    Rule.REF_NUMBER_DIGITS: 45,
    Rule.REF_NUMBER_LOOSE: 40,
    Rule.REF_NUMBER_TYPO: 20,
    Rule.REF_NUMBER_PREFIX_CLASH: 35,
    Rule.REF_NUMBER_TAIL: 15,
    Rule.REF_NUMBER_SHORT: 40,
    Rule.REF_NUMBER_SHORT_AMOUNT: 20,
    Rule.REF_SHARED: -15,
    Rule.REF_NAMES_OTHER: -25,
    Rule.REF_UNKNOWN_NUMBER: -25,
    Rule.PAYER_IBAN: 40,
    Rule.PAYER_IBAN_GROUP: 30,
    Rule.PAYER_NAME: 35,
    Rule.PAYER_NAME_WEAK: 15,
    Rule.PAYER_NAME_GROUP: 20,
    Rule.PAYER_OTHER_CUSTOMER: -25,
    Rule.PAYER_THIRD_PARTY: 0,
    Rule.AMOUNT_EXACT: 40,
    Rule.AMOUNT_DISCOUNT: 35,
    Rule.AMOUNT_FEES: 25,
    Rule.AMOUNT_PARTIAL: 10,
    Rule.AMOUNT_OVERPAID: 10,
    Rule.AMOUNT_DISCOUNT_TOO_LATE: 10,
    Rule.AMOUNT_UNIQUE: 15,
    Rule.SUBSET_SUM: 0,
    Rule.SUBSET_NOT_UNIQUE: -15,
    Rule.SUPERSEDED: -25,
    Rule.DATE_BEFORE_ISSUE: -15,
}

# A digits-only match on a long key is almost as telling as the full number.
LONG_DIGITS_BONUS = 10
LONG_DIGITS = 8
# Each further named invoice of a set that adds up to the amount.
SET_NAMED_BONUS = 15
# Both the account and the name agree.
PAYER_BOTH_BONUS = 5


def confidence_bp(points: int) -> int:
    if points <= 0:
        return 0
    return min(CERTAIN_BP - 10, int(round(10000 * (1 - math.exp(-points / _SCALE)))))


def doubt(confidence: int) -> int:
    return 10000 - confidence


def points_for(confidence: int) -> int:
    """The fewest points that reach ``confidence`` (inverse of :func:`confidence_bp`)."""
    if confidence <= 0:
        return 0
    points = max(0, int(-_SCALE * math.log(max(1, 10000 - confidence) / 10000)) - 1)
    while confidence_bp(points) < confidence and points < 1000:
        points += 1
    return points


def margin_points(doubt_ratio_pct: int) -> int:
    """Points of evidence that multiply the doubt by ``doubt_ratio_pct`` / 100."""
    return math.ceil(_SCALE * math.log(max(doubt_ratio_pct, 100) / 100))
