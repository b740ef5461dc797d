"""SQL for bank statements, their entries, and the bulk writes of an import."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    Date,
    Integer,
    String,
    any_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from arapi.db.base import UTCDateTime
from arapi.models import BankStatement, Payment, StatementEntry
from arapi.models.statement import CONTENT_KEYED
from arapi.repositories import locks, owned, paging
from arapi.repositories.balances import PaymentBalance


def _one_of(session: Session, column, values: list[str]):
    """``column IN values`` with the values as one parameter, however many there are.

    An array on PostgreSQL, a JSON list read by ``json_each`` on SQLite: a
    100 000-line statement is one query, not a hundred chunks under SQLite's
    bound-parameter limit.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("values", values, type_=ARRAY(String), unique=True))
    # json_each is built into SQLite since 3.38 (and into Python's own builds before).
    listed = func.json_each(bindparam("values", json.dumps(values), unique=True))
    listed = listed.table_valued("value")
    return column.in_(select(listed.c.value))


def existing_keys(session: Session, org_id: int, account_key: str, keys: Iterable[str]) -> set[str]:
    """Which of these natural keys this account already has."""
    keys = list(keys)
    if not keys:
        return set()
    return set(
        session.scalars(
            select(StatementEntry.natural_key).where(
                StatementEntry.organization_id == org_id,
                StatementEntry.account_key == account_key,
                _one_of(session, StatementEntry.natural_key, keys),
            )
        )
    )


def referenced_entries(
    session: Session, org_id: int, account_key: str, references: Iterable[str]
) -> set[tuple[str, int, date | None]]:
    """(bank reference, amount, value date) of this account's content-keyed entries carrying one of ``references``."""
    references = list(references)
    if not references:
        return set()
    rows = session.execute(
        select(
            StatementEntry.bank_reference, StatementEntry.amount_minor, StatementEntry.value_date
        ).where(
            StatementEntry.organization_id == org_id,
            StatementEntry.account_key == account_key,
            _one_of(session, StatementEntry.bank_reference, references),
            text(CONTENT_KEYED),  # as the partial index says it, so that the planner uses it
        )
    )
    return {tuple(row) for row in rows}


def lock_accounts(session: Session, org_id: int, account_keys: Iterable[str]) -> None:
    """Hold the accounts' import locks until the transaction ends (see :mod:`locks`)."""
    locks.hold(session, *(f"statement-account:{org_id}:{key}" for key in account_keys))


def add_statement(session: Session, statement: BankStatement) -> BankStatement:
    session.add(statement)
    session.flush()
    return statement


def insert_rows(session: Session, model, rows: Iterable[dict]) -> int:
    """Bulk insert straight through the driver: COPY on PostgreSQL, executemany on SQLite.

    Imports write tens of thousands of rows; SQLAlchemy's per-row parameter
    processing cost more than the database itself. Values are converted here
    the way the column types would (JSON text, UTC timestamps, ISO dates on
    SQLite). Table and column names come from the models, never from input.

    ``rows`` may be a generator, consumed once as the database takes the rows:
    memory stays flat, and PostgreSQL's server writes rows while the caller
    builds the next ones (one COPY per table). Returns how many were written.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    table = model.__table__
    columns = list(first)
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    converters = [_converter(table.columns[name].type, sqlite) for name in columns]
    row_values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    converted = [(index, convert) for index, convert in enumerate(converters) if convert]
    written = 0

    def values():
        nonlocal written
        for row in chain((first,), rows):
            value = row_values(row)
            if converted:
                value = list(value)
                for index, convert in converted:
                    if value[index] is not None:
                        value[index] = convert(value[index])
            written += 1
            yield value

    names = ", ".join(columns)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if sqlite:
            marks = ", ".join("?" for _ in columns)
            insert = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, values())
        else:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_pg_binary_type(table.columns[name].type) for name in columns])
                for value in values():
                    copy.write_row(value)
    finally:
        cursor.close()
    return written


def _pg_binary_type(column_type) -> str:
    """The PostgreSQL type whose binary COPY format a column takes (JSON travels as its text)."""
    if isinstance(column_type, UTCDateTime):
        return "timestamptz"
    if isinstance(column_type, BigInteger):
        return "int8"
    if isinstance(column_type, Integer):
        return "int4"
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Date):
        return "date"
    return "text"  # String, Text and JSON share the text binary format


# Built once: json.dumps with its own separators builds a new encoder on every call.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def _converter(column_type, sqlite: bool):
    if isinstance(column_type, JSON):
        return _compact_json
    if isinstance(column_type, UTCDateTime):
        # As UTCDateTime stores it: naive UTC text on SQLite, timestamptz on PostgreSQL.
        return _sqlite_timestamp if sqlite else None
    if sqlite and isinstance(column_type, Date):
        return _sqlite_date
    return None


# A bulk write repeats the same few dates and its one timestamp on every row.
@lru_cache(maxsize=1024)
def _sqlite_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=4096)
def _sqlite_date(value: date) -> str:
    return value.isoformat()


def reserve_ids(session: Session, model, count: int) -> list[int]:
    """Ids for rows about to be bulk-inserted, so nothing has to be read back.

    PostgreSQL hands them out from the table's sequence; SQLite continues after
    the current maximum, which is safe because a write transaction there holds
    the database's only write lock (BEGIN IMMEDIATE).
    """
    if count <= 0:
        return []
    table = model.__table__.name
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One row holding an array: fetching tens of thousands of rows cost more than the sequence.
        return connection.exec_driver_sql(
            f"SELECT array_agg(nextval(pg_get_serial_sequence('{table}', 'id'))) "  # noqa: S608
            f"FROM generate_series(1, {int(count)})"
        ).scalar_one()
    start = connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar()  # noqa: S608
    return list(range(start + 1, start + 1 + count))


def payments_by_end_to_end(
    session: Session, org_id: int, ids: Iterable[str]
) -> dict[str, list[tuple[int, str, int]]]:
    """end-to-end id -> (id, currency, amount not yet returned) of the payments carrying it, newest first."""
    ids = list(set(ids))
    if not ids:
        return {}
    left = Payment.amount_minor - PaymentBalance().returned
    rows = session.execute(
        select(Payment.end_to_end_id, Payment.id, Payment.currency, left)
        .where(Payment.organization_id == org_id, _one_of(session, Payment.end_to_end_id, ids))
        .order_by(Payment.id.desc())
    )
    out: dict[str, list[tuple[int, str, int]]] = {}
    for e2e, payment_id, currency, not_returned in rows:
        out.setdefault(e2e, []).append((payment_id, currency, int(not_returned)))
    return out


def for_import(session: Session, org_id: int, import_file_id: int) -> list[BankStatement]:
    return list(
        session.scalars(
            select(BankStatement)
            .where(
                BankStatement.organization_id == org_id,
                BankStatement.import_file_id == import_file_id,
            )
            .order_by(BankStatement.id)
        )
    )


def get_many(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, BankStatement]:
    return owned.by_ids(session, BankStatement, org_id, ids)


def page(session: Session, org_id: int, *, limit, after, before, forward):
    stmt = select(BankStatement).where(BankStatement.organization_id == org_id)
    return paging.by_id(
        session,
        stmt,
        BankStatement.id,
        descending=True,
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )


def entries_by_id(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, StatementEntry]:
    return owned.by_ids(session, StatementEntry, org_id, ids)


def entries_page(
    session: Session, org_id: int, statement_id: int, *, limit, after, before, forward
):
    """A page of the entries written from one statement, in file order."""
    stmt = select(StatementEntry).where(
        StatementEntry.organization_id == org_id, StatementEntry.statement_id == statement_id
    )
    return paging.by_id(
        session, stmt, StatementEntry.id, limit=limit, after=after, before=before, forward=forward
    )
