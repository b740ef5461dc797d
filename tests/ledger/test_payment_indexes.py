"""The payments' partial indexes (migration 0005) still serve the lookups that need them.

``ix_payments_customer_id`` and ``ix_payments_end_to_end_id`` hold only the
rows where the column is set. The database may use them only when it can
prove the query wants no NULL; these tests ask each database for its plan of
the lookups arapi sends, on a table shaped like an import's (most payments
with no customer yet, half with no end-to-end id).
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from arapi.models import Payment
from arapi.repositories.statements import _one_of

ROWS = 20_000


def _fill(conn) -> None:
    conn.execute(
        text("INSERT INTO organizations (id, name, created_at) VALUES (1, 'acme', :now)"),
        {"now": "2025-01-01"},
    )
    conn.execute(
        text(
            "INSERT INTO customers (id, organization_id, name, currency, payment_terms_days, "
            "created_at, updated_at) VALUES (:id, 1, :name, 'EUR', 30, :now, :now)"
        ),
        [{"id": i, "name": f"c{i}", "now": "2025-01-01"} for i in range(1, ROWS // 10 + 1)],
    )
    conn.execute(
        text(
            "INSERT INTO payments (organization_id, customer_id, amount_minor, currency, "
            "received_on, end_to_end_id, source, created_at) "
            "VALUES (1, :customer, 100, 'EUR', :day, :e2e, 'statement', :now)"
        ),
        [
            {
                "customer": i // 10 if i % 10 == 0 else None,
                "e2e": f"E2E-{i}" if i % 2 == 0 else None,
                "day": "2025-01-01",
                "now": "2025-01-01",
            }
            for i in range(1, ROWS + 1)
        ],
    )
    conn.execute(text("ANALYZE"))


def _plan(conn, stmt) -> str:
    """The database's plan for a SQLAlchemy statement, compiled as it would be sent."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positiontup is not None:  # SQLite's "?" placeholders
        params = tuple(params[name] for name in compiled.positiontup)
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    rows = conn.exec_driver_sql(explain + str(compiled), params).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_lookups_by_end_to_end_id_and_customer_use_the_partial_indexes(db):
    with db.engine.begin() as conn:
        _fill(conn)
        # As the repositories ask: end-to-end ids as one list parameter, customers by IN.
        by_e2e = _plan(
            conn,
            select(Payment.id).where(
                Payment.organization_id == 1,
                _one_of(Session(bind=conn), Payment.end_to_end_id, ["E2E-2", "E2E-4"]),
            ),
        )
        by_customer = _plan(
            conn,
            select(Payment.id).where(
                Payment.organization_id == 1, Payment.customer_id.in_([10, 20])
            ),
        )
    assert "ix_payments_end_to_end_id" in by_e2e, by_e2e
    assert "ix_payments_customer_id" in by_customer, by_customer
