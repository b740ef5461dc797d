"""arapi's parser contract, run on small hand-written CSV files."""

from __future__ import annotations

from arapi_csv import CsvInvoiceParser

from arapi.testing.contracts import InvoiceParserContract

ENGLISH = (
    b"number,issue_date,due_date,currency,total_with_tax,customer_name,amount_due\r\n"
    b'INV-001,2024-03-01,2024-03-31,EUR,"1,234.56",ACME Ltd,234.56\r\n'
    b"INV-002,2024-03-02,2024-04-01,USD,99.90,Globex,\r\n"
)
FRENCH_CP1252 = (
    "Numéro;Date facture;Échéance;Devise;Montant TTC;Client;SIREN;Type\n"
    "F2024-17;15/01/2024;14/02/2024;EUR;1 234,56;Société Générale;552 120 222;facture\n"
    "AV2024-02;20/01/2024;20/01/2024;EUR;-120,00;Société Générale;552120222;\n"
).encode("cp1252")
TAB_WITH_BOM = (
    "\ufeffnumber\tissue_date\tdue_date\tcurrency\ttotal_with_tax\tcustomer_name\tkind\n"
    "CN-9\t2024-05-05\t2024-06-05\tGBP\t10.00\tInitech\tcredit_note\n"
).encode()
PIPE = b"numero|date|echeance|devise|ttc|client\nA1|01.02.2024|02.03.2024|CHF|1'000.05|Hooli AG\n"


class TestCsvInvoiceParserContract(InvoiceParserContract):
    parser = CsvInvoiceParser()
    samples = [ENGLISH, FRENCH_CP1252, TAB_WITH_BOM, PIPE]
