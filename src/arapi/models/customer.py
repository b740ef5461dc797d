"""Customers (payers) with the identifiers cash application relies on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Id, UTCDateTime, fk, org_fk, utcnow


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("organization_id", "external_ref"),
        Index("ix_customers_org_name", "organization_id", "name"),
    )

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    name: Mapped[str] = mapped_column(String(300))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    legal_id: Mapped[str | None] = mapped_column(String(40))
    legal_id_type: Mapped[str | None] = mapped_column(String(20))  # siren, siret, vat, ...
    country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    credit_limit_minor: Mapped[int | None] = mapped_column(BigInteger)
    # Parent company, for subsidiaries paying for each other.
    parent_id: Mapped[int | None] = fk("customers.id", nullable=True)
    created_at: Mapped[Created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CustomerIban(Base):
    """An account the customer pays from: given by hand or learned from a confirmed match."""

    __tablename__ = "customer_ibans"
    __table_args__ = (UniqueConstraint("organization_id", "customer_id", "iban"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    customer_id: Mapped[int] = fk("customers.id", ondelete="CASCADE")
    iban: Mapped[str] = mapped_column(String(34), index=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | learned | import
    created_at: Mapped[Created]


class CustomerPayerName(Base):
    """A name variant seen on bank lines for this customer (learned by cash application)."""

    __tablename__ = "customer_payer_names"
    __table_args__ = (UniqueConstraint("organization_id", "customer_id", "normalized"),)

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk(index=False)  # led by a composite index
    customer_id: Mapped[int] = fk("customers.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str] = mapped_column(String(300), index=True)
    source: Mapped[str] = mapped_column(String(20), default="learned")
    created_at: Mapped[Created]
