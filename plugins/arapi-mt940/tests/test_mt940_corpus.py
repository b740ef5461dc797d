"""The MT940 parser against the third-party corpus and its EXPECTED.json facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arapi_mt940 import Mt940Parser

from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile
from arapi.testing.corpus import (
    corpus_files,
    credit_total,
    debit_total,
    expected,
    read,
    require_corpus,
)

PARSER = Mt940Parser()
GOOD = corpus_files("mt940")
BAD = corpus_files("mt940", bad=True)
INTERIM = corpus_files("mt940/mt942")


def _same_account(ours: str | None, theirs: str, currency: str | None) -> bool:
    """Ours drops blanks and a trailing currency code ("NL77INGB0574908765EUR" -> "NL77INGB0574908765")."""
    raw = theirs.strip()
    candidates = {raw, raw.replace(" ", "")}
    if currency and raw.endswith(currency):
        candidates |= {raw[: -len(currency)].strip(), raw[: -len(currency)].replace(" ", "")}
    return ours in candidates


def check_facts(result: StatementFile, facts: dict) -> None:
    statements = result.statements
    lines = [line for s in statements for line in s.lines]
    assert len(statements) == facts["n_statements"]
    assert len(lines) == facts["total_transactions"]
    assert credit_total(lines) == Decimal(facts["total_credits"])
    assert debit_total(lines) == Decimal(facts["total_debits"])
    for ours, theirs in zip(statements, facts["statements"], strict=True):
        check_statement(ours, theirs)


def check_statement(ours: Statement, theirs: dict) -> None:
    assert ours.format == "mt940"
    assert len(ours.lines) == theirs["n_transactions"]
    assert sum(1 for line in ours.lines if line.amount > 0) == theirs["n_credits"]
    assert sum(1 for line in ours.lines if line.amount < 0) == theirs["n_debits"]
    assert sum(1 for line in ours.lines if line.reversal) == theirs.get("n_reversals", 0)
    assert credit_total(ours.lines) == Decimal(theirs["credits_sum"])
    assert debit_total(ours.lines) == Decimal(theirs["debits_sum"])
    if theirs.get("currency"):
        assert ours.currency == theirs["currency"]
        assert {line.currency for line in ours.lines} <= {theirs["currency"]}
    if "account" in theirs:
        assert _same_account(ours.account, theirs["account"], ours.currency), (
            ours.account,
            theirs["account"],
        )
    if "statement_number" in theirs:
        assert ours.statement_id == theirs["statement_number"].replace("\n", "")
    for side, amount, day in (
        ("opening_balance", ours.opening_balance, ours.opening_date),
        ("closing_balance", ours.closing_balance, ours.closing_date),
    ):
        balance = theirs.get(side)
        if balance is None:
            assert amount is None
            continue
        assert amount == Decimal(balance["signed"])
        assert day.isoformat() == balance["date"]
        if balance["currency"]:
            assert ours.currency == balance["currency"]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", GOOD)
def test_corpus_file_parses_and_agrees_with_facts(rel):
    data = read(rel)
    result = PARSER.parse(data)
    assert result.statements
    for statement in result.statements:
        for line in statement.lines:
            assert isinstance(line.amount, Decimal) and len(line.currency) == 3
            assert line.natural_key is None
    facts = expected().get(rel)
    if facts:
        check_facts(result, facts)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", BAD)
def test_corpus_bad_file_is_refused_or_warned(rel):
    data = read(rel)
    try:
        result = PARSER.parse(data)
    except ParseError as exc:
        assert exc.code in set(ParseErrorCode)
        return
    assert result.warnings, f"{rel} parsed without a word"


@pytest.mark.corpus
@pytest.mark.parametrize("rel", INTERIM)
def test_corpus_mt942_reads_as_an_interim_report(rel):
    data = read(rel)
    assert PARSER.sniff(data[: 64 * 1024]) is True
    result = PARSER.parse(data)
    [statement] = result.statements
    assert (statement.account, statement.currency) == ("PL29114010810000267002001002", "PLN")
    assert credit_total(statement.lines) == Decimal("0.03") and debit_total(statement.lines) == 0
    assert len(statement.lines) == 3 and statement.opening_balance is None
    assert "MT942 interim report" in result.warnings[0] and len(result.warnings) == 1


@pytest.mark.corpus
def test_corpus_sniff_claims_real_statements_and_nothing_else():
    root = require_corpus()
    claimed = {rel for rel in GOOD if PARSER.sniff(read(rel)[: 64 * 1024])}
    # The two fragments without :20: (a balance list, a lone :61:) are parsed but not sniffed.
    assert len(claimed) >= len(GOOD) - 2
    for folder in ("cfonb120", "camt053", "camt054", "ofx"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                assert PARSER.sniff(path.read_bytes()[: 64 * 1024]) is False, path


@pytest.mark.corpus
def test_corpus_rc_reversal_is_a_debit():
    # ":61:0709040904RCR204,88NRTI" is a reversed credit (funds code R), so money out;
    # the mt-940 library reads it as a credit.
    result = PARSER.parse(read("mt940/betterplace_sepa_mt9401.sta"))
    reversed_lines = [line for s in result.statements for line in s.lines if line.reversal]
    assert [line.amount for line in reversed_lines] == [Decimal("-204.88")] * 2
