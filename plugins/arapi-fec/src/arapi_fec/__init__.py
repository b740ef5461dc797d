"""arapi-fec: open customer receivables from a French FEC (Fichier des Écritures Comptables)."""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi.plugin.types import InvoiceFile
from arapi_fec import parser


class FecInvoiceParser:
    """Reads a FEC and returns the customers' open invoices and credits (README.md has the rules)."""

    format = parser.FORMAT
    label = "FEC (Fichier des Écritures Comptables)"

    def sniff(self, head: bytes) -> bool:
        return parser.sniff(head)

    def parse(self, data: bytes) -> InvoiceFile:
        return parser.parse(data)


@hookimpl
def arapi_invoice_parsers() -> list[FecInvoiceParser]:
    return [FecInvoiceParser()]
