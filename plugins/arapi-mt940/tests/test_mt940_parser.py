"""MT940 parser: the plugin contract and one test per quirk, on small hand-written files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib.metadata import entry_points

import arapi_mt940
import pytest
from arapi_mt940 import Mt940Parser

from arapi.plugin.types import ParseError, ParseErrorCode
from arapi.testing.contracts import StatementParserContract

PARSER = Mt940Parser()

# German bank in a FIN envelope, CRLF: GVC :86:, RC/RD reversals, entry dates.
GERMAN = (
    "{1:F01TESTDEFFAXXX0000000000}{2:I940TESTDEFFXXXXN}{4:\r\n"
    ":20:STARTUMSE\r\n"
    ":25:37040044/0532013000\r\n"
    ":28C:00042/001\r\n"
    ":60F:D240102EUR1000,00\r\n"
    ":61:2401030103CR1500,00NTRFNONREF//BANKREF0001\r\n"
    ":86:166?00GUTSCHRIFT?109310?20EREF+E2E-INV-2024-001?21SVWZ+Rechnung INV-2024-001\r\n"
    "?22 RF18539007547034?30COBADEFFXXX?31DE89370400440532013000?32Muster\r\n"
    "mann GmbH?33 Berlin\r\n"
    ":61:2401030103RC200,00NRTINONREF\r\n"
    ":86:109?00SEPA-LASTSCHR. RETOURE?20EREF+E2E-DD-7?21SVWZ+Beitrag Jan\r\n"
    "?34906\r\n"
    ":61:2401030103RD50,5NMSCNONREF\r\n"
    ":86:835?00STORNO\r\n"
    ":62F:C240103EUR350,50\r\n"
    "-}\r\n"
)

# Dutch ING-style structured :86:, LF only, two statements, no envelope.
DUTCH = (
    ":20:P240110000000001\n"
    ":25:NL91ABNA0417164300EUR\n"
    ":28C:00010\n"
    ":60F:C240109EUR100,\n"
    ":61:2401100110C25,NTRFEREF//00000000001005\n"
    "/TRCD/00100/\n"
    ":86:/EREF/E2E-42//CNTP/NL91ABNA0417164300/ABNANL2A/J. Jansen///REMI/STRD/ISO/RF18539007547034/\n"
    ":61:2401100110D1,14NDDTEREF//00000000001009\n"
    ":86:/RTRN/AM04//EREF/DD-9//MARF/MND-1//CSID/NL32ZZZ999999991234//REMI/USTD//Contributie/\n"
    ":62F:C240110EUR123,86\n"
    "-\n"
    ":20:P240111000000001\n"
    ":25:NL91ABNA0417164300EUR\n"
    ":28C:00011\n"
    ":60F:C240110EUR123,86\n"
    ":62F:C240111EUR123,86\n"
    "-\n"
)

# SNS-style free text with the counterparty's IBAN and name on the first line.
FREE_TEXT = (
    ":20:0000000000\n"
    ":25:NL05SNSB0908244436\n"
    ":28C:361/1\n"
    ":60F:C171227EUR3026,96\n"
    ":61:1712271227D713,13NOVBNL91ABNA0417164300\n"
    "gerrits glas\n"
    ":86:NL91ABNA0417164300 gerrits glas\n"
    "Factuur 17227/248/20\n"
    ":62F:C171227EUR2313,83\n"
    "-\n"
)


def _one(text: str):
    result = PARSER.parse(text.encode())
    return result, result.statements


class TestMt940Contract(StatementParserContract):
    corpus_folders = ("mt940",)
    parser = PARSER
    samples = [GERMAN.encode(), DUTCH.encode(), FREE_TEXT.encode("latin-1")]


def test_entry_point_and_hook_register_the_parser():
    names = {ep.name: ep.value for ep in entry_points(group="arapi")}
    assert names.get("mt940") == "arapi_mt940"
    [parser] = arapi_mt940.arapi_statement_parsers()
    assert parser.format == "mt940" and parser.label == "SWIFT MT940"


# ---------------------------------------------------------------- signs and amounts


def test_rc_is_a_debit_and_rd_a_credit_as_swift_defines():
    _, [statement] = _one(GERMAN)
    credit, reversed_credit, reversed_debit = statement.lines
    assert credit.amount == Decimal("1500.00") and credit.reversal is False
    assert reversed_credit.amount == Decimal("-200.00") and reversed_credit.reversal is True
    assert reversed_debit.amount == Decimal("50.5") and reversed_debit.reversal is True


def test_debit_opening_balance_is_negative_and_balances_carry_dates_and_currency():
    _, [statement] = _one(GERMAN)
    assert statement.opening_balance == Decimal("-1000.00")
    assert statement.opening_date == date(2024, 1, 2)
    assert statement.closing_balance == Decimal("350.50")
    assert statement.closing_date == date(2024, 1, 3)
    assert statement.currency == "EUR"
    total = sum(line.amount for line in statement.lines)
    assert statement.opening_balance + total == statement.closing_balance


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("500,", "500"),
        ("0,5", "0.5"),
        ("1234,56", "1234.56"),
        ("000000001213,28", "1213.28"),
        ("7", "7"),
    ],
)
def test_decimal_comma_amounts(written, amount):
    text = f":20:X\n:25:1\n:60F:C240101EUR{written}\n:61:240101C{written}NTRFNONREF\n:62F:C240101EUR0,\n"
    _, [statement] = _one(text)
    assert statement.opening_balance == Decimal(amount)
    assert statement.lines[0].amount == Decimal(amount)


def test_funds_code_is_skipped():
    text = ":20:X\n:25:1\n:60F:C180417HUF0,\n:61:180417CF2066637,00N527\n:61:180417DF14790,00N031\n"
    _, [statement] = _one(text)
    assert [line.amount for line in statement.lines] == [
        Decimal("2066637.00"),
        Decimal("-14790.00"),
    ]
    assert statement.lines[0].bank_transaction_code == "N527"


def test_amount_wrapped_onto_the_next_line():
    text = (
        ":20:X\n:25:1\n:60F:C181126EUR0,\n:61:1811261126CR\n30,00N062NONREF\n:62F:C181126EUR30,00\n"
    )
    _, [statement] = _one(text)
    assert statement.lines[0].amount == Decimal("30.00")
    assert statement.lines[0].bank_transaction_code == "N062"


def test_bad_amount_and_currency_are_coded_errors():
    with pytest.raises(ParseError) as info:
        PARSER.parse(b":20:X\n:25:1\n:60F:C240101EUR12,3,4\n")
    assert info.value.code == ParseErrorCode.INVALID_AMOUNT
    with pytest.raises(ParseError) as info:
        PARSER.parse(b":20:X\n:25:1\n:60F:C240101QQQ12,34\n")
    assert info.value.code == ParseErrorCode.INVALID_CURRENCY


def test_balance_without_currency_takes_the_statement_currency():
    text = ":20:X\n:25:1\n:60F:C020315DEM0,00\n:61:020315C5,00NMSC\n:62F:C0203155,00\n"
    _, [statement] = _one(text)
    assert statement.currency == "DEM"
    assert statement.closing_balance == Decimal("5.00")


def test_statement_without_any_currency_says_so():
    result, [statement] = _one(":61:1811261126CR30,00N062NONREF\n:86:166?00GUTSCHR\n")
    assert statement.currency is None
    assert statement.lines[0].currency == "XXX"
    assert any("no currency" in w for w in result.warnings)
    assert any("outside a message started by :20:" in w for w in result.warnings)


# ---------------------------------------------------------------- dates


def test_entry_date_is_the_booking_date_and_crosses_new_year():
    text = ":20:X\n:25:1\n:60F:C231231EUR0,\n:61:2312310102C1,00NTRFNONREF\n:61:2401021231D1,00NTRFNONREF\n"
    _, [statement] = _one(text)
    first, second = statement.lines
    assert (first.value_date, first.booking_date) == (date(2023, 12, 31), date(2024, 1, 2))
    assert (second.value_date, second.booking_date) == (date(2024, 1, 2), date(2023, 12, 31))


def test_february_30_is_month_end_with_a_warning():
    text = ":20:X\n:25:1\n:60F:C160229EUR0,\n:61:1602300301DR6,00N024NONREF\n"
    result, [statement] = _one(text)
    assert statement.lines[0].value_date == date(2016, 2, 29)
    assert statement.lines[0].booking_date == date(2016, 3, 1)
    assert any("160230" in w for w in result.warnings)


@pytest.mark.parametrize("bad", ["241301", "240100", "240132"])
def test_impossible_dates_are_invalid_date(bad):
    with pytest.raises(ParseError) as info:
        PARSER.parse(f":20:X\n:25:1\n:60F:C{bad}EUR1,00\n".encode())
    assert info.value.code == ParseErrorCode.INVALID_DATE
    assert info.value.line == 3


# ---------------------------------------------------------------- envelopes, layout, encodings


def test_fin_envelope_several_messages_and_crlf():
    twice = GERMAN + GERMAN.replace(":28C:00042/001", ":28C:00043/001")
    result = PARSER.parse(twice.encode())
    assert [s.statement_id for s in result.statements] == ["00042/001", "00043/001"]
    assert result.warnings == ()
    assert result.statements[0].account == "37040044/0532013000"


def test_a_statement_over_two_pages_carries_its_intermediate_balances():
    """A long statement is sent as several messages (:28C: 5/1, 5/2): each page opens with
    the intermediate :60M: the previous one closed with (:62M:), and each balances."""
    pages = (
        ":20:PAGE1\n:25:DE89370400440532013000\n:28C:5/1\n:60F:C240102EUR100,00\n"
        ":61:2401030103C20,00NTRFNONREF\n:62M:C240103EUR120,00\n-\n"
        ":20:PAGE2\n:25:DE89370400440532013000\n:28C:5/2\n:60M:C240103EUR120,00\n"
        ":61:2401030103D5,50NTRFNONREF\n:62F:C240103EUR114,50\n-\n"
    )
    result = PARSER.parse(pages.encode())
    first, second = result.statements
    assert (first.statement_id, first.opening_balance, first.closing_balance) == (
        "5/1",
        Decimal("100.00"),
        Decimal("120.00"),
    )
    assert (second.statement_id, second.opening_balance, second.closing_balance) == (
        "5/2",
        Decimal("120.00"),
        Decimal("114.50"),
    )
    assert [line.amount for s in result.statements for line in s.lines] == [
        Decimal("20.00"),
        Decimal("-5.50"),
    ]
    assert result.warnings == ()


def test_crlf_lf_and_cr_give_the_same_statements():
    lf = PARSER.parse(GERMAN.replace("\r\n", "\n").encode())
    crlf = PARSER.parse(GERMAN.encode())
    cr = PARSER.parse(GERMAN.replace("\r\n", "\r").encode())
    assert lf.statements == crlf.statements == cr.statements


def test_stray_control_bytes_and_latin1_text():
    data = b"\x01\r\n" + GERMAN.replace("Berlin", "K\xf6ln").encode("latin-1") + b"\x03"
    [statement] = PARSER.parse(data).statements
    assert statement.lines[0].counterparty_name == "Mustermann GmbH Köln"


def test_leading_blank_lines_and_bank_header_lines():
    result = PARSER.parse(("\n\nABNANL2A\n940\nABNANL2A\n" + DUTCH).encode())
    assert len(result.statements) == 2
    assert any("ABNANL2A" in w for w in result.warnings)


def test_tag_split_after_its_colon():
    text = ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n:\n86:166?00GUTSCHRIFT?20SVWZ+Hello\n"
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "Hello"


def test_unknown_tag_like_text_stays_in_the_field():
    # A wrapped time stamp "T16:26:37" puts ":26:" at the start of a line.
    text = (
        ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n"
        ":86:106?20SVWZ+paid 12-09-2014T16\n:26:37 ok?32Jane\n:62F:C240101EUR1,00\n"
    )
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "paid 12-09-2014T16:26:37 ok"
    assert statement.lines[0].counterparty_name == "Jane"


def test_long_statement_number_and_legacy_28():
    text = ":20:12345678\n:25:0067-00763/93984487\n:28:1810118101\n:60F:C180410TRY0000000000000000,00\n:62F:C180410TRY0,00\n"
    _, [statement] = _one(text)
    assert statement.statement_id == "1810118101"
    assert statement.opening_balance == Decimal("0.00") and statement.currency == "TRY"


def test_statement_number_wrapped_over_two_lines():
    text = ":20:X\n:25:1\n:28C:0000\n0\n:60F:C240101EUR0,\n"
    _, [statement] = _one(text)
    assert statement.statement_id == "00000"


def test_account_drops_a_trailing_currency_code():
    _, statements = _one(DUTCH)
    assert statements[0].account == "NL91ABNA0417164300"
    _, [rabo] = _one(":20:X\n:25:1291.99.348EUR\n:60F:C110614EUR1,00\n")
    assert rabo.account == "1291.99.348"


# ---------------------------------------------------------------- :61: references


def test_bank_reference_supplementary_details_and_transaction_type():
    _, [statement, _] = _one(DUTCH)
    first = statement.lines[0]
    # ING wraps "//00000000001\n005"; short alphanumeric tails rejoin the bank reference.
    assert first.bank_reference == "00000000001005"
    assert first.bank_transaction_code == "NTRF"
    assert first.natural_key is None
    wrapped = DUTCH.replace("//00000000001005\n", "//00000000001\n005\n")
    _, [again, _] = _one(wrapped)
    assert again.lines[0].bank_reference == "00000000001005"


def test_owner_reference_is_used_when_the_bank_gives_none():
    text = ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFINV-2024-7\n:61:240101C1,00NTRFNONREF\n"
    _, [statement] = _one(text)
    assert [line.bank_reference for line in statement.lines] == ["INV-2024-7", None]


# ---------------------------------------------------------------- :86: German GVC


def test_gvc_subfields_map_to_the_line():
    _, [statement] = _one(GERMAN)
    line = statement.lines[0]
    assert line.bank_transaction_code == "166"
    assert line.end_to_end_id == "E2E-INV-2024-001"
    assert line.remittance == "Rechnung INV-2024-001 RF18539007547034"
    assert line.creditor_reference == "RF18539007547034"
    assert line.counterparty_iban == "DE89370400440532013000"
    assert line.counterparty_name == "Mustermann GmbH Berlin"
    assert line.bank_reference == "BANKREF0001"


def test_gvc_return_code_in_subfield_34_becomes_the_sepa_reason():
    _, [statement] = _one(GERMAN)
    returned = statement.lines[1]
    assert returned.return_reason == "AM04"  # DK 906 "Deckung fehlt"
    assert returned.end_to_end_id == "E2E-DD-7"
    assert returned.remittance == "Beitrag Jan"


def test_gvc_keyword_value_stops_where_it_would_overflow():
    text = (
        ":20:X\n:25:1\n:60F:C070903EUR0,\n:61:0709040904CR300,NTRFNONREF\n"
        ":86:159?00RETOURE?20EREF+TFNR 40005 00005?21MTLG:Grund nicht s\npezifiziert?34901\n"
    )
    _, [statement] = _one(text)
    line = statement.lines[0]
    assert line.end_to_end_id == "TFNR 40005 00005"
    assert line.remittance == "MTLG:Grund nicht spezifiziert"
    assert line.return_reason == "AC01"


@pytest.mark.parametrize(
    ("gvc", "mark", "reason"),
    [
        ("109", "D", "MS03"),  # SEPA Core direct debit charged back, no ?34: still a return
        ("159", "C", "MS03"),  # a credit transfer sent out and returned
        ("159", "D", None),  # a debit under a transfer-return code (its fee) returns nothing
        ("109", "D", "AC04"),  # with ?34 902, "Konto erloschen"
        ("105", "D", None),  # an ordinary direct debit is no return
    ],
)
def test_gvc_of_an_r_transaction_is_a_return_even_without_a_reason(gvc, mark, reason):
    code = "?34902" if reason == "AC04" else ""
    text = (
        f":20:X\n:25:1\n:60F:C200605EUR0,\n:61:2006080608{mark}12,35NRTIKREF\n"
        f":86:{gvc}?00SEPA-LASTSCHR. RETOURE CORE?20SVWZ+SONSTIGE GRUENDE{code}\n"
    )
    _, [statement] = _one(text)
    assert statement.lines[0].return_reason == reason


def test_dutch_rtrn_without_a_code_is_an_unspecified_return():
    text = ":20:X\n:25:1\n:60F:C140101EUR0,\n:61:1401200120C1,57NRTIEREF\n:86:/RTRN///EREF/E-1/\n"
    _, [statement] = _one(text)
    assert statement.lines[0].return_reason == "MS03"


def test_gvc_with_other_separator_and_no_keywords():
    text = ":20:X\n:25:1\n:60F:C110101EUR0,\n:61:110101D15,70N000NONREF\n:86:000>100987654321\n>20HUUR>21 KANTOOR\n"
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "HUUR KANTOOR"
    assert statement.lines[0].bank_transaction_code == "000"


def test_gvc_dangling_separator_and_overlong_field_are_warnings():
    body = "?20EREF+1?21x?22x?23x?24x?25x?26x?27x?28x?29SVWZ+end?"
    text = (
        ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101D1,00NMSC\n:86:105?00X\n"
        + "\n".join(body[i : i + 6] for i in range(0, len(body), 6))
        + "\n"
    )
    result, [statement] = _one(text)
    assert any("not followed by a two-digit" in w for w in result.warnings)
    assert any("6 lines of 65" in w for w in result.warnings)
    assert statement.lines[0].remittance == "end"


# ---------------------------------------------------------------- :86: Dutch structured and free text


def test_dutch_structured_tags():
    _, [statement, _] = _one(DUTCH)
    paid, returned = statement.lines
    assert paid.end_to_end_id == "E2E-42"
    assert paid.counterparty_iban == "NL91ABNA0417164300"
    assert paid.counterparty_name == "J. Jansen"
    assert paid.remittance == "RF18539007547034"
    assert paid.creditor_reference == "RF18539007547034"
    assert returned.return_reason == "AM04"
    assert returned.end_to_end_id == "DD-9"
    assert returned.remittance == "Contributie"


def test_rabobank_tags_separated_by_single_slashes():
    text = (
        ":20:X\n:25:NL34RABO0142623393 EUR\n:28C:0\n:60F:C131231EUR4433,52\n"
        ":61:140102C000000000400,00N541NONREF\nNL91ABNA0417164300\n"
        ":86:/ORDP//NAME/R. SMITH/ADDR/Green market 74/REMI/Invoice 2014-1/ISDT/2014-01-02\n"
        ":62F:C140102EUR4833,52\n"
    )
    _, [statement] = _one(text)
    line = statement.lines[0]
    assert statement.account == "NL34RABO0142623393"
    assert line.counterparty_name == "R. SMITH"
    assert line.remittance == "Invoice 2014-1"
    assert line.counterparty_iban == "NL91ABNA0417164300"  # from the :61: supplementary details


def test_abn_amro_sepa_tags():
    text = (
        ":20:ABN AMRO BANK NV\n:25:417164300\n:28:19321/1\n:60F:C240522EUR100,00\n"
        ":61:2405240524C9,50N654NONREF\n"
        ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/J.\n"
        "Janssen/REMI/Factuur 2024-77/EREF/NOTPROVIDED\n:62F:C240524EUR109,50\n"
    )
    _, [statement] = _one(text)
    line = statement.lines[0]
    assert line.counterparty_iban == "NL91ABNA0417164300"
    assert line.counterparty_name == "J.Janssen"
    assert line.remittance == "Factuur 2024-77"
    assert line.end_to_end_id is None  # NOTPROVIDED


def test_free_text_that_starts_with_digits_is_not_gvc():
    text = ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n:86:123.45 EUR refund 12/2023\n"
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "123.45 EUR refund 12/2023"
    assert statement.lines[0].bank_transaction_code == "NTRF"


def test_free_text_with_iban_and_name():
    _, [statement] = _one(FREE_TEXT)
    line = statement.lines[0]
    assert line.counterparty_iban == "NL91ABNA0417164300"
    assert line.counterparty_name == "gerrits glas"
    assert line.remittance == "NL91ABNA0417164300 gerrits glas Factuur 17227/248/20"
    assert line.bank_transaction_code == "NOVB"
    assert line.bank_reference is None  # the owner reference held the IBAN, not a reference


def test_free_text_names_the_counterparty_even_when_the_iban_check_digits_fail():
    """ASN's anonymised sample files: the IBAN is dropped, the name and the text are kept."""
    _, [statement] = _one(FREE_TEXT.replace("NL91ABNA0417164300", "NL47INGB9999999999"))
    line = statement.lines[0]
    assert line.counterparty_iban is None
    assert line.counterparty_name == "gerrits glas"
    assert line.bank_reference is None  # an account number is no reference
    assert line.remittance == "NL47INGB9999999999 gerrits glas Factuur 17227/248/20"


def test_ing_structured_remittance_is_the_creditor_reference():
    """ING's /REMI/STRD/CUR/: a Dutch payment reference (betalingskenmerk), kept as sent."""
    text = (
        ":20:X\n:25:NL77INGB0000012345\n:60F:C140220EUR0,\n:61:1402200220C1,57NTRFNONREF\n"
        ":86:/EREF/NOTPROVIDED//CNTP/NL32INGB0000012345/INGBNL2A/J.Janssen///REMI/STRD/CUR/"
        "9001123412341234/\n"
    )
    _, [statement] = _one(text)
    line = statement.lines[0]
    assert line.creditor_reference == "9001123412341234"
    assert line.remittance == "9001123412341234"
    # An RF reference is still found as such, and unstructured text (USTD) gives none.
    rf_line, ustd_line = _one(DUTCH)[1][0].lines
    assert rf_line.creditor_reference == "RF18539007547034"
    assert ustd_line.creditor_reference is None


def test_repeated_86_tags_are_one_text_and_statement_level_86_is_ignored():
    text = (
        ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101D1,00N044NONREF\n"
        ":86:Terugboeking\n:86:KOSTEN JUNI\n:62F:D240101EUR1,00\n:86:/SUM/4/4/134,46/36,58/\n"
    )
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "Terugboeking KOSTEN JUNI"


def test_dash_inside_wrapped_86_is_text_not_a_terminator():
    text = (
        ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101D1,14NDDTEREF//00000000001009\n"
        ":86:/EREF/EV123//MARF/MND\n-\nEV01//REMI/USTD//Fee/\n:62F:D240101EUR1,14\n"
    )
    _, [statement] = _one(text)
    assert statement.lines[0].remittance == "Fee"
    assert statement.closing_balance == Decimal("-1.14")


# ---------------------------------------------------------------- refusals and sniffing


def test_second_account_field_in_one_statement_is_malformed():
    text = ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n:25:166?00GUTSCHRIFT\n"
    with pytest.raises(ParseError) as info:
        PARSER.parse(text.encode())
    assert info.value.code == ParseErrorCode.MALFORMED
    assert info.value.line == 5


MT942 = (
    ":20:ST1\n:25:PL29114010810000267002001002\n:28C:1/1\n:34F:PLN0\n:13D:1701191815+0100\n"
    ":61:1701190119CN0,01NTRFNONREF//MB1\n:86:FAKTURA 1\n"
    ":61:1701190119DN2,50NTRFNONREF//MB2\n"
    ":90D:1PLN2,50\n:90C:1PLN0,01\n:86:RAPORT SRODDZIENNY 18:15\n-\n"
)
INTERIM_WARNING = (
    "line 1: MT942 interim report; the end-of-day MT940 will skip the lines it repeats "
    "unchanged as duplicates (a line whose text changed in between is counted again)"
)


def test_mt942_reads_as_a_statement_without_balances():
    assert PARSER.sniff(MT942.encode()) is True
    result = PARSER.parse(MT942.encode())
    [statement] = result.statements
    assert (statement.account, statement.currency) == ("PL29114010810000267002001002", "PLN")
    assert (statement.opening_balance, statement.closing_balance) == (None, None)
    assert [(line.amount, line.currency, line.bank_reference) for line in statement.lines] == [
        (Decimal("0.01"), "PLN", "MB1"),
        (Decimal("-2.50"), "PLN", "MB2"),
    ]
    # The report's closing :86: is about the report, not the last line.
    assert [line.remittance for line in statement.lines] == ["FAKTURA 1", None]
    assert result.warnings == (INTERIM_WARNING,)
    enveloped = "{1:F01X}{2:O9420000}{4:\n" + MT942 + "}"
    assert PARSER.parse(enveloped.encode()).statements == result.statements


def test_an_empty_mt942_is_an_interim_report_without_lines():
    empty = ":20:R1\n:25:PL29114010810000267002001002\n:28C:1/1\n:34F:PLN0\n:13D:1701191815+0100\n"
    empty += ":90D:0PLN0,\n:90C:0PLN0,\n-\n"
    assert PARSER.sniff(empty.encode()) is True
    result = PARSER.parse(empty.encode())
    assert [(s.currency, s.lines) for s in result.statements] == [("PLN", ())]
    assert result.warnings == (INTERIM_WARNING,)


def test_control_totals_are_checked_the_swift_way_in_any_message():
    """C and RD lines are credits, D and RC debits, zero amounts included; a total that
    disagrees is a warning naming its line, in an MT942 or an MT940 alike."""
    lines = (
        ":61:1701190119CN0,00NTRFNONREF//Z\n:61:1701190119RDN5,00NTRFNONREF//R\n"
        ":61:1701190119RCN1,00NTRFNONREF//S\n"
    )
    report = MT942.replace(":61:1701190119DN2,50NTRFNONREF//MB2\n", lines)
    agreeing = report.replace(":90D:1PLN2,50", ":90D:1PLN1,00").replace(
        ":90C:1PLN0,01", ":90C:3PLN5,01"
    )
    assert PARSER.parse(agreeing.encode()).warnings == (INTERIM_WARNING,)
    short = agreeing.replace(":90C:3PLN5,01", ":90C:4PLN5,02")
    assert PARSER.parse(short.encode()).warnings[1:] == (
        "line 12: :90C: says 4 credit entries for 5.02 PLN; the lines hold 3 credit entries for 5.01",
    )
    statement = ":20:X\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n"
    statement += ":62F:C240101EUR1,\n:90C:2EUR1,00\n-\n"
    assert PARSER.parse(statement.encode()).warnings == (
        "line 6: :90C: says 2 credit entries for 1.00 EUR; the lines hold 1 credit entry for 1.00",
    )


def test_unreadable_interim_fields_are_warnings_not_refusals():
    """A stray or garbled :34F: / :90C: must not cost a statement that imported before."""
    garbled = MT942.replace(":90C:1PLN0,01", ":90C:one cent").replace(":34F:PLN0", ":34F:XYZ0")
    result = PARSER.parse(garbled.encode())
    assert result.statements[0].currency == "PLN"  # from :90D:
    assert "line 4: unknown currency 'XYZ'; ignored" in result.warnings
    assert any(
        w.startswith("line 10: :90C: is not a number and sum of entries") for w in result.warnings
    )
    mt940 = ":20:X\n:25:1\n:13D:2401011200+0100\n:60F:C240101EUR0,\n:61:240101C1,00NTRFNONREF\n"
    mt940 += ":62F:C240101EUR1,\n:90C:1,00\n-\n"
    result = PARSER.parse(mt940.encode())
    assert len(result.statements[0].lines) == 1
    assert not any("MT942" in w for w in result.warnings)  # :13D: alone makes no interim report


def test_an_mt942_with_a_balance_is_still_an_interim_report():
    with_balance = MT942.replace(":13D:", ":60F:C170118PLN10,\n:13D:")
    result = PARSER.parse(with_balance.encode())
    assert result.statements[0].opening_balance == Decimal("10")
    assert result.warnings == (INTERIM_WARNING,)


def test_currencies_that_disagree_are_a_warning():
    mixed = MT942.replace(":34F:PLN0", ":34F:PLND0\n:34F:EURC0").replace(
        ":90C:1PLN0,01", ":90C:1USD0,01"
    )
    result = PARSER.parse(mixed.encode())
    assert result.statements[0].currency == "PLN"
    assert (
        "line 1: the statement names several currencies (PLN, EUR, USD); its lines carry PLN"
        in result.warnings
    )


def test_other_message_types_are_refused():
    enveloped = "{1:F01X}{2:O9500000}{4:\n" + MT942 + "}"
    assert PARSER.parse(enveloped.encode()).statements  # MT950 is a statement too
    with pytest.raises(ParseError) as info:
        PARSER.parse(("{1:F01X}{2:O9410000}{4:\n" + MT942 + "}").encode())
    assert info.value.code == ParseErrorCode.UNSUPPORTED_VERSION
    assert "MT941 is not an MT940 statement" in str(info.value)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ParseErrorCode.UNKNOWN_FORMAT),
        (b"1\n2\n3\n", ParseErrorCode.UNKNOWN_FORMAT),
        (b":NS:\n", ParseErrorCode.MALFORMED),
        (b":20:X\n:61:garbage\n", ParseErrorCode.MALFORMED),
        (b":20:X\n:25:1\n:60F:X\n", ParseErrorCode.MALFORMED),
    ],
)
def test_non_statements_are_coded_errors(data, code):
    with pytest.raises(ParseError) as info:
        PARSER.parse(data)
    assert info.value.code == code


def test_sniff():
    assert PARSER.sniff(GERMAN.encode()) is True
    assert PARSER.sniff(b"\r\n\r\n" + DUTCH.encode()) is True
    assert PARSER.sniff(b"\x01" + FREE_TEXT.encode()) is True
    assert PARSER.sniff(b":940:\r\n" + DUTCH.encode()) is True
    cfonb = (
        b"0115589    00000EUR2 98765432100  150519"
        + b" " * 50
        + b"0000000001904}150519160519    \n"
    )
    assert PARSER.sniff(cfonb) is False
    assert (
        PARSER.sniff(b'<?xml version="1.0"?><Document><!-- :20: :25: :61: --></Document>') is False
    )
    assert PARSER.sniff(b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>") is False
    assert PARSER.sniff(b":20:X\n") is False  # no account, no balance, no line
