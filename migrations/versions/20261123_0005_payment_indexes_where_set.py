"""Payments: index customer and end-to-end id only where set; drop the payer IBAN index.

An imported payment has no customer until it is applied, and OFX or CFONB
lines carry no end-to-end id, yet every one of them wrote an entry into both
indexes. They become partial (``WHERE ... IS NOT NULL``): lookups by value
(``=``, ``IN``, ``= ANY``) still use them, on PostgreSQL and SQLite alike. No
query ever searched payments by payer IBAN (matching reads customers' IBANs
from ``customer_ibans``), so that index only cost every insert.

Revision ID: 0005_payment_indexes_where_set
Revises: 0004_entry_statement_tenant_key
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_payment_indexes_where_set"
down_revision: str | Sequence[str] | None = "0004_entry_statement_tenant_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE_SET = ("customer_id", "end_to_end_id")


def upgrade() -> None:
    op.drop_index("ix_payments_payer_iban", table_name="payments")
    for column in WHERE_SET:
        name = f"ix_payments_{column}"
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="payments")
        op.create_index(name, "payments", [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for column in WHERE_SET:
        name = f"ix_payments_{column}"
        op.drop_index(name, table_name="payments")
        op.create_index(name, "payments", [column])
    op.create_index("ix_payments_payer_iban", "payments", ["payer_iban"])
