"""CORS for browser UIs on other origins (ARAPI_CORS_ORIGINS), through the real app."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from arapi.app import create_app
from arapi.cli import main
from arapi.config import Settings
from arapi.errors import ArapiError, CommonErrorCode

UI = "http://localhost:3000"
OTHER_UI = "https://ar.example.com"
EVIL = "https://evil.example"
# What the front-end team's browser sent (Apollo Client over fetch, bearer key).
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type,x-apollo-operation-name",
}
UPLOAD = """mutation($file: Upload!) { bankStatementImport(input: {file: $file}) {
  statements { id } userErrors { code } } }"""


@pytest.fixture
def api_settings() -> dict:
    # As from ARAPI_CORS_ORIGINS: a default port is dropped and the host lower-cased.
    return {"cors_origins": (UI, "https://AR.example.com:443"), "max_upload_bytes": 4096}


def cors_headers(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("access-")}


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


def multipart(api, origin: str, content: bytes, **headers):
    return api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("statement.xml", content, "application/xml")},
        headers={"Origin": origin, "Authorization": f"Bearer {api.keys['admin']}", **headers},
    )


def test_settings_normalize_the_origins():
    assert Settings(cors_origins=(UI, "https://AR.example.com:443")).cors_origins == (
        UI,
        OTHER_UI,
    )


def test_preflight_from_an_allowed_origin(api):
    for origin in (UI, OTHER_UI):
        response = api.client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert response.status_code == 200, response.text
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == origin
        assert {"authorization", "content-type", "x-apollo-operation-name"} <= listed(
            headers["access-control-allow-headers"]
        )
        assert {"apollo-require-preflight", "graphql-preflight"} <= listed(
            headers["access-control-allow-headers"]
        )
        assert listed(headers["access-control-allow-methods"]) == {"get", "post", "options"}
        assert headers["access-control-max-age"] == "600"
        # Bearer keys, no cookies: credentials are never allowed, nothing extra exposed.
        assert "access-control-allow-credentials" not in headers
        assert "access-control-expose-headers" not in headers
        assert "origin" in listed(response.headers["vary"])
        assert response.headers["x-request-id"]


def test_post_from_an_allowed_origin_is_served_with_its_origin(api):
    response = api.client.post(
        "/graphql",
        json={"query": "{ viewer { organization { name } role } }"},
        headers={"Origin": UI, "Authorization": f"Bearer {api.keys['admin']}"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"viewer": {"organization": {"name": "acme"}, "role": "ADMIN"}}
    }
    assert cors_headers(response) == {"access-control-allow-origin": UI}
    assert "origin" in listed(response.headers["vary"])


def test_disallowed_origin_gets_no_cors_headers(api):
    preflight = api.client.options("/graphql", headers={"Origin": EVIL, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in cors_headers(preflight)
    # The browser enforces CORS: the server still answers, but the page may not read it.
    response = api.client.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Origin": EVIL, "Authorization": f"Bearer {api.keys['admin']}"},
    )
    assert response.status_code == 200
    assert cors_headers(response) == {}
    # A path or another port is another origin.
    for origin in (f"{UI}/", "http://localhost:3001", "https://localhost:3000"):
        refused = api.client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert "access-control-allow-origin" not in cors_headers(refused), origin


def test_preflight_for_a_header_not_allowed_is_refused(api):
    response = api.client.options(
        "/graphql",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-custom",
        },
    )
    assert response.status_code == 400
    # The browser refuses the call: x-custom is not among the allowed headers.
    assert "x-custom" not in listed(cors_headers(response)["access-control-allow-headers"])


def test_uploads_from_an_allowed_origin_still_need_the_csrf_header(api):
    refused = multipart(api, UI, b"garbage bytes")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    assert cors_headers(refused) == {"access-control-allow-origin": UI}  # the UI can read why
    accepted = multipart(api, UI, b"garbage bytes", **{"x-apollo-operation-name": "import"})
    assert accepted.status_code == 200, accepted.text
    result = accepted.json()["data"]["bankStatementImport"]
    assert result == {"statements": [], "userErrors": [{"code": "UNKNOWN_FORMAT"}]}
    assert cors_headers(accepted) == {"access-control-allow-origin": UI}


def test_body_limit_still_applies_and_its_413_is_readable(api):
    response = multipart(api, UI, b"x" * 5000, **{"graphql-preflight": "1"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert cors_headers(response) == {"access-control-allow-origin": UI}


def test_health_still_works(api):
    assert api.client.get("/health").json() == {"status": "ok"}
    response = api.client.get("/health", headers={"Origin": UI})
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert cors_headers(response) == {"access-control-allow-origin": UI}


def test_unset_adds_no_cors_at_all(db, api_plugins):
    app = create_app(Settings(database_url=db.url), db=db, plugins=api_plugins)
    with TestClient(app) as client:
        preflight = client.options("/graphql", headers={"Origin": UI, **PREFLIGHT})
        assert preflight.status_code == 405  # as before: /graphql takes GET and POST
        assert cors_headers(preflight) == {}
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": UI})
        assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
        assert cors_headers(response) == {}
        assert "vary" not in response.headers
        assert client.get("/health", headers={"Origin": UI}).json() == {"status": "ok"}


def test_from_env(monkeypatch):
    monkeypatch.delenv("ARAPI_CORS_ORIGINS", raising=False)
    assert Settings.from_env().cors_origins == ()
    monkeypatch.setenv("ARAPI_CORS_ORIGINS", "")
    assert Settings.from_env().cors_origins == ()
    monkeypatch.setenv(
        "ARAPI_CORS_ORIGINS", f" {UI}, HTTPS://AR.Example.com:443 ,,{UI},http://[::1]:8080"
    )
    assert Settings.from_env().cors_origins == (UI, OTHER_UI, "http://[::1]:8080")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("localhost:3000", "the scheme is missing"),
        ("http://localhost:3000/app", "write http://localhost:3000"),
        ("http://localhost:3000/", "write http://localhost:3000"),
        ("https://ar.example.com?x=1", "no path, query or fragment"),
        ("*", "a wildcard is not accepted"),
        ("null", "opaque origin"),
        ("ftp://ar.example.com", "http or https"),
        ("http://", "not a valid host"),
        ("http://user@ar.example.com", "no user name"),
        ("http://localhost:99999", "port must be a number"),
        ("http://local host", "not a valid host"),
    ],
)
def test_malformed_origin_is_a_coded_configuration_error(monkeypatch, value, problem):
    monkeypatch.setenv("ARAPI_CORS_ORIGINS", f"{UI},{value}")
    with pytest.raises(ArapiError) as raised:
        Settings.from_env()
    assert raised.value.code is CommonErrorCode.INVALID_INPUT
    assert raised.value.message.startswith(f"ARAPI_CORS_ORIGINS: {value!r} is not an origin")
    assert problem in raised.value.message
    with pytest.raises(ArapiError, match="ARAPI_CORS_ORIGINS"):
        Settings(cors_origins=(value,))


def test_serve_refuses_a_malformed_origin_before_starting(tmp_path):
    env = {
        "ARAPI_DATABASE_URL": f"sqlite:///{tmp_path}/never-created.db",
        "ARAPI_CORS_ORIGINS": "localhost:3000",
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert "error [INVALID_INPUT]: ARAPI_CORS_ORIGINS: 'localhost:3000'" in result.output
    assert "the scheme is missing" in result.output
    assert not (tmp_path / "never-created.db").exists()
