"""A real app over a real database, driven through HTTP (starlette's TestClient on httpx)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from starlette.testclient import TestClient

from arapi.app import create_app
from arapi.auth import service as auth
from arapi.config import Settings
from arapi.plugin import PluginHost


@dataclass
class Api:
    client: TestClient
    db: object
    keys: dict[str, str] = field(default_factory=dict)
    org_ids: dict[str, int] = field(default_factory=dict)

    def key(self, org: str, role: str, grants: tuple[int, ...] = ()) -> str:
        with self.db.write() as s:
            organization = auth.organization_by_name(s, org)
            raw = auth.create_api_key(s, organization, role)
            for customer_id in grants:
                auth.grant_customer(s, raw, customer_id)
        return raw

    def post(self, query: str, variables: dict | None = None, key: str | None = "admin", **headers):
        if key is not None:
            headers["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()

    def ok(self, query: str, variables: dict | None = None, key: str | None = "admin") -> dict:
        body = self.post(query, variables, key)
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
def api_plugins() -> PluginHost:
    """The app's plugins: the installed ones (a test module may override this fixture)."""
    return PluginHost.from_entry_points()


@pytest.fixture
def api_settings() -> dict:
    """Settings of the app beyond its database (a test module may override this fixture)."""
    return {}


@pytest.fixture
def api(db, api_plugins, api_settings):
    with db.write() as s:
        acme = auth.create_organization(s, "acme")
        other = auth.create_organization(s, "other")
    settings = Settings(database_url=db.url, **api_settings)
    app = create_app(settings, db=db, plugins=api_plugins)
    with TestClient(app) as client:
        result = Api(client, db, org_ids={"acme": acme.id, "other": other.id})
        result.keys["admin"] = result.key("acme", "admin")
        result.keys["other"] = result.key("other", "admin")
        yield result
