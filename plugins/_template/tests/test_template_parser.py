"""Tests of the template plugin: the arapi contract, then this format's own rules.

Rename this file with your plugin (pytest wants test file names unique across
a repository) and replace the samples with small files of your format.
"""

from __future__ import annotations

import importlib.metadata
from datetime import date
from decimal import Decimal

import arapi_plugin_template
import pytest
from arapi_plugin_template import ExampleCsvParser

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode
from arapi.testing.contracts import StatementParserContract

PARSER = ExampleCsvParser()
DISTRIBUTION = "arapi-plugin-template"
ENTRY_POINT = "template"

SAMPLE = (
    b"date;amount;currency;counterparty;remittance\n"
    b"2024-03-01;1500.00;EUR;Muster GmbH;INV-2024-001\n"
    b"2024-03-02;-12,50;EUR;;Card fee\n"
    b"2024-03-02;-12,50;EUR;;Card fee\n"
)
# Windows export: byte-order mark, CRLF, upper-case header, blank lines, a currency without cents.
WINDOWS = (
    "\ufeffDATE ; Amount ; Currency ; Counterparty ; Remittance\r\n"
    "\r\n"
    "2024-12-31;+250000;jpy;山田商事;請求書 42\r\n"
    "\r\n"
).encode()
HEADER_ONLY = b"date;amount;currency;counterparty;remittance\n"


class TestExampleCsvContract(StatementParserContract):
    parser = PARSER
    samples = [SAMPLE, WINDOWS, HEADER_ONLY]


def test_sample_lines():
    result = PARSER.parse(SAMPLE)
    (statement,) = result.statements
    assert statement.format == "example-csv"
    assert statement.currency == "EUR"
    first, second, third = statement.lines
    assert first.amount == Decimal("1500.00") and first.booking_date == date(2024, 3, 1)
    assert first.counterparty_name == "Muster GmbH" and first.remittance == "INV-2024-001"
    assert second.amount == Decimal("-12.50") and second.counterparty_name is None
    assert not second.is_credit
    assert third == second
    assert result.warnings == ("line 4 repeats line 3",)


def test_windows_export():
    (statement,) = PARSER.parse(WINDOWS).statements
    (line,) = statement.lines
    assert (line.amount, line.currency) == (Decimal(250000), "JPY")
    assert line.counterparty_name == "山田商事"


def test_header_only_is_an_empty_statement():
    (statement,) = PARSER.parse(HEADER_ONLY).statements
    assert statement.lines == () and statement.currency is None


def test_sniff():
    assert PARSER.sniff(SAMPLE) and PARSER.sniff(WINDOWS)
    assert PARSER.sniff(SAMPLE[:20]) is False  # a header cut short is not this format
    assert PARSER.sniff(b"date;amount;currency\n2024-03-01;1;EUR\n") is False
    assert PARSER.sniff(b"\xff\xfe garbage") is False


def _bad(row: str) -> bytes:
    return f"date;amount;currency;counterparty;remittance\n{row}\n".encode()


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"", ParseErrorCode.UNKNOWN_FORMAT, None),
        (b"Date,Amount,Currency\n", ParseErrorCode.UNKNOWN_FORMAT, None),
        (SAMPLE.replace(b"Muster", b"M\xfcster"), ParseErrorCode.ENCODING, None),
        (_bad("2024-03-01;1.00;EUR;only four"), ParseErrorCode.MALFORMED, 2),
        (_bad("2024-03-01;1.00;EUR;a;b;c"), ParseErrorCode.MALFORMED, 2),
        (_bad(";1.00;EUR;;"), ParseErrorCode.MISSING_FIELD, 2),
        (_bad("2024-03-01;;EUR;;"), ParseErrorCode.MISSING_FIELD, 2),
        (_bad("2024-02-30;1.00;EUR;;"), ParseErrorCode.INVALID_DATE, 2),
        (_bad("01/03/2024;1.00;EUR;;"), ParseErrorCode.INVALID_DATE, 2),
        (_bad("20240301;1.00;EUR;;"), ParseErrorCode.INVALID_DATE, 2),
        (_bad("2024-03-01;1 000.00;EUR;;"), ParseErrorCode.INVALID_AMOUNT, 2),
        (_bad("2024-03-01;NaN;EUR;;"), ParseErrorCode.INVALID_AMOUNT, 2),
        (_bad("2024-03-01;1e3;EUR;;"), ParseErrorCode.INVALID_AMOUNT, 2),
        (_bad("2024-03-01;١٢;EUR;;"), ParseErrorCode.INVALID_AMOUNT, 2),  # Arabic-Indic digits
        (_bad("2024-03-01;1.001;EUR;;"), ParseErrorCode.INVALID_AMOUNT, 2),
        (_bad("2024-03-01;1.5;JPY;;"), ParseErrorCode.INVALID_AMOUNT, 2),
        (_bad("2024-03-01;1.00;EURO;;"), ParseErrorCode.INVALID_CURRENCY, 2),
        (_bad("2024-03-01;1.00;XYZ;;"), ParseErrorCode.INVALID_CURRENCY, 2),
        (_bad("2024-03-01;1.00;EUR;;\n2024-03-02;1.00;USD;;"), ParseErrorCode.INVALID_CURRENCY, 3),
    ],
)
def test_bad_input_raises_parse_error(data: bytes, code: ParseErrorCode, line: int | None):
    with pytest.raises(ParseError) as caught:
        PARSER.parse(data)
    assert caught.value.code is code
    assert caught.value.line == line


def test_the_hook_registers_the_parser():
    host = PluginHost()
    host.register(arapi_plugin_template, ENTRY_POINT)
    assert list(host.statement_parsers()) == ["example-csv"]
    assert isinstance(host.statement_parsers()["example-csv"], ExampleCsvParser)
    assert PluginHost.pick(host.statement_parsers(), SAMPLE, None).format == "example-csv"


def test_installed_in_the_arapi_entry_point_group():
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed: pip install -e <this plugin folder>")
    host = PluginHost.from_entry_points()
    assert (ENTRY_POINT, DISTRIBUTION, version) in {
        (p.name, p.distribution, p.version) for p in host.loaded
    }
    assert isinstance(host.statement_parsers()["example-csv"], ExampleCsvParser)
