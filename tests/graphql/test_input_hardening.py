"""Input the API cannot use gets a coded error, never INTERNAL or a 500, and writes nothing.

Text no database can store (a NUL, an unpaired surrogate), dates outside
1900-2199, keys and cursor values beyond BIGINT, cursors no page made, broken
HTTP bodies; and LIKE wildcards in ``search`` filters match literally.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from graphql import GraphQLError

from arapi.app import error_response
from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql.relay import decode_cursor, from_global_id, to_global_id
from arapi.graphql.scalars import parse_date_value, parse_datetime_value
from tests.helpers import make_customer, make_invoice, make_payment

NUL = "ab\x00cd"
SURROGATE = "ab\ud800cd"
INVALID_INPUT = CommonErrorCode.INVALID_INPUT.value

CUSTOMERS = "query($f: CustomerFilter, $after: String) { customers(filter: $f, after: $after) { nodes { name } } }"
CUSTOMER_CREATE = """mutation($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { id } userErrors { code } } }"""
PAYMENT_CREATE = """mutation($input: PaymentCreateInput!) {
  paymentCreate(input: $input) { payment { id } userErrors { code } } }"""


def post_raw(api, body: bytes, key: str = "admin"):
    """POST bytes as they are (httpx's json= cannot send a lone surrogate)."""
    headers = {"Authorization": f"Bearer {api.keys[key]}", "content-type": "application/json"}
    return api.client.post("/graphql", content=body, headers=headers)


def post(api, query: str, variables: dict | None = None, **extra) -> dict:
    # ensure_ascii (the default) writes a lone surrogate as the JSON escape "\ud800".
    body = json.dumps({"query": query, "variables": variables or {}, **extra}).encode()
    response = post_raw(api, body)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def cursor(items: list) -> str:
    raw = json.dumps(items).encode()  # "\ud800" stays an escape in the JSON text
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def customer_count(api) -> int:
    return len(api.ok("{ customers(first: 100) { nodes { id } } }")["customers"]["nodes"])


# ------------------------------------------------------------------- text


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize("field", ["search", "country"])
def test_filter_text_that_cannot_be_stored_is_invalid_input(api, bad, field):
    body = post(api, CUSTOMERS, {"f": {field: bad}})
    assert codes(body) == [INVALID_INPUT], body
    assert f"'f.{field}'" in body["errors"][0]["message"]
    assert body.get("data") is None


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_mutation_text_is_refused_before_anything_is_written(api, bad):
    body = post(api, CUSTOMER_CREATE, {"input": {"name": bad}})
    assert codes(body) == [INVALID_INPUT], body
    nested = post(api, CUSTOMER_CREATE, {"input": {"name": "Ok", "ibans": ["FR76", bad]}})
    assert codes(nested) == [INVALID_INPUT], nested
    assert "'input.ibans[1]'" in nested["errors"][0]["message"]
    payment = {"amount": {"amount": "10.00", "currency": "EUR"}, "receivedOn": "2025-02-01"}
    keyed = post(api, PAYMENT_CREATE, {"input": {**payment, "idempotencyKey": bad}})
    assert codes(keyed) == [INVALID_INPUT], keyed
    assert customer_count(api) == 0
    assert api.ok("{ payments { nodes { id } } }")["payments"]["nodes"] == []


def test_inline_string_literals_are_checked_too(api):
    literal = '{ customers(filter: {search: "a\\u0000b"}) { nodes { name } } }'
    body = post(api, literal)
    assert codes(body) == [INVALID_INPUT], body
    assert body["errors"][0]["locations"]
    default = 'query($s: String = "\\u0000") { customers(filter: {search: $s}) { nodes { name } } }'
    assert codes(post(api, default)) == [INVALID_INPUT]
    created = post(
        api, 'mutation { customerCreate(input: {name: "x\\u0000"}) { customer { id } } }'
    )
    assert codes(created) == [INVALID_INPUT], created
    assert customer_count(api) == 0


def test_ordinary_text_still_passes(api):
    name = "Zoë & Søn \U0001f600 \\ %"
    created = post(api, CUSTOMER_CREATE, {"input": {"name": name}})
    assert codes(created) == [] and created["data"]["customerCreate"]["userErrors"] == []
    assert api.ok(CUSTOMERS, {"f": {"search": "zoë"}})["customers"]["nodes"] == [{"name": name}]


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"])
def test_dates_outside_1900_to_2199_are_invalid_input(api, day):
    query = "query($f: InvoiceFilter) { invoices(filter: $f) { nodes { id } } }"
    body = post(api, query, {"f": {"dueFrom": day}})
    assert codes(body) == [INVALID_INPUT], body
    literal = post(api, f'{{ invoices(filter: {{dueTo: "{day}"}}) {{ nodes {{ id }} }} }}')
    assert codes(literal) == [INVALID_INPUT], literal


def test_an_invoice_far_in_the_future_is_refused_not_overflowed(api):
    customer = api.ok(CUSTOMER_CREATE, {"input": {"name": "Dupont"}})["customerCreate"]
    query = """mutation($input: InvoiceCreateInput!) {
      invoiceCreate(input: $input) { invoice { id } userErrors { code } } }"""
    invoice = {
        "customerId": customer["customer"]["id"],
        "number": "F-1",
        "issueDate": "9999-12-31",
        "total": {"amount": "100.00", "currency": "EUR"},
    }
    body = post(api, query, {"input": invoice})
    assert codes(body) == [INVALID_INPUT], body
    assert api.ok("{ invoices { nodes { id } } }")["invoices"]["nodes"] == []


def test_date_scalars_keep_the_bounds_themselves():
    assert parse_date_value("1900-01-01") == date(1900, 1, 1)
    assert parse_date_value("2199-12-31") == date(2199, 12, 31)
    assert parse_datetime_value("2199-12-31T23:00:00+00:00").year == 2199
    for parse, value in (
        (parse_date_value, "1899-12-31"),
        (parse_datetime_value, "9999-12-31T23:00:00-05:00"),
        (parse_datetime_value, "0001-01-01T00:00:00Z"),
    ):
        with pytest.raises(GraphQLError) as caught:
            parse(value)
        assert caught.value.extensions == {"code": INVALID_INPUT}


# ------------------------------------------------------------ global IDs


def test_a_primary_key_beyond_bigint_is_an_invalid_id(api):
    assert from_global_id(to_global_id("Customer", 2**63 - 1)) == ("Customer", 2**63 - 1)
    with pytest.raises(ArapiError) as caught:
        from_global_id(to_global_id("Customer", 2**63))
    assert caught.value.code is CommonErrorCode.INVALID_ID
    query = "query($f: InvoiceFilter) { invoices(filter: $f) { nodes { id } } }"
    huge = to_global_id("Customer", 9_999_999_999_999_999_999)
    assert codes(post(api, query, {"f": {"customerId": huge}})) == ["INVALID_ID"]


# ---------------------------------------------------------------- cursors


@pytest.mark.parametrize(
    "items",
    [
        [None, None],
        ["a\x00", 1],
        ["\ud800", 1],
        ["a", 2**63],
        ["a", -(2**63) - 1],
        ["a", 10**30],
        ["a", 1.5],
        [1, 1],
    ],
    ids=["nulls", "nul", "surrogate", "2^63", "below-bigint", "10^30", "float", "ints"],
)
def test_cursors_no_page_made_are_invalid_input(api, items):
    after = post(api, CUSTOMERS, {"after": cursor(items)})
    assert codes(after) == [INVALID_INPUT], after
    before = post(
        api,
        "query($b: String) { customers(last: 5, before: $b) { nodes { name } } }",
        {"b": cursor(items)},
    )
    assert codes(before) == [INVALID_INPUT], before


@pytest.mark.parametrize(
    "items",
    [[None], ["a"], ["a", 1], [1.5], [2**63], [{"d": "2025-01-01"}], ["\ud800"]],
    ids=["null", "text", "two-keys", "float", "2^63", "date", "surrogate"],
)
def test_payments_for_review_takes_only_its_own_cursor(api, items):
    query = "query($a: String) { paymentsForReview(after: $a) { nodes { id } } }"
    body = post(api, query, {"a": cursor(items)})
    assert codes(body) == [INVALID_INPUT], body
    ok = post(api, query, {"a": cursor([5])})
    assert codes(ok) == [] and ok["data"]["paymentsForReview"]["nodes"] == []


def test_decode_cursor_refuses_what_no_key_holds():
    for raw in ("[NaN]", "[Infinity]", "[1.5]", f"[{2**63}]", f"[{-(2**63) - 1}]", "[true]"):
        text = base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()
        with pytest.raises(ArapiError) as caught:
            decode_cursor(text)
        assert caught.value.code is CommonErrorCode.INVALID_INPUT
    edge = base64.urlsafe_b64encode(f"[{2**63 - 1}, {-(2**63)}]".encode()).rstrip(b"=").decode()
    assert decode_cursor(edge) == (2**63 - 1, -(2**63))


def test_cursors_of_real_pages_still_work(api):
    viewer = Viewer.system(api.org_ids["acme"], "acme")
    with api.db.write() as s:
        for name in ("Alpha", "Beta", "Gamma"):
            make_customer(s, viewer, name=name)
    page = api.ok("{ customers(first: 1) { pageInfo { endCursor } } }")["customers"]
    rest = api.ok(CUSTOMERS, {"after": page["pageInfo"]["endCursor"]})["customers"]["nodes"]
    assert [n["name"] for n in rest] == ["Beta", "Gamma"]


# ------------------------------------------------------------------- HTTP


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ viewer { actor } }", "x": "\xff"}',
        b'"{ viewer { actor } }"',
        b"5",
        b"null",
        b'{"query": "{ viewer { actor } }", "variables": {"a": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
    ],
    ids=["invalid-utf8", "json-string", "json-number", "json-null", "deep-nesting"],
)
def test_bodies_that_are_not_a_request_are_bad_request(api, body):
    response = post_raw(api, body)
    assert response.status_code == 400, response.text
    assert codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize("name", [NUL, SURROGATE, "\ud800"], ids=["nul", "surrogate", "lone"])
def test_an_operation_name_that_is_not_text_is_invalid_input(api, name):
    body = json.dumps({"query": "query A { viewer { actor } }", "operationName": name})
    response = post_raw(api, body.encode())
    assert response.status_code == 400, response.text
    assert codes(response.json()) == [INVALID_INPUT]


@pytest.mark.parametrize("files_map", ["[]", '{"0": [5]}', '{"0": ["variables.f.x.y"]}'])
def test_a_multipart_map_of_another_shape_is_bad_request(api, files_map):
    operations = json.dumps(
        {
            "query": "mutation($f: Upload!) { bankStatementImport(input: {file: $f}) { userErrors { code } } }",
            "variables": {"f": None},
        }
    )
    response = api.client.post(
        "/graphql",
        data={"operations": operations, "map": files_map},
        files={"0": ("statement.txt", b"x")},
        headers={"Authorization": f"Bearer {api.keys['admin']}", "graphql-preflight": "1"},
    )
    assert response.status_code == 400, response.text
    assert codes(response.json()) == ["BAD_REQUEST"]


def test_error_responses_render_whatever_the_message_quotes():
    response = error_response(400, "BAD_REQUEST", "unknown operation 'a\ud800'", "req-1")
    body = json.loads(response.body)
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "requestId": "req-1"}
    assert "\\ud800" in body["errors"][0]["message"]


# ------------------------------------------------------------------- LIKE


@pytest.fixture
def wildcards(api):
    viewer = Viewer.system(api.org_ids["acme"], "acme")
    names = ["100% Bio", "100 Bio", "a_b", "axb", "back\\slash", "backslash", "x/y", "xy"]
    with api.db.write() as s:
        customers = [make_customer(s, viewer, name=name) for name in names]
        for n, customer in enumerate(customers):
            make_invoice(s, viewer, customer.id, f"F{'_%'[n % 2]}{n}")
            make_payment(s, viewer, payer_name=customer.name, reference=f"R{n}")
    return api


@pytest.mark.parametrize(
    ("needle", "expected"),
    [("%", ["100% Bio"]), ("_", ["a_b"]), ("\\", ["back\\slash"]), ("/", ["x/y"])],
)
def test_search_matches_wildcards_literally(wildcards, needle, expected):
    api = wildcards
    found = api.ok(CUSTOMERS, {"f": {"search": needle}})["customers"]["nodes"]
    assert [n["name"] for n in found] == expected
    payments = api.ok(
        "query($f: PaymentFilter) { payments(filter: $f) { nodes { payerName } } }",
        {"f": {"search": needle}},
    )["payments"]["nodes"]
    assert [p["payerName"] for p in payments] == expected


def test_invoice_search_matches_wildcards_literally(wildcards):
    query = "query($f: InvoiceFilter) { invoices(filter: $f) { nodes { number } } }"
    numbers = wildcards.ok(query, {"f": {"search": "f_"}})["invoices"]["nodes"]
    assert sorted(n["number"] for n in numbers) == ["F_0", "F_2", "F_4", "F_6"]
    by_name = wildcards.ok(query, {"f": {"search": "100%"}})["invoices"]["nodes"]
    assert [n["number"] for n in by_name] == ["F_0"]
