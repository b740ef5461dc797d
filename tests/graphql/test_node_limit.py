"""The node-count limit: nested connections multiply, and a query past the limit is not executed."""

from __future__ import annotations

from dataclasses import replace

from graphql import parse
from starlette.testclient import TestClient

from arapi.app import create_app
from arapi.config import Settings
from arapi.graphql.node_limit import estimate_nodes
from arapi.graphql.schema import schema_for
from arapi.plugin import PluginHost

NESTED = "{ customers(first: 100) { nodes { invoices(first: 100) { nodes { number } } } } }"


def estimate(query: str, variables: dict | None = None) -> int:
    schema = schema_for(Settings())._schema
    return estimate_nodes(schema, parse(query), None, variables)


def test_estimates_multiply_down_the_tree():
    assert estimate("{ invoices { nodes { number } } }") == 20  # the default page
    assert estimate(NESTED) == 100 + 100 * 100
    assert (
        estimate(
            "query($n: Int) { customers(first: $n) { edges { node { invoices(last: 3) { nodes { id } } } } } }",
            {"n": 7},
        )
        == 7 + 21
    )
    fragment = "query { customers(first: 10) { ...C } } fragment C on CustomerConnection { nodes { invoices(first: 5) { nodes { id } } } }"
    assert estimate(fragment) == 10 + 50
    assert (
        estimate(
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { invoices(first: 4) { nodes { id } } } } }",
            {"ids": ["a", "b"]},
        )
        == 2 + 8
    )
    assert estimate("{ viewer { role } }") == 0


def test_query_past_the_limit_is_refused_before_execution(api, db):
    strict = Settings(database_url=db.url, max_nodes=5000)
    app = create_app(
        strict, db=db, plugins=PluginHost.from_entry_points(), schema=schema_for(strict)
    )
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {api.keys['admin']}"}
        body = client.post("/graphql", json={"query": NESTED}, headers=headers).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert "10100" in body["errors"][0]["message"]
        small = client.post(
            "/graphql", json={"query": NESTED.replace("100", "50")}, headers=headers
        ).json()
        assert "errors" not in small and small["data"]["customers"]["nodes"] == []
    assert replace(strict, max_nodes=20000).max_nodes == Settings().max_nodes
