"""A plugin's fault is a coded error naming the plugin, never an internal error, and writes nothing.

A third-party parser may return a date as text, a key as a number, or raise a
KeyError it forgot to catch. The imports check every result with the same
checks the contract tests run (``arapi.plugin.checks``) and answer
``PLUGIN_FAILED`` naming the plugin.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.imports import statements
from arapi.imports.invoices import import_invoices
from arapi.models import BankStatement, ImportFile, Payment, StatementEntry
from arapi.plugin import PluginHost, hookimpl
from arapi.plugin.checks import statement_file_problem
from arapi.plugin.host import PluginErrorCode
from arapi.plugin.types import ParseError, Statement, StatementFile, StatementLine
from tests.helpers import make_org

GOOD_LINE = StatementLine(
    amount=Decimal("120.00"),
    currency="EUR",
    booking_date=date(2025, 3, 3),
    value_date=date(2025, 3, 3),
    natural_key="B-1",
    counterparty_name="Dupont SARL",
    remittance="F-2025-001",
)


def _statement(*lines: StatementLine, currency: str = "EUR") -> StatementFile:
    return StatementFile(
        statements=(
            Statement(
                format="faulty",
                account="FR7630006000011234567890189",
                currency=currency,
                lines=lines,
            ),
        )
    )


class FaultyParser:
    """Parses b"FAULTY <case>" into what ``case`` names (a good file, or one fault)."""

    format = "faulty"
    label = "a parser with faults on demand"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"FAULTY ")

    def parse(self, data: bytes) -> StatementFile:
        case = data.removeprefix(b"FAULTY ").decode()
        if case == "raises":
            return {}["missing"]  # the KeyError a careless parser lets out
        if case == "code as text":
            raise ParseError("MALFORMED", "a code that is not a ParseErrorCode")
        line = {
            "good": GOOD_LINE,
            "date as text": dataclasses.replace(GOOD_LINE, booking_date="2025-03-03"),
            "key as number": dataclasses.replace(GOOD_LINE, natural_key=12345),
            "float amount": dataclasses.replace(GOOD_LINE, amount=120.0),
            "datetime": dataclasses.replace(GOOD_LINE, booking_date=datetime(2025, 3, 3, 10, 30)),
            "exponent amount": dataclasses.replace(GOOD_LINE, amount=Decimal("1E+999999")),
        }[case]
        return _statement(line)


class FaultyPlugin:
    @hookimpl
    def arapi_statement_parsers(self):
        return [FaultyParser()]


@pytest.fixture(scope="module")
def host() -> PluginHost:
    host = PluginHost()
    host.register(FaultyPlugin(), "faulty", "faulty-dist", "0.1")
    return host


def _rows(db) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (ImportFile, BankStatement, StatementEntry, Payment)
        )


@pytest.mark.parametrize(
    "case, words",
    [
        ("raises", "failed while parsing the file (faulty): KeyError: 'missing'"),
        ("date as text", "statements[0].lines[0].booking_date is a str, not a date"),
        ("key as number", "statements[0].lines[0].natural_key is an int, not a str"),
        ("float amount", "statements[0].lines[0].amount is 120.0, not a finite Decimal"),
        ("datetime", "statements[0].lines[0].booking_date is a datetime, not a date"),
        ("code as text", "raised a ParseError whose code 'MALFORMED' is not a ParseErrorCode"),
    ],
)
def test_a_faulty_parser_gives_plugin_failed_naming_it_and_writes_nothing(db, host, case, words):
    viewer = make_org(db)
    before = _rows(db)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(s, viewer, host, f"FAULTY {case}".encode())
    assert caught.value.code is PluginErrorCode.PLUGIN_FAILED
    assert caught.value.message.startswith("plugin 'faulty' ")
    assert words in caught.value.message
    assert _rows(db) == before
    with db.write() as s:  # the same plugin's good file still imports
        assert (
            statements.import_statement(s, viewer, host, b"FAULTY good").summary["newEntries"] == 1
        )


def test_an_invoice_parser_that_raises_gives_plugin_failed(db):
    class Raising:
        format = "raising"
        label = "raises"

        def sniff(self, head: bytes) -> bool:
            return head.startswith(b"RAISING")

        def parse(self, data: bytes):
            raise ValueError("could not convert string to float: 'abc'")

    class Plugin:
        @hookimpl
        def arapi_invoice_parsers(self):
            return [Raising()]

    host = PluginHost()
    host.register(Plugin(), "raising", None, None)
    viewer = make_org(db)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        import_invoices(s, viewer, host, b"RAISING 1")
    assert caught.value.code is PluginErrorCode.PLUGIN_FAILED
    assert caught.value.message == (
        "plugin 'raising' failed while parsing the file (raising): "
        "ValueError: could not convert string to float: 'abc' "
        "(set ARAPI_DISABLED_PLUGINS=raising to skip it)"
    )


# ---------------------------------------------------------------- the checks' fast path


def test_a_fault_deep_in_many_lines_is_found_with_its_place():
    lines = [dataclasses.replace(GOOD_LINE, natural_key=f"B-{n}") for n in range(5000)]
    assert statement_file_problem(_statement(*lines)) is None
    lines[4321] = dataclasses.replace(lines[4321], currency=None)
    assert (
        statement_file_problem(_statement(*lines))
        == "statements[0].lines[4321].currency is None, not a str"
    )


def test_the_fast_path_and_the_walk_agree_on_subclasses():
    """A bool is an int and a datetime a date to isinstance: only the first is taken."""
    line = dataclasses.replace(GOOD_LINE, booking_date=datetime(2025, 3, 3, 10, 30))
    assert statement_file_problem(_statement(GOOD_LINE, line)) == (
        "statements[0].lines[1].booking_date is a datetime, not a date"
    )

    class Text(str):
        pass

    line = dataclasses.replace(GOOD_LINE, remittance=Text("F-2025-001"))
    assert statement_file_problem(_statement(GOOD_LINE, line)) is None
    nan = dataclasses.replace(GOOD_LINE, amount=Decimal("NaN"))
    assert statement_file_problem(_statement(GOOD_LINE, nan)) == (
        "statements[0].lines[1].amount is Decimal('NaN'), not a finite Decimal"
    )
    assert statement_file_problem("not a file") == (
        "it returned str, not the StatementFile it must return"
    )


# ---------------------------------------------------------------- currencies within a statement


def test_lines_in_another_currency_are_kept_and_warned_about(db, host):
    """As in viafintech's camt.053 sample: a CHF statement holding one EUR entry."""
    usd = dataclasses.replace(GOOD_LINE, currency="usd", natural_key="B-2", amount=Decimal("50.00"))
    debit = dataclasses.replace(GOOD_LINE, natural_key="B-3", amount=Decimal("-20.00"))
    upload = statements.ParsedUpload(
        sha256="0" * 64,
        size=1,
        filename=None,
        statements=_statement(GOOD_LINE, usd, debit, currency="eur").statements,
        warnings=(),
    )
    assert statements.currency_warnings(upload.statements[0]) == [
        "statement FR7630006000011234567890189: lines in another currency than its EUR "
        "(1 in USD); its credit and debit totals add them as written"
    ]
    viewer = make_org(db)
    with db.write() as s:
        summary = statements.record(s, viewer, upload).summary
    (statement,) = summary["statements"]
    assert (statement["currency"], statement["creditTotal"], statement["debitTotal"]) == (
        "EUR",
        "170.00",
        "20.00",
    )
    with db.read() as s:
        assert sorted(s.scalars(select(StatementEntry.currency))) == ["EUR", "EUR", "USD"]


# ---------------------------------------------------------------- amounts too large to store

HUGE_MT940 = b"""\
:20:P240110000000099
:25:NL91ABNA0417164300EUR
:28C:00010
:60F:C240109EUR100,
:61:2401100110C100000000000000000000000000,NTRFEREF//00000000001005
:86:/EREF/E2E-42//REMI/USTD//Big/
:62F:C240110EUR100000000000000000000000100,
-
"""


def test_an_amount_beyond_any_arithmetic_is_invalid_amount(db, host):
    """1E+999999 is a finite Decimal, but scaling or quantizing it overflows."""
    viewer = make_org(db)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(s, viewer, host, b"FAULTY exponent amount")
    assert caught.value.code == "INVALID_AMOUNT"
    assert caught.value.message == "line 1: amount 1E+999999 EUR is too large"


def test_an_amount_too_large_to_quantize_is_invalid_amount_not_a_crash(db):
    """1E+26 and more used to crash the summary (decimal.InvalidOperation) before the size check."""
    viewer = make_org(db)
    before = _rows(db)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(s, viewer, PluginHost.from_entry_points(), HUGE_MT940)
    assert caught.value.code == "INVALID_AMOUNT"
    assert "is too large" in caught.value.message
    assert _rows(db) == before
