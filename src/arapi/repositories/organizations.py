from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from arapi.models import ApiKey, ApiKeyGrant, Organization


def get_by_name(session: Session, name: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.name == name))


def any_exists(session: Session) -> bool:
    return session.scalar(select(Organization.id).limit(1)) is not None


def ping(session: Session) -> None:
    """A trivial query (the health check)."""
    session.execute(select(1))


def get(session: Session, organization_id: int) -> Organization | None:
    return session.get(Organization, organization_id)


def add(session: Session, name: str) -> Organization:
    org = Organization(name=name)
    session.add(org)
    session.flush()
    return org


def add_api_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def api_key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


def granted_customer_ids(session: Session, api_key_id: int) -> frozenset[int]:
    rows = session.scalars(
        select(ApiKeyGrant.customer_id).where(ApiKeyGrant.api_key_id == api_key_id)
    )
    return frozenset(rows)


def grant(session: Session, api_key_id: int, customer_id: int) -> None:
    session.add(ApiKeyGrant(api_key_id=api_key_id, customer_id=customer_id))
    session.flush()


def api_keys(session: Session, org_id: int, prefix: str | None = None) -> list[ApiKey]:
    """The organization's keys (with this prefix), revoked ones included, oldest first."""
    stmt = select(ApiKey).where(ApiKey.organization_id == org_id)
    if prefix is not None:
        stmt = stmt.where(ApiKey.prefix == prefix)
    return list(session.scalars(stmt.order_by(ApiKey.id)))
