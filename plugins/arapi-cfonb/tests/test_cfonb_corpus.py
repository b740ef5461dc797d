"""The CFONB 120 parser against the third-party corpus and its EXPECTED.json facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arapi_cfonb import CfonbParser

from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile
from arapi.testing.corpus import (
    corpus_files,
    credit_total,
    debit_total,
    expected,
    read,
    require_corpus,
)

PARSER = CfonbParser()
GOOD = corpus_files("cfonb120")
BAD = corpus_files("cfonb120", bad=True)
OTHER = corpus_files("cfonb120/other")


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
    assert ours.format == "cfonb120"
    # The account is the French IBAN built from bank, branch and account number.
    assert ours.account.startswith("FR")
    assert ours.account[4:9] == theirs["bank"]
    assert ours.account[9:14] == theirs["branch"]
    assert ours.account[14:25] == theirs["account"]
    assert len(ours.lines) == theirs["n_transactions"]
    assert sum(1 for line in ours.lines if line.amount > 0) == theirs["n_credits"]
    assert sum(1 for line in ours.lines if line.amount < 0) == theirs["n_debits"]
    assert credit_total(ours.lines) == Decimal(theirs["credits_sum"])
    assert debit_total(ours.lines) == Decimal(theirs["debits_sum"])
    if theirs.get("currency"):
        assert ours.currency == theirs["currency"]
        assert {line.currency for line in ours.lines} <= {theirs["currency"]}
    assert ours.opening_balance == Decimal(theirs["opening_balance"])
    assert ours.closing_balance == Decimal(theirs["closing_balance"])
    assert ours.opening_date.isoformat() == theirs["opening_date"]
    assert ours.closing_date.isoformat() == theirs["closing_date"]
    if "balance_reconciles" in theirs:
        moved = sum((line.amount for line in ours.lines), Decimal(0))
        assert (ours.opening_balance + moved == ours.closing_balance) is theirs[
            "balance_reconciles"
        ]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", GOOD)
def test_corpus_file_parses_and_agrees_with_facts(rel):
    data = read(rel)
    assert PARSER.sniff(data[: 64 * 1024]) is True
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
        assert exc.code in (ParseErrorCode.MALFORMED, ParseErrorCode.INVALID_DATE)
        assert exc.line is not None
        return
    # silarhi's non-strict sample: blank entry numbers, which strict readers refuse.
    assert any("blank entry number" in w for w in result.warnings), result.warnings


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("rel", "line", "words"),
    [
        (
            "cfonb120/bad/pennylane_end_of_statement_without_beginning.txt",
            9,
            "(07) without its old balance",
        ),
        ("cfonb120/bad/pennylane_invalid_date.txt", 1, "not a DDMMYY date"),
        (
            "cfonb120/bad/pennylane_new_statement_without_previous_ended.txt",
            6,
            "before the one opened",
        ),
        (
            "cfonb120/bad/pennylane_operation_detail_without_operation.txt",
            3,
            "(05) without a preceding",
        ),
        ("cfonb120/bad/pennylane_operation_out_of_statement.txt", 1, "(04) outside a statement"),
        ("cfonb120/bad/pennylane_operation_already_defined.txt", 6, "second movement (04)"),
        ("cfonb120/bad/pennylane_operation_unstarted.txt", 1, "(05) without a preceding"),
    ],
)
def test_corpus_structure_errors_name_the_line(rel, line, words):
    with pytest.raises(ParseError) as info:
        PARSER.parse(read(rel))
    assert info.value.line == line
    assert words in str(info.value)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", OTHER)
def test_corpus_cfonb240_is_not_claimed(rel):
    data = read(rel)
    assert PARSER.sniff(data[: 64 * 1024]) is False
    with pytest.raises(ParseError) as info:
        PARSER.parse(data)
    assert info.value.code in (ParseErrorCode.UNKNOWN_FORMAT, ParseErrorCode.MALFORMED)


@pytest.mark.corpus
def test_corpus_sniff_claims_no_other_format():
    root = require_corpus()
    for folder in ("mt940", "camt053", "camt054", "ofx", "fec", "ubl"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                assert PARSER.sniff(path.read_bytes()[: 64 * 1024]) is False, path


@pytest.mark.corpus
def test_corpus_single_line_file_reads_like_the_original():
    # silarhi's reader is tested on its fixtures with the line breaks removed.
    data = read("cfonb120/silarhi_complex-test.txt")
    records = [line.ljust(120) for line in data.decode("latin-1").splitlines() if line.strip()]
    assert (
        PARSER.parse("".join(records).encode("latin-1")).statements == PARSER.parse(data).statements
    )
