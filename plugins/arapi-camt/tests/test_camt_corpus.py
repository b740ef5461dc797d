"""The third-party camt corpus: every file reads, and agrees with EXPECTED.json where it has facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arapi_camt import Camt053Parser, Camt054Parser

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode, StatementFile
from arapi.testing.corpus import (
    corpus_files,
    credit_total,
    debit_total,
    expected,
    read,
    require_corpus,
)

pytestmark = pytest.mark.corpus

PARSERS = {"camt.053": Camt053Parser(), "camt.054": Camt054Parser()}
FOLDER_FORMAT = {"camt053": "camt.053", "camt054": "camt.054"}

# ZIP archives are unpacked by arapi's core before parsers see them.
GOOD = [path for folder in FOLDER_FORMAT for path in corpus_files(folder) if path.endswith(".xml")]
BAD = corpus_files("camt053", bad=True) + corpus_files("camt054", bad=True)


def parse(path: str) -> StatementFile:
    fmt = FOLDER_FORMAT[path.split("/", 1)[0]]
    return PARSERS[fmt].parse(read(path))


@pytest.mark.parametrize("path", GOOD)
def test_exactly_the_right_parser_sniffs_the_file(path):
    data = read(path)
    fmt = FOLDER_FORMAT[path.split("/", 1)[0]]
    assert PluginHost.pick(PARSERS, data, None) is PARSERS[fmt]


@pytest.mark.parametrize("path", GOOD)
def test_file_parses_and_agrees_with_the_expected_facts(path):
    result = parse(path)
    assert result.statements
    for statement in result.statements:
        for line in statement.lines:
            assert isinstance(line.amount, Decimal) and len(line.currency) == 3
    facts = expected().get(path)
    if not facts:
        return  # checked elsewhere, against facts kept out of the repository
    lines = [line for statement in result.statements for line in statement.lines]
    assert len(result.statements) == facts["n_statements"]
    assert len(lines) == facts["total_transactions"]
    assert (credit_total(lines), debit_total(lines)) == (
        Decimal(facts["total_credits"]),
        Decimal(facts["total_debits"]),
    )
    for statement, want in zip(result.statements, facts["statements"], strict=True):
        check_statement(statement, want)


def check_statement(statement, want: dict) -> None:
    account = want["account"]
    assert statement.account == (account.get("iban") or account.get("other_id"))
    assert statement.statement_id == want["id"]
    if want.get("currency") is not None:
        # EXPECTED's reader looks at Acct/Ccy and the entries only; with neither it says
        # null where arapi_camt falls back to the balance currency.
        assert statement.currency == want["currency"]
    assert len(statement.lines) == want["n_entries"]
    assert (credit_total(statement.lines), debit_total(statement.lines)) == (
        Decimal(want["credits_sum"]),
        Decimal(want["debits_sum"]),
    )
    for ours, key in (
        (statement.opening_balance, "opening_balance"),
        (statement.closing_balance, "closing_balance"),
    ):
        if want.get(key) is None:
            assert ours is None
        else:
            assert ours == Decimal(want[key])
    if "balance_reconciles" in want:
        booked = sum(
            (line.amount for line in statement.lines if line.status in statement.balance_statuses),
            Decimal(0),
        )
        assert (statement.opening_balance + booked == statement.closing_balance) is (
            want["balance_reconciles"]
        )
    if "n_reversals" in want:
        assert sum(line.reversal for line in statement.lines) == want["n_reversals"]
    if "entry_statuses" in want:
        assert sorted({line.status for line in statement.lines}) == sorted(want["entry_statuses"])
    if "n_tx_details" in want:
        assert sum(len(line.details) for line in statement.lines) == want["n_tx_details"]


@pytest.mark.parametrize("path", BAD)
def test_bad_files_are_refused(path):
    facts = expected().get(path, {})
    assert "reject" in facts.get("expected_outcome", "reject")
    data = read(path)
    with pytest.raises(ParseError) as caught:
        (PARSERS["camt.054"] if Camt054Parser().sniff(data) else PARSERS["camt.053"]).parse(data)
    if facts.get("n_statements") == 0:
        assert caught.value.code is ParseErrorCode.NO_CONTENT


def test_the_corpus_is_there_when_it_should_be():
    require_corpus()
    assert len(GOOD) >= 30 and BAD


def test_batch_returns_and_references_from_the_corpus():
    """Spot checks on content EXPECTED.json does not cover."""
    require_corpus()
    oca_lines = parse("camt053/oca_test-camt053_v10.xml").statements[0].lines
    returned = oca_lines[1]
    assert returned.reversal and returned.amount == Decimal("-664.05")
    assert [d.return_reason for d in returned.details] == ["AC06", "AC06"]
    assert [d.amount for d in returned.details] == [Decimal("-564.05"), Decimal("-100.00")]
    assert oca_lines[0].bank_transaction_code == "PMNT/RDDT/ESDD"
    assert oca_lines[2].counterparty_name == "3rd party Media"
    assert oca_lines[2].counterparty_iban == "NL69ABNA0522123643"

    debit_file = parse("camt053/viafintech_053_with_debit.xml").statements[0]
    assert debit_file.opening_balance == Decimal("-33.06")  # PRCD, debit
    batch = debit_file.lines[3]
    assert [d.end_to_end_id for d in batch.details] == [
        "STZV-EtE27122013-11:02-1",
        "STZV-EtE27122013-11:02-2",
    ]
    assert debit_file.lines[1].end_to_end_id is None  # NOTPROVIDED

    dated = parse("camt053/viafintech_053_with_datetime.xml").statements[0]
    assert dated.account == "11111111" and str(dated.lines[0].booking_date) == "2023-06-21"

    five = parse("camt053/genkgo_camt053_v2_five_decimals.xml").statements[0]
    assert str(five.lines[0].amount) == "8.850"
