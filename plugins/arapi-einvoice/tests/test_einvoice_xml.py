"""CII and UBL parsers: contract, field mapping, credit notes, tax currencies, hostile XML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import arapi_einvoice
import pytest
from arapi_einvoice import CiiParser, FacturXParser, UblParser
from arapi_einvoice import pdf as pdf_module

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode, Party, TaxAmount
from arapi.testing.contracts import InvoiceParserContract

# ---------------------------------------------------------------- samples written for these tests

CII_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">"""

CII_LINE = """
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>{line_id}</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct><ram:Name>Consulting</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement>
    <ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
   </ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="HUR">{quantity}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{total}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>"""

DUE_TERMS = """<ram:SpecifiedTradePaymentTerms><ram:Description>30 days</ram:Description>
    <ram:DueDateDateTime><udt:DateTimeString format="102">20250316</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradePaymentTerms><ram:Description>2% discount</ram:Description>
    <ram:DueDateDateTime><udt:DateTimeString format="102">20250224</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>"""

EUR_TAX_TOTAL = '<ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount>'


def cii(
    *,
    type_code: str = "380",
    number: str = "F-2025-001",
    issue: str = "20250214",
    currency: str = "EUR",
    terms: str = DUE_TERMS,
    tax_totals: str = EUR_TAX_TOTAL,
    tax_currency: str = "",
    line_one_quantity: str = "2",
    grand_total: str = "120.00",
    amount_due: str = "100.00",
    profile: str = "urn:cen.eu:en16931:2017",
) -> bytes:
    """A small EN 16931 CII invoice: 2 x 40 + 1 x 20 = 100 net, 20% VAT, 20 prepaid."""
    lines = CII_LINE.format(line_id=1, price="40.00", quantity=line_one_quantity, total="80.00")
    lines += CII_LINE.format(line_id=2, price="20.00", quantity="1", total="20.00")
    tax_currency_code = (
        f"<ram:TaxCurrencyCode>{tax_currency}</ram:TaxCurrencyCode>" if tax_currency else ""
    )
    xml = f"""{CII_HEAD}
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{profile}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>{number}</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">{issue}</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>{lines}
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty>
    <ram:Name>Acme SAS</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR 44 732829320</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty>
    <ram:ID>C042</ram:ID>
    <ram:GlobalID schemeID="0009">55208131766522</ram:GlobalID>
    <ram:GlobalID schemeID="0088">3012345678901</ram:GlobalID>
    <ram:Name>Client SARL</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:PaymentReference>PAY-F-2025-001</ram:PaymentReference>
   {tax_currency_code}
   <ram:InvoiceCurrencyCode>{currency}</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementPaymentMeans>
    <ram:TypeCode>58</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR76 3000 6000 0112 3456 7890 189</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
   </ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax>
    <ram:CalculatedAmount>20.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
    <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
   </ram:ApplicableTradeTax>
   {terms}
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    {tax_totals}
    <ram:GrandTotalAmount>{grand_total}</ram:GrandTotalAmount>
    <ram:TotalPrepaidAmount>20.00</ram:TotalPrepaidAmount>
    <ram:DuePayableAmount>{amount_due}</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""
    return xml.encode()


ZUGFERD1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
 <rsm:SpecifiedExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:SpecifiedExchangedDocumentContext>
 <rsm:HeaderExchangedDocument>
  <ram:ID>ZF1-9</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20140711</udt:DateTimeString></ram:IssueDateTime>
 </rsm:HeaderExchangedDocument>
 <rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kunde AG</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement>
   <ram:PaymentReference>ZF1-9</ram:PaymentReference>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:ApplicableTradeTax>
    <ram:CalculatedAmount currencyID="EUR">19.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount currencyID="EUR">100.00</ram:BasisAmount><ram:ApplicablePercent>19.00</ram:ApplicablePercent>
   </ram:ApplicableTradeTax>
   <ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:LineTotalAmount currencyID="EUR">100.00</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount currencyID="EUR">100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount currencyID="EUR">119.00</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">4</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
   <ram:SpecifiedSupplyChainTradeSettlement>
    <ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount currencyID="EUR">100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation>
   </ram:SpecifiedSupplyChainTradeSettlement>
   <ram:SpecifiedTradeProduct><ram:Name>Paper</ram:Name></ram:SpecifiedTradeProduct>
  </ram:IncludedSupplyChainTradeLineItem>
 </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""

UBL_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
EUR_TAX_TOTAL_UBL = """<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">25.00</cbc:TaxAmount>
  <cac:TaxSubtotal>
   <cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">25.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:TaxSubtotal>
 </cac:TaxTotal>"""
SEK_TAX_TOTAL_UBL = (
    '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">280.00</cbc:TaxAmount></cac:TaxTotal>'
)


def ubl(
    root: str = "Invoice",
    *,
    due: str = "<cbc:DueDate>2025-03-31</cbc:DueDate>",
    payment_due: str = "",
    tax_totals: str = EUR_TAX_TOTAL_UBL,
    tax_currency: str = "",
    type_code: str | None = None,
    payable: str = "125.00",
) -> bytes:
    """A small Peppol-style UBL document: 4 x 25 = 100 net, 25% VAT."""
    line = "InvoiceLine" if root == "Invoice" else "CreditNoteLine"
    quantity = "InvoicedQuantity" if root == "Invoice" else "CreditedQuantity"
    code = type_code or ("380" if root == "Invoice" else "381")
    tax_currency_code = (
        f"<cbc:TaxCurrencyCode>{tax_currency}</cbc:TaxCurrencyCode>" if tax_currency else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{UBL_NS[root]}"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
 <cbc:ID>UBL-7</cbc:ID>
 <cbc:IssueDate>2025-03-01</cbc:IssueDate>
 {due}
 <cbc:{root}TypeCode>{code}</cbc:{root}TypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 {tax_currency_code}
 <cac:AccountingSupplierParty><cac:Party>
  <cbc:EndpointID schemeID="0009">73282932000074</cbc:EndpointID>
  <cac:PartyName><cbc:Name>Acme</cbc:Name></cac:PartyName>
  <cac:PostalAddress><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>FR44732829320</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Acme SAS</cbc:RegistrationName><cbc:CompanyID schemeID="0002">732829320</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>
  <cac:PartyName><cbc:Name>Kund</cbc:Name></cac:PartyName>
  <cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyLegalEntity><cbc:RegistrationName>Kund AB</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:PaymentMeans>
  <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
  {payment_due}
  <cbc:PaymentID>RF18539007547034</cbc:PaymentID>
  <cac:PayeeFinancialAccount><cbc:ID>FR7630006000011234567890189</cbc:ID></cac:PayeeFinancialAccount>
 </cac:PaymentMeans>
 {tax_totals}
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">125.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">{payable}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:{line}>
  <cbc:ID>1</cbc:ID>
  <cbc:{quantity} unitCode="C62">4</cbc:{quantity}>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Widget</cbc:Name>
   <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
  </cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">25.00</cbc:PriceAmount></cac:Price>
 </cac:{line}>
</{root}>
"""
    return xml.encode()


CII_INVOICE = cii()
CII_CREDIT_NOTE = cii(type_code="381", number="AV-2025-003")
UBL_INVOICE = ubl()
UBL_CREDIT_NOTE = ubl(
    "CreditNote",
    due="",
    payment_due="<cbc:PaymentDueDate>2025-04-15</cbc:PaymentDueDate>",
)

# ---------------------------------------------------------------- contracts


class TestCiiParserContract(InvoiceParserContract):
    corpus_folders = ("facturx_cii",)
    parser = CiiParser()
    samples = [CII_INVOICE, CII_CREDIT_NOTE, ZUGFERD1]


class TestUblParserContract(InvoiceParserContract):
    corpus_folders = ("ubl",)
    parser = UblParser()
    samples = [UBL_INVOICE, UBL_CREDIT_NOTE]


def only(data: bytes, parser=None):
    result = (parser or CiiParser()).parse(data)
    assert len(result.invoices) == 1
    return result, result.invoices[0]


# ---------------------------------------------------------------- CII


def test_cii_invoice_fields():
    result, doc = only(CII_INVOICE)
    assert result.format == "cii"
    assert result.warnings == ()
    assert doc.number == "F-2025-001"
    assert doc.kind == "invoice" and doc.type_code == "380"
    assert doc.issue_date == date(2025, 2, 14)
    assert doc.due_date == date(2025, 3, 16)  # the first terms' date, not the discount date
    assert doc.currency == "EUR"
    assert doc.total_without_tax == Decimal("100.00")
    assert doc.tax_total == Decimal("20.00")
    assert doc.total_with_tax == Decimal("120.00")
    assert doc.prepaid == Decimal("20.00")
    assert doc.amount_due == Decimal("100.00")
    assert doc.taxes == (TaxAmount(Decimal("20.00"), Decimal("100.00"), Decimal("20.00"), "S"),)
    assert doc.payment_reference == "PAY-F-2025-001"
    assert doc.profile == "urn:cen.eu:en16931:2017"
    assert doc.line_count == 2
    assert doc.seller == Party(
        name="Acme SAS",
        siren="732829320",
        vat_id="FR44732829320",
        country="FR",
        iban="FR7630006000011234567890189",
    )
    assert doc.buyer == Party(
        name="Client SARL",
        siren="552081317",  # from the SIRET
        siret="55208131766522",
        other_ids=(("", "C042"), ("0088", "3012345678901")),
        country="FR",
    )


@pytest.mark.parametrize("code", ["381", "396", "261", "81"])
def test_cii_credit_note_codes(code):
    _, doc = only(cii(type_code=code))
    assert doc.kind == "credit_note" and doc.type_code == code
    assert doc.total_with_tax == Decimal("120.00")  # as printed, positive


@pytest.mark.parametrize("code", ["380", "384", "389", "386", "751"])
def test_cii_invoice_codes_including_corrections(code):
    _, doc = only(cii(type_code=code))
    assert doc.kind == "invoice"


def test_cii_missing_due_date_is_none():
    result, doc = only(cii(terms=""))
    assert doc.due_date is None
    assert result.warnings == ()


def test_cii_two_tax_total_amounts_take_the_invoice_currency():
    both = '<ram:TaxTotalAmount currencyID="SEK">229.40</ram:TaxTotalAmount>' + EUR_TAX_TOTAL
    result, doc = only(cii(tax_totals=both, tax_currency="SEK"))
    assert doc.tax_total == Decimal("20.00")
    assert result.warnings == ()


def test_cii_tax_total_only_in_tax_currency_is_none_with_warning():
    sek_only = '<ram:TaxTotalAmount currencyID="SEK">229.40</ram:TaxTotalAmount>'
    result, doc = only(cii(tax_totals=sek_only, tax_currency="SEK"))
    assert doc.tax_total is None
    assert any("no TaxTotalAmount in the invoice currency EUR" in w for w in result.warnings)


def test_zugferd1_structure():
    result, doc = only(ZUGFERD1)
    assert (doc.number, doc.issue_date, doc.currency) == ("ZF1-9", date(2014, 7, 11), "EUR")
    assert doc.profile == "urn:ferd:CrossIndustryDocument:invoice:1p0:basic"
    assert doc.total_with_tax == Decimal("119.00") and doc.tax_total == Decimal("19.00")
    # ZUGFeRD 1.0 BASIC has no DuePayableAmount: computed, and that is no defect.
    assert doc.amount_due == Decimal("119.00")
    assert doc.taxes == (TaxAmount(Decimal("19.00"), Decimal("100.00"), Decimal("19.00"), None),)
    assert doc.seller.vat_id == "DE123456789" and doc.seller.country == "DE"
    assert doc.buyer.name == "Kunde AG"
    assert doc.line_count == 1
    assert result.warnings == ()


def test_cii_arithmetic_defects_are_warnings():
    result, doc = only(cii(line_one_quantity="3", grand_total="121.00", amount_due="100.00"))
    assert doc.total_with_tax == Decimal("121.00")
    assert result.warnings == (
        "arithmetic: line 1 quantity 3 x net price 40.00 / basis 1 = 120.00 != line total 80.00",
        "arithmetic: tax basis 100.00 + tax 20.00 != grand total 121.00",
        "arithmetic: grand total 121.00 - prepaid 20.00 + rounding 0 != amount due 100.00",
    )


def test_cii_malformed_profile_urn_is_a_warning():
    bad = "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:extended"
    result, doc = only(cii(profile=bad))
    assert doc.profile == bad
    assert any("':' where '#' expected" in w for w in result.warnings)


def test_cii_decimal_comma_is_read():
    _, doc = only(cii(grand_total="120,00"))
    assert doc.total_with_tax == Decimal("120.00")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"number": ""}, ParseErrorCode.MISSING_FIELD),
        ({"issue": "20250231"}, ParseErrorCode.INVALID_DATE),
        ({"issue": "2025-02-14"}, ParseErrorCode.INVALID_DATE),
        ({"grand_total": "12O.00"}, ParseErrorCode.INVALID_AMOUNT),
        ({"grand_total": "1e3"}, ParseErrorCode.INVALID_AMOUNT),
        ({"grand_total": "NaN"}, ParseErrorCode.INVALID_AMOUNT),
        ({"grand_total": "9" * 40}, ParseErrorCode.INVALID_AMOUNT),
        ({"grand_total": ""}, ParseErrorCode.MISSING_FIELD),
        ({"currency": "EURO"}, ParseErrorCode.INVALID_CURRENCY),
        ({"currency": "XYZ"}, ParseErrorCode.INVALID_CURRENCY),
        ({"currency": ""}, ParseErrorCode.MISSING_FIELD),
    ],
)
def test_cii_bad_values_raise_coded_errors(kwargs, code):
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(cii(**kwargs))
    assert caught.value.code == code


def test_cii_unknown_namespace_is_unsupported_version():
    data = CII_INVOICE.replace(b"CrossIndustryInvoice:100", b"CrossIndustryInvoice:99")
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(data)
    assert caught.value.code == ParseErrorCode.UNSUPPORTED_VERSION


# ---------------------------------------------------------------- UBL


def test_ubl_invoice_fields():
    result, doc = only(UBL_INVOICE, UblParser())
    assert result.format == "ubl" and result.warnings == ()
    assert (doc.number, doc.kind, doc.type_code) == ("UBL-7", "invoice", "380")
    assert (doc.issue_date, doc.due_date) == (date(2025, 3, 1), date(2025, 3, 31))
    assert doc.currency == "EUR"
    assert doc.total_without_tax == Decimal("100.00")
    assert doc.tax_total == Decimal("25.00")
    assert doc.total_with_tax == Decimal("125.00")
    assert doc.prepaid == 0 and doc.amount_due == Decimal("125.00")
    assert doc.taxes == (TaxAmount(Decimal("25"), Decimal("100.00"), Decimal("25.00"), "S"),)
    assert doc.payment_reference == "RF18539007547034"
    assert (
        doc.profile == "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert doc.line_count == 1
    assert doc.seller == Party(
        name="Acme SAS",  # the registration name wins over the trading name
        siren="732829320",
        siret="73282932000074",
        vat_id="FR44732829320",
        country="FR",
        iban="FR7630006000011234567890189",
    )
    assert doc.buyer == Party(name="Kund AB", other_ids=(("0088", "7300010000001"),), country="SE")


def test_ubl_credit_note():
    result, doc = only(UBL_CREDIT_NOTE, UblParser())
    assert doc.kind == "credit_note" and doc.type_code == "381"
    assert doc.due_date == date(2025, 4, 15)  # PaymentMeans/PaymentDueDate
    assert doc.total_with_tax == Decimal("125.00")
    assert doc.line_count == 1
    assert result.warnings == ()


def test_ubl_credit_note_root_wins_over_type_code():
    _, doc = only(ubl("CreditNote", due="", type_code="380"), UblParser())
    assert doc.kind == "credit_note"


def test_ubl_invoice_with_credit_note_code():
    _, doc = only(ubl(type_code="381"), UblParser())
    assert doc.kind == "credit_note"


def test_ubl_missing_due_date_is_none():
    _, doc = only(ubl(due=""), UblParser())
    assert doc.due_date is None


@pytest.mark.parametrize("order", ["eur-first", "sek-first"])
def test_ubl_two_tax_totals_take_the_document_currency(order):
    tax_totals = (
        EUR_TAX_TOTAL_UBL + SEK_TAX_TOTAL_UBL
        if order == "eur-first"
        else SEK_TAX_TOTAL_UBL + EUR_TAX_TOTAL_UBL
    )
    result, doc = only(ubl(tax_totals=tax_totals, tax_currency="SEK"), UblParser())
    assert doc.tax_total == Decimal("25.00")
    assert len(doc.taxes) == 1 and doc.taxes[0].tax == Decimal("25.00")
    assert result.warnings == ()


def test_ubl_payable_mismatch_is_a_warning():
    result, doc = only(ubl(payable="99.00"), UblParser())
    assert doc.amount_due == Decimal("99.00")
    assert result.warnings == (
        "arithmetic: grand total 125.00 - prepaid 0 + rounding 0 != amount due 99.00",
    )


# ---------------------------------------------------------------- sniffing and routing


def test_sniffers_tell_the_syntaxes_apart():
    cii_parser, ubl_parser, pdf_parser = CiiParser(), UblParser(), FacturXParser()
    for data in (CII_INVOICE, ZUGFERD1):
        assert cii_parser.sniff(data) and not ubl_parser.sniff(data) and not pdf_parser.sniff(data)
    for data in (UBL_INVOICE, UBL_CREDIT_NOTE):
        assert ubl_parser.sniff(data) and not cii_parser.sniff(data)
    # Sniffing sees only the head: a truncated one still works.
    assert cii_parser.sniff(CII_INVOICE[:700])
    other_xml = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>'
    )
    assert not cii_parser.sniff(other_xml) and not ubl_parser.sniff(other_xml)
    assert pdf_parser.sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def test_wrong_syntax_for_the_parser_is_unknown_format():
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(UBL_INVOICE)
    assert caught.value.code == ParseErrorCode.UNKNOWN_FORMAT
    with pytest.raises(ParseError) as caught:
        UblParser().parse(CII_INVOICE)
    assert caught.value.code == ParseErrorCode.UNKNOWN_FORMAT


def test_plugin_registers_three_formats():
    host = PluginHost()
    host.register(arapi_einvoice, "einvoice")
    parsers = host.invoice_parsers()
    assert {"facturx", "cii", "ubl"} <= set(parsers)
    assert host.pick(parsers, CII_INVOICE, None).format == "cii"
    assert host.pick(parsers, UBL_CREDIT_NOTE, None).format == "ubl"


# ---------------------------------------------------------------- hostile XML


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>"""


@pytest.mark.parametrize("parser", [CiiParser(), UblParser()])
@pytest.mark.parametrize("prolog", [XXE, LAUGHS])
def test_dtd_and_entities_are_refused(parser, prolog):
    base = CII_INVOICE if parser.format == "cii" else UBL_INVOICE
    body = base.split(b"?>", 1)[1].replace(b"UBL-7", b"&xxe;").replace(b"F-2025-001", b"&b;")
    with pytest.raises(ParseError) as caught:
        parser.parse(prolog + body)
    assert caught.value.code == ParseErrorCode.FORBIDDEN_XML
    assert parser.sniff(prolog + body) is False


def test_utf16_encoded_xxe_is_refused():
    data = (XXE.decode() + CII_INVOICE.decode().split("?>", 1)[1]).replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    )
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(data.encode("utf-16"))
    assert caught.value.code == ParseErrorCode.FORBIDDEN_XML


def test_deep_nesting_is_refused():
    deep = CII_INVOICE.replace(
        b"<ram:ApplicableHeaderTradeDelivery/>", b"<a>" * 100 + b"</a>" * 100
    )
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(deep)
    assert caught.value.code == ParseErrorCode.TOO_DEEP


def test_oversized_xml_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_XML_BYTES", 1000)
    from arapi_einvoice import parsers

    monkeypatch.setattr(parsers, "MAX_XML_BYTES", 1000)
    with pytest.raises(ParseError) as caught:
        CiiParser().parse(CII_INVOICE)
    assert caught.value.code == ParseErrorCode.TOO_LARGE


def test_the_invoice_a_credit_note_corrects_bt25():
    cii_note = CII_CREDIT_NOTE.replace(
        b"</ram:ApplicableHeaderTradeSettlement>",
        b"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID> F-2025-001 </ram:IssuerAssignedID>"
        b"</ram:InvoiceReferencedDocument></ram:ApplicableHeaderTradeSettlement>",
    )
    assert only(cii_note)[1].corrects == "F-2025-001"
    ubl_note = UBL_CREDIT_NOTE.replace(
        b"<cac:AccountingSupplierParty>",
        b"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>INV-7</cbc:ID>"
        b"</cac:InvoiceDocumentReference></cac:BillingReference><cac:AccountingSupplierParty>",
    )
    assert only(ubl_note, UblParser())[1].corrects == "INV-7"
    assert only(CII_CREDIT_NOTE)[1].corrects is None
    assert only(UBL_CREDIT_NOTE, UblParser())[1].corrects is None
