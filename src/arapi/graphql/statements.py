"""Bank statements in GraphQL: the BankStatement node, its list, and the upload mutation."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.file_uploads import Upload
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.errors import ArapiError
from arapi.graphql import loaders
from arapi.graphql.common import money, mutate, pointed_at_upload, rows_by_id, uploaded_file
from arapi.graphql.errors import UserError, user_errors_from
from arapi.graphql.permissions import require
from arapi.graphql.relay import Connection, Node, to_global_id
from arapi.graphql.scalars import CurrencyCode, Money
from arapi.imports import statements as statement_import
from arapi.repositories import statements as repo


@strawberry.type(description="One bank line as the bank sent it (credits positive).")
class StatementEntry:
    booking_date: date | None
    value_date: date | None
    amount: Money
    status: str | None
    reversal: bool
    counterparty_name: str | None
    counterparty_iban: str | None
    remittance: str | None
    creditor_reference: str | None
    end_to_end_id: str | None
    bank_reference: str | None
    bank_transaction_code: str | None
    return_reason: str | None = strawberry.field(
        description="SEPA R-transaction reason code (AM04, AC04, MD06, ...), set on every "
        "return: MS03 (not specified) when the bank marks a return without a code. A credit "
        "with one is a transfer sent out and returned, and is not a payment."
    )

    statement_pk: strawberry.Private[int]

    @strawberry.field(description="The statement the entry was read from.")
    async def statement(self, info: Info) -> BankStatement | None:
        return await loaders.statements(info).load(self.statement_pk)

    @classmethod
    def from_model(cls, e) -> StatementEntry:
        return cls(
            statement_pk=e.statement_id,
            booking_date=e.booking_date,
            value_date=e.value_date,
            amount=money(e.amount_minor, e.currency),
            status=e.status,
            reversal=e.reversal,
            counterparty_name=e.counterparty_name,
            counterparty_iban=e.counterparty_iban,
            remittance=e.remittance,
            creditor_reference=e.creditor_reference,
            end_to_end_id=e.end_to_end_id,
            bank_reference=e.bank_reference,
            bank_transaction_code=e.bank_transaction_code,
            return_reason=e.return_reason,
        )


@strawberry.type
class BankStatement(Node):
    id: strawberry.ID
    format: str
    account: str | None
    currency: CurrencyCode | None
    statement_ref: str | None
    opening_balance: Money | None
    closing_balance: Money | None
    opening_date: date | None
    closing_date: date | None
    entry_count: int
    credit_total: Money | None
    debit_total: Money | None
    warnings: list[str]
    created_at: datetime
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, s) -> BankStatement:
        cur = s.currency

        def m(minor):
            return None if minor is None or cur is None else money(minor, cur)

        return cls(
            id=strawberry.ID(to_global_id("BankStatement", s.id)),
            format=s.format,
            account=s.account,
            currency=None if cur is None else CurrencyCode(cur),
            statement_ref=s.statement_ref,
            opening_balance=m(s.opening_balance_minor),
            closing_balance=m(s.closing_balance_minor),
            opening_date=s.opening_date,
            closing_date=s.closing_date,
            entry_count=s.entry_count,
            credit_total=m(s.credit_total_minor),
            debit_total=m(s.debit_total_minor),
            warnings=list(s.warnings or []),
            created_at=s.created_at,
            pk=s.id,
        )

    @strawberry.field(
        description="The entries written from this statement, in file order (lines seen "
        "before are not repeated); a page at a time, as a statement can hold 100 000."
    )
    async def entries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StatementEntry]:
        viewer = require(info, Permission.READ_ALL)
        return await rows_by_id(
            info,
            (first, after, last, before),
            lambda s, **page: repo.entries_page(s, viewer.organization_id, self.pk, **page),
            StatementEntry.from_model,
        )


@strawberry.input
class BankStatementImportInput:
    file: Upload
    format: str | None = strawberry.field(
        default=None, description="Force a format key; detected from content otherwise."
    )


@strawberry.type
class BankStatementImportPayload:
    statements: list[BankStatement]
    duplicate: bool = strawberry.field(
        description="True when this file (or every line in it) was imported before."
    )
    entry_count: int
    new_entries: int
    duplicate_entries: int = strawberry.field(
        description="Entries of the file already imported (by key), so not written again."
    )
    payments_created: int
    returns_recorded: int = strawberry.field(
        description="Returned direct debits and transfers recorded against what they reverse."
    )
    warnings: list[str]
    user_errors: list[UserError]


@strawberry.type
class StatementQuery:
    @strawberry.field(description="Imported bank statements, newest first.")
    async def bank_statements(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[BankStatement]:
        viewer = require(info, Permission.READ_ALL)
        return await rows_by_id(
            info,
            (first, after, last, before),
            lambda s, **page: repo.page(s, viewer.organization_id, **page),
            BankStatement.from_model,
        )


@strawberry.type
class StatementMutation:
    @strawberry.mutation(
        description="Upload a statement file (multipart; send an x-apollo-operation-name header)."
    )
    async def bank_statement_import(
        self, info: Info, input: BankStatementImportInput
    ) -> BankStatementImportPayload:
        require(info, Permission.IMPORT)
        settings = info.context.settings
        try:
            data, filename = await uploaded_file(input.file)
        except ArapiError as exc:
            return _empty(user_errors_from(exc))

        def parse():
            try:
                return statement_import.parse_upload(
                    info.context.plugins,
                    data,
                    filename=filename,
                    fmt=input.format,
                    max_bytes=settings.max_upload_bytes,
                    max_unzipped=settings.max_unzipped_bytes,
                ), []
            except ArapiError as exc:
                return None, user_errors_from(pointed_at_upload(exc, input.format))

        upload, errors = await run_in_threadpool(parse)
        if errors:
            return _empty(errors)

        def write(s, viewer):
            return statement_import.import_statement(
                s, viewer, info.context.plugins, data, upload=upload
            )

        def present(s, viewer, result):
            found = repo.get_many(s, viewer.organization_id, result.statement_ids)
            return result, [
                BankStatement.from_model(found[i]) for i in result.statement_ids if i in found
            ]

        outcome, errors = await mutate(info, Permission.IMPORT, write, present)
        if errors:
            return _empty(errors)
        result, nodes = outcome
        summary = result.summary
        return BankStatementImportPayload(
            statements=nodes,
            duplicate=result.duplicate,
            entry_count=summary.get("entryCount", 0),
            new_entries=summary.get("newEntries", 0),
            duplicate_entries=summary.get("duplicateEntries", 0),
            payments_created=summary.get("paymentsCreated", 0),
            returns_recorded=summary.get("returnsRecorded", 0),
            warnings=summary.get("warnings", []),
            user_errors=[],
        )


def _empty(errors: list[UserError]) -> BankStatementImportPayload:
    return BankStatementImportPayload(
        statements=[],
        duplicate=False,
        entry_count=0,
        new_entries=0,
        duplicate_entries=0,
        payments_created=0,
        returns_recorded=0,
        warnings=[],
        user_errors=errors,
    )
