"""Invoices in over GraphQL: a file (multipart upload, like bankStatementImport) or an invoice source."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.errors import ArapiError
from arapi.graphql.common import mutate, pointed_at_upload, read, rows_by_id, uploaded_file
from arapi.graphql.errors import UserError, user_errors_from
from arapi.graphql.nodes import Invoice
from arapi.graphql.permissions import require
from arapi.graphql.relay import Connection, Node, to_global_id
from arapi.graphql.statements import BankStatement
from arapi.imports import sources
from arapi.imports.invoices import STATUSES, import_invoices
from arapi.repositories import import_files as import_file_repo
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import statements as statement_repo


@strawberry.input
class InvoiceImportInput:
    file: Upload
    format: str | None = strawberry.field(
        default=None, description="facturx, cii, ubl, csv or fec; detected from content otherwise."
    )


ImportedDocumentStatus = strawberry.enum(
    Enum("ImportedDocumentStatus", {status.upper(): status for status in STATUSES}),
    description="What became of a document: CREATED; EXISTING (already there, the same); "
    "SKIPPED (nothing to collect: a zero total); CONFLICT (invoice sources only: the number "
    "is there with other amounts or another customer, and arapi's invoice is kept); REFUSED "
    "(invoice sources only: nothing of it was written; the warnings say why).",
)


@strawberry.type(description="One document of a file or a sync, and what became of it.")
class ImportedDocument:
    number: str
    status: ImportedDocumentStatus  # type: ignore[valid-type]
    invoice: Invoice | None = strawberry.field(
        description="The invoice in arapi; null for a skipped or refused document."
    )


@strawberry.type
class InvoiceImportPayload:
    duplicate: bool = strawberry.field(
        description="True when this file was imported before: nothing was written."
    )
    invoices: list[Invoice] = strawberry.field(
        description="Created or already known invoices of the file."
    )
    documents: list[ImportedDocument] = strawberry.field(
        description="Every document of the file, in order, with what became of it."
    )
    warnings: list[str]
    user_errors: list[UserError]


def _with_invoices(s, viewer, result):
    """An import's or a sync's result with the invoice nodes and documents it names."""
    ids = [i.invoice_id for i in result.invoices if i.invoice_id]
    rows = invoice_repo.get_rows(s, viewer.organization_id, ids)
    nodes = {pk: Invoice.from_row(row) for pk, row in rows.items()}
    documents = [
        ImportedDocument(
            number=doc.number,
            status=ImportedDocumentStatus(doc.status),
            invoice=nodes.get(doc.invoice_id),
        )
        for doc in result.documents
    ]
    return result, [nodes[i] for i in ids if i in nodes], documents


def _refused_import(errors: list[UserError]) -> InvoiceImportPayload:
    return InvoiceImportPayload(
        duplicate=False, invoices=[], documents=[], warnings=[], user_errors=errors
    )


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Upload an invoice file (multipart; send an x-apollo-operation-name header)."
    )
    async def invoice_import(self, info: Info, input: InvoiceImportInput) -> InvoiceImportPayload:
        require(info, Permission.IMPORT)
        try:
            data, filename = await uploaded_file(input.file)
        except ArapiError as exc:
            return _refused_import(user_errors_from(exc))
        settings = info.context.settings

        def write(s, viewer):
            try:
                return import_invoices(
                    s,
                    viewer,
                    info.context.plugins,
                    data,
                    filename=filename,
                    fmt=input.format,
                    max_bytes=settings.max_upload_bytes,
                )
            except ArapiError as exc:
                raise pointed_at_upload(exc, input.format) from None

        outcome, errors = await mutate(info, Permission.IMPORT, write, _with_invoices)
        if errors:
            return _refused_import(errors)
        result, invoices, documents = outcome
        return InvoiceImportPayload(
            duplicate=result.duplicate,
            invoices=invoices,
            documents=documents,
            warnings=list(result.warnings),
            user_errors=[],
        )


@strawberry.type(
    description="An invoice source (an ERP connector plugin) and where its next sync starts."
)
class InvoiceSource:
    name: str = strawberry.field(description="What invoiceSourceSync takes.")
    label: str
    cursor: str | None = strawberry.field(
        description="The source's bookmark after the last sync; null before the first."
    )


@strawberry.input
class InvoiceSourceSyncInput:
    source: str = strawberry.field(description="The source's name (see invoiceSources).")


@strawberry.type
class InvoiceSourceSyncPayload:
    duplicate: bool = strawberry.field(
        description="True when these documents were written before from the same cursor."
    )
    invoices: list[Invoice] = strawberry.field(
        description="Created, already known, and conflicting invoices of the sync "
        "(a conflict keeps arapi's invoice; the warnings say what differs)."
    )
    documents: list[ImportedDocument] = strawberry.field(
        description="Every document the source sent, in order, with what became of it."
    )
    warnings: list[str]
    cursor: str | None = strawberry.field(description="Where the next sync starts.")
    user_errors: list[UserError]


@strawberry.enum(description="What an import brought in.")
class ImportKind(Enum):
    STATEMENT = "statement"
    INVOICES = "invoices"
    INVOICE_SYNC = "invoice_sync"


@strawberry.type(description="One imported file (or invoice-source sync), as it was recorded.")
class ImportFile(Node):
    id: strawberry.ID
    kind: ImportKind
    format: str = strawberry.field(description="The format key, or the invoice source's name.")
    filename: str | None = strawberry.field(description="As the client named the upload.")
    size: int = strawberry.field(description="Bytes.")
    actor: str = strawberry.field(description="Who imported it (an API key or the CLI).")
    created_at: datetime
    warnings: list[str] = strawberry.field(
        description="What the import said about the file, as its answer did."
    )
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row) -> ImportFile:
        return cls(
            id=strawberry.ID(to_global_id("ImportFile", row.id)),
            kind=ImportKind(row.kind),
            format=row.format,
            filename=row.filename,
            size=row.size,
            actor=row.actor,
            created_at=row.created_at,
            warnings=list((row.summary or {}).get("warnings", [])),
            pk=row.id,
        )

    @strawberry.field(description="The bank statements the file gave (statement imports).")
    async def statements(self, info: Info) -> list[BankStatement]:
        viewer = require(info, Permission.READ_ALL)
        rows = await read(
            info, lambda s: statement_repo.for_import(s, viewer.organization_id, self.pk)
        )
        return [BankStatement.from_model(row) for row in rows]


@strawberry.type(description="A file format an installed parser plugin reads.")
class ImportFormat:
    key: str = strawberry.field(
        description="What bankStatementImport and invoiceImport take as format (case-sensitive)."
    )
    label: str = strawberry.field(description="The format's name, for people.")
    plugin: str | None = strawberry.field(description="The plugin that provides it.")


def _formats(info: Info, kind: str) -> list[ImportFormat]:
    """The formats of ``kind`` ("statement" or "invoices") the installed plugins read."""
    require(info, Permission.IMPORT)
    plugins = info.context.plugins
    parsers = plugins.statement_parsers() if kind == "statement" else plugins.invoice_parsers()
    return [
        ImportFormat(key=key, label=parser.label, plugin=plugins.provider_owner(kind, key))
        for key, parser in sorted(parsers.items())
    ]


@strawberry.type
class ImportQuery:
    @strawberry.field(description="Imported files and invoice-source syncs, newest first.")
    async def imports(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        kind: ImportKind | None = None,
    ) -> Connection[ImportFile]:
        viewer = require(info, Permission.READ_ALL)
        code = None if kind is None else kind.value
        return await rows_by_id(
            info,
            (first, after, last, before),
            lambda s, **page: import_file_repo.page(s, viewer.organization_id, code, **page),
            ImportFile.from_model,
        )

    @strawberry.field(description="The statement formats the installed plugins read.")
    def statement_formats(self, info: Info) -> list[ImportFormat]:
        return _formats(info, "statement")

    @strawberry.field(description="The invoice formats the installed plugins read.")
    def invoice_formats(self, info: Info) -> list[ImportFormat]:
        return _formats(info, "invoices")

    @strawberry.field(
        description="The invoice sources (ERP connectors) enabled for this organization, by name."
    )
    async def invoice_sources(self, info: Info) -> list[InvoiceSource]:
        viewer = require(info, Permission.IMPORT)
        settings = info.context.settings
        installed = [
            (name, source)
            for name, source in sorted(info.context.plugins.invoice_sources().items())
            if sources.enabled_for(settings, name, viewer.organization_name)
        ]

        def cursors(s):
            return [sources.last_cursor(s, viewer, name) for name, _ in installed]

        found = await read(info, cursors)
        return [
            InvoiceSource(name=name, label=source.label, cursor=cursor)
            for (name, source), cursor in zip(installed, found, strict=True)
        ]


@strawberry.type
class SourceMutation:
    @strawberry.mutation(
        description="Pull the invoices new or changed since the last sync from an invoice source."
    )
    async def invoice_source_sync(
        self, info: Info, input: InvoiceSourceSyncInput
    ) -> InvoiceSourceSyncPayload:
        viewer = require(info, Permission.IMPORT)
        settings = info.context.settings
        cursor = None
        try:
            plugins = info.context.plugins
            source = sources.source_for(plugins, input.source, viewer, settings)
            cursor = await read(info, sources.last_cursor, viewer, input.source)
            batches = await sources.fetch(  # no transaction while the source is waited on
                source,
                cursor,
                viewer.organization_name,
                settings.source_fetch_timeout,
                plugins.provider_owner("source", input.source),
            )
        except ArapiError as exc:
            return _refused_sync(user_errors_from(exc), cursor)

        def write(s, viewer):
            return sources.record(s, viewer, input.source, cursor, batches)

        outcome, errors = await mutate(info, Permission.IMPORT, write, _with_invoices)
        if errors:
            return _refused_sync(errors, cursor)
        result, invoices, documents = outcome
        return InvoiceSourceSyncPayload(
            duplicate=result.duplicate,
            invoices=invoices,
            documents=documents,
            warnings=list(result.warnings),
            cursor=result.cursor,
            user_errors=[],
        )


def _refused_sync(errors: list[UserError], cursor: str | None) -> InvoiceSourceSyncPayload:
    """Nothing written: the cursor as read before the refusal (null if refused before reading)."""
    return InvoiceSourceSyncPayload(
        duplicate=False, invoices=[], documents=[], warnings=[], cursor=cursor, user_errors=errors
    )
