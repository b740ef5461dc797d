"""Invoice sources: pull invoices from an ERP or an invoicing service through a plugin.

A sync has three steps, so that no transaction stays open while the network
is waited on:

1. :func:`last_cursor` reads where the previous sync of this source stopped;
2. :func:`fetch` asks the source for what changed since (async, no database),
   again while the source says there is ``more``;
3. :func:`record` writes the documents in one transaction, by the same rules
   as an imported file (:class:`arapi.imports.invoices.DocumentWriter`:
   customers found or created, a known number is ``existing``), and stores
   the new cursor.

Each sync is kept as an ``import_files`` row of kind ``invoice_sync`` whose
format is the source's name and whose summary holds the cursor; its SHA-256
covers the source, the cursor it started from and the documents. So a sync
that fetched exactly what another one already wrote from the same cursor
(two syncs started at once) writes nothing and says ``duplicate``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError
from arapi.imports.claim import claim
from arapi.imports.errors import ImportErrorCode
from arapi.imports.invoices import DocumentWriter, ImportedInvoice
from arapi.imports.text import refuse_nul
from arapi.plugin.host import PluginHost
from arapi.plugin.providers import InvoiceSource
from arapi.plugin.types import InvoiceBatch
from arapi.repositories import import_files

KIND = "invoice_sync"
FORMAT_MAX = 30  # ImportFile.format: where the source's name is kept
# A source that keeps saying "more" is stopped here rather than looping forever.
MAX_FETCHES = 1000


@dataclass(frozen=True)
class SourceSyncResult:
    source: str
    duplicate: bool  # the same documents from the same cursor were written before
    invoices: list[ImportedInvoice]
    warnings: list[str]
    cursor: str | None  # where the next sync starts
    fetches: int
    sync_id: int | None

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "duplicate": self.duplicate,
            "invoices": [i.to_json() for i in self.invoices],
            "warnings": list(self.warnings),
            "cursor": self.cursor,
            "fetches": self.fetches,
            "syncId": self.sync_id,
        }

    @classmethod
    def from_summary(cls, summary: dict, sync_id: int, *, duplicate: bool) -> SourceSyncResult:
        return cls(
            source=summary["source"],
            duplicate=duplicate,
            invoices=[ImportedInvoice.from_json(i) for i in summary.get("invoices", [])],
            warnings=list(summary.get("warnings", [])),
            cursor=summary.get("cursor"),
            fetches=summary.get("fetches", 0),
            sync_id=sync_id,
        )


def source_for(plugins: PluginHost, name: str) -> InvoiceSource:
    sources = plugins.invoice_sources()
    try:
        return sources[name]
    except KeyError:
        known = ", ".join(sorted(sources)) or "none is installed"
        raise ArapiError(
            ImportErrorCode.UNKNOWN_SOURCE,
            f"no invoice source named {name!r} (known: {known})",
            ["source"],
        ) from None


def last_cursor(session: Session, viewer: Viewer, name: str) -> str | None:
    """Where the last sync of this source stopped (None: never synced)."""
    viewer.require(Permission.IMPORT)
    last = import_files.latest(session, viewer.organization_id, KIND, name[:FORMAT_MAX])
    return None if last is None else (last.summary or {}).get("cursor")


async def fetch(source: InvoiceSource, cursor: str | None) -> list[InvoiceBatch]:
    """Every batch the source has since ``cursor``; a failure of the source is SOURCE_FAILED."""
    batches: list[InvoiceBatch] = []
    while True:
        if len(batches) == MAX_FETCHES:
            raise _failed(source, f"it still had more after {MAX_FETCHES} fetches")
        try:
            batch = await source.fetch(cursor)
        except ArapiError:
            raise
        except Exception as exc:  # the network, the ERP, the plugin: the user needs to know which
            raise _failed(source, f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(batch, InvoiceBatch):
            raise _failed(source, f"it returned {type(batch).__name__}, not an InvoiceBatch")
        batches.append(batch)
        if not batch.more:
            return batches
        if batch.cursor is None or batch.cursor == cursor:
            raise _failed(source, "it asked to fetch more without moving its cursor")
        cursor = batch.cursor


def _failed(source: InvoiceSource, why: str) -> ArapiError:
    return ArapiError(
        ImportErrorCode.SOURCE_FAILED, f"invoice source {source.name!r} failed: {why}", ["source"]
    )


def record(
    session: Session,
    viewer: Viewer,
    name: str,
    cursor: str | None,
    batches: list[InvoiceBatch],
) -> SourceSyncResult:
    """Write what :func:`fetch` returned, in the caller's transaction, and keep the new cursor."""
    viewer.require(Permission.IMPORT)
    refuse_nul(batches)
    new_cursor = cursor
    for batch in batches:
        new_cursor = batch.cursor if batch.cursor is not None else new_cursor
    fingerprint = repr((name, cursor, batches)).encode()  # frozen dataclasses: a stable repr
    claimed = claim(
        session,
        viewer,
        kind=KIND,
        sha256=hashlib.sha256(fingerprint).hexdigest(),
        size=len(fingerprint),
        fmt=name[:FORMAT_MAX],
        filename=None,
    )
    if claimed.seen:
        row = claimed.import_file
        return SourceSyncResult.from_summary(row.summary or {}, row.id, duplicate=True)
    writer = DocumentWriter(session, viewer)
    for batch in batches:
        writer.warnings += list(batch.warnings)
    imported = [writer.write(doc) for batch in batches for doc in batch.invoices]
    result = SourceSyncResult(
        source=name,
        duplicate=False,
        invoices=imported,
        warnings=list(dict.fromkeys(writer.warnings)),
        cursor=new_cursor,
        fetches=len(batches),
        sync_id=claimed.import_file.id,
    )
    claimed.import_file.summary = result.to_json()
    session.flush()
    statuses = [i.status for i in imported]
    audit.record(
        session,
        viewer,
        "invoices.synced",
        "import_file",
        claimed.import_file.id,
        source=name,
        documents=len(imported),
        created=statuses.count("created"),
        existing=statuses.count("existing"),
        skipped=statuses.count("skipped"),
        customers_created=writer.customers_created,
    )
    return result
