"""Tenants and the API keys that act for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arapi.db.base import Base, Created, Id, IdType, UTCDateTime, org_fk


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[Id]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[Created]


class ApiKey(Base):
    """Only a SHA-256 of the key is stored; the prefix lets a person tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[Id]
    organization_id: Mapped[int] = org_fk()
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Created]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiKeyGrant(Base):
    """A customer a partner key may see."""

    __tablename__ = "api_key_grants"
    __table_args__ = (UniqueConstraint("api_key_id", "customer_id"),)

    id: Mapped[Id]
    api_key_id: Mapped[int] = mapped_column(  # leads the unique constraint: no index of its own
        IdType, ForeignKey("api_keys.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
