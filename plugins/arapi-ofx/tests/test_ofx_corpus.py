"""The OFX parser against the third-party corpus and its EXPECTED.json facts.

How the facts map to our result:

* ``statements`` lists every STMTRS/CCSTMTRS/INVSTMTRS; we leave investment
  statements out, so they are dropped from the facts before comparing, in order.
* ``total_*`` count bank and card statements only, as we do.
* A ``STMTTRN`` with no element (``*snipped*``) is counted by the facts but
  skipped by us with a warning: the count is checked with those added back.
* Sign-on failures and server errors are not in ``bad/``: their facts are zero
  statements, so we return an empty result with the server's message.
* ``bad/`` files must raise ``ParseError`` or, as their ``expected_outcome``
  allows ("reject it or report the defects"), parse with warnings.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from arapi_ofx import OfxStatementParser, parse_careful

from arapi.plugin.types import ParseError, Statement, StatementFile
from arapi.testing.contracts import StatementParserContract
from arapi.testing.corpus import corpus_files, credit_total, debit_total, expected, read

PARSER = OfxStatementParser()
GOOD = corpus_files("ofx")
BAD = corpus_files("ofx", bad=True)
_CONTRACT = StatementParserContract()


def _skipped_empty(result: StatementFile, number: int) -> int:
    """How many empty STMTTRN the parser reported skipping in statement ``number``."""
    pattern = re.compile(rf"^statement {number} \(.*empty STMTTRN.*: (\d+) transactions? ")
    return sum(int(m.group(1)) for w in result.warnings if (m := pattern.match(w)))


def check_statement(ours: Statement, theirs: dict, skipped: int) -> None:
    assert ours.format == "ofx"
    count, credits, debits = theirs["n_transactions"], theirs["credits_sum"], theirs["debits_sum"]
    assert sum(1 for line in ours.lines if line.amount > 0) == theirs["n_credits"]
    assert sum(1 for line in ours.lines if line.amount < 0) == theirs["n_debits"]
    balance = theirs.get("ledger_balance")
    if balance:
        assert ours.closing_balance == Decimal(balance)
        assert ours.closing_date.strftime("%Y%m%d") == theirs["ledger_balance_date"][:8]
    elif balance == "":
        assert ours.closing_balance is None
    assert len(ours.lines) + skipped == count
    assert credit_total(ours.lines) == Decimal(credits)
    assert debit_total(ours.lines) == Decimal(debits)
    if theirs.get("currency"):
        assert ours.currency == theirs["currency"]
        assert {line.currency for line in ours.lines} <= {theirs["currency"]}
    acct_id = theirs["account"].get("acctid")
    if acct_id:
        assert ours.account == acct_id or (ours.account or "").endswith(acct_id)
    else:
        assert ours.account is None


def check_facts(result: StatementFile, facts: dict) -> None:
    # Warnings number statements in document order, investment ones included.
    numbered = [
        (number, theirs)
        for number, theirs in enumerate(facts["statements"], 1)
        if theirs["type"] != "INVSTMTRS"
    ]
    assert len(result.statements) == len(numbered)
    bank_lines, bank_skipped = [], 0
    for ours, (number, theirs) in zip(result.statements, numbered, strict=True):
        skipped = _skipped_empty(result, number)
        check_statement(ours, theirs, skipped)
        bank_lines += ours.lines
        bank_skipped += skipped
    assert len(bank_lines) + bank_skipped == facts["total_transactions"]
    assert credit_total(bank_lines) == Decimal(facts["total_credits"])
    assert debit_total(bank_lines) == Decimal(facts["total_debits"])
    if not result.statements:
        assert result.warnings, "an empty result must say why"
    if facts.get("signon_status_code") not in (None, "0"):
        assert any(facts["signon_status_code"] in warning for warning in result.warnings)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", GOOD)
def test_corpus_file_parses(rel):
    data = read(rel)
    assert PARSER.sniff(data[: 64 * 1024]) is True
    result = PARSER.parse(data)
    _CONTRACT.check_result(result)
    facts = expected().get(rel)
    if facts:
        check_facts(result, facts)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", BAD)
def test_bad_corpus_file_is_refused_or_reported(rel):
    data = read(rel)
    facts = expected().get(rel, {})
    assert "reject" in facts.get("expected_outcome", "reject")
    try:
        result = PARSER.parse(data)
    except ParseError as error:
        assert error.message
        return
    _CONTRACT.check_result(result)
    assert result.warnings, f"{rel} parsed without reporting any defect"


@pytest.mark.corpus
@pytest.mark.parametrize("rel", GOOD + BAD)
def test_fast_and_careful_paths_agree(rel):
    data = read(rel)
    try:
        fast = PARSER.parse(data)
    except ParseError as error:
        with pytest.raises(ParseError) as careful:
            parse_careful(data)
        assert (careful.value.code, careful.value.message) == (error.code, error.message)
        return
    assert parse_careful(data) == fast


@pytest.mark.corpus
@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
@pytest.mark.parametrize("rel", GOOD)
def test_plain_ofxparse_agrees_where_it_can_read_the_file(rel):
    """Cross-check with ofxparse's own object model: same FITIDs and amounts per account."""
    from ofxparse import AccountType, OfxParser

    data = read(rel)
    try:
        theirs = OfxParser.parse(io.BytesIO(data))
    except Exception as exc:  # ofxparse refuses or crashes on many real files
        pytest.skip(f"ofxparse cannot read it: {type(exc).__name__}")
    ours = list(PARSER.parse(data).statements)
    compared = 0
    for account in theirs.accounts:
        if account.type == AccountType.Investment or not getattr(
            account.statement, "transactions", None
        ):
            continue  # trades are not statement lines; account lists have none
        mine = next((s for s in ours if account.account_id in (s.account or "")), None)
        assert mine is not None, f"account {account.account_id} missing"
        ours.remove(mine)
        assert [(line.natural_key, line.amount) for line in mine.lines] == [
            (t.id, t.amount) for t in account.statement.transactions
        ]
        compared += 1
    if not compared:
        pytest.skip("no bank or card statement to compare")
