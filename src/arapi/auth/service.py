"""Organizations and API keys: creation, authentication, partner grants."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from arapi.auth.roles import Role
from arapi.auth.viewer import Viewer
from arapi.db.base import utcnow
from arapi.errors import ArapiError, CommonErrorCode
from arapi.models import ApiKey, Organization
from arapi.repositories import organizations as repo

KEY_PREFIX = "arapi_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_organization(session: Session, name: str) -> Organization:
    name = name.strip()
    if not name:
        raise ArapiError(CommonErrorCode.INVALID_INPUT, "organization name is empty", ["name"])
    if repo.get_by_name(session, name):
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT, f"organization {name!r} already exists", ["name"]
        )
    return repo.add(session, name)


def get_or_create_organization(session: Session, name: str) -> Organization:
    return repo.get_by_name(session, name) or repo.add(session, name)


def organization_by_name(session: Session, name: str) -> Organization:
    org = repo.get_by_name(session, name)
    if org is None:
        raise ArapiError(CommonErrorCode.NOT_FOUND, f"organization {name!r} does not exist")
    return org


def create_api_key(session: Session, organization: Organization, role: str, name: str = "") -> str:
    """Create a key and return it in clear: the only time it is ever visible."""
    try:
        role_value = Role(role)
    except ValueError:
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}",
            ["role"],
        ) from None
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    repo.add_api_key(
        session,
        ApiKey(
            organization_id=organization.id,
            name=name or f"{role_value.value} key",
            role=role_value.value,
            prefix=raw[: len(KEY_PREFIX) + 6],
            key_hash=hash_key(raw),
        ),
    )
    return raw


def list_api_keys(session: Session, organization: Organization) -> list[ApiKey]:
    """Every key of the organization, revoked ones included (only prefixes, never the keys)."""
    return repo.api_keys(session, organization.id)


def revoke_api_key(session: Session, organization: Organization, prefix: str) -> ApiKey:
    """Revoke the key whose prefix (as ``apikey list`` shows it) is given: it stops working at once."""
    keys = repo.api_keys(session, organization.id, prefix.strip())
    if not keys:
        raise ArapiError(
            CommonErrorCode.NOT_FOUND,
            f"no API key with prefix {prefix!r} in organization {organization.name!r}",
            ["prefix"],
        )
    if len(keys) > 1:  # six random characters: possible, if very unlikely
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"{len(keys)} API keys share the prefix {prefix!r}; none was revoked",
            ["prefix"],
        )
    key = keys[0]
    if key.revoked_at is not None:
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"API key {key.prefix} was revoked on {key.revoked_at:%Y-%m-%d %H:%M} UTC",
            ["prefix"],
        )
    key.revoked_at = utcnow()
    session.flush()
    return key


def grant_customer(session: Session, raw_key: str, customer_id: int) -> None:
    key = repo.api_key_by_hash(session, hash_key(raw_key))
    if key is None:
        raise ArapiError(CommonErrorCode.NOT_FOUND, "API key not found")
    repo.grant(session, key.id, customer_id)


def authenticate(session: Session, raw_key: str) -> Viewer | None:
    """The viewer for a presented key, or None when the key is unknown or revoked."""
    if not raw_key:
        return None
    key = repo.api_key_by_hash(session, hash_key(raw_key))
    if key is None:
        return None
    org = repo.get(session, key.organization_id)
    role = Role(key.role)
    granted = repo.granted_customer_ids(session, key.id) if role is Role.PARTNER else None
    return Viewer(
        organization_id=org.id,
        organization_name=org.name,
        role=role,
        actor=f"key:{key.prefix}",
        api_key_id=key.id,
        customer_ids=granted,
    )
