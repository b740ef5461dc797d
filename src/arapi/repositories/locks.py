"""Named locks held until the transaction ends, for work that must not run twice at once.

PostgreSQL: transaction-scoped advisory locks (``pg_advisory_xact_lock``), taken in
sorted order so that two transactions naming the same locks cannot deadlock.
SQLite needs none: a write transaction there (BEGIN IMMEDIATE) already holds the
database's only write lock.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def documents_of(org_id: int) -> str:
    """The lock of an organization's customers and invoices: whoever creates them (a service,
    an import, a sync) looks numbers and references up first, so creators take turns."""
    return f"documents:{org_id}"


def hold(session: Session, *names: str) -> None:
    """Wait for, then hold, the named locks until the session's transaction ends."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    # Re-entrant: a session that holds a lock may take it again (imports call the services).
    for name in sorted(set(names)):
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"arapi.{name}"},
        )
