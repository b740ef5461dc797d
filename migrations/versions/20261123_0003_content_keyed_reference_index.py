"""Index content-keyed statement entries by bank reference.

An end-of-day MT940 repeats the lines of the day's MT942 interim reports; one
whose text the bank changed in between gets another content hash and is
written again. The import looks such lines up by account and bank reference
to warn about them. The index is partial: only lines whose natural key arapi
hashed from their content (``h:...``) are in it, so imports of files that carry
bank ids (camt, OFX) write no extra index entry.

Revision ID: 0003_content_keyed_reference
Revises: 0002_redundant_indexes
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_content_keyed_reference"
down_revision: str | Sequence[str] | None = "0002_redundant_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_statement_entries_content_keyed_reference"
CONTENT_KEYED = "natural_key LIKE 'h:%'"  # as arapi.models.statement.CONTENT_KEYED, frozen here


def upgrade() -> None:
    op.create_index(
        NAME,
        "statement_entries",
        ["organization_id", "account_key", "bank_reference"],
        unique=False,
        sqlite_where=sa.text(CONTENT_KEYED),
        postgresql_where=sa.text(CONTENT_KEYED),
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="statement_entries")
