"""Run alembic migrations from code (used by ``arapi db upgrade`` and the tests).

:func:`require_migrated` is the other side: the CLI and the app refuse a
database whose schema is not at the head of ``migrations/``, with a coded
error that says to run ``arapi db upgrade``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NoReturn

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine
from sqlalchemy.exc import DBAPIError

from arapi.db.engine import normalize_url
from arapi.db.errors import DatabaseErrorCode
from arapi.errors import ArapiError

_ROOT = Path(__file__).resolve().parents[3]
UPGRADE_COMMAND = "arapi db upgrade"


def alembic_config(url: str) -> Config:
    ini = _ROOT / "alembic.ini"
    if not ini.is_file():
        raise RuntimeError(
            f"alembic.ini not found at {ini}: install arapi from its checkout (pip install -e .)"
        )
    config = Config(str(ini))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The head revision(s) of ``migrations/``: what ``arapi db upgrade`` migrates to."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def require_migrated(engine: Engine) -> None:
    """Refuse (``DATABASE_NOT_MIGRATED``) a database that is not at the head revision.

    ``DATABASE_UNREACHABLE`` when it cannot be opened at all (server down, bad password).

    A SQLite file that does not exist is refused without connecting, so it is
    not created. The message names the database without its password.
    """
    url = engine.url
    shown = url.render_as_string(hide_password=True)
    todo = f"run `{UPGRADE_COMMAND}` with this ARAPI_DATABASE_URL"
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        _refuse(f"database {shown} does not exist: {todo} to create it")
    try:
        with engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError as exc:  # server down, bad password, not a database file
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise ArapiError(
            DatabaseErrorCode.DATABASE_UNREACHABLE, f"cannot open database {shown}: {reason}"
        ) from None
    heads = head_revisions()
    if current == heads:
        return
    if not current:
        _refuse(f"database {shown} has no arapi schema (it was never migrated): {todo}")
    ahead = sorted(current - _known_revisions())
    if ahead:
        _refuse(
            f"database {shown} is at revision {', '.join(ahead)}, which this version of arapi "
            f"does not know (it migrates to {', '.join(sorted(heads))}): use the arapi that "
            "migrated it"
        )
    _refuse(
        f"database {shown} is at revision {', '.join(sorted(current))}, not at the latest "
        f"({', '.join(sorted(heads))}): {todo}"
    )


@functools.cache
def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(rev.revision for rev in script.walk_revisions())


def _sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL opens; None for other databases, in memory or a ``file:`` URI."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri"):
        return None
    return Path(url.database)


def _refuse(message: str) -> NoReturn:
    raise ArapiError(DatabaseErrorCode.DATABASE_NOT_MIGRATED, message)
