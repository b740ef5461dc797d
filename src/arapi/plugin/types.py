"""Frozen data that crosses the plugin boundary.

Plugins never see ORM objects and arapi never trusts plugin objects beyond
these dataclasses: amounts are ``Decimal`` (never float), currencies ISO 4217
codes, dates ``datetime.date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from arapi.errors import ArapiError, ErrorCode

#: The longest parser format key or invoice source name (arapi stores it with each import).
KEY_MAX_LENGTH = 30


class ParseErrorCode(ErrorCode):
    """Why a file could not be read. Every parser raises :class:`ParseError` with one of these."""

    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    AMBIGUOUS_FORMAT = "AMBIGUOUS_FORMAT"
    MALFORMED = "MALFORMED"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_DATE = "INVALID_DATE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    MISSING_FIELD = "MISSING_FIELD"
    ENCODING = "ENCODING"
    TOO_LARGE = "TOO_LARGE"
    FORBIDDEN_XML = "FORBIDDEN_XML"  # DTDs, entities, XXE
    TOO_DEEP = "TOO_DEEP"
    NO_CONTENT = "NO_CONTENT"  # e.g. an OFX signon error response, a PDF without invoice XML
    ZIP_BOMB = "ZIP_BOMB"


class ParseError(ArapiError):
    """The only exception a parser may raise for bad input."""

    def __init__(self, code: ParseErrorCode, message: str, *, line: int | None = None):
        if line is not None:
            message = f"line {line}: {message}"
        super().__init__(code, message)
        self.line = line


# ---------------------------------------------------------------- statements


class CreditDebit(StrEnum):
    CREDIT = "CRDT"
    DEBIT = "DBIT"


# The return reason of an R-transaction whose bank marks it as a return but gives
# no reason code (ISO 20022 MS03, "reason not specified"). A line carrying any
# return reason is a return: a debit reverses a payment collected earlier, a
# credit brings back a transfer sent out, and neither is a customer's payment.
UNSPECIFIED_RETURN_REASON = "MS03"


@dataclass(frozen=True, slots=True)
class TransactionDetail:
    """One transaction inside a batch entry (camt ``TxDtls``); amount signed like its entry."""

    amount: Decimal | None = None
    currency: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str | None = None
    creditor_reference: str | None = None
    return_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One bank entry: OFX STMTTRN, CAMT Ntry, MT940 :61:, CFONB 04.

    ``amount`` is signed from the account holder's side: credits (money in) are
    positive. ``natural_key`` is the bank's own unique id when the format has one
    (OFX FITID, CAMT AcctSvcrRef / NtryRef); None lets arapi hash the content.
    """

    amount: Decimal
    currency: str
    booking_date: date | None
    value_date: date | None = None
    natural_key: str | None = None
    status: str | None = None  # BOOK, PDNG, INFO (CAMT); None elsewhere
    reversal: bool = False
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance: str | None = None
    creditor_reference: str | None = None  # ISO 11649 "RF.." when structured
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    bank_transaction_code: str | None = None
    # SEPA R-transaction reason (AM04, AC04, MD06, ...): set on every return,
    # UNSPECIFIED_RETURN_REASON when the bank names none.
    return_reason: str | None = None
    details: tuple[TransactionDetail, ...] = ()

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass(frozen=True, slots=True)
class Statement:
    """One account's statement (or camt.054 notification, which has no balances)."""

    format: str  # "ofx", "camt.053", "camt.054", "mt940", "cfonb120"
    account: str | None  # IBAN when known, else the bank's account id
    currency: str | None
    lines: tuple[StatementLine, ...]
    statement_id: str | None = None
    opening_balance: Decimal | None = None  # signed; negative is a debit balance
    closing_balance: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None
    # Lines whose sum is compared to closing - opening (e.g. CAMT: BOOK entries only).
    # None means all lines count.
    balance_statuses: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class StatementFile:
    """What a statement parser returns for one file."""

    statements: tuple[Statement, ...]
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- invoices


@dataclass(frozen=True, slots=True)
class Party:
    name: str | None
    siren: str | None = None
    siret: str | None = None
    vat_id: str | None = None
    other_ids: tuple[tuple[str, str], ...] = ()  # (scheme, value), e.g. ("0088", "5790000435951")
    country: str | None = None
    iban: str | None = None


@dataclass(frozen=True, slots=True)
class TaxAmount:
    rate: Decimal | None  # percent, e.g. Decimal("20.00"); None when not given
    base: Decimal
    tax: Decimal
    category: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """One invoice or credit note as read from an e-invoice, CSV or FEC.

    Amounts are as printed on the document (a credit note's totals are positive
    with kind "credit_note"); ``amount_due`` is what remains to be paid.
    """

    number: str
    kind: str  # "invoice" | "credit_note"
    issue_date: date
    due_date: date | None
    currency: str
    total_without_tax: Decimal | None
    tax_total: Decimal | None
    total_with_tax: Decimal
    amount_due: Decimal
    seller: Party
    buyer: Party
    prepaid: Decimal = Decimal(0)
    taxes: tuple[TaxAmount, ...] = ()
    payment_reference: str | None = None
    type_code: str | None = None  # UNTDID 1001 (380, 381, ...)
    profile: str | None = None
    external_ref: str | None = None
    line_count: int | None = None
    corrects: str | None = None  # number of the invoice a credit note corrects (BT-25)


@dataclass(frozen=True, slots=True)
class InvoiceFile:
    format: str  # "facturx", "cii", "ubl", "csv", "fec"
    invoices: tuple[InvoiceDocument, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoiceBatch:
    """What an invoice source (an ERP connector) returns for one ``fetch``.

    ``cursor`` is the source's own bookmark, opaque to arapi: it is stored
    when the batch is written and handed back on the next fetch, so each sync
    asks only for what changed since. None keeps the cursor it was given.
    ``more`` asks arapi to fetch again at once with the new cursor (a page of
    a long list).
    """

    invoices: tuple[InvoiceDocument, ...]
    cursor: str | None = None
    more: bool = False
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- credit information


@dataclass(frozen=True, slots=True)
class CreditScore:
    provider: str
    raw_value: str
    scale_min: Decimal
    scale_max: Decimal
    higher_is_better: bool
    as_of: date
    band: str | None = None


@dataclass(frozen=True, slots=True)
class CreditReport:
    """What a credit-information provider knows about a company."""

    source: str
    siren: str | None
    legal_name: str | None
    status: str | None = None  # active | ceased
    score: CreditScore | None = None
    recommended_limit: Decimal | None = None
    recommended_limit_currency: str | None = None
    insolvency_open: bool = False
    retrieved_on: date | None = None
    notes: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- notifications


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to a customer contact (dunning letter, alert)."""

    channel: str
    recipient: str
    subject: str
    body: str
