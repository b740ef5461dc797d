"""Format quirks of CSV invoice lists: separators, encodings, French headers, bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arapi_csv import CsvInvoiceParser

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode

PARSER = CsvInvoiceParser()
HEADER = ["number", "issue_date", "due_date", "currency", "total_with_tax", "customer_name"]


def csv_bytes(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8") -> bytes:
    return "\n".join(sep.join(row) for row in rows).encode(encoding) + b"\n"


def parse_one(rows: list[list[str]], sep: str = ";", encoding: str = "utf-8"):
    result = PARSER.parse(csv_bytes(rows, sep, encoding))
    assert len(result.invoices) == 1
    return result.invoices[0]


def refused(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        PARSER.parse(data)
    return caught.value


# ---------------------------------------------------------------- separators and encodings


@pytest.mark.parametrize("sep", [",", ";", "|", "\t"])
def test_every_separator_reads_the_same_invoice(sep):
    invoice = parse_one(
        [HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "100.50", "Dupont"]], sep
    )
    assert (invoice.number, invoice.total_with_tax, invoice.buyer.name) == (
        "F-1",
        Decimal("100.50"),
        "Dupont",
    )
    assert invoice.issue_date == date(2024, 1, 15) and invoice.due_date == date(2024, 2, 14)


def test_separator_inside_quotes_does_not_split():
    data = b'number,issue_date,due_date,currency,total_with_tax,customer_name\nF-1,2024-01-15,2024-02-14,EUR,"1,000.00","Dupont, Durand & fils"\n'
    invoice = PARSER.parse(data).invoices[0]
    assert invoice.buyer.name == "Dupont, Durand & fils"
    assert invoice.total_with_tax == Decimal("1000.00")


def test_excel_sep_line_is_honoured():
    data = b"sep=;\r\n" + csv_bytes(
        [HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "12,5", "A, B"]], ";"
    )
    assert PARSER.sniff(data)
    assert PARSER.parse(data).invoices[0].total_with_tax == Decimal("12.5")


def test_cp1252_accents_survive():
    invoice = parse_one(
        [
            HEADER,
            ["F-1", "2024-01-15", "2024-02-14", "EUR", "10,00", "Société Générale — Côte d’Azur"],
        ],
        encoding="cp1252",
    )
    assert invoice.buyer.name == "Société Générale — Côte d’Azur"


def test_utf8_bom_does_not_hide_the_first_column():
    data = b"\xef\xbb\xbf" + csv_bytes(
        [HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "Ärger GmbH"]]
    )
    assert PARSER.sniff(data)
    invoice = PARSER.parse(data).invoices[0]
    assert (invoice.number, invoice.buyer.name) == ("F-1", "Ärger GmbH")


def test_excel_unicode_text_utf16_tab():
    data = (
        "\ufeff"
        + "\t".join(HEADER)
        + "\r\nF-1\t2024-01-15\t2024-02-14\tEUR\t1\tŁódź sp. z o.o.\r\n"
    )
    blob = data.encode("utf-16-le")
    assert PARSER.sniff(blob)
    assert PARSER.parse(blob).invoices[0].buyer.name == "Łódź sp. z o.o."


def test_undecodable_bytes_are_an_encoding_error():
    data = (
        csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x"]]) + b"\x81\x8d\x9d"
    )
    assert refused(data).code == ParseErrorCode.ENCODING


def test_bom_that_lies_is_an_encoding_error():
    data = b"\xef\xbb\xbf" + csv_bytes(
        [HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "Soci\xe9t\xe9"]],
        encoding="latin-1",
    )
    assert refused(data).code == ParseErrorCode.ENCODING


def test_cr_only_line_ends():
    data = csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x"]]).replace(
        b"\n", b"\r"
    )
    assert PARSER.parse(data).invoices[0].number == "F-1"


# ---------------------------------------------------------------- headers


def test_french_headers_any_case_accents_and_spacing():
    header = [
        "NUMÉRO",
        "date_facture",
        "Date d'échéance",
        "DEVISE",
        "Montant  TTC",
        "client",
        "Siren",
        "montant_ht",
        "TVA",
        "Reste à payer",
        "Code client",
        "N° TVA",
        "Pays",
        "Référence de paiement",
    ]
    row = [
        "F-7",
        "31/01/2024",
        "01/03/2024",
        "EUR",
        "1 200,00",
        "Durand SARL",
        "732 829 320",
        "1 000,00",
        "200,00",
        "200,00",
        "C042",
        "FR 44 732829320",
        "fr",
        "RF18539007547034",
    ]
    invoice = parse_one([header, row])
    assert invoice.number == "F-7"
    assert invoice.issue_date == date(2024, 1, 31) and invoice.due_date == date(2024, 3, 1)
    assert (
        invoice.total_without_tax,
        invoice.tax_total,
        invoice.total_with_tax,
        invoice.amount_due,
    ) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("1200.00"),
        Decimal("200.00"),
    )
    buyer = invoice.buyer
    assert (buyer.name, buyer.siren, buyer.vat_id, buyer.country) == (
        "Durand SARL",
        "732829320",
        "FR44732829320",
        "FR",
    )
    assert buyer.other_ids == (("customer_ref", "C042"),)
    assert invoice.payment_reference == "RF18539007547034"


def test_short_french_aliases():
    header = ["numero", "date_facture", "echeance", "devise", "montant_ttc", "client"]
    invoice = parse_one([header, ["1", "2024-01-01", "2024-01-31", "EUR", "5", "X"]])
    assert invoice.number == "1"


def test_missing_required_column_is_named():
    error = refused(csv_bytes([HEADER[:-1], ["F-1", "2024-01-15", "2024-02-14", "EUR", "1"]]))
    assert error.code == ParseErrorCode.MISSING_FIELD
    assert "customer_name" in str(error) and error.line == 1


def test_two_columns_meaning_the_same_field_are_refused():
    error = refused(
        csv_bytes([[*HEADER, "client"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", "y"]])
    )
    assert error.code == ParseErrorCode.MALFORMED
    assert "customer_name" in str(error)


def test_unknown_columns_are_ignored_with_a_warning():
    result = PARSER.parse(
        csv_bytes(
            [[*HEADER, "Commercial"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", "Paul"]]
        )
    )
    assert result.warnings == ("columns ignored (not in the arapi-csv mapping): Commercial",)


# ---------------------------------------------------------------- amounts and dates


@pytest.mark.parametrize(
    ("sep", "text", "expected"),
    [
        (";", "1 234,56", "1234.56"),
        (";", "1\u00a0234,56", "1234.56"),  # no-break space from French Excel
        (";", "1\u202f234,56", "1234.56"),  # narrow no-break space
        (";", "1.234,56", "1234.56"),
        (";", "0000001234,5", "1234.5"),
        (",", '"1,234.56"', "1234.56"),
        (",", "1234.56", "1234.56"),
        ("\t", "1'234.56", "1234.56"),
        (";", "1 234 567,89 €", "1234567.89"),
        (";", "1,234", "1.234"),  # ";" files write decimal commas: refused below for EUR
    ],
)
def test_amounts_are_exact_decimals(sep, text, expected):
    rows = [HEADER, ["F-1", "2024-01-15", "2024-02-14", "KWD", text, "x"]]  # KWD has 3 decimals
    invoice = parse_one(rows, sep)
    assert isinstance(invoice.total_with_tax, Decimal)
    assert str(invoice.total_with_tax) == expected


def test_comma_three_digits_uses_the_rest_of_the_file():
    rows = [
        HEADER,
        ["F-1", "2024-01-15", "2024-02-14", "KWD", "1,234", "x"],
        ["F-2", "2024-01-15", "2024-02-14", "KWD", "2.5", "x"],
    ]
    # The second amount proves "." is the decimal mark, so "1,234" groups thousands.
    result = PARSER.parse(csv_bytes(rows, "\t"))
    assert [i.total_with_tax for i in result.invoices] == [Decimal("1234"), Decimal("2.5")]


def test_comma_three_digits_with_nothing_to_settle_it_is_refused():
    error = refused(
        csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "KWD", "1,234", "x"]], "\t")
    )
    assert error.code == ParseErrorCode.INVALID_AMOUNT
    assert "1.234 or 1234" in str(error)


def test_comma_three_digits_in_a_semicolon_file_is_a_decimal_comma():
    error = refused(
        csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1,234", "x"]], ";")
    )
    assert error.code == ParseErrorCode.INVALID_AMOUNT
    assert "more decimals than EUR" in str(error)


def test_more_decimals_than_the_currency_has_is_refused():
    error = refused(
        csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "JPY", "100.5", "x"]], ",")
    )
    assert error.code == ParseErrorCode.INVALID_AMOUNT and "JPY" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-29", date(2024, 2, 29)),
        ("29/02/2024", date(2024, 2, 29)),
        ("1/3/2024", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
    ],
)
def test_dates(text, expected):
    invoice = parse_one([HEADER, ["F-1", text, "31/12/2024", "EUR", "1", "x"]])
    assert invoice.issue_date == expected


@pytest.mark.parametrize("text", ["2023-02-29", "31/04/2024", "2024/03/01", "03-01-24", "demain"])
def test_bad_dates_name_line_and_column(text):
    error = refused(
        csv_bytes(
            [
                HEADER,
                ["F-1", "2024-01-01", "2024-01-31", "EUR", "1", "x"],
                ["F-2", "2024-01-01", text, "EUR", "1", "x"],
            ]
        )
    )
    assert error.code == ParseErrorCode.INVALID_DATE
    assert error.line == 3
    assert str(error).startswith("line 3: column 'due_date'")


def test_euro_sign_as_currency():
    assert parse_one([HEADER, ["F-1", "2024-01-15", "2024-02-14", "€", "1", "x"]]).currency == "EUR"


def test_unknown_currency():
    error = refused(csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EURO", "1", "x"]]))
    assert error.code == ParseErrorCode.INVALID_CURRENCY and error.line == 2


# ---------------------------------------------------------------- kinds, amount due, identifiers


@pytest.mark.parametrize("kind", ["avoir", "Credit note", "credit_note", "381", "AV"])
def test_credit_note_kinds(kind):
    invoice = parse_one(
        [[*HEADER, "type"], ["A-1", "2024-01-15", "2024-02-14", "EUR", "50", "x", kind]]
    )
    assert invoice.kind == "credit_note" and invoice.type_code == "381"
    assert invoice.total_with_tax == Decimal("50") == invoice.amount_due


def test_negative_total_without_kind_is_a_credit_note_with_positive_amounts():
    header = [*HEADER, "total_without_tax", "tax_total", "amount_due"]
    invoice = parse_one(
        [
            header,
            [
                "A-1",
                "2024-01-15",
                "2024-02-14",
                "EUR",
                "-120,00",
                "x",
                "-100,00",
                "-20,00",
                "-120,00",
            ],
        ]
    )
    assert invoice.kind == "credit_note"
    assert (
        invoice.total_without_tax,
        invoice.tax_total,
        invoice.total_with_tax,
        invoice.amount_due,
    ) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
        Decimal("120.00"),
    )


def test_negative_total_on_an_explicit_invoice_is_refused():
    error = refused(
        csv_bytes(
            [[*HEADER, "kind"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "-1", "x", "invoice"]]
        )
    )
    assert error.code == ParseErrorCode.INVALID_AMOUNT


def test_unknown_kind_is_refused():
    error = refused(
        csv_bytes(
            [[*HEADER, "kind"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", "proforma"]]
        )
    )
    assert error.code == ParseErrorCode.MALFORMED and "proforma" in str(error)


def test_amount_due_defaults_to_the_total_and_cannot_exceed_it():
    assert parse_one(
        [HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "80", "x"]]
    ).amount_due == Decimal("80")
    error = refused(
        csv_bytes(
            [[*HEADER, "amount_due"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "80", "x", "81"]]
        )
    )
    assert error.code == ParseErrorCode.INVALID_AMOUNT and "amount_due" in str(error)


def test_totals_that_do_not_add_up_are_a_warning():
    header = [*HEADER, "total_without_tax", "tax_total"]
    result = PARSER.parse(
        csv_bytes([header, ["F-1", "2024-01-15", "2024-02-14", "EUR", "120", "x", "100", "19"]])
    )
    assert result.warnings == ("line 2: total without tax 100 + tax 19 = 119, not the total 120",)


def test_siren_is_checked_and_siret_gives_the_siren():
    header = [*HEADER, "siret"]
    invoice = parse_one(
        [header, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", "732 829 320 00074"]]
    )
    assert (invoice.buyer.siren, invoice.buyer.siret) == ("732829320", "73282932000074")
    error = refused(
        csv_bytes(
            [[*HEADER, "siren"], ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", "123456789"]]
        )
    )
    assert error.code == ParseErrorCode.MALFORMED and "SIREN" in str(error)


# ---------------------------------------------------------------- bad rows: the whole file is refused


def test_bad_row_line_number_counts_blank_lines_and_multiline_fields():
    data = (
        b"sep=,\n"
        b"number,issue_date,due_date,currency,total_with_tax,customer_name\n"
        b"\n"
        b'F-1,2024-01-15,2024-02-14,EUR,1.00,"Dupont\nDurand"\n'
        b"F-2,2024-01-15,2024-02-14,EUR,abc,x\n"
    )
    error = refused(data)
    assert error.code == ParseErrorCode.INVALID_AMOUNT
    assert error.line == 6
    assert "column 'total_with_tax'" in str(error) and "'abc'" in str(error)


def test_empty_required_cell():
    error = refused(
        csv_bytes(
            [
                HEADER,
                ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x"],
                ["", "2024-01-15", "2024-02-14", "EUR", "1", "x"],
            ]
        )
    )
    assert (
        error.code == ParseErrorCode.MISSING_FIELD and error.line == 3 and "'number'" in str(error)
    )


def test_too_many_fields_in_a_row():
    error = refused(
        csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "00", "x"]], ",")
    )
    assert error.code == ParseErrorCode.MALFORMED and error.line == 2


def test_trailing_separators_and_blank_rows_are_fine():
    data = csv_bytes(
        [
            [*HEADER, ""],
            ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x", ""],
            ["", "", "", "", "", "", ""],
        ]
    )
    assert len(PARSER.parse(data).invoices) == 1


def test_duplicate_number_points_at_both_lines():
    error = refused(
        csv_bytes(
            [
                HEADER,
                ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x"],
                ["F-1", "2024-01-16", "2024-02-14", "EUR", "2", "y"],
            ]
        )
    )
    assert error.code == ParseErrorCode.MALFORMED and error.line == 3 and "line 2" in str(error)


def test_header_only_is_no_content():
    assert refused(csv_bytes([HEADER])).code == ParseErrorCode.NO_CONTENT


def test_unterminated_quote_is_malformed():
    data = b'number,issue_date,due_date,currency,total_with_tax,customer_name\nF-1,2024-01-15,2024-02-14,EUR,1,"x\n'
    error = refused(data)
    assert error.code == ParseErrorCode.MALFORMED


def test_nul_byte_is_malformed():
    error = refused(csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "x\x00"]]))
    assert error.code == ParseErrorCode.MALFORMED


# ---------------------------------------------------------------- sniff and registration


def test_sniff_needs_every_required_column():
    assert PARSER.sniff(csv_bytes([HEADER]))
    assert not PARSER.sniff(csv_bytes([HEADER[:-1]]))
    fec_header = b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise\n"
    assert not PARSER.sniff(fec_header)


def test_sniff_survives_a_head_cut_inside_a_character():
    data = csv_bytes([HEADER, ["F-1", "2024-01-15", "2024-02-14", "EUR", "1", "é" * 100]])
    assert PARSER.sniff(data[:-50])


def test_registered_under_the_csv_format_key():
    host = PluginHost.from_entry_points()
    assert isinstance(host.invoice_parsers()["csv"], CsvInvoiceParser)
    assert host.provider_owner("invoice", "csv") == "csv"
