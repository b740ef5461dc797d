"""Values the cash-application engine reads and writes.

Everything is a frozen dataclass; money is always integer minor units of the
item's or line's currency (never a float). Confidence is in basis points,
0..10000, so comparisons against the thresholds are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

CREDIT_NOTE = "credit_note"

Decision = Literal["auto", "review", "none"]

# Our own direct debits: end-to-end id we sent -> the invoices it collected.
DirectDebits = Mapping[str, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice (or credit note) with money still open.

    ``open_minor`` is what is still due; a credit note carries a negative
    ``open_minor`` (it reduces what the customer owes). ``discount_bp`` and
    ``discount_days`` are the early-payment terms (escompte): ``discount_bp``
    of the total if paid within ``discount_days`` of ``issue_date``.
    """

    invoice_id: int
    customer_id: int
    number: str
    currency: str
    open_minor: int
    total_minor: int
    issue_date: date
    due_date: date
    payment_reference: str | None = None
    discount_bp: int | None = None
    discount_days: int | None = None
    kind: str = "invoice"


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """A customer as the engine knows it: names people write and accounts it pays from."""

    customer_id: int
    name: str
    name_variants: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class BankLine:
    """One received payment (a credit on the bank statement)."""

    payment_id: int
    amount_minor: int
    currency: str
    received_on: date
    payer_name: str | None = None
    payer_iban: str | None = None
    remittance: str | None = None
    creditor_reference: str | None = None
    end_to_end_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProposalLine:
    """Part of a payment applied to one item.

    ``amount_minor`` is cash applied; ``discount_minor`` the early-payment
    discount granted on top; ``writeoff_minor`` the bank fees tolerated. The
    item's open amount goes down by the sum of the three.
    """

    invoice_id: int
    amount_minor: int
    discount_minor: int = 0
    writeoff_minor: int = 0

    @property
    def settled_minor(self) -> int:
        return self.amount_minor + self.discount_minor + self.writeoff_minor


@dataclass(frozen=True, slots=True)
class Proposal:
    """One way to apply a payment, with how sure the engine is and why.

    ``unapplied_minor`` is the part of the payment left as unapplied cash
    (an overpayment, or a payment whose invoices are not all known).
    """

    customer_id: int | None
    lines: tuple[ProposalLine, ...]
    confidence_bp: int
    rules: tuple[str, ...]
    explanation: str
    unapplied_minor: int = 0

    @property
    def invoice_ids(self) -> frozenset[int]:
        return frozenset(line.invoice_id for line in self.lines)

    @property
    def applied_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Tunable limits; every default is documented next to it.

    Money limits are minor units of the payment's currency.
    """

    # At or above this confidence a proposal is applied without review.
    auto_apply_bp: int = 9500
    # ... and only if the best proposal for a different set of invoices is
    # clearly behind: its doubt (10000 - confidence) must be at least this
    # percentage of the top one's doubt. 200 means "twice as doubtful", which
    # on the scoring curve is 22 points of evidence (see scoring.py).
    runner_up_doubt_ratio_pct: int = 200
    # Below this confidence nothing is proposed at all ("none").
    min_proposal_bp: int = 3000
    # How many proposals match() returns at most.
    max_proposals: int = 5

    # A short payment is explained by bank fees when the shortfall is at most
    # fee_tolerance_minor AND at most fee_tolerance_pct_bp of the open amount.
    fee_tolerance_minor: int = 3000
    fee_tolerance_pct_bp: int = 1000

    # Early-payment discount: the payment must arrive by issue_date +
    # discount_days + discount_grace_days, and be within discount_tolerance_minor
    # of open - round(total * discount_bp / 10000).
    discount_grace_days: int = 0
    discount_tolerance_minor: int = 2

    # Without a reference, an item is a candidate only if it was issued no later
    # than date_slack_days after the payment and fell due at most
    # date_window_days before it.
    date_window_days: int = 400
    date_slack_days: int = 3

    # Several invoices in one payment: subset sums among at most
    # subset_sum_max_items open items of one customer group (those due closest
    # to the payment date), at most subset_sum_max_size items per subset.
    # Subsets of up to four items are searched completely (sums of pairs);
    # larger ones by a depth-first search that gives up after
    # subset_sum_max_combinations partial subsets.
    subset_sum_max_items: int = 40
    subset_sum_max_size: int = 8
    subset_sum_max_combinations: int = 3000

    # Payer names: a customer is a name candidate from this similarity (0..100).
    name_min_score: int = 80
    # A name match counts as strong from this score.
    name_strong_score: int = 90
    # Blocking ignores name tokens shared by more customers than this.
    name_token_max_customers: int = 150

    # References shorter than this many characters are looked up only inside
    # the payer's own open items, never across all invoices.
    min_global_reference_length: int = 5
    # Typo tolerance needs at least this many digits in the reference.
    min_fuzzy_digits: int = 6
