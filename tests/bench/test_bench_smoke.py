"""The benchmark harness finds its modules, and bench_graphql's two endpoints agree.

Correctness only: nothing here is timed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench_pkg():
    # bench/ is a top-level package of the checkout, not of the installed distribution.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench")


@pytest.fixture(scope="module")
def bench_graphql(bench_pkg):
    return importlib.import_module("bench.bench_graphql")


def test_discovers_every_bench_module(bench_pkg):
    names = bench_pkg.discover()
    on_disk = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))
    assert names == on_disk
    assert "graphql" in names
    assert bench_pkg.normalize(["bench_graphql.py", "graphql"]) == ["graphql"]
    assert callable(bench_pkg.load("graphql"))
    with pytest.raises(ValueError, match="no benchmark 'nope'"):
        bench_pkg.normalize(["nope"])


def test_cli_refuses_an_unknown_name(bench_pkg, capsys):
    main = importlib.import_module("bench.__main__").main
    with pytest.raises(SystemExit) as exited:
        main(["--only", "nope"])
    assert exited.value.code == 2
    assert "available:" in capsys.readouterr().err
    assert main(["--list"]) == 0
    assert "graphql" in capsys.readouterr().out.split()


@pytest.fixture
def small_ledger(db, bench_graphql):
    counts = bench_graphql.populate(db, bulk_customers=8, with_demo=False)
    assert counts["invoices"] >= 60 and counts["payments"] > 0
    return bench_graphql.admin_key(db)


@pytest.mark.parametrize("first", [10, 50])
def test_plain_endpoint_and_graphql_return_the_same_rows(db, bench_graphql, small_ledger, first):
    headers = {"Authorization": f"Bearer {small_ledger}"}
    with TestClient(bench_graphql.graphql_app(db.url, db)) as graphql:
        answer = graphql.post(
            "/graphql", json={"query": bench_graphql.page_query(first)}, headers=headers
        )
    with TestClient(bench_graphql.plain_app(db)) as plain:
        rows = plain.get("/invoices", params={"first": first}, headers=headers)
    graphql_rows = bench_graphql.graphql_nodes(answer)
    assert graphql_rows == bench_graphql.plain_nodes(rows)
    assert len(graphql_rows) == first
    # A real mix: partly paid and paid rows, amounts as decimal strings at the currency's scale.
    assert {r["status"] for r in graphql_rows} <= {"OPEN", "PARTIALLY_PAID", "PAID"}
    assert all(r["openAmount"]["amount"].count(".") == 1 for r in graphql_rows)


def test_plain_endpoint_refuses_an_unknown_key(db, bench_graphql, small_ledger):
    with TestClient(bench_graphql.plain_app(db)) as plain:
        response = plain.get("/invoices", headers={"Authorization": "Bearer arapi_nope"})
    assert response.status_code == 401


def test_statement_count_does_not_grow_with_the_page(db, bench_graphql, small_ledger):
    small = bench_graphql.count_statements(db.url, small_ledger, 10)
    large = bench_graphql.count_statements(db.url, small_ledger, 50)
    assert len(small) == len(large)
    assert any("invoices" in s for s in large) and any("customers" in s for s in large)
