"""The FEC line reader: layout quirks, encodings, and bad lines named by line and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arapi_fec import FecInvoiceParser
from arapi_fec.reader import COLUMNS, parse_amount, read_fec

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode

HEADER = "|".join(COLUMNS)
SALE = (
    "VE|Ventes|1|20240105|41100000|Clients|C1|Dupont|F1|20240104|Facture|120,00|0,00|||20240105||"
)
SALE_CREDIT = "VE|Ventes|1|20240105|70600000|Ventes|||F1|20240104|Facture|0,00|120,00|||20240105||"


def fec(*lines: str, header: str = HEADER, sep: str = "|", end: str = "\n") -> bytes:
    return end.join([header, *lines]).replace("|", sep).encode() + end.encode()


def refused(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        read_fec(data)
    return caught.value


def with_field(line: str, column: str, value: str) -> str:
    cells = line.split("|")
    cells[COLUMNS.index(column)] = value
    return "|".join(cells)


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("sep", ["|", "\t"])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_pipe_or_tab_and_any_line_end(sep, end):
    ledger = read_fec(fec(SALE, SALE_CREDIT, sep=sep, end=end))
    assert ledger.separator == sep
    first = ledger.lines[0]
    assert (first.line, first.journal_code, first.ecriture_num, first.compte_num) == (
        2,
        "VE",
        "1",
        "41100000",
    )
    assert (first.debit, first.credit, first.signed) == (
        Decimal("120.00"),
        Decimal(0),
        Decimal("120.00"),
    )
    assert first.ecriture_date == date(2024, 1, 5) and first.piece_date == date(2024, 1, 4)
    assert ledger.debit_total == ledger.credit_total == Decimal("120.00")
    assert ledger.entry_count == 1 and ledger.lines_per_journal == {"VE": 2}


def test_padding_zero_padded_amounts_and_trailing_separator():
    padded = "VE  |Ventes    |00000001|20240105|41100000|Clients  |C1      |Dupont     |F1      |20240104|Facture  |0000000069,60|0000000000,00|  |        |20240105|||"
    ledger = read_fec(fec(padded, header=HEADER + "|"))
    line = ledger.lines[0]
    assert (line.journal_code, line.ecriture_num, line.comp_aux_lib, line.ecriture_let) == (
        "VE",
        "00000001",
        "Dupont",
        "",
    )
    assert line.debit == Decimal("69.60")
    assert ledger.columns == COLUMNS


def test_column_names_in_any_case_and_extra_columns():
    header = (
        HEADER.replace("Montantdevise", "MontantDevise").replace("EcritureLib", "ECRITURELIB")
        + "|DateRglt|ModeRglt|NatOp|IdClient"
    )
    ledger = read_fec(fec(SALE + "|20240301|VIR||C1", header=header))
    assert ledger.lines[0].ecriture_lib == "Facture"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120,5", "120.5"),
        ("120.50", "120.50"),
        ("-3,00", "-3.00"),
        ("0000000000,00", "0.00"),
        ("7", "7"),
    ],
)
def test_amount_forms(text, value):
    assert str(parse_amount(text)) == value


def test_montant_and_sens_replace_debit_and_credit():
    header = HEADER.replace("Debit|Credit", "Montant|Sens")
    lines = [
        SALE.replace("120,00|0,00", "120,00|D"),
        SALE_CREDIT.replace("0,00|120,00", "120,00|C"),
    ]
    ledger = read_fec(fec(*lines, header=header))
    assert [(line.debit, line.credit) for line in ledger.lines] == [
        (Decimal("120.00"), 0),
        (0, Decimal("120.00")),
    ]
    error = refused(fec(SALE.replace("120,00|0,00", "120,00|X"), header=header))
    assert error.code == ParseErrorCode.MALFORMED and "Sens" in str(error)


def test_montant_and_sens_are_read_when_only_one_of_debit_and_credit_is_there():
    """A stray Debit column beside Montant + Sens: the pair that is complete is read."""
    header = HEADER.replace("Debit|Credit", "Debit|Montant") + "|Sens"
    line = SALE.replace("120,00|0,00", "0,00|120,00") + "|D"
    ledger = read_fec(fec(line, header=header))
    assert [(line.debit, line.credit) for line in ledger.lines] == [(Decimal("120.00"), 0)]


def test_foreign_currency_columns():
    line = with_field(with_field(SALE, "Montantdevise", "130,00"), "Idevise", "usd")
    read = read_fec(fec(line)).lines[0]
    assert (read.montant_devise, read.idevise) == (Decimal("130.00"), "USD")


# ---------------------------------------------------------------- encodings


def test_utf8_with_bom():
    data = b"\xef\xbb\xbf" + fec(SALE.replace("Dupont", "Société Générale"))
    ledger = read_fec(data)
    assert ledger.encoding == "utf-8-sig" and ledger.lines[0].comp_aux_lib == "Société Générale"


def test_cp1252_when_bytes_0x80_to_0x9f_are_present():
    data = fec(SALE.replace("Dupont", "Cœur & Œuvre")).decode().encode("cp1252")
    ledger = read_fec(data)
    assert ledger.encoding == "cp1252" and ledger.lines[0].comp_aux_lib == "Cœur & Œuvre"


def test_iso_8859_15_otherwise():
    data = fec(SALE.replace("Dupont", "Crème brûlée €")).decode().encode("iso-8859-15")
    ledger = read_fec(data)
    assert ledger.encoding == "iso-8859-15" and ledger.lines[0].comp_aux_lib == "Crème brûlée €"


# ---------------------------------------------------------------- bad lines


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("Debit", "12,3,4", ParseErrorCode.INVALID_AMOUNT),
        ("Credit", "1 000,00", ParseErrorCode.INVALID_AMOUNT),
        ("Debit", "9999999999999999,00", ParseErrorCode.INVALID_AMOUNT),
        ("Debit", "١٢٠,٠٠", ParseErrorCode.INVALID_AMOUNT),  # not ASCII digits
        ("EcritureDate", "2024-01-05", ParseErrorCode.INVALID_DATE),
        ("EcritureDate", "٢٠٢٤٠١٠٥", ParseErrorCode.INVALID_DATE),
        ("EcritureDate", "20240230", ParseErrorCode.INVALID_DATE),
        ("EcritureDate", "", ParseErrorCode.MISSING_FIELD),
        ("PieceDate", "05/01/2024", ParseErrorCode.INVALID_DATE),
        ("JournalCode", "  ", ParseErrorCode.MISSING_FIELD),
        ("CompteNum", "", ParseErrorCode.MISSING_FIELD),
        ("Idevise", "EURO", ParseErrorCode.INVALID_CURRENCY),
        ("CompAuxLib", "bad\x00name", ParseErrorCode.MALFORMED),
    ],
)
def test_bad_field_names_line_and_column(column, value, code):
    error = refused(fec(SALE, SALE_CREDIT, "", with_field(SALE, column, value)))
    assert error.code == code
    assert error.line == 5  # header, two good lines, a blank line, then the bad one
    assert str(error).startswith(f"line 5: column {column}:")


def test_wrong_number_of_fields():
    assert refused(fec(SALE.rsplit("|", 2)[0])).code == ParseErrorCode.MALFORMED
    error = refused(fec(SALE + "|extra"))
    assert error.code == ParseErrorCode.MALFORMED and error.line == 2


def test_not_a_fec_header():
    assert refused(b"number;issue_date\n1;2\n").code == ParseErrorCode.UNKNOWN_FORMAT
    assert (
        refused(fec(SALE, header=HEADER.replace("CompteNum", "Account"))).code
        == ParseErrorCode.UNKNOWN_FORMAT
    )


def test_utf8_bom_that_lies():
    data = b"\xef\xbb\xbf" + fec(SALE).replace(
        b"Dupont", b"D\xe9"
    )  # a Latin-1 byte after a UTF-8 BOM
    assert refused(data).code == ParseErrorCode.ENCODING


# ---------------------------------------------------------------- sniff and registration


def test_sniff():
    parser = FecInvoiceParser()
    assert parser.sniff(fec(SALE))
    assert parser.sniff(fec(SALE, sep="\t"))
    assert parser.sniff(b"\xef\xbb\xbf" + fec(SALE))
    assert not parser.sniff(b"number;issue_date;due_date;currency;total_with_tax;customer_name\n")
    assert not parser.sniff(HEADER.replace("|", ";").encode())


def test_registered_and_picked_by_content():
    host = PluginHost.from_entry_points()
    parsers = host.invoice_parsers()
    assert isinstance(parsers["fec"], FecInvoiceParser)
    assert parsers["fec"].label == "FEC (Fichier des Écritures Comptables)"
    assert host.pick(parsers, fec(SALE, SALE_CREDIT), None) is parsers["fec"]
