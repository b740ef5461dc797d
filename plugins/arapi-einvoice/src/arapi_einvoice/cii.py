"""UN/CEFACT Cross Industry Invoice: Factur-X, ZUGFeRD 2.x, XRechnung CII and ZUGFeRD 1.0.

ZUGFeRD 1.0 (``CrossIndustryDocument``, namespace
``urn:ferd:CrossIndustryDocument:invoice:1p0``) names the same business
terms differently from CII D16B (``CrossIndustryInvoice``); each container
below lists the D16B name first and the 1.0 name second.

Field mapping (EN 16931 terms):

- number BT-1 ``ExchangedDocument/ID``; type_code BT-3 ``TypeCode``;
  issue_date BT-2 ``IssueDateTime/DateTimeString`` (format 102, YYYYMMDD)
- profile BT-24 ``GuidelineSpecifiedDocumentContextParameter/ID``
- currency BT-5 ``InvoiceCurrencyCode``
- due_date BT-9: the first ``SpecifiedTradePaymentTerms/DueDateDateTime``
  in document order (later ones are usually discount dates); None if absent
- total_without_tax BT-109 ``TaxBasisTotalAmount``; total_with_tax BT-112
  ``GrandTotalAmount``; prepaid BT-113 ``TotalPrepaidAmount``; amount_due
  BT-115 ``DuePayableAmount``
- tax_total BT-110 ``TaxTotalAmount`` in the invoice currency: a document
  with a tax currency (BT-6) carries a second ``TaxTotalAmount`` (BT-111)
  whose ``currencyID`` is the tax currency; that one is not taken
- taxes: header ``ApplicableTradeTax`` (BT-116 base, BT-117 tax, BT-118
  category, BT-119 rate)
- payment_reference BT-83 ``PaymentReference``; seller IBAN BT-84 from the
  first valid ``PayeePartyCreditorFinancialAccount/IBANID``
- line_count: ``IncludedSupplyChainTradeLineItem`` elements
- corrects BT-25: ``InvoiceReferencedDocument/IssuerAssignedID``, the
  preceding invoice a correction or credit note refers to
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

CII_NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD1_NAMESPACE = "urn:ferd:CrossIndustryDocument:invoice:1p0"
ROOTS = {"CrossIndustryInvoice": CII_NAMESPACE, "CrossIndustryDocument": ZUGFERD1_NAMESPACE}

CONTEXT = ("ExchangedDocumentContext", "SpecifiedExchangedDocumentContext")
DOCUMENT = ("ExchangedDocument", "HeaderExchangedDocument")
TRANSACTION = ("SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
AGREEMENT = ("ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement")
SETTLEMENT = ("ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement")
SUMMATION = (
    "SpecifiedTradeSettlementHeaderMonetarySummation",
    "SpecifiedTradeSettlementMonetarySummation",
)
RATE = ("RateApplicablePercent", "ApplicablePercent")
LINE = "IncludedSupplyChainTradeLineItem"
LINE_AGREEMENT = ("SpecifiedLineTradeAgreement", "SpecifiedSupplyChainTradeAgreement")
LINE_DELIVERY = ("SpecifiedLineTradeDelivery", "SpecifiedSupplyChainTradeDelivery")
LINE_SETTLEMENT = ("SpecifiedLineTradeSettlement", "SpecifiedSupplyChainTradeSettlement")
LINE_SUMMATION = (
    "SpecifiedTradeSettlementLineMonetarySummation",
    "SpecifiedTradeSettlementMonetarySummation",
)


def is_cii(root: etree._Element) -> bool:
    return localname(root) in ROOTS


def read_cii(root: etree._Element) -> Draft:
    expected_ns = ROOTS.get(localname(root))
    if expected_ns is None:
        raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, f"<{localname(root)}> is not a CII root")
    if namespace(root) != expected_ns:
        raise ParseError(
            ParseErrorCode.UNSUPPORTED_VERSION,
            f"<{localname(root)}> in namespace {namespace(root)!r}: expected {expected_ns!r}",
        )
    return _CiiReader(root).read()


def _is_true(indicator: etree._Element | None) -> bool:
    return (child_text(indicator, "Indicator") or "").lower() in ("true", "1")


class _CiiReader(DraftReader):
    def __init__(self, root: etree._Element):
        self.root = root
        self.draft = Draft(syntax="CII", amount_due_optional=namespace(root) == ZUGFERD1_NAMESPACE)
        self.warnings = self.draft.warnings

    def read(self) -> Draft:
        draft = self.draft
        document = child(self.root, DOCUMENT)
        transaction = child(self.root, TRANSACTION)
        settlement = child(transaction, SETTLEMENT)
        draft.currency = values.currency(
            child_text(settlement, "InvoiceCurrencyCode"), "InvoiceCurrencyCode"
        )
        draft.profile = child_text(
            self.root, CONTEXT, "GuidelineSpecifiedDocumentContextParameter", "ID"
        )
        draft.number = child_text(document, "ID")
        draft.type_code = child_text(document, "TypeCode")
        draft.kind = kind_of(draft.type_code)
        issue = child(document, "IssueDateTime", "DateTimeString")
        draft.issue_date = values.cii_date(text(issue), attribute(issue, "format"), "issue date")
        draft.due_date = self._due_date(settlement)
        draft.payment_reference = child_text(settlement, "PaymentReference")
        draft.corrects = child_text(settlement, "InvoiceReferencedDocument", "IssuerAssignedID")

        agreement = child(transaction, AGREEMENT)
        draft.seller = self._party(child(agreement, "SellerTradeParty"))
        draft.buyer = self._party(child(agreement, "BuyerTradeParty"))
        draft.seller.iban = self._iban(settlement)

        self._totals(settlement)
        lines = children(transaction, LINE)
        draft.line_count = len(lines)
        draft.totals.lines = [self._line(line, n) for n, line in enumerate(lines, 1)]
        return draft

    # ------------------------------------------------------------ values

    def _due_date(self, settlement: etree._Element | None):
        for due in descend(
            settlement, "SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString"
        ):
            found = values.cii_date(text(due), attribute(due, "format"), "due date")
            if found is not None:
                return found
        return None

    def _iban(self, settlement: etree._Element | None) -> str | None:
        path = (
            "SpecifiedTradeSettlementPaymentMeans",
            "PayeePartyCreditorFinancialAccount",
            "IBANID",
        )
        return self._first_iban(descend(settlement, *path))

    # ------------------------------------------------------------ parties

    def _party(self, party: etree._Element | None) -> PartyIds:
        ids = PartyIds(name=child_text(party, "Name"))
        ids.country = child_text(party, "PostalTradeAddress", "CountryID")
        for element in children(party, "ID"):
            ids.add_other(attribute(element, "schemeID"), text(element))
        for element in children(party, "GlobalID"):
            ids.add_other(attribute(element, "schemeID"), text(element))
        for element in descend(party, "SpecifiedLegalOrganization", "ID"):
            ids.add_legal(attribute(element, "schemeID"), text(element))
        for element in descend(party, "URIUniversalCommunication", "URIID"):
            ids.add_other(attribute(element, "schemeID"), text(element))
        for element in descend(party, "SpecifiedTaxRegistration", "ID"):
            scheme = attribute(element, "schemeID")
            if scheme == "VA":
                ids.add_vat(text(element))
            else:
                ids.add_other(scheme, text(element))
        return ids

    # ------------------------------------------------------------ amounts

    def _tax_total(self, summation: etree._Element | None) -> Decimal | None:
        """BT-110: the TaxTotalAmount in the invoice currency (or without currencyID)."""
        candidates = children(summation, "TaxTotalAmount")
        for element in candidates:
            given = attribute(element, "currencyID")
            if given is None or given.upper() == self.draft.currency:
                return values.amount(text(element), "TaxTotalAmount")
        if candidates:
            given = attribute(candidates[0], "currencyID")
            self.warnings.append(
                f"no TaxTotalAmount in the invoice currency {self.draft.currency} (only {given})"
            )
        return None

    def _totals(self, settlement: etree._Element | None) -> None:
        summation = child(settlement, SUMMATION)
        totals = self.draft.totals

        def amount_of(name: str) -> Decimal | None:
            return self._money(child(summation, name), name)

        totals.line_total = amount_of("LineTotalAmount")
        totals.charge_total = amount_of("ChargeTotalAmount")
        totals.allowance_total = amount_of("AllowanceTotalAmount")
        totals.tax_basis = amount_of("TaxBasisTotalAmount")
        totals.tax_total = self._tax_total(summation)
        totals.rounding = amount_of("RoundingAmount")
        totals.grand_total = amount_of("GrandTotalAmount")
        totals.prepaid = amount_of("TotalPrepaidAmount")
        totals.due_payable = amount_of("DuePayableAmount")
        for tax in children(settlement, "ApplicableTradeTax"):
            base = self._money(child(tax, "BasisAmount"), "tax BasisAmount")
            amount = self._money(child(tax, "CalculatedAmount"), "tax CalculatedAmount")
            rate = values.amount(child_text(tax, RATE), "tax rate")
            category = child_text(tax, "CategoryCode")
            if base is None or amount is None:
                self.warnings.append(
                    f"tax breakdown for category {category} without base or amount: skipped"
                )
                continue
            totals.taxes.append(TaxAmount(rate=rate, base=base, tax=amount, category=category))

    def _line(self, line: etree._Element, position: int) -> Line:
        document = child(line, "AssociatedDocumentLineDocument")
        label = child_text(document, "LineID") or str(position)
        settlement = child(line, LINE_SETTLEMENT)
        price = child(line, LINE_AGREEMENT, "NetPriceProductTradePrice")
        allowances = charges = ZERO
        for adjustment in children(settlement, "SpecifiedTradeAllowanceCharge"):
            value = self._money(child(adjustment, "ActualAmount"), f"line {label} allowance/charge")
            if value is None:
                continue
            if _is_true(child(adjustment, "ChargeIndicator")):
                charges += value
            else:
                allowances += value
        status = child_text(document, "LineStatusReasonCode")
        return Line(
            label=label,
            net_amount=self._money(
                child(settlement, LINE_SUMMATION, "LineTotalAmount"), f"line {label} total"
            ),
            quantity=values.amount(
                child_text(line, LINE_DELIVERY, "BilledQuantity"), f"line {label} quantity"
            ),
            net_price=self._money(child(price, "ChargeAmount"), f"line {label} net price"),
            price_basis=values.amount(
                child_text(price, "BasisQuantity"), f"line {label} price basis"
            ),
            allowances=allowances,
            charges=charges,
            in_total=child(document, "ParentLineID") is None and status != "INFORMATION",
        )
