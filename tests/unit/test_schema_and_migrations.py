"""schema.graphql is exported from code; migrations upgrade, downgrade and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from arapi.db import Base, make_engine
from arapi.db.migrate import alembic_config, downgrade, upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_schema_file_is_current():
    from arapi.graphql.schema import export_sdl

    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == export_sdl(), "schema.graphql is stale: run `make schema`"


def test_upgrade_downgrade_and_models_match(db_url):
    # Start from nothing: downgrade the test database to base, then up again.
    downgrade(db_url, "base")
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_alembic_check_runs(db_url):
    command.check(alembic_config(db_url))


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
)
def test_migration_files_are_date_prefixed(name):
    assert name[:8].isdigit(), name
