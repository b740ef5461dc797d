"""Drop single-column indexes that a composite index of the same table already starts with.

Each of them duplicated the leading column of a unique constraint or composite
index, which serves the same lookups (tenant filter, foreign-key cascade) and
only cost every insert: two fewer B-tree writes per imported statement entry.

Revision ID: 0002_redundant_indexes
Revises: 0001_ledger
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_redundant_indexes"
down_revision: str | Sequence[str] | None = "0001_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column): the index is named ix_<table>_<column> by the naming convention.
REDUNDANT = (
    ("customers", "organization_id"),
    ("events", "organization_id"),
    ("idempotency_keys", "organization_id"),
    ("import_files", "organization_id"),
    ("customer_ibans", "organization_id"),
    ("customer_payer_names", "organization_id"),
    ("invoices", "organization_id"),
    ("statement_entries", "organization_id"),
    ("payments", "organization_id"),
    ("api_key_grants", "api_key_id"),
    ("installments", "schedule_id"),
    ("schedule_invoices", "schedule_id"),
)


def upgrade() -> None:
    for table, column in REDUNDANT:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in REDUNDANT:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
