"""One foreign key from a statement entry to its statement within its organization.

Entries had two foreign keys, one to ``organizations`` and one to
``bank_statements``. They become one composite key, ``(statement_id,
organization_id)`` to ``bank_statements (id, organization_id)``: the database
now refuses an entry whose organization is not its statement's, the tenant is
still checked (through the statement's own key to ``organizations``), and a
bulk import pays one foreign-key check per entry instead of two. Deleting a
statement, or its organization, still deletes its entries.

On SQLite the entries table is rebuilt (batch mode); ``migrations/env.py``
turns foreign keys off around the rebuild and checks them all before commit.

Revision ID: 0004_entry_statement_tenant_key
Revises: 0003_content_keyed_reference
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_entry_statement_tenant_key"
down_revision: str | Sequence[str] | None = "0003_content_keyed_reference"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENT_TENANT = "uq_bank_statements_id_organization_id"
TO_ORGANIZATION = "fk_statement_entries_organization_id_organizations"
# The composite key takes the old statement key's name.
TO_STATEMENT = "fk_statement_entries_statement_id_bank_statements"


def upgrade() -> None:
    with op.batch_alter_table("bank_statements") as batch:
        batch.create_unique_constraint(STATEMENT_TENANT, ["id", "organization_id"])
    with op.batch_alter_table("statement_entries") as batch:
        batch.drop_constraint(TO_ORGANIZATION, type_="foreignkey")
        batch.drop_constraint(TO_STATEMENT, type_="foreignkey")
        batch.create_foreign_key(
            TO_STATEMENT,
            "bank_statements",
            ["statement_id", "organization_id"],
            ["id", "organization_id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("statement_entries") as batch:
        batch.drop_constraint(TO_STATEMENT, type_="foreignkey")
        batch.create_foreign_key(
            TO_STATEMENT, "bank_statements", ["statement_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            TO_ORGANIZATION, "organizations", ["organization_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("bank_statements") as batch:
        batch.drop_constraint(STATEMENT_TENANT, type_="unique")
