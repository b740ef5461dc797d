"""Statements a parser may legitimately return, written without loss or internal error.

The boundary types allow a line without dates, a statement without an
account, and batch details of any amount; the contract tests accept all of
them, so the import must handle each: as the docs for integrators say.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from arapi.db.base import utcnow
from arapi.errors import ArapiError
from arapi.imports import statements
from arapi.models import Payment, StatementEntry
from arapi.plugin import PluginHost, hookimpl
from arapi.plugin.host import PluginErrorCode
from arapi.plugin.types import Statement, StatementFile, StatementLine, TransactionDetail
from tests.helpers import make_org

ACCOUNT = "FR7630006000011234567890189"
CREDIT = StatementLine(
    amount=Decimal("100.00"),
    currency="EUR",
    booking_date=date(2025, 3, 3),
    counterparty_name="Dupont SARL",
    remittance="F-2025-001",
)


class ShapesParser:
    """Returns the statements registered for the bytes it is given."""

    format = "shapes"
    label = "statements of any shape the types allow"
    files: dict[bytes, StatementFile] = {}

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"SHAPES ")

    def parse(self, data: bytes) -> StatementFile:
        return self.files[data]


class ShapesPlugin:
    @hookimpl
    def arapi_statement_parsers(self):
        return [ShapesParser()]


@pytest.fixture(scope="module")
def host() -> PluginHost:
    host = PluginHost()
    host.register(ShapesPlugin(), "shapes", "shapes-dist", "0.1")
    return host


def _file(name: str, *lines: StatementLine, account: str | None = ACCOUNT, **fields) -> bytes:
    data = f"SHAPES {name}".encode()
    statement = Statement(format="shapes", account=account, currency="EUR", lines=lines, **fields)
    ShapesParser.files[data] = StatementFile(statements=(statement,))
    return data


def _import(db, viewer, host, data: bytes):
    with db.write() as s:
        return statements.import_statement(s, viewer, host, data)


def _payments(db) -> list[tuple[int, str, date]]:
    with db.read() as s:
        rows = s.execute(
            select(Payment.amount_minor, Payment.currency, Payment.received_on).order_by(Payment.id)
        )
        return [tuple(row) for row in rows]


# ---------------------------------------------------------------- batch details


def _batch(*amounts: str | None, currency: str | None = None, total: str = "1.00"):
    details = tuple(
        TransactionDetail(
            amount=None if a is None else Decimal(a), currency=currency, remittance=f"part {n}"
        )
        for n, a in enumerate(amounts)
    )
    return dataclasses.replace(CREDIT, amount=Decimal(total), details=details)


def test_details_that_split_a_credit_give_one_payment_each(db, host):
    viewer = make_org(db)
    _import(db, viewer, host, _file("split", _batch("0.40", "0.60")))
    assert _payments(db) == [(40, "EUR", date(2025, 3, 3)), (60, "EUR", date(2025, 3, 3))]


@pytest.mark.parametrize(
    "amounts, currency",
    [
        (("0.00", "1.00"), None),  # a zero detail would be a payment of nothing
        (("0.005", "0.995"), None),  # sub-cent details: 0.01 and 0.99 would be invented cents
        (("-0.50", "1.50"), None),  # a negative detail in a credit
        (("0.50", None), None),  # a detail without amount
        (("0.50", "0.50"), "USD"),  # details in another currency than the line's
        (("0.40", "0.40"), None),  # details that do not add up to the line
    ],
)
def test_details_that_do_not_split_a_credit_leave_one_payment_for_the_line(
    db, host, amounts, currency
):
    viewer = make_org(db)
    result = _import(
        db, viewer, host, _file(f"batch {amounts} {currency}", _batch(*amounts, currency=currency))
    )
    assert result.summary["paymentsCreated"] == 1
    assert _payments(db) == [(100, "EUR", date(2025, 3, 3))]
    with db.read() as s:  # the details are kept with the entry, as the parser gave them
        details = s.scalar(select(StatementEntry.details))
    assert [d.get("amount") for d in details] == list(amounts)


# ---------------------------------------------------------------- dates


UNDATED = dataclasses.replace(CREDIT, booking_date=None, value_date=None)


def _undated_warning(dated: str) -> str:
    return (
        "statement " + ACCOUNT + ": 1 credit line(s) carry neither a booking nor a value date; "
        "their payments are dated " + dated
    )


def test_a_credit_without_dates_takes_the_statement_closing_date(db, host):
    viewer = make_org(db)
    valued = dataclasses.replace(
        CREDIT, booking_date=None, value_date=date(2025, 3, 1), remittance="v"
    )
    debit = dataclasses.replace(UNDATED, amount=Decimal("-5.00"), remittance="fee")
    data = _file("undated", UNDATED, valued, debit, closing_date=date(2025, 3, 31))
    result = _import(db, viewer, host, data)
    assert _payments(db) == [(10000, "EUR", date(2025, 3, 31)), (10000, "EUR", date(2025, 3, 1))]
    assert _undated_warning("its closing date 2025-03-31") in result.summary["warnings"]


def test_a_credit_without_dates_takes_the_opening_date_when_there_is_no_closing_one(db, host):
    viewer = make_org(db)
    data = _file("opening only", UNDATED, opening_date=date(2025, 3, 1))
    result = _import(db, viewer, host, data)
    assert _payments(db) == [(10000, "EUR", date(2025, 3, 1))]
    assert _undated_warning("its opening date 2025-03-01") in result.summary["warnings"]


def test_a_credit_without_any_date_is_dated_the_day_of_the_import(db, host):
    viewer = make_org(db)
    today = utcnow().date()
    result = _import(db, viewer, host, _file("no date at all", UNDATED))
    [(_, _, received_on)] = _payments(db)
    assert received_on in (today, utcnow().date())  # the import may straddle midnight UTC
    assert any("dated the day of the import" in w for w in result.summary["warnings"])


# ---------------------------------------------------------------- statements without an account


def test_statements_without_an_account_never_drop_each_others_lines(db, host):
    """Two accounts' exports with identical lines: without an account they cannot be told
    apart, so nothing may be dropped as "already imported" from the other file."""
    viewer = make_org(db)
    fee = dataclasses.replace(CREDIT, amount=Decimal("-12.50"), remittance="Card fee")
    first = _import(db, viewer, host, _file("account A", fee, CREDIT, account=None))
    second = _import(db, viewer, host, _file("account B", fee, CREDIT, account=None))
    assert (first.summary["newEntries"], second.summary["newEntries"]) == (2, 2)
    assert not second.duplicate
    assert (
        "statement shapes names no account: its lines are recognized as already imported "
        "only when the same file comes again, not from another file"
    ) in second.summary["warnings"]
    again = _import(db, viewer, host, _file("account A", fee, CREDIT, account=None))
    assert again.duplicate and again.file_seen and again.summary["newEntries"] == 0
    assert len(_payments(db)) == 2


def test_lines_of_one_account_are_still_recognized_across_files(db, host):
    viewer = make_org(db)
    _import(db, viewer, host, _file("monday", CREDIT))
    overlapping = _import(db, viewer, host, _file("tuesday", CREDIT))
    assert overlapping.duplicate and not overlapping.file_seen
    assert overlapping.summary["duplicateEntries"] == 1


# ---------------------------------------------------------------- what a parser may not return


def test_a_statement_format_longer_than_a_key_is_the_plugins_fault(db, host):
    viewer = make_org(db)
    data = b"SHAPES long format"
    ShapesParser.files[data] = StatementFile(
        statements=(Statement(format="f" * 31, account=ACCOUNT, currency="EUR", lines=(CREDIT,)),)
    )
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(s, viewer, host, data)
    assert caught.value.code is PluginErrorCode.PLUGIN_FAILED
    assert caught.value.message.startswith("plugin 'shapes' returned what arapi cannot use")
    assert "statements[0].format must be a format key of 1 to 30 characters" in caught.value.message
    assert _payments(db) == []


# ---------------------------------------------------------------- keys and text a bank may send


def test_a_bank_id_holding_a_hash_is_not_taken_for_a_repeat(db, host):
    """Repeats of one id are keyed "k:K1", "k:K1#2": a bank id "K1#2" must stay its own line."""
    viewer = make_org(db)
    k1 = dataclasses.replace(CREDIT, natural_key="K1")
    repeat = dataclasses.replace(k1, amount=Decimal("2.00"))
    hashed = dataclasses.replace(CREDIT, natural_key="K1#2", amount=Decimal("555.00"))
    first = _import(db, viewer, host, _file("ids", k1, repeat, hashed))
    assert first.summary["newEntries"] == 3
    second = _import(db, viewer, host, _file("ids again", hashed, k1))
    assert (second.summary["newEntries"], second.summary["duplicateEntries"]) == (0, 2)


def test_an_unpaired_surrogate_is_refused_and_nothing_is_written(db, host):
    viewer = make_org(db)
    half_emoji = dataclasses.replace(CREDIT, counterparty_name="Dupont \ud83d SARL")
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(s, viewer, host, _file("surrogate", CREDIT, half_emoji))
    assert caught.value.code.value == "ENCODING"
    assert caught.value.message.startswith("statements[0].lines[1].counterparty_name holds an")
    assert _payments(db) == []


def test_a_statement_date_out_of_range_is_refused(db, host):
    """A payment dated year 1 (an undated credit takes the closing date) broke every matching run."""
    viewer = make_org(db)
    undated = dataclasses.replace(CREDIT, booking_date=None)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        statements.import_statement(
            s, viewer, host, _file("year one", undated, closing_date=date(1, 1, 1))
        )
    assert caught.value.code.value == "INVALID_DATE"
    assert caught.value.message == "statement closing date 0001-01-01 is outside 1900-2199"
    assert _payments(db) == []
