"""Run alembic migrations from code (used by ``arapi db upgrade`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from arapi.db.engine import normalize_url

_ROOT = Path(__file__).resolve().parents[3]


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
