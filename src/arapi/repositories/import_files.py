"""SQL for imported files: one row per (organization, kind, SHA-256 of the bytes)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from arapi.models import ImportFile
from arapi.repositories import owned, paging


def find(session: Session, org_id: int, kind: str, sha256: str) -> ImportFile | None:
    return session.scalar(
        select(ImportFile).where(
            ImportFile.organization_id == org_id,
            ImportFile.kind == kind,
            ImportFile.sha256 == sha256,
        )
    )


def add(session: Session, import_file: ImportFile) -> ImportFile:
    """Insert and flush, so a concurrent import of the same bytes fails here, before any other write."""
    session.add(import_file)
    session.flush()
    return import_file


def latest(session: Session, org_id: int, kind: str, fmt: str) -> ImportFile | None:
    """The most recent import of this kind and format (an invoice source's last sync)."""
    return session.scalar(
        select(ImportFile)
        .where(
            ImportFile.organization_id == org_id,
            ImportFile.kind == kind,
            ImportFile.format == fmt,
        )
        .order_by(ImportFile.id.desc())
        .limit(1)
    )


def get_many(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, ImportFile]:
    return owned.by_ids(session, ImportFile, org_id, ids)


def page(session: Session, org_id: int, kind: str | None, *, limit, after, before, forward):
    """The organization's imports (of one kind, or all), newest first."""
    stmt = select(ImportFile).where(ImportFile.organization_id == org_id)
    if kind is not None:
        stmt = stmt.where(ImportFile.kind == kind)
    return paging.by_id(
        session,
        stmt,
        ImportFile.id,
        descending=True,
        limit=limit,
        after=after,
        before=before,
        forward=forward,
    )
