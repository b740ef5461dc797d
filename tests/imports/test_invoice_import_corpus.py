"""Every invoice file of the shared corpus through the import service into a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.imports.errors import ImportErrorCode
from arapi.imports.invoices import import_invoices
from arapi.models import Allocation, Customer, Event, ImportFile, Invoice
from arapi.money import to_minor
from arapi.plugin.types import ParseErrorCode
from arapi.repositories import invoices as invoice_repo
from arapi.testing.corpus import corpus_files, expected, read, require_corpus
from tests.helpers import make_org

FOLDERS = ["facturx_cii", "facturx_pdf", "ubl", "fec"]
GOOD = [p for folder in FOLDERS for p in corpus_files(folder)]
BAD = [p for folder in FOLDERS for p in corpus_files(folder, bad=True)]
TABLES = (Customer, Invoice, Allocation, ImportFile, Event)
CODES = {c.value for c in ParseErrorCode} | {c.value for c in ImportErrorCode}

pytestmark = pytest.mark.corpus


def rows(db) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in TABLES)


def run_import(db, viewer, plugins, rel: str):
    data = read(rel)
    with db.write() as s:
        return import_invoices(s, viewer, plugins, data, filename=rel.rsplit("/", 1)[-1])


def fact_date(text: str) -> date:
    """EXPECTED dates are YYYYMMDD (CII) or YYYY-MM-DD (UBL)."""
    return date.fromisoformat(text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:]}")


def open_expected(total: Decimal, due: Decimal, currency: str) -> int:
    """What the import leaves open: the amount due, within 0 .. total (signs as stored)."""
    sign = -1 if total < 0 else 1
    total_minor, due_minor = to_minor(total * sign, currency), to_minor(due * sign, currency)
    return min(max(due_minor, 0), total_minor)


@pytest.mark.parametrize("rel", GOOD or ["<no corpus>"])
def test_good_files_import_and_agree_with_expected(db, plugins, rel):
    require_corpus()
    viewer = make_org(db)
    result = run_import(db, viewer, plugins, rel)
    summary = result.to_json()
    assert not result.duplicate and result.invoices, rel
    assert all(i.status == "created" for i in result.invoices)

    with db.read() as s:
        stored = {i.invoice_id: invoice_repo.get_row(s, viewer.organization_id, i.invoice_id)
                  for i in result.invoices}  # fmt: skip
        customers = {c.id: c for c in s.scalars(select(Customer))}
    assert rows(db)[1] == len(result.invoices)
    for imported, json_invoice in zip(result.invoices, summary["invoices"], strict=True):
        row = stored[imported.invoice_id]
        cur = imported.currency
        # Stored as printed, a negative document turned into its opposite kind.
        sign = -1 if imported.total_with_tax < 0 else 1
        assert row.invoice.total_minor == to_minor(imported.total_with_tax * sign, cur)
        assert row.invoice.kind == imported.kind
        assert row.open_minor == open_expected(imported.total_with_tax, imported.amount_due, cur)
        assert row.invoice.number == imported.number == json_invoice["number"]
        assert row.invoice.issue_date == imported.issue_date
        if imported.due_date is not None:
            assert row.invoice.due_date == imported.due_date
        assert Decimal(json_invoice["totalWithTax"]) == imported.total_with_tax
        assert Decimal(json_invoice["amountDue"]) == imported.amount_due
        if imported.buyer_name:
            assert customers[row.invoice.customer_id].name == imported.buyer_name

    facts = expected().get(rel)
    if facts and "invoice_number" in facts:
        assert len(result.invoices) == 1
        got, row = summary["invoices"][0], next(iter(stored.values()))
        assert got["number"] == facts["invoice_number"]
        assert got["issueDate"] == fact_date(facts["issue_date"]).isoformat()
        assert row.invoice.issue_date == fact_date(facts["issue_date"])
        if facts.get("due_date"):
            assert got["dueDate"] == fact_date(facts["due_date"]).isoformat()
            assert row.invoice.due_date == fact_date(facts["due_date"])
        else:
            assert got["dueDate"] is None
        assert got["currency"] == facts["currency"] == row.invoice.currency
        total = Decimal(facts["total_with_tax"])
        assert Decimal(got["totalWithTax"]) == total
        assert row.invoice.total_minor == to_minor(abs(total), facts["currency"])
        if facts.get("amount_due") is not None:
            due = Decimal(facts["amount_due"])
            assert Decimal(got["amountDue"]) == due
            assert row.open_minor == open_expected(total, due, facts["currency"])
        for key, field in (("buyer_name", "buyerName"), ("seller_name", "sellerName")):
            if facts.get(key):
                assert got[field] == facts[key], key
        if facts.get("buyer_name"):
            assert customers[row.invoice.customer_id].name == facts["buyer_name"]

    # The same bytes again: the stored summary, nothing written (what was created exists now).
    before = rows(db)
    again = run_import(db, viewer, plugins, rel)
    replayed = [
        {**invoice, "status": "existing" if invoice["status"] == "created" else invoice["status"]}
        for invoice in summary["invoices"]
    ]
    assert again.duplicate and again.to_json() == {
        **summary,
        "invoices": replayed,
        "duplicate": True,
    }
    assert rows(db) == before


@pytest.mark.parametrize("rel", [p for p in GOOD if p.startswith("fec/")] or ["<no corpus>"])
def test_fec_open_receivables_add_up_to_what_the_plugin_reports(db, plugins, rel):
    require_corpus()
    viewer = make_org(db)
    data = read(rel)
    parsed = plugins.invoice_parsers()["fec"].parse(data)
    reported = sum(
        (d.amount_due if d.kind == "invoice" else -d.amount_due for d in parsed.invoices),
        Decimal(0),
    )
    result = run_import(db, viewer, plugins, rel)
    assert len(result.invoices) == len(parsed.invoices)
    with db.read() as s:
        found = invoice_repo.get_rows(
            s, viewer.organization_id, [i.invoice_id for i in result.invoices]
        )
    open_net = sum(r.open_minor if r.invoice.kind == "invoice" else -r.open_minor
                   for r in found.values())  # fmt: skip
    assert open_net == to_minor(reported, "EUR")
    # One customer per 411 sub-account, each found again by its external ref.
    refs = {i.buyer.other_ids for i in parsed.invoices}
    assert rows(db)[0] == len(refs)


@pytest.mark.parametrize("rel", BAD or ["<no corpus>"])
def test_bad_files_give_a_coded_error_or_the_documented_warning(db, plugins, rel):
    require_corpus()
    viewer = make_org(db)
    facts = expected().get(rel) or {}
    before = rows(db)
    try:
        result = run_import(db, viewer, plugins, rel)
    except ArapiError as exc:
        assert exc.code.value in CODES, exc
        assert exc.message
        assert rows(db) == before, "a refused file must write nothing"
        return
    # The einvoice plugin reads arithmetic defects as warnings, and an invoice that a
    # damaged PDF names only in its associated files (its README): the import
    # reports the very defect the corpus notes name, or the damage.
    documented = [n for n in facts.get("notes", []) if n.startswith("arithmetic:")]
    damage = [w for w in result.warnings if "(/AF)" in w or w.startswith("damaged PDF")]
    assert documented or damage, f"{rel} imported without a documented defect"
    assert all(note in result.warnings for note in documented), result.warnings
    assert rows(db)[1] == before[1] + len(result.invoices)
