"""An entry's one foreign key, to its statement within its organization (migration 0004).

The database itself refuses an entry filed under another organization's
statement, deleting a statement or its organization deletes its entries, and
the migration that brought the key in moves a database holding entries and
the payments that point at them, up and down, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from arapi.db import Database
from arapi.db.migrate import downgrade, upgrade
from arapi.models import BankStatement, Organization, Payment, StatementEntry
from tests.helpers import make_org
from tests.imports.test_statement_import import camt, do_import

BEFORE_THE_KEY = "0003_content_keyed_reference"

# Two booked credits (two payments) and a debit.
STATEMENT = camt(
    [
        ("R1", "40.00", "CRDT", "E2E-1", None),
        ("R2", "60.00", "CRDT", "E2E-2", None),
        ("R3", "25.00", "DBIT", "E2E-3", None),
    ],
    closing="175.00",
)


@contextmanager
def _database(url: str) -> Iterator[Database]:
    """The database at ``url`` as it is now (its migration may have changed since last opened)."""
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


def _ledger(db: Database) -> dict:
    """What the import wrote, and how the payments point at the entries."""
    with db.read() as s:
        return {
            "statements": s.scalar(select(func.count()).select_from(BankStatement)),
            "entries": sorted(
                s.execute(
                    select(
                        StatementEntry.id,
                        StatementEntry.organization_id,
                        StatementEntry.statement_id,
                        StatementEntry.natural_key,
                        StatementEntry.amount_minor,
                    )
                ).all()
            ),
            "payments": sorted(
                s.execute(select(Payment.statement_entry_id, Payment.amount_minor)).all()
            ),
        }


def test_an_entry_cannot_be_filed_under_another_organizations_statement(db, plugins):
    acme = make_org(db, "acme")
    other = make_org(db, "other")
    do_import(db, acme, plugins, STATEMENT)
    with db.read() as s:
        entry = s.scalars(select(StatementEntry).limit(1)).one()
        columns = {c.key: getattr(entry, c.key) for c in StatementEntry.__table__.columns}
    columns.update(id=None, organization_id=other.organization_id, natural_key="forged")

    with pytest.raises(IntegrityError), db.write() as s:
        s.add(StatementEntry(**columns))
        s.flush()

    # The same row under its own organization is accepted: the key, not the row, refused it.
    columns.update(organization_id=acme.organization_id)
    with db.write() as s:
        s.add(StatementEntry(**columns))
    assert len(_ledger(db)["entries"]) == 4


def test_deleting_a_statement_or_its_organization_deletes_its_entries(db, plugins):
    acme = make_org(db, "acme")
    other = make_org(db, "other")
    do_import(db, acme, plugins, STATEMENT)
    do_import(db, other, plugins, STATEMENT)
    assert len(_ledger(db)["entries"]) == 6

    with db.write() as s:
        s.execute(delete(Payment).where(Payment.organization_id == other.organization_id))
        s.execute(
            delete(BankStatement).where(BankStatement.organization_id == other.organization_id)
        )
    assert {e[1] for e in _ledger(db)["entries"]} == {acme.organization_id}

    with db.write() as s:
        s.execute(delete(Organization).where(Organization.id == acme.organization_id))
    assert _ledger(db) == {"statements": 0, "entries": [], "payments": []}


def test_the_migration_moves_entries_and_their_payments_up_and_down(db_url, plugins):
    downgrade(db_url, BEFORE_THE_KEY)
    try:
        with _database(db_url) as db:
            acme = make_org(db)
            do_import(db, acme, plugins, STATEMENT)
            before = _ledger(db)
        assert len(before["entries"]) == 3 and len(before["payments"]) == 2

        upgrade(db_url)
        with _database(db_url) as db:
            assert _ledger(db) == before
            # The next day's statement repeats R2: only R4 is new, and it is written under the key.
            next_day = camt(
                [("R2", "60.00", "CRDT", "E2E-2", None), ("R4", "5.00", "CRDT", "E2E-4", None)],
                closing="165.00",
            )
            assert do_import(db, acme, plugins, next_day).summary["newEntries"] == 1
            after = _ledger(db)
        assert len(after["entries"]) == 4 and len(after["payments"]) == 3

        downgrade(db_url, BEFORE_THE_KEY)
        with _database(db_url) as db:
            assert _ledger(db) == after
    finally:
        upgrade(db_url)  # the PostgreSQL database is shared by the run: leave it at head


def _plant_orphan_payment(path) -> None:
    """A payment pointing at an entry that does not exist, written with foreign keys off."""
    import sqlite3

    raw = sqlite3.connect(path)  # foreign keys are off on a new SQLite connection
    raw.execute(
        "INSERT INTO payments (organization_id, amount_minor, currency, received_on, source, "
        "statement_entry_id, created_at) VALUES (99, 100, 'EUR', '2025-03-01', 'api', 12345, "
        "'2025-03-01 00:00:00')"
    )
    raw.commit()
    raw.close()


def test_a_sqlite_upgrade_that_would_leave_a_broken_key_rolls_back(tmp_path):
    # SQLite rebuilds tables with foreign keys off; every key is checked before commit.
    from alembic.migration import MigrationContext

    path = tmp_path / "arapi.db"
    url = f"sqlite:///{path}"
    upgrade(url, BEFORE_THE_KEY)
    _plant_orphan_payment(path)

    with pytest.raises(RuntimeError, match="broken foreign keys"):
        upgrade(url)

    with _database(url) as db, db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == BEFORE_THE_KEY
        keys = conn.exec_driver_sql("PRAGMA foreign_key_list(statement_entries)").fetchall()
    assert {row[2] for row in keys} == {"organizations", "bank_statements"}  # as before


def test_a_sqlite_upgrade_with_nothing_to_do_does_not_read_every_row(tmp_path):
    # The check runs only after a migration: at head, upgrade stays a no-op on any database.
    path = tmp_path / "arapi.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    _plant_orphan_payment(path)
    upgrade(url)
