"""Cash application: match received payments to open invoices (pure, no database).

Use::

    engine = MatchingEngine(customers, open_items, MatchConfig(), direct_debits)
    for line in bank_lines:
        proposals = engine.match(line)          # ranked, best first; [] = nothing sensible
        decision = engine.decide(proposals)     # "auto" | "review" | "none"
        if decision == "auto":
            engine.consume(proposals[0])        # later lines see the new open amounts
    # when a person confirms a proposal:
    engine.consume(proposal); engine.learn(customer_id, iban=line.payer_iban, name=line.payer_name)

Conventions the caller relies on:

* money is integer minor units; an item's ``currency`` must equal the line's;
* a credit note is an :class:`OpenItem` with ``kind="credit_note"``; its open
  amount counts as negative whatever sign it is stored with, and a proposal
  line applying it carries a negative ``amount_minor``;
* a :class:`ProposalLine` reduces its item's open amount by ``amount_minor``
  (cash) + ``discount_minor`` (early-payment discount granted, to book as
  such) + ``writeoff_minor`` (bank fees tolerated); the cash of all lines
  never exceeds the payment, and ``Proposal.unapplied_minor`` is what stays
  unapplied (overpayment);
* ``Proposal.rules`` are stable rule names (:class:`arapi.matching.scoring.Rule`)
  and ``Proposal.explanation`` says the same in words, with amounts;
* ``direct_debits`` maps the end-to-end ids of our own direct debits to the
  invoices each collected.

A person's "no" is the service's to honour, not the engine's: a payment with
an undone or rejected proposal goes through :func:`arapi.matching.declined.screen`
(never automatic again, the declined invoice set never proposed again).

:mod:`arapi.rf` generates and validates the RF creditor references (ISO 11649)
to print on invoices; store one as the item's ``payment_reference`` and a
payment carrying it matches that invoice with certainty.
"""

from arapi.matching.engine import MatchingEngine
from arapi.matching.model import (
    BankLine,
    CustomerProfile,
    MatchConfig,
    OpenItem,
    Proposal,
    ProposalLine,
)

__all__ = [
    "BankLine",
    "CustomerProfile",
    "MatchConfig",
    "MatchingEngine",
    "OpenItem",
    "Proposal",
    "ProposalLine",
]
