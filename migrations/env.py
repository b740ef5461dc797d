"""Alembic environment: the URL comes from the caller or ARAPI_DATABASE_URL."""

from __future__ import annotations

from alembic import context

import arapi.models  # noqa: F401  (every model registers on the metadata)
from arapi.config import Settings
from arapi.db.base import Base
from arapi.db.engine import make_engine, normalize_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalize_url(
        config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    applied = []
    # Batch mode lets ALTER TABLE work on SQLite (copy-and-move).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        # SQLite's DDL is transactional too: one transaction for the whole upgrade.
        transactional_ddl=True,
        on_version_apply=lambda **step: applied.append(step),
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # SQLite's own procedure for rebuilding a table that others refer to: foreign keys
    # off (outside the transaction: the pragma is a no-op inside one), else dropping the
    # old table would delete or orphan the rows pointing at it; then every key checked
    # before commit, so a migration that broke one rolls back.
    _sqlite_foreign_keys(connection, on=False)
    try:
        with context.begin_transaction():
            context.run_migrations()
            # Only after a migration ran: the check reads every row of every table.
            broken = applied and connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection, *, on: bool) -> None:
    # Straight on the driver's connection: through SQLAlchemy the pragma would begin a transaction.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
