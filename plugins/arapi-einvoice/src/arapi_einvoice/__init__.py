"""arapi e-invoice parsers: Factur-X/ZUGFeRD PDF, UN/CEFACT CII XML and UBL 2.1 XML."""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi_einvoice.parsers import CiiParser, FacturXParser, UblParser

__all__ = ["CiiParser", "FacturXParser", "UblParser", "arapi_invoice_parsers"]


@hookimpl
def arapi_invoice_parsers():
    return [FacturXParser(), CiiParser(), UblParser()]
