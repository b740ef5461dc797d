"""CFONB 120 parser: the plugin contract and one test per quirk, on records built here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib.metadata import entry_points

import arapi_cfonb
import pytest
from arapi_cfonb import CfonbParser
from arapi_cfonb.account import account_id

from arapi.plugin.types import ParseError, ParseErrorCode
from arapi.testing.contracts import StatementParserContract

PARSER = CfonbParser()
BANK, BRANCH, ACCOUNT = "30002", "00447", "00012345678"


def record(
    code: str,
    *,
    amount: str = "0000000000000{",
    day: str = "150519",
    value_day: str = "      ",
    label: str = "",
    interbank: str = "  ",
    reject: str = "  ",
    reference: str = "",
    currency: str = "EUR",
    decimals: str = "2",
    entry: str = "0000000",
    account: str = ACCOUNT,
) -> str:
    """A 120-character 01/04/07 record, field by field (1-based positions in comments)."""
    text = (
        code  # 1-2
        + BANK  # 3-7
        + ("0134" if code == "04" else "    ")  # 8-11 internal operation code
        + BRANCH  # 12-16
        + currency  # 17-19
        + decimals  # 20
        + " "  # 21
        + account  # 22-32
        + interbank  # 33-34
        + day  # 35-40
        + reject  # 41-42
        + value_day  # 43-48
        + label.ljust(31)[:31]  # 49-79
        + "  "  # 80-81
        + entry  # 82-88
        + "  "  # 89-90 exemption and unavailability codes
        + amount  # 91-104
        + reference.ljust(16)[:16]  # 105-120
    )
    assert len(text) == 120
    return text


def complement(qualifier: str, text: str) -> str:
    """A 05 record: header, qualifier at 46-48, text at 49-118."""
    head = "05" + BANK + "0134" + BRANCH + "EUR2 " + ACCOUNT + "B1" + "150519" + " " * 5
    line = head + qualifier + text.ljust(70)[:70] + "  "
    assert len(line) == 120 and line[45:48] == qualifier
    return line


OPEN = record("01", amount="0000000019040}", day="140519")  # -1904.00
CREDIT = record(
    "04",
    amount="0000000012345E",  # +1234.55
    value_day="160519",
    label="VIR SEPA ACME SARL",
    interbank="05",
    reference="BANKREF-1",
)
DEBIT = record("04", amount="0000000000322J", label="PRLV SEPA EDF", interbank="B1", reject="  ")
DEBIT_AMOUNT = Decimal("-32.21")
CLOSE = record("07", amount="0000000007016O", day="150519")  # -1904.00 + 1234.55 - 32.21 = -701.66

SAMPLE_LINES = [
    OPEN,
    CREDIT,
    complement("LIB", "FACTURE F-2019-001"),
    complement("NPY", "ACME SARL"),
    complement("RCN", "E2E-ACME-0001".ljust(35) + "SUPP"),
    complement("LCS", "RF18539007547034"),
    DEBIT,
    complement("NBE", "EDF"),
    complement("LCC", "CONTRAT 42"),
    complement("LC2", "ECHEANCE MAI"),
    complement("REF", "BQ-REF-77"),
    CLOSE,
]
SAMPLE = "\n".join(SAMPLE_LINES) + "\n"


def parse(lines: list[str], sep: str = "\n"):
    return PARSER.parse((sep.join(lines) + sep).encode("cp1252"))


class TestCfonbContract(StatementParserContract):
    corpus_folders = ("cfonb120",)
    parser = PARSER
    samples = [
        SAMPLE.encode(),
        SAMPLE.replace("\n", "\r\n").encode(),
        "".join(SAMPLE_LINES).encode(),  # one line, records back to back
        (
            CREDIT + "\n" + complement("NPY", "ACME SARL") + "\n"
        ).encode(),  # single-movement fragment
    ]


def test_entry_point_and_hook_register_the_parser():
    names = {ep.name: ep.value for ep in entry_points(group="arapi")}
    assert names.get("cfonb120") == "arapi_cfonb"
    [parser] = arapi_cfonb.arapi_statement_parsers()
    assert parser.format == "cfonb120" and parser.label == "CFONB 120 (relevé de compte)"


def test_statement_balances_dates_currency_and_account():
    result = PARSER.parse(SAMPLE.encode())
    assert result.warnings == ()
    [statement] = result.statements
    assert statement.format == "cfonb120"
    assert statement.opening_balance == Decimal("-1904.00")
    assert statement.closing_balance == Decimal("-701.66")
    assert (statement.opening_date, statement.closing_date) == (
        date(2019, 5, 14),
        date(2019, 5, 15),
    )
    assert statement.currency == "EUR"
    assert (
        statement.opening_balance + sum(line.amount for line in statement.lines)
        == statement.closing_balance
    )
    assert statement.account == account_id(BANK, BRANCH, ACCOUNT)


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("field", "decimals", "amount"),
    [
        ("0000000001234{", "2", "123.40"),
        ("0000000001234A", "2", "123.41"),
        ("0000000001234I", "2", "123.49"),
        ("0000000001234}", "2", "-123.40"),
        ("0000000001234J", "2", "-123.41"),
        ("0000000001234R", "2", "-123.49"),
        ("0000000001234B", "0", "12342"),
        ("0000000001234K", "3", "-12.342"),
        ("0000000000000}", "2", "0.00"),
    ],
)
def test_overpunched_amount_signs(field, decimals, amount):
    [statement] = parse([OPEN, record("04", amount=field, decimals=decimals), CLOSE]).statements
    value = statement.lines[0].amount
    assert value == Decimal(amount) and str(value) == amount  # scale kept, no "-0.00"


@pytest.mark.parametrize("field", ["0000000001234X", "000000000123 {", "00000000012,4{"])
def test_amount_without_a_sign_character_is_invalid(field):
    with pytest.raises(ParseError) as info:
        parse([OPEN, record("04", amount=field), CLOSE])
    assert info.value.code == ParseErrorCode.INVALID_AMOUNT
    assert info.value.line == 2


def test_blank_decimals_and_currency_are_assumed_with_warnings():
    blank = [
        record("01", currency="   ", decimals=" "),
        record("04", amount="0000000010000}"),
        record("07", currency="   ", decimals=" ", amount="0000000010000}"),
    ]
    result = parse(blank)
    [statement] = result.statements
    assert statement.currency == "EUR"  # from the movement
    assert statement.lines[0].amount == Decimal("-1000.00")
    assert any("blank number of decimals" in w for w in result.warnings)
    assert any("blank currency" in w for w in result.warnings)


def test_no_currency_anywhere_gives_xxx_and_a_warning():
    result = parse(
        [record("01", currency="   "), record("04", currency="   "), record("07", currency="   ")]
    )
    assert result.statements[0].lines[0].currency == "XXX"
    assert any("XXX" in w for w in result.warnings)


def test_unknown_currency_is_a_coded_error():
    with pytest.raises(ParseError) as info:
        parse([OPEN, record("04", currency="ZZZ"), CLOSE])
    assert info.value.code == ParseErrorCode.INVALID_CURRENCY


# ---------------------------------------------------------------- 04 fields and 05 complements


def test_movement_fields():
    [statement] = PARSER.parse(SAMPLE.encode()).statements
    credit, debit = statement.lines
    assert credit.amount == Decimal("1234.55")
    assert credit.booking_date == date(2019, 5, 15)
    assert credit.value_date == date(2019, 5, 16)
    assert credit.bank_transaction_code == "05"
    assert credit.bank_reference == "BANKREF-1"
    assert credit.return_reason is None
    assert credit.natural_key is None
    assert debit.value_date is None  # blank value date
    assert debit.bank_transaction_code == "B1"


def test_complements_extend_the_movement():
    [statement] = PARSER.parse(SAMPLE.encode()).statements
    credit, debit = statement.lines
    assert credit.remittance == "VIR SEPA ACME SARL FACTURE F-2019-001"
    assert credit.counterparty_name == "ACME SARL"  # NPY: who paid us
    assert credit.end_to_end_id == "E2E-ACME-0001"  # RCN reference, without its purpose
    assert credit.creditor_reference == "RF18539007547034"  # LCS
    assert debit.remittance == "PRLV SEPA EDF CONTRAT 42 ECHEANCE MAI"
    assert debit.counterparty_name == "EDF"  # NBE: who we paid
    assert debit.bank_reference == "BQ-REF-77"  # REF when 105-120 is blank


def test_unknown_and_blank_complements_are_ignored():
    lines = [
        OPEN,
        DEBIT,
        complement("N Y", "EXAMPLE"),
        complement("   ", ""),
        complement("MMO", "USD2000000001234"),
        CLOSE,
    ]
    [statement] = parse(lines).statements
    assert statement.lines[0].remittance == "PRLV SEPA EDF"


def test_reject_code_is_the_return_reason():
    returned = record(
        "04", amount="0000000002500{", label="RETOUR PRLV", interbank="B3", reject="02"
    )
    [statement] = parse([OPEN, returned, CLOSE]).statements
    assert statement.lines[0].return_reason == "02"


def test_blank_entry_number_is_read_with_a_warning():
    result = parse([OPEN, record("04", entry="       "), CLOSE])
    assert len(result.statements[0].lines) == 1
    assert any("blank entry number" in w and "line 2" in w for w in result.warnings)


def test_closing_balance_of_another_account_is_a_warning():
    other = record("07", amount="0000000007016O", day="150519", account="00087654321")
    result = parse([OPEN, CREDIT, DEBIT, other])
    (statement,) = result.statements
    assert statement.account == "FR7630002004470001234567817"  # the 01's account
    assert result.warnings == (
        "line 4: new balance (07) of account FR7630002004470008765432186 closes the statement "
        "of account FR7630002004470001234567817 opened at line 1",
    )
    assert parse([OPEN, CREDIT, DEBIT, CLOSE]).warnings == ()


def test_latin1_label():
    [statement] = parse([OPEN, record("04", label="VIR RÉGULARISATION ÉTÉ"), CLOSE]).statements
    assert statement.lines[0].remittance == "VIR RÉGULARISATION ÉTÉ"


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "line"),
    [("  CART", 1), ("320519", 1), ("150019", 1), ("1505²9", 1)],  # ² is a digit to isdigit()
)
def test_invalid_dates_name_the_line(raw, line):
    with pytest.raises(ParseError) as info:
        parse([record("01", day=raw), CLOSE])
    assert info.value.code == ParseErrorCode.INVALID_DATE
    assert info.value.line == line


def test_invalid_value_date_is_an_error_but_zeros_mean_none():
    with pytest.raises(ParseError) as info:
        parse([OPEN, record("04", value_day="311119"), CLOSE])
    assert info.value.code == ParseErrorCode.INVALID_DATE and info.value.line == 2
    [statement] = parse([OPEN, record("04", value_day="000000"), CLOSE]).statements
    assert statement.lines[0].value_date is None


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        ([OPEN, CREDIT, CLOSE, CLOSE], 4, "(07) without its old balance"),
        ([OPEN, CREDIT, OPEN, CLOSE], 3, "before the one opened at line 1"),
        ([CREDIT, OPEN, CLOSE], 1, "(04) outside a statement"),
        ([OPEN, complement("LIB", "X"), CREDIT, CLOSE], 2, "(05) without a preceding movement"),
        ([OPEN, CREDIT], 1, "no closing new balance"),
        ([OPEN, "0315589" + " " * 113, CLOSE], 2, "unknown record code '03'"),
        ([CREDIT, CREDIT], 2, "second movement (04)"),
        ([complement("LIB", "X")], 1, "(05) without a preceding movement"),
    ],
)
def test_structure_errors_are_malformed_with_the_line(lines, line, words):
    with pytest.raises(ParseError) as info:
        parse(lines)
    assert info.value.code == ParseErrorCode.MALFORMED
    assert info.value.line == line
    assert words in str(info.value)


def test_single_movement_fragment_has_no_balances():
    result = parse([CREDIT, complement("NPY", "ACME SARL")])
    [statement] = result.statements
    assert statement.opening_balance is None and statement.closing_balance is None
    assert statement.lines[0].counterparty_name == "ACME SARL"
    assert any("fragment" in w for w in result.warnings)


def test_blank_lines_crlf_and_trimmed_records():
    lines = [OPEN.rstrip(), "", CREDIT, "   ", CLOSE.rstrip()]
    assert parse(lines, sep="\r\n").statements == parse([OPEN, CREDIT, CLOSE]).statements


def test_single_line_file_is_cut_every_120_characters():
    one_line = "".join(SAMPLE_LINES).encode()
    assert PARSER.parse(one_line).statements == PARSER.parse(SAMPLE.encode()).statements
    with pytest.raises(ParseError) as info:
        PARSER.parse("".join([OPEN, CREDIT, OPEN]).encode())
    assert "record 3" in str(info.value) and info.value.line == 1


def test_several_statements_in_one_file():
    second = [
        record("01", amount="0000000007016O", day="150519"),
        DEBIT,
        record("07", amount="0000000007338P", day="160519"),
    ]
    result = parse([OPEN, CREDIT, CLOSE, *second])
    assert [len(s.lines) for s in result.statements] == [1, 1]
    assert result.statements[1].closing_balance == Decimal("-733.87")
    assert result.statements[1].opening_balance + DEBIT_AMOUNT == Decimal("-733.87")


def test_not_cfonb120():
    cfonb240 = ("3100000120181220E    300661077100020030401" + " " * 198).encode()
    with pytest.raises(ParseError) as info:
        PARSER.parse(cfonb240)
    assert info.value.code == ParseErrorCode.UNKNOWN_FORMAT
    with pytest.raises(ParseError) as info:
        PARSER.parse(b"\n\n  \n")
    assert info.value.code == ParseErrorCode.UNKNOWN_FORMAT


# ---------------------------------------------------------------- account and sniffing


def _rib_key(bank: str, branch: str, account: str) -> str:
    """The RIB key, computed here independently of schwifty."""
    letters = {c: str((i % 9) + 1) for i, c in enumerate("ABCDEFGHI")}
    letters |= {c: str((i % 9) + 1) for i, c in enumerate("JKLMNOPQR")}
    letters |= {c: str((i % 8) + 2) for i, c in enumerate("STUVWXYZ")}
    digits = "".join(letters.get(c, c) for c in account)
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97:02d}"


@pytest.mark.parametrize(
    ("bank", "branch", "account"),
    [
        ("30006", "00001", "12345678901"),
        ("30002", "00447", "0000888899H"),
        ("15589", "00000", "98765432100"),
    ],
)
def test_account_is_the_french_iban(bank, branch, account):
    iban = account_id(bank, branch, account)
    assert iban[:2] == "FR" and len(iban) == 27
    assert iban[4:] == bank + branch + account + _rib_key(bank, branch, account)
    if account == "12345678901":
        assert iban == "FR7630006000011234567890189"  # the published example RIB


def test_account_that_is_not_a_rib_stays_as_written():
    assert account_id("3000A", "00447", "00012345678") == "3000A/00447/00012345678"
    # another script's digits match \d, but are no RIB (schwifty raised KeyError on them)
    assert account_id("٣0002", "00447", "00012345678") == "٣0002/00447/00012345678"


def test_a_superscript_number_of_decimals_is_an_invalid_amount():
    with pytest.raises(ParseError) as info:
        parse([record("01", decimals="²"), CLOSE])
    assert info.value.code == ParseErrorCode.INVALID_AMOUNT and info.value.line == 1


def test_sniff():
    assert PARSER.sniff(SAMPLE.encode()) is True
    assert PARSER.sniff(b"\r\n" + SAMPLE.replace("\n", "\r\n").encode()) is True
    assert PARSER.sniff("".join(SAMPLE_LINES).encode()) is True
    assert PARSER.sniff(b":20:STARTUMS\n:25:1\n:60F:C240101EUR0,\n:61:240101C1,NTRF\n") is False
    assert PARSER.sniff(b'<?xml version="1.0"?><Document/>') is False
    assert (
        PARSER.sniff(("3100000120181220E    300661077100020030401" + " " * 198).encode()) is False
    )
    assert PARSER.sniff(b"") is False
