"""Factur-X / ZUGFeRD PDFs: contract, attachment choice, and hostile PDFs."""

from __future__ import annotations

import io
import zlib
from datetime import date
from decimal import Decimal

import pytest
from arapi_einvoice import FacturXParser
from arapi_einvoice import pdf as pdf_module
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, NameObject

from arapi.plugin.types import ParseError, ParseErrorCode
from arapi.testing.contracts import InvoiceParserContract

MINIMUM_CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>NUMBER</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20250301</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Acme SAS</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Client SARL</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>120.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount>120.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""

SMALL_UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
 <cbc:ID>XR-1</cbc:ID><cbc:IssueDate>2025-03-02</cbc:IssueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Lieferant GmbH</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Kunde AG</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
</Invoice>
"""


def cii_xml(number: str = "FX-1") -> bytes:
    return MINIMUM_CII.replace("NUMBER", number).encode()


def pypdf_pdf(*attachments: tuple[str, bytes]) -> bytes:
    """A one-page PDF carrying ``attachments`` in its EmbeddedFiles name tree (pypdf writer)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, content in attachments:
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def handmade_pdf(
    content: bytes,
    *,
    name: str = "factur-x.xml",
    flate: bool = False,
    declared_size: int | None = None,
) -> bytes:
    """A PDF written byte by byte, with a Factur-X style file spec (EmbeddedFiles + /AF)."""
    stream = zlib.compress(content) if flate else content
    params = f" /Params << /Size {declared_size if declared_size is not None else len(content)} >>"
    filters = " /Filter /FlateDecode" if flate else ""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [({name}) 4 0 R] >> >>"
        " /AF [4 0 R] >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        f"<< /Type /Filespec /F ({name}) /UF ({name}) /AFRelationship /Data /EF << /F 5 0 R >> >>".encode(),
        f"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length {len(stream)}{filters}{params} >>\nstream\n".encode()
        + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


FACTURX_PDF = pypdf_pdf(("factur-x.xml", cii_xml()))
HANDMADE_PDF = handmade_pdf(cii_xml("FX-HAND"), flate=True)
UBL_PDF = pypdf_pdf(
    ("delivery-note.pdf", b"%PDF-1.4 not really"), ("xrechnung.xml", SMALL_UBL.encode())
)


class TestFacturXParserContract(InvoiceParserContract):
    corpus_folders = ("facturx_pdf",)
    parser = FacturXParser()
    samples = [FACTURX_PDF, HANDMADE_PDF, UBL_PDF]


def parse(data: bytes):
    result = FacturXParser().parse(data)
    assert result.format == "facturx"
    assert len(result.invoices) == 1
    return result, result.invoices[0]


def error_of(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        FacturXParser().parse(data)
    return caught.value


def test_embedded_cii_is_read():
    result, doc = parse(FACTURX_PDF)
    assert (doc.number, doc.kind, doc.issue_date) == ("FX-1", "invoice", date(2025, 3, 1))
    assert doc.total_with_tax == Decimal("120.00") and doc.amount_due == Decimal("120.00")
    assert doc.seller.name == "Acme SAS" and doc.seller.siren == "732829320"
    assert doc.profile == "urn:factur-x.eu:1p0:minimum"
    assert result.warnings == ()


def test_flate_compressed_attachment_in_a_handmade_pdf():
    _, doc = parse(HANDMADE_PDF)
    assert doc.number == "FX-HAND"


def test_embedded_ubl_under_the_xrechnung_name():
    _, doc = parse(UBL_PDF)
    assert (doc.number, doc.total_with_tax, doc.tax_total) == (
        "XR-1",
        Decimal("119.00"),
        Decimal("19.00"),
    )


def test_known_attachment_name_wins_over_other_xml():
    data = pypdf_pdf(("annex.xml", cii_xml("ANNEX")), ("ZUGFeRD-invoice.xml", cii_xml("ZF")))
    assert parse(data)[1].number == "ZF"


def test_unknown_xml_name_is_still_found():
    data = pypdf_pdf(("notes.txt", b"hello"), ("invoice-2025.xml", cii_xml("ANY")))
    assert parse(data)[1].number == "ANY"


def test_invoice_named_only_in_the_associated_files_is_read_with_a_warning():
    """A name tree lost (or pointing elsewhere) while the catalog's /AF still names the XML."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factur-x.xml", cii_xml("FX-AF"))
    root = writer.root_object
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    root[NameObject("/AF")] = ArrayObject([names[1]])  # the file specification
    del root["/Names"]
    out = io.BytesIO()
    writer.write(out)
    result, doc = parse(out.getvalue())
    assert doc.number == "FX-AF"
    assert result.warnings == (
        "the PDF's /EmbeddedFiles name tree does not list 'factur-x.xml': "
        "read from the catalog's associated files (/AF)",
    )


def test_tiny_or_truncated_pdf_is_malformed():
    assert error_of(b"%PDF-1.4\n%%EOF").code == ParseErrorCode.MALFORMED
    assert error_of(b"%PDF-1.").code == ParseErrorCode.MALFORMED
    assert error_of(b"not a pdf at all").code == ParseErrorCode.MALFORMED


def test_plain_pdf_has_no_content():
    error = error_of(pypdf_pdf())
    assert error.code == ParseErrorCode.NO_CONTENT
    assert "without an embedded Factur-X/ZUGFeRD/XRechnung invoice XML" in error.message


def test_pdf_with_only_other_attachments_has_no_content():
    order = b'<?xml version="1.0"?><rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:x"/>'
    error = error_of(pypdf_pdf(("notes.txt", b"hello"), ("order-x.xml", order)))
    assert error.code == ParseErrorCode.NO_CONTENT
    assert "'notes.txt'" in error.message and "'order-x.xml'" in error.message


def test_embedded_xml_with_entities_is_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    error = error_of(pypdf_pdf(("factur-x.xml", xxe)))
    assert error.code == ParseErrorCode.FORBIDDEN_XML
    assert "embedded factur-x.xml" in error.message


def test_broken_embedded_xml_is_malformed():
    error = error_of(pypdf_pdf(("factur-x.xml", cii_xml()[:300])))
    assert error.code == ParseErrorCode.MALFORMED


def test_embedded_file_over_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_XML_BYTES", 500)
    assert error_of(FACTURX_PDF).code == ParseErrorCode.TOO_LARGE


def test_declared_size_over_the_cap_is_refused_before_decoding():
    data = handmade_pdf(cii_xml(), declared_size=10**12)
    assert error_of(data).code == ParseErrorCode.TOO_LARGE


def test_compressed_bomb_is_refused():
    bomb = b"<r>" + b" " * (pdf_module.MAX_XML_BYTES + 1) + b"</r>"
    data = handmade_pdf(bomb, flate=True, declared_size=100)  # the declared size lies
    assert len(data) < 100_000
    assert error_of(data).code == ParseErrorCode.TOO_LARGE


def test_oversized_pdf_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_PDF_BYTES", 1000)
    assert error_of(FACTURX_PDF).code == ParseErrorCode.TOO_LARGE


def test_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=io.BytesIO(FACTURX_PDF))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert error_of(out.getvalue()).code == ParseErrorCode.MALFORMED


def test_sniff_claims_pdf_only():
    parser = FacturXParser()
    assert parser.sniff(FACTURX_PDF[:65536])
    assert not parser.sniff(cii_xml())
    assert not parser.sniff(b"")


def test_oversized_annex_is_skipped_not_fatal(monkeypatch):
    invoice = cii_xml("AFTER-ANNEX")
    monkeypatch.setattr(pdf_module, "MAX_XML_BYTES", len(invoice) + 10)
    data = pypdf_pdf(
        ("annex.xml", b"<a>" + b" " * len(invoice) * 2 + b"</a>"), ("invoice.xml", invoice)
    )
    assert parse(data)[1].number == "AFTER-ANNEX"


def flate_attachments_pdf(*attachments: tuple[str, bytes]) -> bytes:
    """A PDF whose attachments are Flate streams that declare no size (decoded to be measured)."""
    objects = {1: b"", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
    names = []
    for name, content in attachments:
        spec, stream = len(objects) + 1, len(objects) + 2
        packed = zlib.compress(content)
        objects[stream] = (
            b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
            + packed
            + b"\nendstream"
        )
        objects[spec] = b"<< /Type /Filespec /F (%s) /EF << /F %d 0 R >> >>" % (
            name.encode(),
            stream,
        )
        names.append(b"(%s) %d 0 R" % (name.encode(), spec))
    objects[1] = (
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names ["
        + b" ".join(names)
        + b"] >> >> >>"
    )
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number in sorted(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_many_attachments_over_the_cap_are_refused_as_a_whole(monkeypatch):
    """pypdf keeps each decoded stream: 200 annexes just over the cap held gigabytes."""
    monkeypatch.setattr(pdf_module, "MAX_XML_BYTES", 5000)
    monkeypatch.setattr(pdf_module, "MAX_DECODED_BYTES", 20_000)
    annex = b"<r>" + b" " * 6000 + b"</r>"  # too large once decoded, skipped as not the invoice
    one = flate_attachments_pdf(("annex.xml", annex), ("invoice.xml", cii_xml()))
    assert parse(one)[1].number == "FX-1"
    data = flate_attachments_pdf(
        *[(f"annex{n}.xml", annex) for n in range(10)], ("invoice.xml", cii_xml())
    )
    error = error_of(data)
    assert error.code == ParseErrorCode.ZIP_BOMB
    assert error.message == "the PDF's XML attachments decompress to more than 20000 bytes"
    monkeypatch.setattr(pdf_module, "MAX_DECODED_BYTES", 10**6)  # within the budget: found
    assert parse(data)[1].number == "FX-1"
