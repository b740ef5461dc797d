"""Test databases: a real SQLite file per test, or a PostgreSQL database per run.

``ARAPI_TEST_BACKEND=postgresql`` (set by scripts/run-tests for the second pass)
creates a fresh database on ``ARAPI_TEST_POSTGRES_URL`` for the run, migrates it
with alembic, truncates between tests and drops it at the end. Any test that uses
the ``db`` fixture is marked ``db`` and so runs on both backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from arapi.db import Base, Database
from arapi.db.migrate import upgrade

BACKEND = os.environ.get("ARAPI_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("ARAPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if {"db", "db_url", "client", "app_env"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _pg_admin_url() -> str:
    return PG_URL


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    import psycopg

    name = f"arapi_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(PG_URL, name)
    upgrade(url)
    yield url
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """Migrate once, copy the file for each test (migrations run for real, fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(request, tmp_path) -> Iterator[str]:
    if BACKEND == "postgresql":
        url = request.getfixturevalue("_pg_database")
        clear_tables(url)
        yield url
    else:
        import shutil

        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "arapi.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"


def clear_tables(url: str) -> None:
    """Empty every table (between tests on PostgreSQL, between hypothesis examples on both)."""
    db = Database(url)
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    db.dispose()


@pytest.fixture
def db(db_url) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()
