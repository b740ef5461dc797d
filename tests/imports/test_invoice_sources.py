"""Invoice sources (ERP connectors): incremental syncs through a plugin, on both backends."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from arapi.auth.roles import Role
from arapi.errors import ArapiError
from arapi.imports import sources
from arapi.models import Event, ImportFile, Invoice
from arapi.plugin.types import InvoiceBatch
from tests.helpers import ListSource, as_role, erp_invoice, host_with_source, make_org


def count(db, model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def sync(db, viewer, plugins, name="memory-erp"):
    """What the CLI and the API do: read the cursor, fetch outside any transaction, write."""
    source = sources.source_for(plugins, name)
    with db.read() as s:
        cursor = sources.last_cursor(s, viewer, name)
    batches = asyncio.run(sources.fetch(source, cursor))
    with db.write() as s:
        return sources.record(s, viewer, name, cursor, batches)


def refused(db, viewer, plugins) -> ArapiError:
    before = (count(db, ImportFile), count(db, Invoice))
    with pytest.raises(ArapiError) as caught:
        sync(db, viewer, plugins)
    assert (count(db, ImportFile), count(db, Invoice)) == before, "a refused sync writes nothing"
    return caught.value


def test_syncs_are_incremental_and_follow_the_pages(db):
    viewer = make_org(db)
    source = ListSource([erp_invoice(f"F-{n}") for n in range(1, 6)], page_size=2)
    plugins = host_with_source(source)

    first = sync(db, viewer, plugins)
    assert [i.status for i in first.invoices] == ["created"] * 5 and not first.duplicate
    assert (first.fetches, first.cursor) == (3, "5") and source.fetched_from == [None, "2", "4"]
    assert count(db, Invoice) == 5

    quiet = sync(db, viewer, plugins)  # nothing changed in the ERP
    assert (quiet.invoices, quiet.cursor, source.fetched_from[-1]) == ([], "5", "5")

    source.documents.append(erp_invoice("F-6", total="60.00"))
    later = sync(db, viewer, plugins)
    assert [(i.number, i.status) for i in later.invoices] == [("F-6", "created")]
    assert later.cursor == "6" and count(db, Invoice) == 6
    with db.read() as s:
        assert sources.last_cursor(s, viewer, "memory-erp") == "6"
        events = s.scalars(select(Event).where(Event.action == "invoices.synced").order_by(Event.id)).all()
    assert [e.data["created"] for e in events] == [5, 0, 1]


def test_an_invoice_changed_in_the_erp_is_existing_and_a_repeat_is_a_duplicate(db):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1")])
    plugins = host_with_source(source)
    sync(db, viewer, plugins)
    source.documents.append(erp_invoice("F-1", due="20.00"))  # partly paid in the ERP
    changed = sync(db, viewer, plugins)
    assert [i.status for i in changed.invoices] == ["existing"] and count(db, Invoice) == 1

    # Two syncs started together fetch the same batch from the same cursor: one writes.
    batches = [InvoiceBatch(invoices=(erp_invoice("F-9"),), cursor="9")]
    with db.write() as s:
        first = sources.record(s, viewer, "memory-erp", "2", batches)
    with db.write() as s:
        second = sources.record(s, viewer, "memory-erp", "2", batches)
    assert not first.duplicate and second.duplicate and second.sync_id == first.sync_id
    assert count(db, Invoice, Invoice.number == "F-9") == 1


@pytest.mark.parametrize(
    "trouble, message",
    [
        (ConnectionError("ERP unreachable"), "ConnectionError: ERP unreachable"),
        ("not a batch", "it returned str, not an InvoiceBatch"),
        ("more without a cursor", "it asked to fetch more without moving its cursor"),
    ],
)
def test_a_failing_source_is_source_failed_and_writes_nothing(db, trouble, message):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1")])
    if isinstance(trouble, Exception):
        source.fail = trouble
    elif trouble == "not a batch":

        async def fetch(cursor):
            return "not a batch"

        source.fetch = fetch
    else:

        async def fetch(cursor):
            return InvoiceBatch(invoices=(erp_invoice("F-1"),), cursor=cursor, more=True)

        source.fetch = fetch
    error = refused(db, viewer, host_with_source(source))
    assert error.code.value == "SOURCE_FAILED"
    assert error.message == f"invoice source 'memory-erp' failed: {message}"


def test_refusals_unknown_source_nul_conflict_and_permission(db):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1")])
    plugins = host_with_source(source)
    with pytest.raises(ArapiError) as caught:
        sources.source_for(plugins, "sap")
    assert caught.value.code.value == "UNKNOWN_SOURCE" and "memory-erp" in caught.value.message

    source.documents = [erp_invoice("F-1", buyer="Dupont\x00SA")]
    assert refused(db, viewer, plugins).code.value == "ENCODING"

    source.documents = [erp_invoice("F-1"), erp_invoice("F-1", total="999.00")]
    assert refused(db, viewer, plugins).code.value == "INVOICE_CONFLICT"

    partner = as_role(viewer, Role.PARTNER)
    with pytest.raises(ArapiError) as caught, db.read() as s:
        sources.last_cursor(s, partner, "memory-erp")
    assert caught.value.code.value == "FORBIDDEN"


def test_cli_sync_invoices(db, monkeypatch):
    from arapi import cli

    source = ListSource([erp_invoice("F-1"), erp_invoice("F-2")], page_size=1)
    monkeypatch.setattr(cli, "_plugins", lambda settings: host_with_source(source))
    monkeypatch.setenv("ARAPI_DATABASE_URL", db.url.replace("+psycopg", ""))
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "memory-erp", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert [i["status"] for i in summary["invoices"]] == ["created", "created"]
    assert (summary["cursor"], summary["fetches"], summary["source"]) == ("2", 2, "memory-erp")
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "memory-erp"])
    assert out.exit_code == 0 and "memory-erp: 0 documents" in out.output and "'2'" in out.output
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "sap", "--json"])
    assert out.exit_code == 1 and json.loads(out.output)["error"]["code"] == "UNKNOWN_SOURCE"
