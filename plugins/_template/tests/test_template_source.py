"""Tests of the template's invoice source: the arapi contract, then paging and the cursor."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from arapi_plugin_template import ExampleErpSource

from arapi.testing.contracts import InvoiceSourceContract


def export(tmp_path, rows) -> str:
    path = tmp_path / "erp.json"
    path.write_text(json.dumps({"invoices": rows}), encoding="utf-8")
    return str(path)


def row(seq: int, number: str, total: str = "120.00", **kw) -> dict:
    return {
        "id": kw.pop("id", seq),
        "seq": seq,
        "number": number,
        "issue_date": "2025-01-10",
        "due_date": "2025-02-09",
        "currency": "eur",
        "total": total,
        "buyer": {"name": "Dupont SA", "siren": "552120222"},
        **kw,
    }


ROWS = [row(n, f"F-{n}") for n in range(1, 6)]


class TestExampleErpSourceContract(InvoiceSourceContract):
    @pytest.fixture(autouse=True)
    def connect(self, tmp_path):
        self.source = ExampleErpSource(export(tmp_path, ROWS), page_size=2)


def test_pages_follow_the_change_counter(tmp_path):
    source = ExampleErpSource(export(tmp_path, list(reversed(ROWS))), page_size=2)
    first = asyncio.run(source.fetch(None, "acme"))
    assert [d.number for d in first.invoices] == ["F-1", "F-2"]
    assert (first.cursor, first.more) == ("2", True)
    last = asyncio.run(source.fetch("4", "acme"))
    assert [d.number for d in last.invoices] == ["F-5"] and not last.more
    assert last.invoices[0].currency == "EUR" and str(last.invoices[0].total_with_tax) == "120.00"
    nothing = asyncio.run(source.fetch("5", "acme"))
    assert nothing.invoices == () and nothing.cursor == "5" and not nothing.more


def test_json_numbers_are_read_as_decimals(tmp_path):
    path = tmp_path / "erp.json"
    numbers = json.dumps(row(1, "F-1")).replace('"120.00"', "0.1")  # a number, not a string
    path.write_text('{"invoices": [' + numbers + "]}", encoding="utf-8")
    (document,) = asyncio.run(ExampleErpSource(str(path)).fetch(None, "acme")).invoices
    assert document.total_with_tax == Decimal("0.1")  # not 0.1000000000000000055511151231257827


def test_a_changed_invoice_comes_again_under_its_erp_id(tmp_path):
    rows = [*ROWS, row(6, "F-1", id=1, due="20.00")]  # F-1 partly paid in the ERP
    batch = asyncio.run(ExampleErpSource(export(tmp_path, rows)).fetch("5", "acme"))
    (document,) = batch.invoices
    assert document.external_ref == "example-erp:1" and str(document.amount_due) == "20.00"


def test_the_export_path_is_read_when_a_sync_runs(monkeypatch, tmp_path):
    source = ExampleErpSource()  # as the hook builds it, before any configuration is read
    monkeypatch.delenv("ARAPI_EXAMPLE_ERP_FILE", raising=False)
    with pytest.raises(RuntimeError, match="ARAPI_EXAMPLE_ERP_FILE"):
        asyncio.run(source.fetch(None, "acme"))
    monkeypatch.setenv("ARAPI_EXAMPLE_ERP_FILE", export(tmp_path, ROWS))
    assert len(asyncio.run(source.fetch(None, "acme")).invoices) == 5
