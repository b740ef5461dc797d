"""Invoice sources: pull invoices from an ERP or an invoicing service through a plugin.

A source holds one system's credentials, so it serves only the organizations
the installation enables it for (``ARAPI_INVOICE_SOURCES``, e.g.
``odoo=acme;example-erp=*``); any other gets ``SOURCE_NOT_ENABLED``.

A sync has three steps, so that no transaction stays open while the network
is waited on:

1. :func:`last_cursor` reads where the previous sync of this source stopped;
2. :func:`fetch` asks the source for what changed since (async, no database),
   again while the source says there is ``more``;
3. :func:`record` writes the documents in one transaction, by the same rules
   as an imported file (:class:`arapi.imports.invoices.DocumentWriter`:
   customers found or created, a known number is ``existing``), and stores
   the new cursor. One rule differs: a document whose number arapi already
   has with other amounts or another customer (the ERP corrected it) is
   reported as ``conflict`` with a warning and left as arapi has it, instead
   of refusing the sync, which would stop every later sync on it.

Each sync is kept as an ``import_files`` row of kind ``invoice_sync`` whose
format is the source's name and whose summary holds the cursor; its SHA-256
covers the source, the cursor it started from and the documents. Two syncs of
one source run one after the other inside :func:`record` (a lock per
organization and source); the second then finds the cursor moved: if it
fetched the same documents it answers ``duplicate``, otherwise
``IMPORT_IN_PROGRESS`` (sync again, from the new cursor).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.config import Settings
from arapi.errors import ArapiError
from arapi.imports.claim import claim
from arapi.imports.errors import ImportErrorCode
from arapi.imports.invoices import STATUSES, DocumentOutcome, DocumentWriter, ImportedInvoice
from arapi.plugin.checks import invoice_batch_problem
from arapi.plugin.host import PluginHost
from arapi.plugin.providers import InvoiceSource
from arapi.plugin.types import InvoiceBatch
from arapi.repositories import import_files, locks

KIND = "invoice_sync"
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
    documents: list[DocumentOutcome]  # every document in order, refused ones included

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "duplicate": self.duplicate,
            "invoices": [i.to_json() for i in self.invoices],
            "documents": [
                {"number": d.number, "status": d.status, "invoiceId": d.invoice_id}
                for d in self.documents
            ],
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
            documents=[
                DocumentOutcome(d["number"], d["status"], d.get("invoiceId"))
                for d in summary.get("documents", [])
            ],
        )


def source_for(plugins: PluginHost, name: str, viewer: Viewer, settings: Settings) -> InvoiceSource:
    """The source called ``name``, if the installation enables it for the viewer's organization."""
    viewer.require(Permission.IMPORT)
    sources = plugins.invoice_sources()
    if name not in sources:
        organization = viewer.organization_name
        enabled = [known for known in sorted(sources) if enabled_for(settings, known, organization)]
        known = ", ".join(enabled) or "none is enabled for this organization"
        raise ArapiError(
            ImportErrorCode.UNKNOWN_SOURCE,
            f"no invoice source named {name!r} (known: {known})",
            ["source"],
        )
    if not enabled_for(settings, name, viewer.organization_name):
        raise ArapiError(
            ImportErrorCode.SOURCE_NOT_ENABLED,
            f"invoice source {name!r} is not enabled for organization "
            f"{viewer.organization_name!r} (ARAPI_INVOICE_SOURCES={name}=<organization>)",
            ["source"],
        )
    return sources[name]


def enabled_for(settings: Settings, name: str, organization: str) -> bool:
    allowed = {org for source, orgs in settings.invoice_sources if source == name for org in orgs}
    return "*" in allowed or organization in allowed


def last_cursor(session: Session, viewer: Viewer, name: str) -> str | None:
    """Where the last sync of this source stopped (None: never synced)."""
    viewer.require(Permission.IMPORT)
    last = import_files.latest(session, viewer.organization_id, KIND, name)
    return None if last is None else (last.summary or {}).get("cursor")


async def fetch(
    source: InvoiceSource,
    cursor: str | None,
    organization: str,
    timeout: float,
    plugin: str | None,
) -> list[InvoiceBatch]:
    """Every batch the source has since ``cursor``; a failure of the source is SOURCE_FAILED.

    ``plugin`` (``PluginHost.provider_owner("source", name)``) is named in that
    error, so that an operator knows which plugin to look at or disable.
    """
    batches: list[InvoiceBatch] = []
    while True:
        if len(batches) == MAX_FETCHES:
            raise _failed(source, plugin, f"it still had more after {MAX_FETCHES} fetches")
        try:
            batch = await asyncio.wait_for(_fetch_once(source, cursor, organization), timeout)
        except TimeoutError:  # ours: the source's own timeouts arrive as _SourceRaised
            raise _failed(source, plugin, f"no answer within {timeout:g} s") from None
        except _SourceRaised as raised:  # the network, the ERP, the plugin: say which
            exc = raised.__cause__
            raise _failed(source, plugin, f"{type(exc).__name__}: {exc}") from exc
        problem = invoice_batch_problem(batch)  # a faulty source: SOURCE_FAILED, not INTERNAL
        if problem:
            raise _failed(source, plugin, problem)
        batches.append(batch)
        if not batch.more:
            return batches
        if batch.cursor is None or batch.cursor == cursor:
            raise _failed(source, plugin, "it asked to fetch more without moving its cursor")
        cursor = batch.cursor


class _SourceRaised(Exception):
    """What the source's fetch raised (its ``__cause__``), told apart from our own timeout."""


async def _fetch_once(source: InvoiceSource, cursor: str | None, organization: str) -> object:
    try:
        return await source.fetch(cursor, organization)
    except ArapiError:
        raise
    except Exception as exc:
        raise _SourceRaised from exc


def _failed(source: InvoiceSource, plugin: str | None, why: str) -> ArapiError:
    owner = f" (plugin {plugin})" if plugin else ""
    return ArapiError(
        ImportErrorCode.SOURCE_FAILED,
        f"invoice source {source.name!r}{owner} failed: {why}",
        ["source"],
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
    fingerprint = repr((name, cursor, batches)).encode()  # frozen dataclasses: a stable repr
    sha256 = hashlib.sha256(fingerprint).hexdigest()
    locks.hold(session, f"invoice-source:{viewer.organization_id}:{name}")
    current = last_cursor(session, viewer, name)
    if current != cursor:  # another sync wrote while this one fetched
        seen = import_files.find(session, viewer.organization_id, KIND, sha256)
        if seen is not None:
            result = SourceSyncResult.from_summary(seen.summary or {}, seen.id, duplicate=True)
            return dataclasses.replace(result, cursor=current)  # where the next sync starts now
        raise ArapiError(
            ImportErrorCode.IMPORT_IN_PROGRESS,
            f"another sync of {name!r} moved its cursor while this one was fetching; sync again",
            ["source"],
        )
    claimed = claim(
        session, viewer, kind=KIND, sha256=sha256, size=len(fingerprint), fmt=name, filename=None
    )
    if claimed.seen:  # the same documents from the same cursor (a sync that found nothing new)
        row = claimed.import_file
        return SourceSyncResult.from_summary(row.summary or {}, row.id, duplicate=True)
    writer = DocumentWriter(session, viewer, refuse_conflicts=False)
    for batch in batches:
        writer.warnings += [warning.replace("\x00", "") for warning in batch.warnings]
    imported, documents = [], []
    for doc in (doc for batch in batches for doc in batch.invoices):
        outcome = writer.write_or_refuse(doc)
        if isinstance(outcome, ArapiError):  # the sync goes on; the document comes back if fixed
            number = doc.number.strip().replace("\x00", "")
            writer.warnings.append(
                f"invoice {number!r} refused [{outcome.code.value}]: "
                f"{outcome.message.removeprefix(f'invoice {number!r}: ')}; "
                f"nothing of it was written, and {name} sends it again once it is corrected there"
            )
            documents.append(DocumentOutcome(number, "refused"))
        else:
            imported.append(outcome)
            documents.append(DocumentOutcome(outcome.number, outcome.status, outcome.invoice_id))
    new_cursor = cursor
    for batch in batches:
        new_cursor = batch.cursor if batch.cursor is not None else new_cursor
    result = SourceSyncResult(
        source=name,
        duplicate=False,
        invoices=imported,
        warnings=list(dict.fromkeys(writer.warnings)),
        cursor=new_cursor,
        fetches=len(batches),
        sync_id=claimed.import_file.id,
        documents=documents,
    )
    claimed.import_file.summary = result.to_json()
    session.flush()
    statuses = [d.status for d in documents]
    audit.record(
        session,
        viewer,
        "invoices.synced",
        "import_file",
        claimed.import_file.id,
        source=name,
        documents=len(documents),
        **{status: statuses.count(status) for status in STATUSES},
        customers_created=writer.customers_created,
    )
    return result
