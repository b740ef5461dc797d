"""Readings of a payment a person declined, and what the engine may still do with that payment.

A person declines a reading in two ways: by undoing what the engine applied
(``matchUndo``: the proposal becomes ``undone``) or by rejecting a proposal of
the review queue (``matchProposalReject``: ``rejected``). Either is a veto on
that payment, which later runs honour (this module is pure; the service loads
the declined readings):

* the same set of invoices is never proposed again for this payment: a person
  answered that very question, and asking it again only clutters the queue;
* a reading that still includes one of the declined invoices (or credit notes),
  with others, may be offered for review, after the other readings and flagged
  ``review.declined_invoice``;
* nothing is applied automatically on this payment any more: its readings wait
  for review, flagged ``review.declined_payment``. A person has taken the
  payment in hand; the engine's reading of it proved wrong once, and the
  margin over the runner-up that justified applying it was measured against
  the reading now declined.

As in the review queues of cash-application tools, a decision sticks to the
payment it was made on and to nothing else: the invoice stays a candidate,
with unchanged confidence and threshold, for every other payment, so the
engine applies no less elsewhere. To pay a declined invoice with this payment
after all, a person confirms a flagged proposal or allocates by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from arapi.matching.model import Decision, Proposal
from arapi.matching.scoring import Rule


@dataclass(frozen=True, slots=True)
class DeclinedReading:
    """A proposal for one payment that a person undid or rejected."""

    invoice_ids: frozenset[int]
    status: str  # "undone" | "rejected"
    decided_by: str | None = None
    decided_at: datetime | None = None

    def describe(self, numbers: Mapping[int, str]) -> str:
        who = f" by {self.decided_by}" if self.decided_by else ""
        when = f" on {self.decided_at.date().isoformat()}" if self.decided_at else ""
        return f"{_names(self.invoice_ids, numbers)} {self.status}{who}{when}"


def screen(
    proposals: list[Proposal],
    decision: Decision,
    declined: Iterable[DeclinedReading],
    numbers: Mapping[int, str],
) -> tuple[list[Proposal], Decision]:
    """What to offer for a payment with declined readings, and the decision: never "auto".

    ``proposals`` (best first) and ``decision`` are the engine's; ``numbers``
    maps invoice ids to the numbers the notes name. Readings of a declined
    invoice set are dropped; the others are flagged, those still including a
    declined invoice after the rest.
    """
    declined = list(declined)
    if not declined:
        return proposals, decision
    vetoed_sets = {reading.invoice_ids for reading in declined}
    vetoed_ids = frozenset().union(*vetoed_sets)
    history = "; ".join(dict.fromkeys(reading.describe(numbers) for reading in declined))
    clean: list[Proposal] = []
    flagged: list[Proposal] = []
    for proposal in proposals:
        ids = proposal.invoice_ids
        if ids in vetoed_sets:
            continue
        touched = ids & vetoed_ids
        if touched:
            note = f"{_names(touched, numbers)} declined for this payment before ({history})"
            flagged.append(_flag(proposal, Rule.DECLINED_INVOICE, note))
        else:
            note = f"Waits for review: a match of this payment was declined before ({history})"
            clean.append(_flag(proposal, Rule.DECLINED_PAYMENT, note))
    kept = clean + flagged
    if not kept or decision == "none":
        return kept, "none"
    return kept, "review"


def _names(ids: Iterable[int], numbers: Mapping[int, str]) -> str:
    return ", ".join(sorted(numbers.get(i, f"#{i}") for i in ids))


def _flag(proposal: Proposal, rule: Rule, note: str) -> Proposal:
    return replace(
        proposal,
        rules=(*proposal.rules, str(rule)),
        explanation=f"{proposal.explanation} {note[0].upper()}{note[1:]}.",
    )
