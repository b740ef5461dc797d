"""arapi-csv: invoice lists exported as CSV (English or French headers) for arapi."""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi.plugin.types import InvoiceFile
from arapi_csv import parser


class CsvInvoiceParser:
    """One row per invoice or credit note; README.md documents the columns."""

    format = parser.FORMAT
    label = "CSV invoice list"

    def sniff(self, head: bytes) -> bool:
        return parser.sniff(head)

    def parse(self, data: bytes) -> InvoiceFile:
        return parser.parse(data)


@hookimpl
def arapi_invoice_parsers() -> list[CsvInvoiceParser]:
    return [CsvInvoiceParser()]
