"""Invoice import: an e-invoice, CSV list or FEC in, customers, invoices and credit notes out.

Everything happens in the caller's transaction; any :class:`ArapiError` leaves
nothing written once the caller rolls back. The file's SHA-256 makes a second
import of the same bytes a no-op that returns the first summary with
``duplicate=True``.

For each document read by the parser:

- **Customer** (the buyer), first match wins:
  1. legal identifiers: SIRET (exact), SIREN (also a customer filed under one of
     its SIRETs or its French VAT number), VAT number. Ids are normalized with
     :func:`arapi.customers.identifiers.normalize_legal_id`; an invalid one is a
     warning and is not used.
  2. other ids as the customer's ``external_ref`` (see :func:`external_ref_for`):
     ``("customer_ref", "C042")`` (the CSV customer code) is ``"C042"`` as is;
     any other ``(scheme, value)`` is ``"scheme:value"``, e.g.
     ``("fec_aux", "41104752")`` -> ``"fec_aux:41104752"``,
     ``("0088", "5790000435951")`` -> ``"0088:5790000435951"``; an id without
     scheme is ``"id:value"``. E-mail addresses (scheme ``EM``) are not ids.
  3. the exact name, ignoring case and repeated blanks;
  4. else a new customer (name, SIREN or else VAT number, country, the
     invoice's currency, the first external ref above), created through
     :func:`arapi.customers.service.create`. A buyer without a name that
     matches nobody refuses the import (``BUYER_UNKNOWN``).
- **Number already used** in the organization: same customer, kind, total and
  currency -> reported as ``existing`` and not written again; otherwise the
  import is refused (``INVOICE_CONFLICT``).
- **Amounts** are Decimal; more decimals than the currency has are rounded
  half-even, with a warning. An invoice printed with a negative total (a
  correction, UNTDID 384 or a 380 used as a credit note) is stored as a credit
  note of the opposite amounts, with a warning; a zero total is skipped, with a
  warning. When the document's own totals disagree (without tax + tax != with
  tax) only the total with tax is stored; the parser's warning says why.
- **Settled before import**: when the amount due is below the total (prepaid
  part, partial lettering in a FEC), the difference is an allocation of kind
  ``prepaid`` so that the derived open amount equals the amount due. For an
  invoice it has no payment and no credit note. A credit note's open credit is
  its total minus the credit used from it (``credit_note_id``), so for a credit
  note the row points at the note on both sides (``credit_note_id`` =
  ``invoice_id`` = the note): credit used before import.

The JSON summary describes the file's invoices as printed (amounts at the
currency's scale, dates as given or null); ``status``, ``kind`` and
``invoiceId`` say what became of each one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal

from sqlalchemy.orm import Session

from arapi import audit, rf
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.config import Settings
from arapi.customers import service as customer_service
from arapi.customers.identifiers import compact_iban, normalize_country, normalize_legal_id
from arapi.errors import ArapiError, CommonErrorCode
from arapi.imports.claim import claim, clean_filename, refuse_bad_size
from arapi.imports.errors import ImportErrorCode
from arapi.imports.text import refuse_unstorable_text
from arapi.invoices import service as invoice_service
from arapi.models import Allocation, Customer, Invoice
from arapi.money import bounded, exponent, from_minor, normalize_currency, parse_decimal
from arapi.plugin import calls
from arapi.plugin.checks import with_article
from arapi.plugin.host import PluginHost
from arapi.plugin.types import InvoiceDocument, Party, TaxAmount
from arapi.repositories import allocations as allocation_repo
from arapi.repositories import customers as customer_repo
from arapi.repositories import import_files, locks
from arapi.repositories import invoices as invoice_repo

KIND = "invoices"
SOURCE = "import"
DEFAULT_MAX_BYTES = Settings.max_upload_bytes
PREPAID_EXPLANATION = "settled before import"
NAME_MAX = 300  # Customer.name
REF_MAX = 100  # Customer.external_ref, Invoice.number, Invoice.external_ref
KINDS = ("invoice", "credit_note")
# Enough digits to quantize any amount a parser may return (18 + 12 digits).
_WIDE = Context(prec=60)


# ------------------------------------------------------------------ results

# What became of a document: written, already there, not worth writing (a zero total), or
# (invoice sources only) there with other amounts or another customer and left as it is,
# or refused for a reason the warnings give, with nothing of it written.
STATUSES = ("created", "existing", "skipped", "conflict", "refused")


@dataclass(frozen=True)
class DocumentOutcome:
    """One document, in the order it came, and what became of it."""

    number: str
    status: str  # one of STATUSES
    invoice_id: int | None = None


@dataclass(frozen=True)
class ImportedInvoice:
    """One document of the file as printed (amounts at the currency's scale) and what became of it."""

    number: str
    issue_date: date
    due_date: date | None
    currency: str
    total_with_tax: Decimal
    amount_due: Decimal
    seller_name: str | None
    buyer_name: str | None
    status: str  # one of STATUSES
    invoice_id: int | None
    kind: str = "invoice"  # as stored (a negative invoice is stored as a credit note)

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "issueDate": self.issue_date.isoformat(),
            "dueDate": self.due_date.isoformat() if self.due_date else None,
            "currency": self.currency,
            "totalWithTax": str(self.total_with_tax),
            "amountDue": str(self.amount_due),
            "sellerName": self.seller_name,
            "buyerName": self.buyer_name,
            "kind": self.kind,
            "status": self.status,
            "invoiceId": self.invoice_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportedInvoice:
        due = data.get("dueDate")
        return cls(
            number=data["number"],
            issue_date=date.fromisoformat(data["issueDate"]),
            due_date=date.fromisoformat(due) if due else None,
            currency=data["currency"],
            total_with_tax=Decimal(data["totalWithTax"]),
            amount_due=Decimal(data["amountDue"]),
            seller_name=data.get("sellerName"),
            buyer_name=data.get("buyerName"),
            status=data.get("status", "created"),
            invoice_id=data.get("invoiceId"),
            kind=data.get("kind", "invoice"),
        )


@dataclass(frozen=True)
class InvoiceImportResult:
    duplicate: bool
    invoices: list[ImportedInvoice]
    warnings: list[str]
    format: str
    import_id: int | None

    @property
    def documents(self) -> list[DocumentOutcome]:
        return [DocumentOutcome(i.number, i.status, i.invoice_id) for i in self.invoices]

    def to_json(self) -> dict:
        """The contract's summary, plus ``format``, ``importId`` and per-invoice extras."""
        return {
            "duplicate": self.duplicate,
            "invoices": [i.to_json() for i in self.invoices],
            "warnings": list(self.warnings),
            "format": self.format,
            "importId": self.import_id,
        }

    @classmethod
    def from_summary(cls, summary: dict, import_id: int, *, duplicate: bool) -> InvoiceImportResult:
        """The stored result of an import; replayed for a duplicate, whose documents the
        first import created are ``existing`` now: this one wrote nothing."""
        invoices = [ImportedInvoice.from_json(i) for i in summary.get("invoices", [])]
        if duplicate:
            invoices = [
                replace(i, status="existing") if i.status == "created" else i for i in invoices
            ]
        return cls(
            duplicate=duplicate,
            invoices=invoices,
            warnings=list(summary.get("warnings", [])),
            format=summary.get("format", ""),
            import_id=import_id,
        )


# ------------------------------------------------------------------ entry point


def import_invoices(
    session: Session,
    viewer: Viewer,
    plugins: PluginHost,
    data: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    max_bytes: int | None = None,
) -> InvoiceImportResult:
    """Read ``data`` with the invoice parser that claims it and record it in the caller's transaction."""
    viewer.require(Permission.IMPORT)
    filename = clean_filename(filename)
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    refuse_bad_size(data, limit)
    # Before the duplicate lookup, as for statements: a format nobody reads is refused
    # even for bytes imported before.
    parser = PluginHost.pick(plugins.invoice_parsers(), data, fmt)
    sha = hashlib.sha256(data).hexdigest()
    seen = import_files.find(session, viewer.organization_id, KIND, sha)
    if seen is not None:
        return InvoiceImportResult.from_summary(seen.summary or {}, seen.id, duplicate=True)

    # Pure: a ParseError refuses the file before anything is written.
    parsed = calls.parse_invoices(plugins, parser, data)
    refuse_unstorable_text(parsed)

    claimed = claim(
        session, viewer, kind=KIND, sha256=sha, size=len(data), fmt=parsed.format, filename=filename
    )
    if claimed.seen:
        return InvoiceImportResult.from_summary(
            claimed.import_file.summary or {}, claimed.import_file.id, duplicate=True
        )
    import_file = claimed.import_file
    writer = DocumentWriter(session, viewer)
    writer.warnings += list(parsed.warnings)
    imported = [writer.write(doc) for doc in parsed.invoices]
    result = InvoiceImportResult(
        duplicate=False,
        invoices=imported,
        warnings=list(dict.fromkeys(writer.warnings)),
        format=parsed.format,
        import_id=import_file.id,
    )
    import_file.summary = result.to_json()
    session.flush()
    statuses = [i.status for i in imported]
    audit.record(
        session,
        viewer,
        "invoices.imported",
        "import_file",
        import_file.id,
        format=parsed.format,
        filename=filename,
        sha256=sha,
        documents=len(imported),
        created=statuses.count("created"),
        existing=statuses.count("existing"),
        skipped=statuses.count("skipped"),
        customers_created=writer.customers_created,
        warnings=len(result.warnings),
    )
    return result


# ------------------------------------------------------------------ amounts


@dataclass
class _Amounts:
    """A document's amounts in minor units, as they will be stored (credit notes positive)."""

    printed_total: Decimal  # as printed, at the currency's scale
    printed_due: Decimal
    skip: bool = False  # a zero total: nothing to collect
    kind: str = "invoice"
    total: int = 0
    due: int = 0
    excl: int | None = None
    tax: int | None = None
    taxes: list[TaxAmount] | None = None


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-exponent(currency)), ROUND_HALF_EVEN, _WIDE)


def _minor(value: Decimal, currency: str) -> int:
    return bounded(int(value.scaleb(exponent(currency), _WIDE)), f"amount {value} {currency}")


def _amounts(doc: InvoiceDocument, currency: str, warnings: list[str]) -> _Amounts:
    """Round to the currency, turn a negative document over, check the breakdown."""
    rounded: list[str] = []

    def amount(value, name: str) -> Decimal | None:
        if value is None:
            return None
        exact = parse_decimal(value)  # refuses floats
        near = _round(exact, currency)
        if near != exact:
            rounded.append(f"{name} {exact} -> {near}")
        return near

    total = amount(doc.total_with_tax, "total with tax")
    due = amount(doc.amount_due, "amount due")
    excl = amount(doc.total_without_tax, "total without tax")
    tax = amount(doc.tax_total, "tax total")
    taxes = [
        TaxAmount(t.rate, amount(t.base, "tax base"), amount(t.tax, "tax"), t.category)
        for t in doc.taxes
    ]
    if rounded:
        warnings.append(
            f"{currency} has {exponent(currency)} decimals: rounded half-even: "
            + ", ".join(rounded)
        )
    if total is None or due is None:
        raise ArapiError(CommonErrorCode.INVALID_INPUT, "the document has no total or amount due")
    printed_total, printed_due = total, due
    kind = doc.kind
    if total == 0:
        warnings.append("its total is zero: nothing to collect, not imported")
        return _Amounts(printed_total, printed_due, skip=True, kind=kind)
    if any(t.base is None or t.tax is None for t in taxes):
        taxes = []
    if total < 0:
        kind = "credit_note" if kind == "invoice" else "invoice"
        warnings.append(
            f"its total is negative ({total} {currency}): recorded as {kind.replace('_', ' ')} "
            f"of {-total} {currency}"
        )
        total, due = -total, -due
        excl = None if excl is None else -excl
        tax = None if tax is None else -tax
        taxes = [TaxAmount(t.rate, -t.base, -t.tax, t.category) for t in taxes]
    if excl is not None and tax is not None and excl + tax != total:
        warnings.append(
            f"total without tax {excl} + tax {tax} != total with tax {total}: "
            "only the total with tax is kept"
        )
        excl = tax = None
        taxes = []
    elif excl is not None and tax is None:
        tax = total - excl
    elif tax is not None and excl is None:
        excl = total - tax
    usable_taxes = (
        taxes
        if tax is not None
        and taxes
        and all(t.rate is not None for t in taxes)
        and sum(t.tax for t in taxes) == tax
        else None
    )
    return _Amounts(
        printed_total,
        printed_due,
        kind=kind,
        total=_minor(total, currency),
        due=_minor(due, currency),
        excl=None if excl is None else _minor(excl, currency),
        tax=None if tax is None else _minor(tax, currency),
        taxes=usable_taxes,
    )


# ------------------------------------------------------------------ customers


def external_ref_for(scheme: str, value: str) -> str | None:
    """The customer ``external_ref`` a buyer id stands for (see the module docstring)."""
    value = (value or "").strip()
    scheme = (scheme or "").strip()
    if not value or scheme.upper() == "EM":
        return None
    ref = value if scheme == "customer_ref" else f"{scheme or 'id'}:{value}"
    return ref if len(ref) <= REF_MAX else None


def _clean_name(name: str | None) -> str | None:
    """Blanks collapsed (e-invoices carry line breaks in names), at most what the column holds."""
    text = " ".join((name or "").split())
    return text[:NAME_MAX] or None


@dataclass
class _LegalIds:
    siren: str | None = None
    siret: str | None = None
    vat: str | None = None

    def exact(self) -> list[str]:
        return [i for i in (self.siret, self.siren, self.vat) if i]


def _valid(value: str | None, kind: str, who: str, warnings: list[str]) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return normalize_legal_id(value, kind)[0]
    except ArapiError as exc:
        warnings.append(f"{who}: {exc.message.rstrip('.')}; not used to find the customer")
        return None


def _legal_ids(party: Party, who: str, warnings: list[str]) -> _LegalIds:
    ids = _LegalIds(
        siren=_valid(party.siren, "siren", who, warnings),
        siret=_valid(party.siret, "siret", who, warnings),
        vat=_valid(party.vat_id, "vat", who, warnings),
    )
    if ids.siren is None and ids.siret is not None:
        ids.siren = ids.siret[:9]
    if ids.siren is None and ids.vat is not None and ids.vat.startswith("FR"):
        try:
            ids.siren = normalize_legal_id(ids.vat[4:], "siren")[0]
        except ArapiError:
            pass  # an old-style French VAT number that does not embed the SIREN
    return ids


def _best_legal_match(candidates: list[Customer], ids: _LegalIds) -> Customer | None:
    """Exact SIRET, then SIREN, then VAT number, then another establishment of the company."""
    for wanted in (ids.siret, ids.siren, ids.vat):
        for customer in candidates:
            if wanted and customer.legal_id == wanted:
                return customer
    return candidates[0] if candidates else None


class _Buyers:
    """Finds or creates the customer for a buyer; remembers each party for the rest of the file."""

    def __init__(self, session: Session, viewer: Viewer, warnings: list[str]):
        self.session = session
        self.viewer = viewer
        self.warnings = warnings
        self.created = 0
        self.seen: dict[Party, Customer] = {}  # for the rest of the file or sync

    def customer_for(self, party: Party, currency: str) -> Customer:
        customer = self.seen.get(party)
        if customer is None:
            ids = _legal_ids(party, self._label(party), self.warnings)
            customer = self._find(party, ids) or self._create(party, ids, currency)
            if iban := compact_iban(party.iban):
                customer_repo.add_iban(
                    self.session,
                    self.viewer.organization_id,
                    customer.id,
                    iban,
                    SOURCE,
                )
            self.seen[party] = customer
        return customer

    def known(self, party: Party) -> Customer | None:
        """The customer this buyer already is, if any: nothing is created or learned."""
        customer = self.seen.get(party)
        if customer is None:
            customer = self._find(party, _legal_ids(party, self._label(party), []))
        return customer

    def _label(self, party: Party) -> str:
        return f"buyer {_clean_name(party.name)!r}" if party.name else "buyer without name"

    def _find(self, party: Party, ids: _LegalIds) -> Customer | None:
        org = self.viewer.organization_id
        found = _best_legal_match(
            customer_repo.by_legal_identity(self.session, org, ids.exact(), ids.siren), ids
        )
        if found is not None:
            return found
        for scheme, value in party.other_ids:
            ref = external_ref_for(scheme, value)
            if ref and (found := customer_repo.by_external_ref(self.session, org, ref)):
                return found
        name = _clean_name(party.name)
        return customer_repo.by_exact_name(self.session, org, name) if name else None

    def _create(self, party: Party, ids: _LegalIds, currency: str) -> Customer:
        name = _clean_name(party.name)
        if name is None:
            raise ArapiError(
                ImportErrorCode.BUYER_UNKNOWN,
                "the buyer has no name and none of its identifiers is a known customer's",
            )
        legal_id, legal_type = (ids.siren, "siren") if ids.siren else (ids.vat, "vat")
        country = None
        if party.country:
            try:
                country = normalize_country(party.country)
            except ArapiError as exc:
                self.warnings.append(f"{self._label(party)}: {exc.message} (not kept)")
        refs = (external_ref_for(s, v) for s, v in party.other_ids)
        customer = customer_service.create(
            self.session,
            self.viewer,
            customer_service.CustomerInput(
                name=name,
                external_ref=next((r for r in refs if r), None),
                legal_id=legal_id,
                legal_id_type=legal_type if legal_id else None,
                country=country,
                currency=currency,
            ),
            source=SOURCE,
        )
        self.created += 1
        return customer


# ------------------------------------------------------------------ invoices


@dataclass
class DocumentWriter:
    """Writes parsed documents (of a file or of an invoice source) by the rules of this module."""

    session: Session
    viewer: Viewer
    # A file refuses a number already used for a different invoice (the user fixes the file);
    # an invoice source reports it as "conflict" and goes on (see arapi.imports.sources).
    refuse_conflicts: bool = True
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # One writer per organization at a time (PostgreSQL; SQLite has one writer anyway):
        # customers and invoice numbers are looked up before they are created, so two
        # imports naming the same ones must not both create them.
        locks.hold(self.session, locks.documents_of(self.viewer.organization_id))
        self.buyers = _Buyers(self.session, self.viewer, self.warnings)

    @property
    def customers_created(self) -> int:
        return self.buyers.created

    def write_or_refuse(self, doc: InvoiceDocument) -> ImportedInvoice | ArapiError:
        """For invoice sources: write one document in a savepoint, or leave nothing of it.

        A refusal (its error is returned, not raised) rolls back whatever the
        document had written, a new customer included, and the writer forgets it.
        """
        seen, created, noted = dict(self.buyers.seen), self.buyers.created, len(self.warnings)
        try:
            with self.session.begin_nested():
                refuse_unstorable_text(doc)
                return self.write(doc)
        except ArapiError as exc:
            self.buyers.seen, self.buyers.created = seen, created
            del self.warnings[noted:]  # in place: the buyers share this list
            return exc

    def write(self, doc: InvoiceDocument) -> ImportedInvoice:
        number = (doc.number or "").strip()
        try:
            return self._write(doc, number)
        except ArapiError as exc:  # say which invoice, keep the code
            raise ArapiError(exc.code, f"invoice {number!r}: {exc.message}", exc.field) from None

    def _write(self, doc: InvoiceDocument, number: str) -> ImportedInvoice:
        if doc.kind not in KINDS:
            raise ArapiError(CommonErrorCode.INVALID_INPUT, f"unknown document kind {doc.kind!r}")
        if len(number) > REF_MAX:
            raise ArapiError(
                CommonErrorCode.INVALID_INPUT, f"the number is longer than {REF_MAX} characters"
            )
        if not isinstance(doc.issue_date, date) or not (
            doc.due_date is None or isinstance(doc.due_date, date)
        ):
            raise ArapiError(CommonErrorCode.INVALID_INPUT, "the parser gave no valid dates")
        currency = normalize_currency(doc.currency)
        notes: list[str] = []
        amounts = _amounts(doc, currency, notes)
        self.warnings += [f"invoice {number!r}: {n}" for n in notes]
        summary = dict(
            number=number,
            issue_date=doc.issue_date,
            due_date=doc.due_date,
            currency=currency,
            total_with_tax=amounts.printed_total,
            amount_due=amounts.printed_due,
            seller_name=_clean_name(doc.seller.name),
            buyer_name=_clean_name(doc.buyer.name),
        )
        if amounts.skip:
            return ImportedInvoice(**summary, status="skipped", invoice_id=None, kind=doc.kind)
        existing = invoice_repo.by_number(self.session, self.viewer.organization_id, number)
        if existing is not None:  # compared, never changed: no customer is created for it
            customer = self.buyers.known(doc.buyer)
            try:
                self._same_or_refuse(existing, customer, doc.buyer, amounts, currency, number)
            except ArapiError as exc:
                if self.refuse_conflicts:
                    raise
                self.warnings.append(f"invoice {number!r}: {exc.message}; arapi's is kept")
                return ImportedInvoice(
                    **summary, status="conflict", invoice_id=existing.id, kind=existing.kind
                )
            return ImportedInvoice(
                **summary, status="existing", invoice_id=existing.id, kind=existing.kind
            )
        customer = self.buyers.customer_for(doc.buyer, currency)
        invoice = self._create(doc, number, customer, amounts, currency)
        self._settle_before_import(invoice, amounts, number)
        return ImportedInvoice(
            **summary, status="created", invoice_id=invoice.id, kind=invoice.kind
        )

    def _create(
        self,
        doc: InvoiceDocument,
        number: str,
        customer: Customer,
        amounts: _Amounts,
        currency: str,
    ) -> Invoice:
        reference = doc.payment_reference if rf.is_valid(doc.payment_reference) else None
        external_ref = (doc.external_ref or "").strip() or None
        if external_ref and len(external_ref) > REF_MAX:
            self.warnings.append(f"invoice {number!r}: external reference too long, not kept")
            external_ref = None
        return invoice_service.create(
            self.session,
            self.viewer,
            invoice_service.InvoiceInput(
                customer_id=customer.id,
                number=number,
                issue_date=doc.issue_date,
                due_date=doc.due_date,
                total=from_minor(amounts.total, currency),
                currency=currency,
                total_excl_tax=None if amounts.excl is None else from_minor(amounts.excl, currency),
                tax_total=None if amounts.tax is None else from_minor(amounts.tax, currency),
                taxes=[
                    invoice_service.TaxInput(rate=t.rate, base=t.base, tax=t.tax)
                    for t in amounts.taxes or []
                ],
                external_ref=external_ref,
                payment_reference=reference,
                kind=amounts.kind,
                corrects_id=self._corrected(doc, amounts.kind, customer, number),
            ),
            source=SOURCE,
        )

    def _corrected(
        self, doc: InvoiceDocument, kind: str, customer: Customer, number: str
    ) -> int | None:
        """The invoice a credit note names as the one it corrects (BT-25), when the customer has it."""
        target = (doc.corrects or "").strip()
        if kind != "credit_note" or not target or target == number:
            return None
        invoice = invoice_repo.by_number(self.session, self.viewer.organization_id, target)
        if invoice is None or invoice.kind != "invoice":
            return None  # issued before arapi knew the customer, or not an invoice
        if invoice.customer_id != customer.id:
            self.warnings.append(
                f"invoice {number!r}: corrects {target!r}, an invoice of another customer: "
                "not linked"
            )
            return None
        return invoice.id

    def _settle_before_import(self, invoice: Invoice, amounts: _Amounts, number: str) -> None:
        """Record what was paid (or credited) before the file was made, so open = amount due."""
        currency = invoice.currency
        if amounts.due < 0:
            self.warnings.append(
                f"invoice {number!r}: the amount due is negative "
                f"({from_minor(amounts.due, currency)} {currency}): the customer holds a credit "
                "balance that is not recorded; the document is recorded as settled"
            )
        if amounts.due > amounts.total:
            self.warnings.append(
                f"invoice {number!r}: the amount due {from_minor(amounts.due, currency)} is more "
                f"than the total {from_minor(amounts.total, currency)} {currency}: the total is open"
            )
        settled = amounts.total - min(max(amounts.due, 0), amounts.total)
        if settled == 0:
            return
        is_note = invoice.kind == "credit_note"
        allocation_repo.add(
            self.session,
            Allocation(
                organization_id=self.viewer.organization_id,
                kind="prepaid",
                payment_id=None,
                credit_note_id=invoice.id if is_note else None,
                invoice_id=invoice.id,
                currency=currency,
                amount_minor=settled,
                author=self.viewer.actor,
                explanation=PREPAID_EXPLANATION,
            ),
        )

    def _same_or_refuse(
        self,
        existing: Invoice,
        customer: Customer | None,
        buyer: Party,
        amounts: _Amounts,
        currency: str,
        number: str,
    ) -> None:
        differences = []
        if customer is None or existing.customer_id != customer.id:
            name = customer.name if customer is not None else _clean_name(buyer.name)
            buyer_text = repr(name) if name else "without a name"
            differences.append(f"customer {buyer_text} (it belongs to another customer)")
        if existing.kind != amounts.kind:
            differences.append(
                f"kind {amounts.kind} (it is {with_article(existing.kind.replace('_', ' '))})"
            )
        if existing.currency != currency:
            differences.append(f"currency {currency} (it is in {existing.currency})")
        elif existing.total_minor != amounts.total:
            differences.append(
                f"total {from_minor(amounts.total, currency)} "
                f"(it has {from_minor(existing.total_minor, currency)})"
            )
        if differences:
            raise ArapiError(
                ImportErrorCode.INVOICE_CONFLICT,
                "this number is already used by a different invoice; the document has "
                + ", ".join(differences),
            )
        row = invoice_repo.get_row(self.session, self.viewer.organization_id, existing.id)
        expected_open = min(max(amounts.due, 0), amounts.total)
        if row is not None and row.open_minor != expected_open:
            self.warnings.append(
                f"invoice {number!r} was imported before: its open amount "
                f"{from_minor(row.open_minor, currency)} {currency} is kept, the file says "
                f"{from_minor(expected_open, currency)}"
            )
