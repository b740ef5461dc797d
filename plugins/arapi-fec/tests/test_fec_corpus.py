"""The FEC reader and the open-receivables output on the third-party corpus."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from arapi_fec import FecInvoiceParser
from arapi_fec.reader import SEPARATOR_NAMES, read_fec

from arapi.plugin.types import ParseError
from arapi.testing.corpus import corpus_files, expected, read

pytestmark = pytest.mark.corpus

GOOD = corpus_files("fec") or ["(corpus absent)"]
BAD = corpus_files("fec", bad=True) or [
    pytest.param(
        "(no bad FEC files)", marks=pytest.mark.skip(reason="no bad FEC files in the corpus")
    )
]


def _net_of_customer_accounts(data: bytes) -> Decimal:
    """The 411 accounts' balance, read with nothing but str.split: an independent check."""
    text = data.decode("latin-1")
    header, *rows = [row.rstrip("\r") for row in text.split("\n") if row.strip()]
    sep = "|" if header.count("|") > header.count("\t") else "\t"
    names = [name.strip().casefold() for name in header.split(sep)]
    account, debit, credit = names.index("comptenum"), names.index("debit"), names.index("credit")

    def number(cell: str) -> Decimal:
        return Decimal(cell.strip().replace(",", ".") or "0")

    net = Decimal(0)
    for row in rows:
        cells = row.split(sep)
        if cells[account].strip().startswith("411"):
            net += number(cells[debit]) - number(cells[credit])
    return net


@pytest.mark.parametrize("relative", GOOD)
def test_line_reader_agrees_with_expected_facts(relative):
    data = read(relative)
    ledger = read_fec(data)
    facts = expected().get(relative)
    if not facts:
        pytest.skip(f"no published facts for {relative}; it is checked elsewhere")
    assert len(ledger.lines) == facts["n_lines"]
    assert ledger.entry_count == facts["n_entries"]
    assert ledger.debit_total == Decimal(facts["debit_total"])
    assert ledger.credit_total == Decimal(facts["credit_total"])
    assert (ledger.debit_total == ledger.credit_total) is facts["balanced"]
    assert list(ledger.columns) == facts["columns"]
    assert len(ledger.columns) == facts["n_columns"]
    assert SEPARATOR_NAMES[ledger.separator] == facts["separator"]
    assert ledger.lines_per_journal == facts["lines_per_journal"]
    dates = sorted(line.ecriture_date for line in ledger.lines)
    assert dates[0].strftime("%Y%m%d") == facts["first_ecriture_date"]
    assert dates[-1].strftime("%Y%m%d") == facts["last_ecriture_date"]
    if "not UTF-8" in facts.get("encoding", ""):
        assert not ledger.encoding.startswith("utf-8")


@pytest.mark.parametrize("relative", GOOD)
def test_open_receivables_add_up_to_the_customer_balance(relative):
    data = read(relative)
    result = FecInvoiceParser().parse(data)
    invoices = [i for i in result.invoices if i.kind == "invoice"]
    credits = [i for i in result.invoices if i.kind == "credit_note"]
    open_total = sum((i.amount_due for i in invoices), Decimal(0)) - sum(
        (i.amount_due for i in credits), Decimal(0)
    )
    assert all(i.currency == "EUR" for i in result.invoices)  # the independent sum is in EUR
    assert open_total == _net_of_customer_accounts(data)
    assert all(Decimal(0) < i.amount_due <= i.total_with_tax for i in result.invoices)
    assert len({i.number for i in result.invoices}) == len(result.invoices)
    by_customer = defaultdict(set)
    for invoice in result.invoices:
        by_customer[invoice.buyer.other_ids].add(invoice.buyer.name)
    assert all(len(names) == 1 for names in by_customer.values())  # one name per customer id


@pytest.mark.parametrize("relative", BAD)
def test_bad_files_are_refused_or_warned(relative):
    data = read(relative)
    try:
        result = FecInvoiceParser().parse(data)
    except ParseError:
        return
    assert result.warnings
