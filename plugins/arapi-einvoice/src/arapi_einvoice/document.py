"""What the CII and UBL readers share: a mutable draft, then the frozen document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from arapi.plugin.types import InvoiceDocument, ParseError, ParseErrorCode
from arapi_einvoice.checks import ZERO, Totals, arithmetic_warnings
from arapi_einvoice.parties import PartyIds, build_party
from arapi_einvoice.profiles import profile_warnings


@dataclass
class Draft:
    syntax: str  # "CII" or "UBL", for messages
    number: str | None = None
    kind: str = "invoice"
    type_code: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    totals: Totals = field(default_factory=Totals)
    seller: PartyIds = field(default_factory=PartyIds)
    buyer: PartyIds = field(default_factory=PartyIds)
    payment_reference: str | None = None
    profile: str | None = None
    line_count: int = 0
    corrects: str | None = None
    # ZUGFeRD 1.0 BASIC has no DuePayableAmount: computing it is then no defect.
    amount_due_optional: bool = False
    warnings: list[str] = field(default_factory=list)


def _required(value, what: str, syntax: str):
    if value is None:
        raise ParseError(ParseErrorCode.MISSING_FIELD, f"{syntax} invoice without {what}")
    return value


def finish(draft: Draft) -> InvoiceDocument:
    """Check the mandatory facts, add the arithmetic warnings and freeze."""
    syntax = draft.syntax
    number = _required(draft.number, "an invoice number", syntax)
    issue_date = _required(draft.issue_date, "an issue date", syntax)
    currency = _required(draft.currency, "a currency", syntax)
    totals = draft.totals
    grand_total = _required(totals.grand_total, "a grand total (amount with tax)", syntax)
    warnings = draft.warnings
    amount_due = totals.due_payable
    if amount_due is None:
        amount_due = grand_total - (totals.prepaid or ZERO) + (totals.rounding or ZERO)
        if not draft.amount_due_optional:
            warnings.append(f"no amount due given: computed {amount_due} from the grand total")
    warnings += profile_warnings(draft.profile)
    warnings += arithmetic_warnings(totals)
    seller = build_party(draft.seller, warnings, "seller")
    buyer = build_party(draft.buyer, warnings, "buyer")
    return InvoiceDocument(
        number=number,
        kind=draft.kind,
        issue_date=issue_date,
        due_date=draft.due_date,
        currency=currency,
        total_without_tax=totals.tax_basis,
        tax_total=totals.tax_total,
        total_with_tax=grand_total,
        amount_due=amount_due,
        seller=seller,
        buyer=buyer,
        prepaid=totals.prepaid if totals.prepaid is not None else Decimal(0),
        taxes=tuple(totals.taxes),
        payment_reference=draft.payment_reference,
        type_code=draft.type_code,
        profile=draft.profile,
        line_count=draft.line_count,
        corrects=draft.corrects,
    )
