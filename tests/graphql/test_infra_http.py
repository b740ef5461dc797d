"""The GraphQL infrastructure through the real ASGI app (httpx + a SQLite file)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest
import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

import arapi.models  # noqa: F401  (every table in the metadata)
from arapi import money as money_domain
from arapi.app import create_app
from arapi.auth import service as auth_service
from arapi.auth.roles import Permission
from arapi.config import Settings
from arapi.db import Base, Database
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql.errors import UserError, user_errors_from
from arapi.graphql.limits import build_schema
from arapi.graphql.permissions import permission_extension, require, require_viewer
from arapi.graphql.relay import (
    Connection,
    Node,
    PageRequest,
    build_connection,
    from_global_id,
    to_global_id,
)
from arapi.graphql.scalars import CurrencyCode, Money, MoneyInput
from arapi.plugin import PluginHost

# Always SQLite (create_all): the transport does not depend on the backend, so these
# tests are not marked ``db`` and do not run again in the PostgreSQL pass.
pytestmark = pytest.mark.anyio


# ------------------------------------------------------------ test schema


@strawberry.type
class Item(Node):
    name: str


ITEM_COUNT = 250


def _item(pk: int) -> Item:
    return Item(id=strawberry.ID(to_global_id("Item", pk)), name=f"item {pk:03d}")


def _fetch(page: PageRequest) -> list[int]:
    """What a repository does: keyset filter, order in the paging direction, limit."""
    keys = range(1, ITEM_COUNT + 1)
    if page.after is not None:
        keys = [k for k in keys if (k,) > page.after]
    if page.before is not None:
        keys = [k for k in keys if (k,) < page.before]
    ordered = sorted(keys, reverse=page.backward)
    return ordered[: page.limit]


@strawberry.type
class Nested:
    @strawberry.field
    def child(self) -> Nested:
        return Nested()

    @strawberry.field
    def value(self) -> int:
        return 1


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, value: Decimal) -> Decimal:
        return value

    @strawberry.field
    def currency(self, code: CurrencyCode) -> CurrencyCode:
        return code

    @strawberry.field
    def day(self, value: date) -> date:
        return value

    @strawberry.field
    def instant(self, value: datetime) -> datetime:
        return value

    @strawberry.field
    def money(self, value: MoneyInput) -> Money:
        return Money.from_domain(value.to_domain("value"))

    @strawberry.field
    def total(self) -> Money:
        return Money.from_domain(money_domain.Money.of("1234.5", "EUR"))

    @strawberry.field
    def boom(self) -> int:
        raise RuntimeError("connection to db-secret-host refused")

    @strawberry.field
    def viewer(self, info: Info) -> str:
        viewer = require_viewer(info)
        return f"{viewer.organization_name}:{viewer.role.value}"

    @strawberry.field
    def keys_visible(self, info: Info) -> bool:
        require(info, Permission.MANAGE_KEYS)
        return True

    @strawberry.field(extensions=[permission_extension(Permission.IMPORT)])
    def can_import(self) -> bool:
        return True

    @strawberry.field
    def items(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Item]:
        page = PageRequest.from_args(first, after, last, before, kinds=(int,))
        return build_connection(_fetch(page), page, key_of=lambda pk: (pk,), to_node=_item)

    @strawberry.field
    def node(self, id: strawberry.ID) -> Node | None:
        _type, pk = from_global_id(id, expected_type="Item")
        return _item(pk) if pk <= ITEM_COUNT else None

    @strawberry.field
    def nested(self) -> Nested:
        return Nested()


@strawberry.type
class ItemCreatePayload:
    item: Item | None
    user_errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def upload(self, file: Upload) -> int:
        return len(await file.read())

    @strawberry.mutation
    def item_create(self, name: str) -> ItemCreatePayload:
        try:
            if not name.strip():
                raise ArapiError(CommonErrorCode.INVALID_INPUT, "name is empty", ["name"])
        except ArapiError as exc:
            return ItemCreatePayload(item=None, user_errors=user_errors_from(exc))
        return ItemCreatePayload(item=_item(1), user_errors=[])


# --------------------------------------------------------------- fixtures


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'arapi.db'}")
    Base.metadata.create_all(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def keys(database) -> dict[str, str]:
    with database.write() as session:
        org = auth_service.create_organization(session, "Acme")
        return {
            "admin": auth_service.create_api_key(session, org, "admin"),
            "collector": auth_service.create_api_key(session, org, "collector"),
        }


BASE_SETTINGS = Settings(database_url="sqlite://", max_upload_bytes=4096)


def make_client(database: Database, **overrides) -> httpx.AsyncClient:
    settings = replace(BASE_SETTINGS, **overrides)
    schema = build_schema(query=Query, mutation=Mutation, settings=settings)
    app = create_app(settings, database, PluginHost(), schema)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://arapi.test")


@pytest.fixture
async def api(database) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(database) as http:
        yield http


async def gql(http: httpx.AsyncClient, query: str, variables=None, headers=None) -> dict:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# ---------------------------------------------------------------- scalars


async def test_a_document_of_several_operations_must_name_the_one_to_run(api):
    document = 'query A { echo(value: "1") } query B { echo(value: "2") }'
    body = await gql(api, document)
    assert body["data"] is None and codes(body) == ["OPERATION_NAME_REQUIRED"]
    response = await api.post("/graphql", json={"query": document, "operationName": "B"})
    assert response.json() == {"data": {"echo": "2"}}
    assert await gql(api, '{ echo(value: "3") }') == {"data": {"echo": "3"}}


async def test_decimal_accepted_as_string_and_keeps_its_scale(api):
    body = await gql(
        api, 'query($v: Decimal!) { echo(value: $v) a: echo(value: "-0.125") }', {"v": "1234.50"}
    )
    assert body == {"data": {"echo": "1234.50", "a": "-0.125"}}
    body = await gql(api, "{ total { amount currency } }")
    assert body["data"]["total"] == {"amount": "1234.50", "currency": "EUR"}


async def test_decimal_refused_as_json_number(api):
    for number in (12.3, 12):
        body = await gql(api, "query($v: Decimal!) { echo(value: $v) }", {"v": number})
        assert body["data"] is None
        assert codes(body) == ["INVALID_AMOUNT"]
        assert 'Decimal values are strings, e.g. \\"12.30\\"' in json.dumps(
            body["errors"][0]["message"]
        )


@pytest.mark.parametrize("literal", ["12.3", "12", "1e3"])
async def test_decimal_refused_as_number_literal(api, literal):
    body = await gql(api, f"{{ echo(value: {literal}) }}")
    assert codes(body) == ["INVALID_AMOUNT"]
    assert 'Decimal values are strings, e.g. "12.30"' in body["errors"][0]["message"]
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 15}]


@pytest.mark.parametrize(
    "text", ["NaN", "Infinity", "-inf", "1e5", "1,5", " 1", "", "0x10", "1" * 41]
)
async def test_decimal_strings_that_are_not_plain_decimals_are_refused(api, text):
    body = await gql(api, "query($v: Decimal!) { echo(value: $v) }", {"v": text})
    assert body["data"] is None
    assert codes(body) == ["INVALID_AMOUNT"]


async def test_currency_code_is_validated_and_normalized(api):
    body = await gql(
        api,
        'query($c: CurrencyCode!) { currency(code: $c) b: currency(code: "jpy") }',
        {"c": "eur"},
    )
    assert body["data"] == {"currency": "EUR", "b": "JPY"}
    for bad in ("EUX", "EURO", 978):
        body = await gql(api, "query($c: CurrencyCode!) { currency(code: $c) }", {"c": bad})
        assert codes(body) == ["UNKNOWN_CURRENCY"], bad
        assert "ISO 4217" in body["errors"][0]["message"]


async def test_money_input_precision_is_a_coded_error_with_its_field(api):
    body = await gql(api, '{ money(value: {amount: "10.5", currency: "EUR"}) { amount currency } }')
    assert body["data"]["money"] == {"amount": "10.50", "currency": "EUR"}
    body = await gql(api, '{ money(value: {amount: "10.505", currency: "EUR"}) { amount } }')
    assert codes(body) == ["AMOUNT_PRECISION"]
    assert body["errors"][0]["extensions"]["field"] == ["value", "amount"]
    body = await gql(api, '{ money(value: {amount: "10.5", currency: "JPY"}) { amount } }')
    assert codes(body) == ["AMOUNT_PRECISION"]


async def test_dates_and_instants(api):
    body = await gql(
        api, '{ day(value: "2024-02-29") instant(value: "2024-05-31T14:30:00+02:00") }'
    )
    assert body["data"] == {"day": "2024-02-29", "instant": "2024-05-31T14:30:00+02:00"}
    for bad in ("2023-02-29", "20240101", "2024-W01-1", "2024-1-1"):
        body = await gql(api, "query($d: Date!) { day(value: $d) }", {"d": bad})
        assert codes(body) == ["INVALID_INPUT"], bad
    body = await gql(
        api, "query($t: DateTime!) { instant(value: $t) }", {"t": "2024-05-31T14:30:00"}
    )
    assert codes(body) == ["INVALID_INPUT"]
    assert "offset" in body["errors"][0]["message"]


# ------------------------------------------------------------ connections


async def test_keyset_pages_forward_and_backward(api):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      items(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id name } } nodes { name }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    first = (await gql(api, query))["data"]["items"]
    assert len(first["edges"]) == 20  # default page size
    assert first["nodes"][0]["name"] == "item 001"
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]

    second = (await gql(api, query, {"first": 100, "after": first["pageInfo"]["endCursor"]}))[
        "data"
    ]["items"]
    assert [n["name"] for n in second["nodes"]][:2] == ["item 021", "item 022"]
    assert len(second["nodes"]) == 100
    assert second["pageInfo"]["hasPreviousPage"] is True

    end = (await gql(api, query, {"first": 100, "after": second["pageInfo"]["endCursor"]}))["data"][
        "items"
    ]
    assert len(end["nodes"]) == 100 and end["nodes"][-1]["name"] == "item 220"
    tail = (await gql(api, query, {"first": 100, "after": end["pageInfo"]["endCursor"]}))["data"][
        "items"
    ]
    assert len(tail["nodes"]) == 30
    assert tail["pageInfo"]["hasNextPage"] is False

    back = (await gql(api, query, {"last": 5, "before": tail["pageInfo"]["startCursor"]}))["data"][
        "items"
    ]
    assert [n["name"] for n in back["nodes"]] == [f"item {k:03d}" for k in range(216, 221)]
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert back["pageInfo"]["hasNextPage"] is True

    last = (await gql(api, query, {"last": 3}))["data"]["items"]
    assert [n["name"] for n in last["nodes"]] == ["item 248", "item 249", "item 250"]
    assert last["pageInfo"]["hasNextPage"] is False

    empty = (await gql(api, query, {"first": 0}))["data"]["items"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True
    assert empty["pageInfo"]["startCursor"] is None


async def test_page_size_over_100_is_refused_not_clamped(api):
    body = await gql(api, "{ items(first: 101) { nodes { name } } }")
    assert body["data"] is None
    assert codes(body) == ["INVALID_INPUT"]
    assert "at most 100" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["field"] == ["first"]
    body = await gql(api, "{ items(last: 101) { nodes { name } } }")
    assert codes(body) == ["INVALID_INPUT"]
    body = await gql(api, "{ items(first: 2, last: 2) { nodes { name } } }")
    assert codes(body) == ["INVALID_INPUT"]
    body = await gql(api, "{ items(first: -1) { nodes { name } } }")
    assert codes(body) == ["INVALID_INPUT"]
    body = await gql(api, "{ items(first: 100) { nodes { name } } }")
    assert len(body["data"]["items"]["nodes"]) == 100


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "bm90IGpzb24",  # "not json"
        base64.urlsafe_b64encode(b'{"a":1}').decode().rstrip("="),  # not a list
        base64.urlsafe_b64encode(b'["x"]').decode().rstrip("="),  # a str where an int sorts
        base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("="),  # wrong arity
        "A" * 2000,
    ],
)
async def test_garbage_cursors_are_invalid_input(api, cursor):
    body = await gql(
        api, "query($c: String) { items(after: $c) { nodes { name } } }", {"c": cursor}
    )
    assert body["data"] is None
    assert codes(body) == ["INVALID_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == ["after"]


async def test_global_ids_are_opaque_and_resolve(api):
    body = await gql(api, "{ items(first: 1) { nodes { id } } }")
    gid = body["data"]["items"]["nodes"][0]["id"]
    assert "Item" not in gid and ":" not in gid and "=" not in gid
    body = await gql(
        api, "query($id: ID!) { node(id: $id) { id ... on Item { name } } }", {"id": gid}
    )
    assert body["data"]["node"] == {"id": gid, "name": "item 001"}


@pytest.mark.parametrize(
    "gid",
    ["", "not-an-id", "SXRlbToxMjM=", to_global_id("Customer", 1), "SXRlbTowMQ", "SXRlbTotMQ"],
)
async def test_malformed_or_foreign_global_ids_are_invalid_id(api, gid):
    body = await gql(api, "query($id: ID!) { node(id: $id) { id } }", {"id": gid})
    assert codes(body) == ["INVALID_ID"], body


# ----------------------------------------------------------------- limits


async def test_depth_limit(api):
    deep = "{ nested { " + "child { " * 14 + "value" + " }" * 14 + " } }"
    body = await gql(api, deep)
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "depth" in body["errors"][0]["message"]
    shallow = "{ nested { " + "child { " * 5 + "value" + " }" * 5 + " } }"
    assert "errors" not in await gql(api, shallow)


async def test_alias_limit(api):
    body = await gql(api, "{ " + " ".join(f"a{i}: total {{ amount }}" for i in range(31)) + " }")
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "aliases" in body["errors"][0]["message"]
    ok = await gql(api, "{ " + " ".join(f"a{i}: total {{ amount }}" for i in range(30)) + " }")
    assert "errors" not in ok


async def test_token_limit(database):
    async with make_client(database, max_tokens=300) as http:
        body = await gql(http, "{ " + "__typename " * 300 + "}")  # 302 tokens with the braces
        assert body["data"] is None
        assert codes(body) == ["QUERY_TOO_COMPLEX"]
        assert "tokens" in body["errors"][0]["message"]
        assert "errors" not in await gql(http, "{ " + "__typename " * 298 + "}")


async def test_introspection_follows_the_setting(database):
    query = "{ __schema { queryType { name } } }"
    async with make_client(database) as on:
        assert (await gql(on, query))["data"]["__schema"]["queryType"]["name"] == "Query"
    async with make_client(database, introspection=False) as off:
        body = await gql(off, query)
        assert body["data"] is None
        assert set(codes(body)) == {"INTROSPECTION_DISABLED"}  # one per introspection field
        body = await gql(off, '{ __type(name: "Query") { name } }')
        assert codes(body) == ["INTROSPECTION_DISABLED"]
        assert (await gql(off, "{ __typename }"))["data"] == {"__typename": "Query"}
        # Suggestions would reveal the schema too.
        body = await gql(off, "{ tota { amount } }")
        assert "Did you mean" not in body["errors"][0]["message"]


async def test_graphiql_follows_the_setting(database):
    browser = {"accept": "text/html,application/xhtml+xml"}
    async with make_client(database) as on:
        response = await on.get("/graphql", headers=browser)
        assert response.status_code == 200
        assert "graphiql" in response.text.lower()
    async with make_client(database, graphiql=False) as off:
        response = await off.get("/graphql", headers=browser)
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        # Queries over GET still work for API clients.
        response = await off.get("/graphql", params={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}


# ----------------------------------------------------------------- errors


async def test_internal_errors_are_masked_and_logged_with_the_request_id(api, caplog):
    caplog.set_level(logging.ERROR, logger="arapi.graphql")
    response = await api.post("/graphql", json={"query": "{ boom total { amount } }"})
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert body["data"] is None or body["data"].get("boom") is None
    (error,) = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert error["path"] == ["boom"]
    assert "db-secret-host" not in response.text
    records = [r for r in caplog.records if r.name == "arapi.graphql"]
    assert len(records) == 1
    assert request_id in records[0].getMessage()
    assert records[0].exc_info and records[0].exc_info[0] is RuntimeError
    assert "db-secret-host" in caplog.text and "Traceback" in caplog.text


async def test_request_id_is_echoed_or_generated(api):
    response = await api.post(
        "/graphql", json={"query": "{ boom }"}, headers={"x-request-id": "req-42.a"}
    )
    assert response.headers["x-request-id"] == "req-42.a"
    assert response.json()["errors"][0]["extensions"]["requestId"] == "req-42.a"
    response = await api.get("/health", headers={"x-request-id": "bad id\twith spaces"})
    assert response.headers["x-request-id"] not in ("", "bad id\twith spaces")
    assert len(response.headers["x-request-id"]) == 32


async def test_validation_and_syntax_errors_pass_through_with_codes(api):
    body = await gql(api, "{ nope }")
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in body["errors"][0]["message"]
    body = await gql(api, "{ total {")
    assert codes(body) == ["GRAPHQL_PARSE_FAILED"]


async def test_user_errors_carry_the_code_enum(api):
    body = await gql(
        api,
        'mutation { itemCreate(name: " ") { item { id } userErrors { field message code } } }',
    )
    assert body["data"]["itemCreate"] == {
        "item": None,
        "userErrors": [{"field": ["name"], "message": "name is empty", "code": "INVALID_INPUT"}],
    }


async def test_health(api):
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# ---------------------------------------------------------------- uploads


def _multipart(content: bytes) -> dict:
    return {
        "data": {
            "operations": json.dumps(
                {"query": "mutation($f: Upload!) { upload(file: $f) }", "variables": {"f": None}}
            ),
            "map": json.dumps({"0": ["variables.f"]}),
        },
        "files": {"0": ("statement.xml", content, "application/xml")},
    }


async def test_multipart_without_preflight_header_is_refused(api):
    response = await api.post("/graphql", **_multipart(b"<Document/>"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    assert "graphql-preflight" in error["message"]


async def test_multipart_upload_with_preflight_header(api):
    for header in ("graphql-preflight", "apollo-require-preflight", "x-apollo-operation-name"):
        response = await api.post("/graphql", headers={header: "1"}, **_multipart(b"<Document/>"))
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"upload": 11}}


async def test_oversized_upload_is_refused_with_413(api):
    response = await api.post(
        "/graphql", headers={"graphql-preflight": "1"}, **_multipart(b"x" * 5000)
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_oversized_streamed_body_without_length_is_refused_with_413(api):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = await api.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# ------------------------------------------------------------------- auth


async def test_missing_or_unknown_api_key_is_unauthenticated(api, keys):
    body = await gql(api, "{ viewer }")
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "Authorization: Bearer" in body["errors"][0]["message"]
    body = await gql(api, "{ viewer }", headers={"authorization": "Bearer arapi_nope"})
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "unknown or revoked" in body["errors"][0]["message"]
    body = await gql(api, "{ viewer }", headers={"authorization": f"Basic {keys['admin']}"})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_valid_key_authenticates_and_roles_are_enforced(api, keys):
    admin = {"authorization": f"Bearer {keys['admin']}"}
    collector = {"authorization": f"bearer {keys['collector']}"}
    assert (await gql(api, "{ viewer keysVisible }", headers=admin))["data"] == {
        "viewer": "Acme:admin",
        "keysVisible": True,
    }
    body = await gql(api, "{ viewer keysVisible }", headers=collector)
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]
    # The same rules as a field extension.
    assert (await gql(api, "{ canImport }", headers=admin))["data"] == {"canImport": True}
    assert codes(await gql(api, "{ canImport }", headers=collector)) == ["FORBIDDEN"]
    assert codes(await gql(api, "{ canImport }")) == ["UNAUTHENTICATED"]


@strawberry.type
class LenientQuery:
    @strawberry.field
    def echo(self, value: Decimal) -> Decimal:
        return value


async def test_create_app_refuses_a_schema_with_strawberrys_lenient_decimal(database):
    lenient = strawberry.Schema(query=LenientQuery)  # strawberry's Decimal accepts 12.3
    with pytest.raises(RuntimeError, match="Decimal"):
        create_app(BASE_SETTINGS, database, PluginHost(), lenient)
