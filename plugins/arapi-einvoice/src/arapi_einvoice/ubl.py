"""OASIS UBL 2.1 Invoice and CreditNote: Peppol BIS 3, XRechnung UBL, French CTC extended.

Field mapping (EN 16931 terms):

- number BT-1 ``cbc:ID``; issue_date BT-2 ``cbc:IssueDate`` (ISO date);
  type_code BT-3 ``InvoiceTypeCode`` / ``CreditNoteTypeCode`` (a CreditNote
  root is always a credit note)
- profile: BT-24 ``cbc:CustomizationID`` (the specification identifier, the
  same business term as CII's guideline ID; ``cbc:ProfileID``, BT-23, is the
  business process and is not kept)
- currency BT-5 ``DocumentCurrencyCode``
- due_date BT-9 ``cbc:DueDate``, else the first ``PaymentMeans/PaymentDueDate``
  (where UBL 2.1 credit notes carry it); None if absent
- ``LegalMonetaryTotal``: total_without_tax BT-109 ``TaxExclusiveAmount``,
  total_with_tax BT-112 ``TaxInclusiveAmount``, prepaid BT-113
  ``PrepaidAmount``, amount_due BT-115 ``PayableAmount``
- tax_total BT-110: the ``TaxTotal`` whose ``TaxAmount`` is in the document
  currency; a second ``TaxTotal`` in the tax currency (BT-111) is not taken.
  taxes come from that TaxTotal's ``TaxSubtotal`` elements
- payment_reference BT-83 ``cbc:PaymentID``, else ``PaymentMeans/PaymentID``;
  seller IBAN BT-84 from the first ``PayeeFinancialAccount/ID`` that is an IBAN
- line_count: ``InvoiceLine`` / ``CreditNoteLine`` elements
- corrects BT-25: the first ``BillingReference/InvoiceDocumentReference/ID``
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from arapi.plugin.safexml import localname, namespace
from arapi.plugin.types import ParseError, ParseErrorCode, TaxAmount
from arapi_einvoice import values
from arapi_einvoice.checks import ZERO, Line
from arapi_einvoice.document import Draft
from arapi_einvoice.kinds import kind_of
from arapi_einvoice.parties import PartyIds
from arapi_einvoice.reading import DraftReader
from arapi_einvoice.tree import attribute, child, child_text, children, descend, text

INVOICE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ROOTS = {"Invoice": INVOICE_NAMESPACE, "CreditNote": CREDIT_NOTE_NAMESPACE}

LINES = ("InvoiceLine", "CreditNoteLine")
QUANTITY = ("InvoicedQuantity", "CreditedQuantity")


def is_ubl(root: etree._Element) -> bool:
    return ROOTS.get(localname(root)) == namespace(root)


def read_ubl(root: etree._Element) -> Draft:
    if not is_ubl(root):
        raise ParseError(
            ParseErrorCode.UNKNOWN_FORMAT,
            f"<{localname(root)}> in namespace {namespace(root)!r} is not a UBL 2 Invoice or CreditNote",
        )
    return _UblReader(root).read()


class _UblReader(DraftReader):
    def __init__(self, root: etree._Element):
        self.root = root
        self.credit_note = localname(root) == "CreditNote"
        self.draft = Draft(syntax="UBL")
        self.warnings = self.draft.warnings

    def read(self) -> Draft:
        root, draft = self.root, self.draft
        draft.currency = values.currency(
            child_text(root, "DocumentCurrencyCode"), "DocumentCurrencyCode"
        )
        draft.profile = child_text(root, "CustomizationID")
        draft.number = child_text(root, "ID")
        draft.type_code = child_text(root, ("InvoiceTypeCode", "CreditNoteTypeCode"))
        draft.kind = kind_of(draft.type_code, credit_note_root=self.credit_note)
        draft.issue_date = values.iso_date(child_text(root, "IssueDate"), "IssueDate")
        draft.due_date = self._due_date()
        draft.payment_reference = child_text(root, "PaymentID") or next(
            filter(None, map(text, descend(root, "PaymentMeans", "PaymentID"))), None
        )
        draft.corrects = child_text(root, "BillingReference", "InvoiceDocumentReference", "ID")
        draft.seller = self._party(child(root, "AccountingSupplierParty", "Party"))
        draft.buyer = self._party(child(root, "AccountingCustomerParty", "Party"))
        draft.seller.iban = self._iban()
        self._totals()
        lines = children(root, LINES)
        draft.line_count = len(lines)
        draft.totals.lines = [self._line(line, n) for n, line in enumerate(lines, 1)]
        return draft

    def _due_date(self):
        found = values.iso_date(child_text(self.root, "DueDate"), "DueDate")
        if found is not None:
            return found
        for element in descend(self.root, "PaymentMeans", "PaymentDueDate"):
            found = values.iso_date(text(element), "PaymentDueDate")
            if found is not None:
                return found
        return None

    def _iban(self) -> str | None:
        return self._first_iban(descend(self.root, "PaymentMeans", "PayeeFinancialAccount", "ID"))

    def _party(self, party: etree._Element | None) -> PartyIds:
        name = child_text(party, "PartyLegalEntity", "RegistrationName")
        ids = PartyIds(name=name or child_text(party, "PartyName", "Name"))
        ids.country = child_text(party, "PostalAddress", "Country", "IdentificationCode")
        for element in children(party, "EndpointID"):
            ids.add_other(attribute(element, "schemeID"), text(element))
        for element in descend(party, "PartyIdentification", "ID"):
            ids.add_other(attribute(element, "schemeID"), text(element))
        for element in descend(party, "PartyLegalEntity", "CompanyID"):
            ids.add_legal(attribute(element, "schemeID"), text(element))
        for scheme in children(party, "PartyTaxScheme"):
            tax_scheme = child_text(scheme, "TaxScheme", "ID")
            if tax_scheme is not None and tax_scheme.upper() == "VAT":
                ids.add_vat(child_text(scheme, "CompanyID"))
            else:
                ids.add_other(tax_scheme, child_text(scheme, "CompanyID"))
        return ids

    def _tax_total(self) -> etree._Element | None:
        """The TaxTotal in the document currency (BT-110), not the tax-currency one (BT-111)."""
        tax_totals = children(self.root, "TaxTotal")
        for tax_total in tax_totals:
            given = attribute(child(tax_total, "TaxAmount"), "currencyID")
            if given is None or given.upper() == self.draft.currency:
                return tax_total
        if tax_totals:
            given = attribute(child(tax_totals[0], "TaxAmount"), "currencyID")
            self.warnings.append(
                f"no TaxTotal in the invoice currency {self.draft.currency} (only {given})"
            )
        return None

    def _totals(self) -> None:
        monetary = child(self.root, "LegalMonetaryTotal")
        totals = self.draft.totals

        def amount_of(name: str) -> Decimal | None:
            return self._money(child(monetary, name), name)

        totals.line_total = amount_of("LineExtensionAmount")
        totals.allowance_total = amount_of("AllowanceTotalAmount")
        totals.charge_total = amount_of("ChargeTotalAmount")
        totals.tax_basis = amount_of("TaxExclusiveAmount")
        totals.grand_total = amount_of("TaxInclusiveAmount")
        totals.prepaid = amount_of("PrepaidAmount")
        totals.rounding = amount_of("PayableRoundingAmount")
        totals.due_payable = amount_of("PayableAmount")
        tax_total = self._tax_total()
        totals.tax_total = values.amount(child_text(tax_total, "TaxAmount"), "TaxAmount")
        for subtotal in children(tax_total, "TaxSubtotal"):
            category = child(subtotal, "TaxCategory")
            category_id = child_text(category, "ID")
            base = self._money(child(subtotal, "TaxableAmount"), "TaxableAmount")
            amount = self._money(child(subtotal, "TaxAmount"), "TaxSubtotal TaxAmount")
            if base is None or amount is None:
                self.warnings.append(
                    f"tax subtotal for category {category_id} without base or amount: skipped"
                )
                continue
            rate = values.amount(child_text(category, "Percent"), "tax Percent")
            totals.taxes.append(TaxAmount(rate=rate, base=base, tax=amount, category=category_id))

    def _line(self, line: etree._Element, position: int) -> Line:
        label = child_text(line, "ID") or str(position)
        allowances = charges = ZERO
        for adjustment in children(line, "AllowanceCharge"):
            value = self._money(child(adjustment, "Amount"), f"line {label} allowance/charge")
            if value is None:
                continue
            if (child_text(adjustment, "ChargeIndicator") or "").lower() in ("true", "1"):
                charges += value
            else:
                allowances += value
        price = child(line, "Price")
        return Line(
            label=label,
            net_amount=self._money(child(line, "LineExtensionAmount"), f"line {label} amount"),
            quantity=values.amount(child_text(line, QUANTITY), f"line {label} quantity"),
            net_price=self._money(child(price, "PriceAmount"), f"line {label} price"),
            price_basis=values.amount(
                child_text(price, "BaseQuantity"), f"line {label} base quantity"
            ),
            allowances=allowances,
            charges=charges,
        )
