"""arapi's parser contract, run on small hand-written FEC files."""

from __future__ import annotations

from arapi_fec import FecInvoiceParser

from arapi.testing.contracts import InvoiceParserContract

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
PIPE = (
    HEADER + "\r\n"
    "VE|Ventes|1|20240105|41100000|Clients|C001|Dupont SA|F2024-1|20240105|Facture|120,00|0,00|AA|20240201|20240105||\r\n"
    "VE|Ventes|1|20240105|70600000|Prestations|||F2024-1|20240105|Facture|0,00|100,00|||20240105||\r\n"
    "VE|Ventes|1|20240105|44571000|TVA collectée|||F2024-1|20240105|Facture|0,00|20,00|||20240105||\r\n"
    "VE|Ventes|2|20240110|41100000|Clients|C002|Société Générale|F2024-2|20240110|Facture|60,00|0,00|||20240110||\r\n"
    "VE|Ventes|2|20240110|70600000|Prestations|||F2024-2|20240110|Facture|0,00|60,00|||20240110||\r\n"
    "BQ|Banque|3|20240201|51200000|Banque|||REL01|20240201|Virement Dupont|120,00|0,00|||20240201||\r\n"
    "BQ|Banque|3|20240201|41100000|Clients|C001|Dupont SA|REL01|20240201|Virement Dupont|0,00|120,00|AA|20240201|20240201||\r\n"
).encode("utf-8")
TAB_LATIN9 = PIPE.decode().replace("|", "\t").encode("iso-8859-15")
PADDED_WITH_TRAILING_SEPARATOR = (
    HEADER + "|\n"
    "AN  |A nouveaux|00000001|20240101|41100000|CLIENTS     |C9      |ACME       |sans    |20240101|REPORT   |0000000074,71|0000000000,00|  |        |20240101|||\n"
    "AN  |A nouveaux|00000001|20240101|11000000|REPORT      |        |           |sans    |20240101|REPORT   |0000000000,00|0000000074,71|  |        |20240101|||\n"
).encode("ascii")


class TestFecInvoiceParserContract(InvoiceParserContract):
    corpus_folders = ("fec",)
    parser = FecInvoiceParser()
    samples = [PIPE, TAB_LATIN9, PADDED_WITH_TRAILING_SEPARATOR]
