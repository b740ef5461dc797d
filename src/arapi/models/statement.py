"""Imported files, bank statements and their entries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Currency, Id, IdType, Minor, fk, org_fk


class ImportFile(Base):
    """One imported file, by content fingerprint: the same bytes are never imported twice."""

    __tablename__ = "import_files"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "sha256"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    kind: Mapped[str] = mapped_column(String(20))  # statement | invoices | invoice_sync
    format: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[Created]


class BankStatement(Base):
    __tablename__ = "bank_statements"
    # What an entry's foreign key refers to: its statement within its organization.
    __table_args__ = (UniqueConstraint("id", "organization_id"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    import_file_id: Mapped[int] = fk("import_files.id")
    format: Mapped[str] = mapped_column(String(30))
    account: Mapped[str | None] = mapped_column(String(70), index=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    statement_ref: Mapped[str | None] = mapped_column(String(140))
    opening_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    closing_balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    opening_date: Mapped[date | None]
    closing_date: Mapped[date | None]
    entry_count: Mapped[int] = mapped_column(default=0)
    credit_total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    debit_total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    warnings: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[Created]


# Natural keys arapi hashed from a line's content, for lines the bank gave no id (MT940).
CONTENT_KEY_PREFIX = "h:"
CONTENT_KEYED = f"natural_key LIKE '{CONTENT_KEY_PREFIX}%'"


class StatementEntry(Base):
    """A bank line. ``natural_key`` (FITID, AcctSvcrRef, ... or a content hash) de-duplicates it."""

    __tablename__ = "statement_entries"
    __table_args__ = (
        # One key checks both the statement and the tenant: an entry can only belong to a
        # statement of its own organization, and the organization is the statement's (itself
        # a foreign key). A bulk import pays one foreign-key check per entry, not two, and
        # the key carries the tenant column as sharding by organization wants.
        ForeignKeyConstraint(
            ["statement_id", "organization_id"],
            ["bank_statements.id", "bank_statements.organization_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("organization_id", "account_key", "natural_key"),
        # Content-keyed lines by bank reference: an end-of-day line the bank re-sent with
        # changed text is found by it (imports.statements._changed_repeats). Partial, so
        # lines keyed by a bank id (camt, OFX) cost no extra index write.
        Index(
            "ix_statement_entries_content_keyed_reference",
            "organization_id",
            "account_key",
            "bank_reference",
            sqlite_where=text(CONTENT_KEYED),
            postgresql_where=text(CONTENT_KEYED),
        ),
    )

    id: Mapped[Id]
    organization_id: Mapped[int] = mapped_column(IdType)  # checked through the statement's key
    statement_id: Mapped[int] = mapped_column(IdType, index=True)
    account_key: Mapped[str] = mapped_column(String(70))
    natural_key: Mapped[str] = mapped_column(String(200))
    booking_date: Mapped[date | None]
    value_date: Mapped[date | None]
    amount_minor: Mapped[Minor]  # signed: credits positive
    currency: Mapped[Currency]
    status: Mapped[str | None] = mapped_column(String(10))
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    counterparty_name: Mapped[str | None] = mapped_column(String(300))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    remittance: Mapped[str | None] = mapped_column(Text)
    creditor_reference: Mapped[str | None] = mapped_column(String(35))
    end_to_end_id: Mapped[str | None] = mapped_column(String(100))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    bank_transaction_code: Mapped[str | None] = mapped_column(String(100))
    return_reason: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[Created]
