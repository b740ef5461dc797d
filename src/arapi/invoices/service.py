"""Issuing, changing and cancelling invoices and credit notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit, idempotency, rf
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.db.base import utcnow
from arapi.errors import ArapiError, MoneyErrorCode, NotFound
from arapi.inputs import check_date
from arapi.invoices.errors import InvoiceErrorCode
from arapi.models import Invoice, InvoiceTaxLine
from arapi.money import bounded, normalize_currency, parse_decimal, to_minor
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as repo
from arapi.repositories import locks

MAX_DISCOUNT_DAYS = 365  # a discount for paying within a year at most, like payment terms
RATE_MAX_LENGTH = InvoiceTaxLine.__table__.c.rate.type.length


@dataclass
class TaxInput:
    rate: Decimal | str
    base: Decimal | str
    tax: Decimal | str


@dataclass
class InvoiceInput:
    customer_id: int
    number: str
    issue_date: date
    total: Decimal | str  # with tax: what the customer owes
    currency: str
    due_date: date | None = None  # default: issue date + the customer's payment terms
    total_excl_tax: Decimal | str | None = None
    tax_total: Decimal | str | None = None
    taxes: list[TaxInput] = field(default_factory=list)
    external_ref: str | None = None
    payment_reference: str | None = None
    discount_percent: Decimal | str | None = None
    discount_days: int | None = None
    kind: str = "invoice"
    corrects_id: int | None = None


def create(
    session: Session,
    viewer: Viewer,
    data: InvoiceInput,
    *,
    idempotency_key: str | None = None,
    source: str = "api",
) -> Invoice:
    viewer.require(Permission.WRITE_LEDGER)
    operation = "creditNoteCreate" if data.kind == "credit_note" else "invoiceCreate"
    request = {k: v for k, v in data.__dict__.items() if k != "taxes"} | {
        "taxes": [t.__dict__ for t in data.taxes]
    }
    replayed = idempotency.replay(session, viewer, operation, idempotency_key, request)
    if replayed is not None:
        return repo.get_row(session, viewer.organization_id, replayed).invoice
    customer = customer_repo.get(session, viewer.organization_id, data.customer_id)
    if customer is None:
        raise NotFound("customer", ["customerId"])
    number = (data.number or "").strip()
    if not number:
        raise ArapiError(InvoiceErrorCode.NUMBER_REQUIRED, "an invoice needs a number", ["number"])
    try:
        currency = normalize_currency(data.currency)
    except ArapiError as exc:
        raise exc.with_field("total", "currency") from None
    total = to_minor(data.total, currency, field=["total"])
    if total <= 0:
        raise ArapiError(
            MoneyErrorCode.AMOUNT_NOT_POSITIVE, "the total must be positive", ["total"]
        )
    tax_lines = [
        InvoiceTaxLine(
            rate=_rate_text(t.rate),
            base_minor=to_minor(t.base, currency, field=["taxes"]),
            tax_minor=to_minor(t.tax, currency, field=["taxes"]),
        )
        for t in data.taxes
    ]
    taxed = bounded(sum(t.tax_minor for t in tax_lines), "the sum of the taxes")
    tax_total = (
        to_minor(data.tax_total, currency, field=["taxTotal"])
        if data.tax_total is not None
        else taxed
    )
    excl = (
        to_minor(data.total_excl_tax, currency, field=["totalExclTax"])
        if data.total_excl_tax is not None
        else bounded(total - tax_total, "the total excluding tax")
    )
    if excl + tax_total != total:
        raise ArapiError(
            InvoiceErrorCode.TOTALS_INCONSISTENT,
            "total excluding tax plus tax must equal the total",
            ["totalExclTax"],
        )
    if tax_lines and taxed != tax_total:
        raise ArapiError(
            InvoiceErrorCode.TOTALS_INCONSISTENT,
            "tax per rate must add up to the tax total",
            ["taxes"],
        )
    check_date(data.issue_date, "the issue date", ["issueDate"])
    due = data.due_date
    if due is not None:
        check_date(due, "the due date", ["dueDate"])
    else:
        due = (
            data.issue_date
            if data.kind == "credit_note"
            else data.issue_date + timedelta(days=customer.payment_terms_days)
        )
    if due < data.issue_date:
        raise ArapiError(
            InvoiceErrorCode.DUE_BEFORE_ISSUE, "the due date is before the issue date", ["dueDate"]
        )
    discount_bp = _discount_bp(data)
    # Numbers are checked before they are inserted: creators of one organization take turns.
    locks.hold(session, locks.documents_of(viewer.organization_id))
    if repo.by_number(session, viewer.organization_id, number) is not None:
        raise ArapiError(
            InvoiceErrorCode.DUPLICATE_NUMBER,
            f"invoice number {number!r} is already used",
            ["number"],
        )
    if (
        data.corrects_id is not None
        and repo.get_row(session, viewer.organization_id, data.corrects_id) is None
    ):
        raise NotFound("corrected invoice", ["correctsInvoiceId"])
    reference = _payment_reference(data.payment_reference)
    invoice = repo.add(
        session,
        Invoice(
            organization_id=viewer.organization_id,
            customer_id=customer.id,
            kind=data.kind,
            number=number,
            issue_date=data.issue_date,
            due_date=due,
            currency=currency,
            total_excl_tax_minor=excl,
            tax_total_minor=tax_total,
            total_minor=total,
            external_ref=data.external_ref,
            payment_reference=reference,
            discount_bp=discount_bp,
            discount_days=data.discount_days if discount_bp else None,
            corrects_id=data.corrects_id,
            source=source,
        ),
        tax_lines,
    )
    if invoice.payment_reference is None and invoice.kind == "invoice":
        invoice.payment_reference = creditor_reference_for(invoice)
    audit.record(
        session,
        viewer,
        f"{data.kind}.created",
        "invoice",
        invoice.id,
        number=number,
        total=data.total,
        currency=currency,
        source=source,
    )
    idempotency.remember(session, viewer, operation, idempotency_key, request, invoice.id)
    return invoice


def days_past_due(kind: str, due: date, asof: date, open_minor: int) -> int:
    """Days an invoice is past its due date on ``asof`` while something is open on it, else 0.

    A credit note is never past due: it is money the customer may deduct, not a
    receivable, so it does not age (the overdue filter leaves it out too).
    """
    if kind != "invoice" or open_minor <= 0:
        return 0
    return max(0, (asof - due).days)


def creditor_reference_for(invoice: Invoice) -> str:
    """An ISO 11649 reference printed on the invoice: from its number when it fits, else its id."""
    base = "".join(ch for ch in invoice.number.upper() if ch.isalnum())
    if not rf.is_base(base):  # empty, too long, or letters outside A-Z ("É")
        base = f"{invoice.organization_id}X{invoice.id}"
    return rf.generate(base)


def _rate_text(value: Decimal | str) -> str:
    """A tax rate as stored: a percentage from 0 to 100, at most four decimals when long."""
    rate = parse_decimal(value)
    if not 0 <= rate <= 100:
        raise ArapiError(
            InvoiceErrorCode.INVALID_TAX_RATE,
            f"a tax rate is a percentage from 0 to 100, not {rate}",
            ["taxes", "rate"],
        )
    text = str(rate)
    if len(text) > RATE_MAX_LENGTH:  # "5.55555555555": what the e-invoice's rounding meant
        text = str(rate.quantize(Decimal("0.0001")))
    return text


def _discount_bp(data: InvoiceInput) -> int | None:
    if data.discount_percent is None:
        return None
    pct = parse_decimal(data.discount_percent)
    bp = pct * 100
    if (
        bp != bp.to_integral_value()
        or not 0 < bp < 10000
        or not data.discount_days
        or not 0 < data.discount_days <= MAX_DISCOUNT_DAYS
    ):
        raise ArapiError(
            InvoiceErrorCode.INVALID_DISCOUNT,
            "an early-payment discount needs a percentage between 0 and 100 (two decimals at most) "
            f"and 1 to {MAX_DISCOUNT_DAYS} days",
            ["discountPercent"],
        )
    return int(bp)


@dataclass
class InvoiceChanges:
    due_date: date | None = None
    external_ref: str | None = None
    payment_reference: str | None = None


def update(session: Session, viewer: Viewer, invoice_id: int, changes: InvoiceChanges) -> Invoice:
    viewer.require(Permission.WRITE_LEDGER)
    invoice = repo.lock(session, viewer.organization_id, [invoice_id]).get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", ["invoiceId"])
    if invoice.cancelled_at is not None:
        raise ArapiError(
            InvoiceErrorCode.ALREADY_CANCELLED,
            f"invoice {invoice.number} is cancelled",
            ["invoiceId"],
        )
    changed = {}
    if changes.due_date is not None and changes.due_date != invoice.due_date:
        check_date(changes.due_date, "the due date", ["dueDate"])
        if changes.due_date < invoice.issue_date:
            raise ArapiError(
                InvoiceErrorCode.DUE_BEFORE_ISSUE,
                "the due date is before the issue date",
                ["dueDate"],
            )
        changed["dueDate"] = [invoice.due_date, changes.due_date]
        invoice.due_date = changes.due_date
    if changes.external_ref is not None and changes.external_ref != invoice.external_ref:
        changed["externalRef"] = [invoice.external_ref, changes.external_ref]
        invoice.external_ref = changes.external_ref or None
    if changes.payment_reference is not None:
        reference = _payment_reference(changes.payment_reference)
        if reference != invoice.payment_reference:
            changed["paymentReference"] = [invoice.payment_reference, reference]
            invoice.payment_reference = reference
    if changed:
        invoice.updated_at = utcnow()
        audit.record(session, viewer, "invoice.updated", "invoice", invoice.id, changes=changed)
    return invoice


def _payment_reference(text: str | None) -> str | None:
    """As a payer types it back: upper-case without spaces; an RF reference also without its
    dashes or dots ("RF18-5390-0754-7034" is stored "RF18539007547034")."""
    if not text:
        return None
    reference = text.strip().replace(" ", "").upper()
    if rf.is_valid(reference):
        return rf.normalize(reference)
    return reference or None


def cancel(session: Session, viewer: Viewer, invoice_id: int, reason: str | None = None) -> Invoice:
    """Cancel an invoice nobody has paid anything on (reverse its allocations first)."""
    viewer.require(Permission.WRITE_LEDGER)
    invoice = repo.lock(session, viewer.organization_id, [invoice_id]).get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", ["invoiceId"])
    if invoice.cancelled_at is not None:
        raise ArapiError(
            InvoiceErrorCode.ALREADY_CANCELLED,
            f"invoice {invoice.number} is already cancelled",
            ["invoiceId"],
        )
    if repo.has_net_allocations(session, invoice.id):
        raise ArapiError(
            InvoiceErrorCode.HAS_ALLOCATIONS,
            f"invoice {invoice.number} has allocations: reverse them before cancelling",
            ["invoiceId"],
        )
    invoice.cancelled_at = utcnow()
    audit.record(session, viewer, "invoice.cancelled", "invoice", invoice.id, reason=reason)
    return invoice
