"""Every statement file of the shared corpus through the import service into a real database."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.imports import statements
from arapi.models import BankStatement, Event, ImportFile, Payment, StatementEntry
from arapi.testing.corpus import corpus_files, expected, read, require_corpus
from tests.helpers import make_org

FOLDERS = ["ofx", "camt053", "camt054", "mt940", "mt940/mt942", "cfonb120", "cfonb120/other"]
GOOD = [p for folder in FOLDERS for p in corpus_files(folder)]
BAD = [
    p for folder in ("ofx", "camt053", "mt940", "cfonb120") for p in corpus_files(folder, bad=True)
]
SKIPPED = re.compile(r"skipped: (\d+) transactions?")
TABLES = (ImportFile, BankStatement, StatementEntry, Payment, Event)

pytestmark = pytest.mark.corpus


def rows(db):
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in TABLES)


def run_import(db, viewer, plugins, rel):
    data = read(rel)
    with db.write() as s:
        return statements.import_statement(
            s, viewer, plugins, data, filename=rel.rsplit("/", 1)[-1]
        )


@pytest.mark.parametrize("rel", GOOD or ["<no corpus>"])
def test_good_files_import_and_agree_with_expected(db, plugins, rel):
    root = require_corpus()
    viewer = make_org(db)
    facts = expected().get(rel)
    if rel.startswith("cfonb120/other"):
        # A CFONB 240 file is not a statement we import: coded refusal, nothing written.
        before = rows(db)
        with pytest.raises(ArapiError):
            run_import(db, viewer, plugins, rel)
        assert rows(db) == before
        return
    result = run_import(db, viewer, plugins, rel)
    summary = result.to_json()
    assert not result.duplicate
    if facts and "total_transactions" in facts:
        # Elements with no content at all (an empty OFX STMTTRN) are skipped, and said so.
        skipped = sum(int(m.group(1)) for w in summary["warnings"] if (m := SKIPPED.search(w)))
        assert summary["entryCount"] + skipped == facts["total_transactions"], rel
        assert Decimal(summary["creditTotal"]) == Decimal(facts["total_credits"]), rel
        assert Decimal(summary["debitTotal"]) == Decimal(facts["total_debits"]), rel
        stated = [s for s in facts.get("statements", [])]
        if stated and len(stated) == len(summary["statements"]):
            for ours, theirs in zip(summary["statements"], stated, strict=True):
                assert Decimal(ours["creditTotal"]) == Decimal(theirs["credits_sum"]), rel
                assert Decimal(ours["debitTotal"]) == Decimal(theirs["debits_sum"]), rel
    with db.read() as s:
        written = s.scalar(select(func.count()).select_from(StatementEntry))
    assert written == summary["newEntries"] <= summary["entryCount"]
    # Importing the same bytes again writes nothing and says so.
    before = rows(db)
    again = run_import(db, viewer, plugins, rel)
    assert again.duplicate and rows(db) == before
    assert root


@pytest.mark.parametrize("rel", BAD or ["<no corpus>"])
def test_bad_files_give_a_coded_error_and_write_nothing_or_a_warning(db, plugins, rel):
    require_corpus()
    viewer = make_org(db)
    before = rows(db)
    try:
        result = run_import(db, viewer, plugins, rel)
    except ArapiError as exc:
        assert exc.code.value.isupper() and exc.message
        assert rows(db) == before
        return
    # Accepted bad files are the documented tolerant cases: they must say what is wrong.
    assert result.to_json()["warnings"], f"{rel} imported silently"


@pytest.mark.parametrize(
    ("rel", "payments", "returns"),
    [
        # GVC 109 "SEPA-LASTSCHR. RETOURE CORE": a direct debit charged back, no ?34 code.
        ("mt940/jejik_deutschebank.txt", 0, 1),
        # A credit :61:...C1,57NRTI with /RTRN/MS03 (a transfer sent out, credited back: not a
        # payment) and a debit D12,75NRTI with /RTRN/MS03 (a direct debit charged back).
        ("mt940/oca_test-ing-old.940", None, 1),
    ],
)
def test_r_transactions_of_real_files_are_returns_not_payments(db, plugins, rel, payments, returns):
    require_corpus()
    viewer = make_org(db)
    summary = run_import(db, viewer, plugins, rel).to_json()
    assert summary["returnsRecorded"] == returns
    if payments is not None:
        assert summary["paymentsCreated"] == payments
    with db.read() as s:
        returned = s.scalars(
            select(StatementEntry).where(StatementEntry.return_reason.is_not(None))
        )
        for entry in returned:  # every return keeps its reason, and none became a payment
            assert entry.return_reason == "MS03" or len(entry.return_reason) == 4
            assert s.scalar(select(Payment).where(Payment.statement_entry_id == entry.id)) is None
