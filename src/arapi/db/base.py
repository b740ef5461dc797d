"""Declarative base: naming convention, id and timestamp column types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware instants, stored as UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


Id = Annotated[int, mapped_column(IdType, primary_key=True, autoincrement=True)]
Minor = Annotated[int, mapped_column(BigInteger, nullable=False)]
Currency = Annotated[str, mapped_column(String(3), nullable=False)]
Created = Annotated[datetime, mapped_column(UTCDateTime, nullable=False, default=utcnow)]


def org_fk(*, index: bool = True):
    """The tenant column every business row carries.

    ``index=False`` where a composite index or unique constraint of the table
    starts with it: that one serves the tenant filter and the cascade, and a
    second index would only cost every insert.
    """
    return mapped_column(
        IdType, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=index
    )


def fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None):
    return mapped_column(
        IdType, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
