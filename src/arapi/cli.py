"""The ``arapi`` command line."""

from __future__ import annotations

import json
import sys
from collections import Counter

import click

from arapi.config import Settings
from arapi.errors import ArapiError


def _settings(as_json: bool = False) -> Settings:
    try:
        return Settings.from_env()
    except ArapiError as exc:  # a malformed ARAPI_* variable (e.g. ARAPI_CORS_ORIGINS)
        _fail(exc, as_json)
        raise  # unreachable: _fail exits


def _database(settings: Settings):
    """The database, refused (``DATABASE_NOT_MIGRATED``) unless migrated to the latest revision."""
    from arapi.db import Database
    from arapi.db.migrate import require_migrated

    database = Database(settings.database_url)
    try:
        require_migrated(database.engine)
    except BaseException:
        database.dispose()
        raise
    return database


def _shown_url(url: str) -> str:
    """A database URL fit to print: without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: nothing to hide, it will fail on use
        return url


def _fail(exc: ArapiError, as_json: bool = False) -> None:
    if as_json:
        click.echo(json.dumps({"error": {"code": exc.code.value, "message": exc.message}}))
    else:
        click.echo(f"error [{exc.code.value}]: {exc.message}", err=True)
    sys.exit(1)


@click.group(help="arapi: accounts-receivable and credit-management backend.")
@click.version_option(package_name="arapi")
def main() -> None:
    pass


@main.command(help="Serve the GraphQL API (GraphiQL at /graphql in a browser).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from arapi.app import app_from_env

    settings = _settings()
    try:  # plugins and the database are checked here, before uvicorn starts
        app = app_from_env()
    except ArapiError as exc:
        _fail(exc)
    click.echo(
        f"arapi on http://{host}:{port}/graphql (database {_shown_url(settings.database_url)})",
        err=True,
    )
    if workers > 1:
        app.state.db.dispose()  # each worker builds its own app
        uvicorn.run("arapi.app:app_from_env", factory=True, host=host, port=port, workers=workers)
    else:
        uvicorn.run(app, host=host, port=port)


@main.group(help="Database maintenance.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply every pending migration (ARAPI_DATABASE_URL).")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    from arapi.db.migrate import upgrade

    upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}", err=True)


@db.command("downgrade", help="Step the schema back to REVISION (e.g. -1 or base).")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    from arapi.db.migrate import downgrade

    downgrade(_settings().database_url, revision)


@main.group(help="Organizations (tenants).")
def org() -> None:
    pass


@org.command("create", help="Create an organization named NAME.")
@click.argument("name")
def org_create(name: str) -> None:
    from arapi.auth import service

    try:
        with _database(_settings()).write() as session:
            created = service.create_organization(session, name)
    except ArapiError as exc:
        _fail(exc)
    click.echo(f"organization {created.name!r} created", err=True)


# Options shared by the commands that work for one organization.
_org_option = click.option(
    "--org", "org_name", default=None, help="Organization (default: the default organization)."
)
_json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON summary on stdout."
)


@main.group(help="API keys.")
def apikey() -> None:
    pass


@apikey.command(
    "create",
    help="Create an API key for an organization and print it on stdout (only a hash is stored: keep it). "
    "Roles: admin, collector, integrator, partner (read-only, only granted customers: see --grant).",
)
@click.option("--org", "org_name", required=True, help="Organization name.")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "collector", "integrator", "partner"])
)
@click.option("--name", default="", help="A label to tell keys apart.")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    help="Partner keys: customer external ref to grant (repeatable).",
)
def apikey_create(org_name: str, role: str, name: str, grants: tuple[str, ...]) -> None:
    from arapi.auth import service
    from arapi.repositories import customers

    try:
        with _database(_settings()).write() as session:
            organization = service.organization_by_name(session, org_name)
            raw = service.create_api_key(session, organization, role, name)
            for ref in grants:
                customer = customers.by_external_ref(session, organization.id, ref)
                if customer is None:
                    raise ArapiError(
                        service.CommonErrorCode.NOT_FOUND, f"no customer with external ref {ref!r}"
                    )
                service.grant_customer(session, raw, customer.id)
    except ArapiError as exc:
        _fail(exc)
    click.echo(raw)


@apikey.command("list", help="List an organization's API keys: prefix, role, name, dates.")
@click.option("--org", "org_name", required=True, help="Organization name.")
@_json_option
def apikey_list(org_name: str, as_json: bool) -> None:
    from arapi.auth import service

    try:
        with _database(_settings()).read() as session:
            organization = service.organization_by_name(session, org_name)
            keys = [
                {
                    "prefix": key.prefix,
                    "role": key.role,
                    "name": key.name,
                    "createdAt": key.created_at.isoformat(),
                    "revokedAt": key.revoked_at.isoformat() if key.revoked_at else None,
                }
                for key in service.list_api_keys(session, organization)
            ]
    except ArapiError as exc:
        _fail(exc, as_json)
    if as_json:
        click.echo(json.dumps(keys))
        return
    for key in keys:
        state = f"revoked {key['revokedAt'][:16]}" if key["revokedAt"] else "active"
        click.echo(f"{key['prefix']}  {key['role']:<10}  {state:<24}  {key['name']}")


@apikey.command(
    "revoke", help="Revoke an API key by the prefix `apikey list` shows; it stops working at once."
)
@click.argument("prefix")
@click.option("--org", "org_name", required=True, help="Organization name.")
def apikey_revoke(prefix: str, org_name: str) -> None:
    from arapi.auth import service

    try:
        with _database(_settings()).write() as session:
            organization = service.organization_by_name(session, org_name)
            key = service.revoke_api_key(session, organization, prefix)
    except ArapiError as exc:
        _fail(exc)
    click.echo(f"API key {key.prefix} ({key.name}) revoked", err=True)


def _viewer_for(session, org_name: str | None):
    """The CLI acts as an admin of the named organization (the default one is created on first use)."""
    from arapi.auth import service
    from arapi.auth.viewer import Viewer

    settings = _settings()
    if org_name is None:
        organization = service.get_or_create_organization(session, settings.default_org)
    else:
        organization = service.organization_by_name(session, org_name)
    return Viewer.system(organization.id, organization.name, actor="cli")


def _plugins(settings: Settings):
    from arapi.plugin import PluginHost

    return PluginHost.from_entry_points(settings.disabled_plugins)


@main.group("import", help="Import bank statements and invoices from files.")
def import_group() -> None:
    pass


@import_group.command(
    "statement",
    help="Import a bank statement, or a ZIP of them, in any statement format of the installed "
    "plugins (`arapi plugins` lists them). The format is detected from the content unless "
    "--format is given. Credits become unapplied payments; a file or line imported before is "
    "not written again.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@_org_option
@click.option("--format", "fmt", default=None, help="Force a format key (see `arapi plugins`).")
@_json_option
def import_statement(path: str, org_name: str | None, fmt: str | None, as_json: bool) -> None:
    from pathlib import Path

    from arapi.imports import statements

    settings = _settings()
    data = Path(path).read_bytes()
    try:
        database = _database(settings)
        plugins = _plugins(settings)
        upload = statements.parse_upload(
            plugins,
            data,
            filename=Path(path).name,
            fmt=fmt,
            max_bytes=settings.max_upload_bytes,
            max_unzipped=settings.max_unzipped_bytes,
        )
        total = sum(len(s.lines) for s in upload.statements)
        show_bar = not as_json and sys.stderr.isatty()
        with (
            database.write() as session,
            click.progressbar(
                length=total, label="importing", file=sys.stderr, hidden=not show_bar
            ) as bar,
        ):
            viewer = _viewer_for(session, org_name)
            result = statements.import_statement(
                session, viewer, plugins, data, upload=upload, progress=bar.update
            )
    except ArapiError as exc:
        _fail(exc, as_json)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    summary = result.to_json()
    if result.file_seen:
        state = "file already imported: nothing written"
    elif result.duplicate:  # the statement is recorded (its balances), its lines were all known
        state = "every entry was imported before: no new entries"
    else:
        state = f"{summary.get('newEntries', 0)} new entries"
    click.echo(
        f"{summary['entryCount']} entries ({state}), credits {summary['creditTotal']}, debits {summary['debitTotal']}"
    )
    for st in summary["statements"]:
        click.echo(
            f"  {st['format']} {st['account'] or '-'} {st['currency'] or ''}: {st['entryCount']} entries"
        )
    for warning in summary["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@import_group.command(
    "invoices",
    help="Import invoices from a file in any invoice format of the installed plugins "
    "(`arapi plugins` lists them). The format is detected from the content unless --format is "
    "given. Customers are found by legal id or name, or created. Re-importing the same file "
    "writes nothing.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@_org_option
@click.option("--format", "fmt", default=None, help="Force a format key (see `arapi plugins`).")
@_json_option
def import_invoices(path: str, org_name: str | None, fmt: str | None, as_json: bool) -> None:
    from pathlib import Path

    from arapi.imports.invoices import import_invoices as run_import

    settings = _settings()
    data = Path(path).read_bytes()
    try:
        database = _database(settings)
        plugins = _plugins(settings)
        with database.write() as session:
            viewer = _viewer_for(session, org_name)
            result = run_import(
                session,
                viewer,
                plugins,
                data,
                filename=Path(path).name,
                fmt=fmt,
                max_bytes=settings.max_upload_bytes,
            )
    except ArapiError as exc:
        _fail(exc, as_json)
    summary = result.to_json()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    state = (
        "already imported: nothing written"
        if result.duplicate
        else f"{len(summary['invoices'])} invoices"
    )
    click.echo(f"{summary.get('format', '')}: {state}")
    for inv in summary["invoices"]:
        click.echo(
            f"  {inv['number']} {inv['buyerName'] or '-'} {inv['amountDue']} {inv['currency']} due {inv['dueDate'] or '-'}"
        )
    for warning in summary["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@main.group("sync", help="Pull data from connected systems (ERP connectors) through plugins.")
def sync_group() -> None:
    pass


@sync_group.command(
    "invoices",
    help="Pull the invoices new or changed since the last sync from an invoice source (an ERP "
    "connector plugin; `arapi plugins` lists them) and write them like an imported file's. "
    "The installation enables each source for some organizations: "
    "ARAPI_INVOICE_SOURCES='odoo=acme,beta;sage=*'.",
)
@click.argument("source_name", metavar="SOURCE")
@_org_option
@_json_option
def sync_invoices(source_name: str, org_name: str | None, as_json: bool) -> None:
    import asyncio

    from arapi.imports import sources

    settings = _settings()
    try:
        database = _database(settings)
        with database.write() as session:  # write: the default organization may be created
            viewer = _viewer_for(session, org_name)
            plugins = _plugins(settings)
            source = sources.source_for(plugins, source_name, viewer, settings)
            cursor = sources.last_cursor(session, viewer, source_name)
        batches = asyncio.run(  # no transaction while the source is waited on
            sources.fetch(
                source,
                cursor,
                viewer.organization_name,
                settings.source_fetch_timeout,
                plugins.provider_owner("source", source_name),
            )
        )
        with database.write() as session:
            viewer = _viewer_for(session, org_name)
            result = sources.record(session, viewer, source_name, cursor, batches)
    except ArapiError as exc:
        _fail(exc, as_json)
    summary = result.to_json()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    statuses = Counter(doc["status"] for doc in summary["documents"])  # refused ones included
    if result.duplicate:
        state = "nothing new (the same documents were written before)"
    elif not statuses:
        state = "nothing new (the source had no new or changed documents)"
    else:
        state = f"{len(summary['documents'])} documents: " + ", ".join(
            f"{count} {status}" for status, count in sorted(statuses.items())
        )
    click.echo(f"{source_name}: {state}; next sync from cursor {summary['cursor']!r}")
    for warning in summary["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@main.command(
    help="Run cash application over unapplied payments: apply what is certain (author 'engine', "
    "explained in the event log) and queue the rest for review. Returned direct debits are settled first."
)
@click.option(
    "--statement",
    "statement_id",
    type=int,
    default=None,
    help="Only the payments of this bank statement (its number).",
)
@_org_option
@_json_option
def match(statement_id: int | None, org_name: str | None, as_json: bool) -> None:
    from arapi.matching import service

    settings = _settings()
    try:
        with _database(settings).write() as session:
            viewer = _viewer_for(session, org_name)
            summary = service.run(
                session,
                viewer,
                statement_id=statement_id,
                config=service.config_from(settings.auto_apply_confidence),
            )
    except ArapiError as exc:
        _fail(exc, as_json)
    data = summary.to_json()
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(
        f"{data['examined']} unapplied payments: {data['applied']} applied automatically, "
        f"{data['waitingForReview']} waiting for review, {data['unmatched']} without a proposal"
        + (
            f"; {data['returnsReversed']} allocations reversed for returned direct debits"
            if data["returnsReversed"]
            else ""
        )
    )


@main.group(help="Demonstration data.")
def demo() -> None:
    pass


@demo.command("load", help="Load the demo data set into organization 'demo'.")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when the database already holds an organization."
)
@click.option("--seed", default=7, show_default=True, type=int)
def demo_load(if_empty: bool, seed: int) -> None:
    from arapi import demo as demo_data

    try:
        database = _database(_settings())
    except ArapiError as exc:
        _fail(exc)
    with database.write() as session:
        if if_empty and demo_data.has_any_organization(session):
            click.echo("database not empty: demo data not loaded", err=True)
            return
        summary = demo_data.load(session, seed=seed)
    click.echo(
        f"demo data loaded: {summary['customers']} customers, {summary['invoices']} invoices, "
        f"{summary['payments']} payments, {summary['schedules']} schedule",
        err=True,
    )


@main.group(help="The GraphQL schema.")
def schema() -> None:
    pass


@schema.command("export", help="Print the schema in SDL (what schema.graphql holds).")
def schema_export() -> None:
    from arapi.graphql.schema import export_sdl

    click.echo(export_sdl(), nl=False)


# What `arapi plugins` lists for each kind of provider (--json gives the key).
_PROVIDED = {
    "statementFormat": "statement format",
    "invoiceFormat": "invoices format",
    "invoiceSource": "invoice source",
}


@main.command(help="List the loaded plugins and what they provide.")
@_json_option
def plugins(as_json: bool) -> None:
    from arapi.plugin import PluginHost

    settings = _settings(as_json)
    try:
        host = PluginHost.from_entry_points(settings.disabled_plugins, check=False)
    except ArapiError as exc:
        _fail(exc, as_json)
    if not as_json:
        for plugin in host.loaded:  # listed first: they help find the one a clash names
            click.echo(f"{plugin.name}\t{plugin.distribution or '-'}\t{plugin.version or '-'}")
    try:
        host.check()
        provides = [
            {
                "kind": kind,
                "key": key,
                "label": provider.label,
                "plugin": host.provider_owner(owner, key),
            }
            for kind, owner, table in (
                ("statementFormat", "statement", host.statement_parsers()),
                ("invoiceFormat", "invoices", host.invoice_parsers()),
                ("invoiceSource", "source", host.invoice_sources()),
            )
            for key, provider in sorted(table.items())
        ]
    except ArapiError as exc:
        _fail(exc, as_json)
    installed = PluginHost.installed_names()
    unknown = [name for name in settings.disabled_plugins if name not in installed]
    if as_json:
        loaded = [
            {"name": p.name, "distribution": p.distribution, "version": p.version}
            for p in host.loaded
        ]
        listing = {
            "plugins": loaded,
            "provides": provides,
            "disabled": list(settings.disabled_plugins),
            "unknownDisabled": unknown,
        }
        click.echo(json.dumps(listing, ensure_ascii=False))
        return
    for item in provides:
        click.echo(f"  {_PROVIDED[item['kind']]} {item['key']}: {item['label']} [{item['plugin']}]")
    if settings.disabled_plugins:
        click.echo(f"disabled: {', '.join(settings.disabled_plugins)}")
    if unknown:  # a misspelt name would otherwise look like it worked
        click.echo(
            f"warning: no installed plugin is named {', '.join(map(repr, unknown))} "
            f"(installed: {', '.join(sorted(installed))})",
            err=True,
        )


if __name__ == "__main__":
    main()
