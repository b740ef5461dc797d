"""The three InvoiceParser providers: facturx (PDF), cii and ubl (XML)."""

from __future__ import annotations

from dataclasses import replace

from arapi.plugin import safexml
from arapi.plugin.types import InvoiceFile, ParseError, ParseErrorCode
from arapi_einvoice import cii, sniffing, ubl
from arapi_einvoice.document import finish
from arapi_einvoice.pdf import MAX_XML_BYTES, embedded_invoice_xml


def _check_size(data: bytes) -> None:
    if len(data) > MAX_XML_BYTES:
        raise ParseError(ParseErrorCode.TOO_LARGE, f"XML larger than {MAX_XML_BYTES} bytes")


def _read_xml(data: bytes, fmt: str, *, accept: tuple[str, ...]) -> InvoiceFile:
    """Parse invoice XML whose syntax is one of ``accept`` ("cii", "ubl")."""
    _check_size(data)
    root = safexml.parse(data)
    if "cii" in accept and cii.is_cii(root):
        draft = cii.read_cii(root)
    elif "ubl" in accept and ubl.is_ubl(root):
        draft = ubl.read_ubl(root)
    else:
        wanted = " or ".join(s.upper() for s in accept)
        raise ParseError(
            ParseErrorCode.UNKNOWN_FORMAT,
            f"root <{safexml.localname(root)}> in namespace {safexml.namespace(root)!r} "
            f"is not a {wanted} invoice",
        )
    document = finish(draft)
    return InvoiceFile(format=fmt, invoices=(document,), warnings=tuple(draft.warnings))


class CiiParser:
    """UN/CEFACT CII XML: Factur-X, ZUGFeRD 1.0 and 2.x, XRechnung CII."""

    format = "cii"
    label = "UN/CEFACT Cross Industry Invoice XML (Factur-X, ZUGFeRD, XRechnung)"

    def sniff(self, head: bytes) -> bool:
        return sniffing.is_cii(head)

    def parse(self, data: bytes) -> InvoiceFile:
        return _read_xml(data, self.format, accept=("cii",))


class UblParser:
    """OASIS UBL 2.1 Invoice and CreditNote XML (Peppol BIS 3, XRechnung UBL, CTC FR)."""

    format = "ubl"
    label = "UBL 2.1 Invoice / CreditNote XML (Peppol BIS 3, XRechnung)"

    def sniff(self, head: bytes) -> bool:
        return sniffing.is_ubl(head)

    def parse(self, data: bytes) -> InvoiceFile:
        return _read_xml(data, self.format, accept=("ubl",))


class FacturXParser:
    """A PDF carrying invoice XML: Factur-X, ZUGFeRD 1.0/2.x, XRechnung in PDF.

    arapi has no other PDF invoice reader, so every PDF is claimed; one
    without invoice XML fails with ``NO_CONTENT``.
    """

    format = "facturx"
    label = "Factur-X / ZUGFeRD PDF with embedded invoice XML"

    def sniff(self, head: bytes) -> bool:
        return sniffing.is_pdf(head)

    def parse(self, data: bytes) -> InvoiceFile:
        name, xml, found_warnings = embedded_invoice_xml(data)
        try:
            result = _read_xml(xml, self.format, accept=("cii", "ubl"))
        except ParseError as exc:
            raise ParseError(exc.code, f"embedded {name}: {exc.message}") from None
        if found_warnings:
            result = replace(result, warnings=(*found_warnings, *result.warnings))
        return result
