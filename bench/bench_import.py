"""End-to-end statement import rate into SQLite and PostgreSQL (goal: at least 20 000 entries/s).

The same generated files (OFX and camt.053) go through the real service
(``arapi.imports.statements.import_statement``: parse, de-duplicate, write
entries, payments and events in one transaction) into a fresh migrated
database of each kind. Parsing and writing are timed apart so the figure that
matters, entries per second end to end, can be read next to where time goes.
PostgreSQL is skipped with a message when it is not reachable.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from arapi.auth import service as auth
from arapi.auth.viewer import Viewer
from arapi.db import Database
from arapi.db.migrate import upgrade
from arapi.imports import statements
from arapi.plugin import PluginHost
from bench.bench_camt import generate_camt053
from bench.bench_ofx import generate_ofx

GOAL = 20_000
PG_URL = os.environ.get("ARAPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _import_once(url: str, data: bytes, plugins: PluginHost) -> tuple[float, float, int]:
    upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            org = auth.create_organization(s, "bench")
            viewer = Viewer.system(org.id, org.name, actor="bench")
        started = time.perf_counter()
        upload = statements.parse_upload(
            plugins, data, filename="bench.xml", fmt=None, max_bytes=1 << 31, max_unzipped=1 << 31
        )
        parsed = time.perf_counter()
        with db.write() as s:
            result = statements.import_statement(s, viewer, plugins, data, upload=upload)
        written = time.perf_counter()
    finally:
        db.dispose()
    return parsed - started, written - parsed, result.summary["newEntries"]


def _postgres_database() -> tuple[str, str] | None:
    try:
        import psycopg

        name = f"arapi_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # reported, not hidden
        print(f"PostgreSQL not reachable ({exc}): skipped")
        return None
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}", name


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(quick: bool = False) -> None:
    entries = 20_000 if quick else 100_000
    files = [("ofx", generate_ofx(entries)), ("camt.053", generate_camt053(entries))]
    plugins = PluginHost.from_entry_points()
    print(
        f"{entries} entries per file through import_statement (parse, de-duplicate, write entries and payments)"
    )
    print(
        f"{'file':<9} {'database':<11} {'MB':>6} {'parse s':>8} {'write s':>8} {'entries/s':>10}  goal >= {GOAL}/s"
    )
    pg = _postgres_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, data in files:
                targets = [("SQLite", f"sqlite:///{Path(tmp) / f'{label}.db'}")]
                if pg:
                    targets.append(("PostgreSQL", pg[0]))
                for database, url in targets:
                    parse_s, write_s, written = _import_once(url, data, plugins)
                    rate = written / (parse_s + write_s)
                    verdict = "PASS" if rate >= GOAL else "MISS"
                    print(
                        f"{label:<9} {database:<11} {len(data) / 1e6:6.1f} {parse_s:8.2f} {write_s:8.2f} {rate:10.0f}  {verdict}"
                    )
                if pg:  # a fresh database for the next file
                    _drop(pg[1])
                    pg = _postgres_database()
    finally:
        if pg:
            _drop(pg[1])
