"""Invoice sources (ERP connectors): incremental syncs through a plugin, on both backends."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from arapi.auth.roles import Role
from arapi.config import Settings
from arapi.errors import ArapiError
from arapi.imports import sources
from arapi.models import Customer, Event, ImportFile, Invoice
from arapi.plugin.types import InvoiceBatch, Party
from tests.helpers import (
    ListSource,
    as_role,
    erp_invoice,
    host_with_source,
    make_org,
    run_at_once,
)


def count(db, model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


ENABLED = Settings(invoice_sources=(("memory-erp", ("*",)),))


def sync(db, viewer, plugins, name="memory-erp", settings=ENABLED, timeout=5.0):
    """What the CLI and the API do: read the cursor, fetch outside any transaction, write."""
    source = sources.source_for(plugins, name, viewer, settings)
    with db.read() as s:
        cursor = sources.last_cursor(s, viewer, name)
    owner = plugins.provider_owner("source", name)
    batches = asyncio.run(sources.fetch(source, cursor, viewer.organization_name, timeout, owner))
    with db.write() as s:
        return sources.record(s, viewer, name, cursor, batches)


def refused(db, viewer, plugins, **kw) -> ArapiError:
    before = (count(db, ImportFile), count(db, Invoice))
    with pytest.raises(ArapiError) as caught:
        sync(db, viewer, plugins, **kw)
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
        events = s.scalars(
            select(Event).where(Event.action == "invoices.synced").order_by(Event.id)
        ).all()
    assert [e.data["created"] for e in events] == [5, 0, 1]


def test_an_invoice_changed_in_the_erp_is_existing_or_a_conflict_and_the_sync_goes_on(db):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1"), erp_invoice("F-2")])
    plugins = host_with_source(source)
    sync(db, viewer, plugins)
    source.documents.append(erp_invoice("F-1", due="20.00"))  # partly paid in the ERP
    source.documents.append(erp_invoice("F-2", total="999.00"))  # corrected in the ERP
    source.documents.append(erp_invoice("F-3"))
    changed = sync(db, viewer, plugins)
    assert [(i.number, i.status) for i in changed.invoices] == [
        ("F-1", "existing"),
        ("F-2", "conflict"),
        ("F-3", "created"),
    ]
    assert changed.cursor == "5", "a conflict does not hold every later sync back"
    assert any(
        "'F-2'" in w and "total 999.00 (it has 120.00)" in w and "arapi's is kept" in w
        for w in changed.warnings
    )
    with db.read() as s:
        f2 = s.scalar(select(Invoice).where(Invoice.number == "F-2"))
    assert f2.total_minor == 12000 and count(db, Invoice) == 3


def test_syncs_at_once_write_once_and_never_move_the_cursor_back(db, db_url):
    """Two syncs that fetched from the same cursor: the second waits, then finds the cursor moved."""
    viewer = make_org(db)
    early = [InvoiceBatch(invoices=(erp_invoice("F-1"),), cursor="1")]
    late = [InvoiceBatch(invoices=(erp_invoice("F-1"), erp_invoice("F-2")), cursor="2")]

    def record(batches):
        return lambda s: sources.record(s, viewer, "memory-erp", None, batches).cursor

    outcomes = run_at_once(db, db_url, [record(early), record(late)])
    assert sorted(outcomes, key=str) in (["1", "IMPORT_IN_PROGRESS"], ["2", "IMPORT_IN_PROGRESS"])
    written = next(o for o in outcomes if o != "IMPORT_IN_PROGRESS")
    with db.read() as s:
        assert sources.last_cursor(s, viewer, "memory-erp") == written
    assert count(db, ImportFile) == 1

    same = [InvoiceBatch(invoices=(erp_invoice("F-9"),), cursor="9")]
    outcomes = run_at_once(
        db, db_url, [lambda s: sources.record(s, viewer, "memory-erp", written, same).duplicate] * 3
    )
    assert sorted(outcomes) == [False, True, True]  # one writes, the others see its sync
    assert count(db, Invoice, Invoice.number == "F-9") == 1


@pytest.mark.parametrize(
    "trouble, message",
    [
        (ConnectionError("ERP unreachable"), "ConnectionError: ERP unreachable"),
        ("not a batch", "it returned str, not the InvoiceBatch it must return"),
        ("more without a cursor", "it asked to fetch more without moving its cursor"),
        ("not documents", "invoices[0] is a dict, not an InvoiceDocument"),
        ("number cursor", "cursor is an int, not a str"),
        ("number as number", "invoices[0].number is an int, not a str"),
        ("no buyer", "invoices[0].buyer is None, not a Party"),
        ("slow", "no answer within 0.2 s"),
    ],
)
def test_a_failing_source_is_source_failed_and_writes_nothing(db, trouble, message):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1")])
    if isinstance(trouble, Exception):
        source.fail = trouble
    else:
        answers = {
            "not a batch": "not a batch",
            "more without a cursor": InvoiceBatch(invoices=(), cursor=None, more=True),
            "not documents": InvoiceBatch(invoices=({"number": "F-1"},)),  # type: ignore[arg-type]
            "number cursor": InvoiceBatch(invoices=(), cursor=7),  # type: ignore[arg-type]
            "number as number": InvoiceBatch(invoices=(replace(erp_invoice("1"), number=1),)),
            "no buyer": InvoiceBatch(invoices=(replace(erp_invoice("F-1"), buyer=None),)),
        }

        async def fetch(cursor, organization):
            if trouble == "slow":
                await asyncio.sleep(5)
            return answers[trouble]

        source.fetch = fetch
    error = refused(db, viewer, host_with_source(source), timeout=0.2)
    assert error.code.value == "SOURCE_FAILED"
    assert error.message == f"invoice source 'memory-erp' (plugin test-source) failed: {message}"


def test_refusals_unknown_not_enabled_and_permission(db):
    viewer = make_org(db, "acme")
    source = ListSource([erp_invoice("F-1")])
    plugins = host_with_source(source)
    with pytest.raises(ArapiError) as caught:
        sources.source_for(plugins, "sap", viewer, ENABLED)
    assert caught.value.code.value == "UNKNOWN_SOURCE" and "memory-erp" in caught.value.message

    # A source holds one ERP's credentials: only the organizations enabled may sync from it.
    for settings in (Settings(), Settings(invoice_sources=(("memory-erp", ("beta",)),))):
        error = refused(db, viewer, plugins, settings=settings)
        assert error.code.value == "SOURCE_NOT_ENABLED" and "'acme'" in error.message
    assert source.fetched_from == [], "a source not enabled is not even called"
    only_acme = Settings(invoice_sources=(("memory-erp", ("beta", "acme")),))
    assert sync(db, viewer, plugins, settings=only_acme).invoices[0].status == "created"
    assert source.organizations == ["acme"]

    partner = as_role(viewer, Role.PARTNER)
    with pytest.raises(ArapiError) as caught:
        sources.source_for(plugins, "memory-erp", partner, ENABLED)
    assert caught.value.code.value == "FORBIDDEN"


def test_cli_sync_invoices(db, monkeypatch):
    from arapi import cli

    source = ListSource([erp_invoice("F-1"), erp_invoice("F-2")], page_size=1)
    monkeypatch.setattr(cli, "_plugins", lambda settings: host_with_source(source))
    monkeypatch.setenv("ARAPI_DATABASE_URL", db.url.replace("+psycopg", ""))
    monkeypatch.setenv("ARAPI_INVOICE_SOURCES", "other-erp=x;memory-erp=default")
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "memory-erp", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert [i["status"] for i in summary["invoices"]] == ["created", "created"]
    assert (summary["cursor"], summary["fetches"], summary["source"]) == ("2", 2, "memory-erp")
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "memory-erp"])
    assert out.exit_code == 0 and out.output == (
        "memory-erp: nothing new (the source had no new or changed documents); "
        "next sync from cursor '2'\n"
    )
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "sap", "--json"])
    assert out.exit_code == 1 and json.loads(out.output)["error"]["code"] == "UNKNOWN_SOURCE"
    source.fail = ConnectionError("ERP down")
    out = CliRunner().invoke(cli.main, ["sync", "invoices", "memory-erp", "--json"])
    assert out.exit_code == 1
    assert json.loads(out.output)["error"] == {
        "code": "SOURCE_FAILED",
        "message": "invoice source 'memory-erp' (plugin test-source) failed: ConnectionError: ERP down",
    }


def test_a_refused_document_is_reported_and_the_sync_goes_on(db):
    """Bad data in the ERP (a kind arapi does not know, a NUL, no buyer name) refuses that
    document alone: nothing of it is written, and the cursor moves on, so it comes back
    when it is corrected there, not at every sync."""
    viewer = make_org(db)
    source = ListSource(
        [
            erp_invoice("F-1"),
            replace(erp_invoice("W-1"), kind="receipt"),
            replace(erp_invoice("F-2"), buyer=Party(name="Martin\x00SARL")),
            replace(erp_invoice("F-3"), buyer=Party(name=None, siren=None)),
            replace(erp_invoice("F-4"), buyer=Party(name="Nouveau SAS")),
            # Year 9999 and no due date: the default due date overflowed, every sync failed.
            replace(erp_invoice("F-5"), issue_date=date(9999, 12, 31), due_date=None),
            # Half an emoji, as JSON cut in the middle gives it: it aborted the whole sync.
            replace(erp_invoice("F-6"), buyer=Party(name="Caf\ud83d SARL")),
        ]
    )
    result = sync(db, viewer, host_with_source(source))
    assert [(d.number, d.status) for d in result.documents] == [
        ("F-1", "created"),
        ("W-1", "refused"),
        ("F-2", "refused"),
        ("F-3", "refused"),
        ("F-4", "created"),
        ("F-5", "refused"),
        ("F-6", "refused"),
    ]
    assert result.cursor == "7" and count(db, Invoice) == 2
    refusals = [w for w in result.warnings if " refused [" in w]
    assert refusals[0].startswith("invoice 'W-1' refused [INVALID_INPUT]: unknown document kind")
    assert "refused [ENCODING]: buyer.name holds a NUL character" in refusals[1]
    assert "refused [BUYER_UNKNOWN]" in refusals[2]
    assert "refused [INVALID_INPUT]: the issue date 9999-12-31 is outside 1900-2199" in refusals[3]
    assert "refused [ENCODING]: buyer.name holds an unpaired surrogate" in refusals[4]
    with db.read() as s:
        names = sorted(s.scalars(select(Customer.name)))
    assert names == ["Dupont SA", "Nouveau SAS"], "a refused document leaves no customer behind"


def test_a_conflict_creates_no_customer_and_a_late_duplicate_reports_the_current_cursor(db):
    viewer = make_org(db)
    source = ListSource([erp_invoice("F-1")])
    plugins = host_with_source(source)
    sync(db, viewer, plugins)
    moved_to = Party(name="Martin SARL")  # another company, unknown to arapi
    source.documents.append(replace(erp_invoice("F-1"), buyer=moved_to))
    moved = sync(db, viewer, plugins)
    assert [d.status for d in moved.documents] == ["conflict"]
    assert "customer 'Martin SARL' (it belongs to another customer)" in moved.warnings[0]
    assert count(db, Customer) == 1, "comparing with a known number creates nothing"

    quiet = [InvoiceBatch(invoices=(), cursor="2")]
    with db.write() as s:
        sources.record(s, viewer, "memory-erp", "2", quiet)
    source.documents.append(erp_invoice("F-9"))
    sync(db, viewer, plugins)  # the cursor is now 3
    with db.write() as s:
        late = sources.record(s, viewer, "memory-erp", "2", quiet)  # fetched before that
    assert late.duplicate and late.cursor == "3"


def test_settings_merge_repeated_sources_and_refuse_a_zero_timeout(monkeypatch):
    monkeypatch.setenv("ARAPI_INVOICE_SOURCES", "odoo=acme;sage=*; odoo = beta")
    settings = Settings.from_env()
    assert sources.enabled_for(settings, "odoo", "acme") and sources.enabled_for(
        settings, "odoo", "beta"
    )
    assert sources.enabled_for(settings, "sage", "anyone")
    assert not sources.enabled_for(settings, "odoo", "gamma")
    monkeypatch.setenv("ARAPI_SOURCE_FETCH_TIMEOUT", "0")
    with pytest.raises(ArapiError, match="ARAPI_SOURCE_FETCH_TIMEOUT must be a number of seconds"):
        Settings.from_env()
