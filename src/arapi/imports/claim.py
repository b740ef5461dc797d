"""The first write of every import: the file's row, which makes two imports of the same bytes safe.

Both importers (statements and invoices) call :func:`claim` after parsing and
before writing anything else. The row is unique per (organization, kind,
SHA-256), so when two clients send the same file at once, one of them wins:

* on PostgreSQL the loser's insert waits on the unique index until the winner
  commits, then fails; the loser reads the winner's row and answers
  ``duplicate`` like any later re-import. If the winner rolled back meanwhile
  there is nothing to read, and the loser is told to try again
  (``IMPORT_IN_PROGRESS``) rather than fail on an internal error;
* on SQLite every write transaction holds the database's only write lock
  (BEGIN IMMEDIATE), so the loser simply finds the row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError
from arapi.imports.errors import ImportErrorCode
from arapi.models import ImportFile
from arapi.plugin.types import KEY_MAX_LENGTH
from arapi.repositories import import_files

FILENAME_MAX = 300  # ImportFile.filename


def clean_filename(name: str | None) -> str | None:
    """An upload's name as it can be stored and shown: no NUL (PostgreSQL refuses it), clipped.

    The name comes from the client (a multipart header, a command-line path), not from
    the file, so it is cleaned rather than refused.
    """
    if not name:
        return None
    return name.replace("\x00", "")[:FILENAME_MAX] or None


def refuse_bad_size(data: bytes, max_bytes: int) -> None:
    """An empty file, or one over the installation's limit, is refused before it is read."""
    if not data:
        raise ArapiError(ImportErrorCode.EMPTY_FILE, "the file is empty", ["file"])
    if len(data) > max_bytes:
        raise ArapiError(
            ImportErrorCode.FILE_TOO_LARGE,
            f"the file has {len(data)} bytes; at most {max_bytes} may be imported",
            ["file"],
        )


@dataclass(frozen=True)
class Claim:
    """The file's row, and whether it was already there (imported before, or concurrently)."""

    import_file: ImportFile
    seen: bool


def claim(
    session: Session,
    viewer: Viewer,
    *,
    kind: str,
    sha256: str,
    size: int,
    fmt: str,
    filename: str | None,
) -> Claim:
    """Insert the file's row, or return the row of the import that got there first."""
    org = viewer.organization_id
    seen = import_files.find(session, org, kind, sha256)
    if seen is not None:
        return Claim(seen, True)
    row = ImportFile(
        organization_id=org,
        kind=kind,
        format=fmt[:KEY_MAX_LENGTH],  # several formats of one ZIP may be longer
        filename=clean_filename(filename),
        sha256=sha256,
        size=size,
        actor=viewer.actor,
    )
    try:
        with session.begin_nested():
            return Claim(import_files.add(session, row), False)
    except IntegrityError:
        seen = import_files.find(session, org, kind, sha256)
        if seen is not None:  # the other import committed first
            return Claim(seen, True)
        raise ArapiError(
            ImportErrorCode.IMPORT_IN_PROGRESS,
            "the same file is being imported right now; try again",
            ["file"],
        ) from None
