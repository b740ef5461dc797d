"""Invoice files in over GraphQL (multipart upload, like bankStatementImport)."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.graphql.common import mutate
from arapi.graphql.errors import UserError
from arapi.graphql.nodes import Invoice
from arapi.graphql.permissions import require
from arapi.imports.invoices import import_invoices
from arapi.repositories import invoices as invoice_repo


@strawberry.input
class InvoiceImportInput:
    file: Upload
    format: str | None = strawberry.field(
        default=None, description="facturx, cii, ubl, csv or fec; detected from content otherwise."
    )


@strawberry.type
class InvoiceImportPayload:
    duplicate: bool = strawberry.field(description="True when this file was imported before: nothing was written.")
    invoices: list[Invoice] = strawberry.field(description="Created or already known invoices of the file.")
    warnings: list[str]
    user_errors: list[UserError]


@strawberry.type
class ImportMutation:
    @strawberry.mutation(description="Upload an invoice file (multipart; send an x-apollo-operation-name header).")
    async def invoice_import(self, info: Info, input: InvoiceImportInput) -> InvoiceImportPayload:
        require(info, Permission.IMPORT)
        data = await input.file.read()
        settings = info.context.settings

        def write(s, viewer):
            return import_invoices(
                s, viewer, info.context.plugins, data,
                filename=getattr(input.file, "filename", None), fmt=input.format, max_bytes=settings.max_upload_bytes,
            )

        def present(s, viewer, result):
            ids = [i.invoice_id for i in result.invoices if i.invoice_id]
            rows = invoice_repo.get_rows(s, viewer.organization_id, ids)
            return result, [Invoice.from_row(rows[i]) for i in ids if i in rows]

        outcome, errors = await mutate(info, Permission.IMPORT, write, present)
        if errors:
            return InvoiceImportPayload(duplicate=False, invoices=[], warnings=[], user_errors=errors)
        result, invoices = outcome
        return InvoiceImportPayload(
            duplicate=result.duplicate, invoices=invoices, warnings=list(result.warnings), user_errors=[]
        )
