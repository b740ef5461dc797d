"""SQL for bank statements, their entries, and the bulk writes of an import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from arapi.models import BankStatement, Event, Payment, PaymentReturn, StatementEntry
from arapi.repositories import paging

CHUNK = 900  # stay under SQLite's bound-parameter limit


def existing_keys(session: Session, org_id: int, account_key: str, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        found.update(
            session.scalars(
                select(StatementEntry.natural_key).where(
                    StatementEntry.organization_id == org_id,
                    StatementEntry.account_key == account_key,
                    StatementEntry.natural_key.in_(chunk),
                )
            )
        )
    return found


def add_statement(session: Session, statement: BankStatement) -> BankStatement:
    session.add(statement)
    session.flush()
    return statement


def _insert_returning_ids(session: Session, table, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def insert_entries(session: Session, rows: list[dict]) -> list[int]:
    return _insert_returning_ids(session, StatementEntry, rows)


def insert_payments(session: Session, rows: list[dict]) -> list[int]:
    return _insert_returning_ids(session, Payment, rows)


def insert_returns(session: Session, rows: list[dict]) -> list[int]:
    return _insert_returning_ids(session, PaymentReturn, rows)


def insert_events(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(Event), rows)


def payments_by_end_to_end(session: Session, org_id: int, ids: Iterable[str]) -> dict[str, int]:
    """end-to-end id -> the latest payment carrying it."""
    ids = list(set(ids))
    out: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(Payment.end_to_end_id, Payment.id)
            .where(Payment.organization_id == org_id, Payment.end_to_end_id.in_(chunk))
            .order_by(Payment.id)
        )
        out.update({e2e: pid for e2e, pid in rows})
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
    ids = list(set(ids))
    if not ids:
        return {}
    stmt = select(BankStatement).where(
        BankStatement.organization_id == org_id, BankStatement.id.in_(ids)
    )
    return {s.id: s for s in session.scalars(stmt)}


def page(session: Session, org_id: int, *, limit, after, before, forward):
    stmt = select(BankStatement).where(BankStatement.organization_id == org_id)
    result = paging.fetch(
        session,
        stmt,
        [paging.SortKey(BankStatement.id, True)],
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )
    return [r[0] for r in result.rows], result.has_more


def entries_for(session: Session, statement_ids: Sequence[int]) -> dict[int, list[StatementEntry]]:
    out: dict[int, list[StatementEntry]] = {i: [] for i in statement_ids}
    if not statement_ids:
        return out
    stmt = (
        select(StatementEntry)
        .where(StatementEntry.statement_id.in_(list(statement_ids)))
        .order_by(StatementEntry.id)
    )
    for row in session.scalars(stmt):
        out[row.statement_id].append(row)
    return out
