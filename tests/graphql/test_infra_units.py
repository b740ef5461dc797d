"""Unit tests of the GraphQL infrastructure helpers (no HTTP)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest
from graphql import GraphQLError, GraphQLSyntaxError, Source
from hypothesis import given
from hypothesis import strategies as st

from arapi.config import Settings
from arapi.errors import ArapiError, CommonErrorCode, MoneyErrorCode, all_error_codes
from arapi.graphql.context import Context, bearer_token
from arapi.graphql.errors import (
    build_user_error_code_enum,
    import_error_code_modules,
    missing_error_codes,
    user_errors_from,
)
from arapi.graphql.limits import format_error
from arapi.graphql.relay import (
    PageRequest,
    build_connection,
    decode_cursor,
    encode_cursor,
    from_global_id,
    to_global_id,
)
from arapi.graphql.scalars import (
    MoneyInput,
    parse_decimal_value,
    serialize_date,
    serialize_datetime,
    serialize_decimal,
)

# ------------------------------------------------------------ global IDs


@given(st.sampled_from(["Customer", "Invoice", "Payment", "Allocation"]), st.integers(1, 2**63 - 1))
def test_global_id_round_trip(type_name, pk):
    gid = to_global_id(type_name, pk)
    assert type_name not in gid and "=" not in gid
    assert from_global_id(gid) == (type_name, pk)
    assert from_global_id(gid, expected_type=type_name) == (type_name, pk)


@given(st.text(max_size=60))
def test_from_global_id_only_raises_invalid_id(text):
    try:
        type_name, pk = from_global_id(text)
    except ArapiError as exc:
        assert exc.code is CommonErrorCode.INVALID_ID
    else:
        assert to_global_id(type_name, pk) == text


def test_from_global_id_refuses_another_type_and_non_strings():
    with pytest.raises(ArapiError) as caught:
        from_global_id(to_global_id("Invoice", 7), expected_type="Customer")
    assert caught.value.code is CommonErrorCode.INVALID_ID
    assert "Customer" in caught.value.message
    for value in (None, 12, b"Q3VzdG9tZXI6MQ"):
        with pytest.raises(ArapiError):
            from_global_id(value)


# --------------------------------------------------------------- cursors

cursor_values = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)


@given(st.tuples(cursor_values, cursor_values, cursor_values))
def test_cursor_round_trip(values):
    assert decode_cursor(encode_cursor(values)) == values


@given(st.text(max_size=80))
def test_decode_cursor_only_raises_invalid_input(text):
    try:
        decode_cursor(text)
    except ArapiError as exc:
        assert exc.code is CommonErrorCode.INVALID_INPUT


def test_decode_cursor_checks_kinds():
    cursor = encode_cursor((date(2024, 1, 31), 5))
    assert decode_cursor(cursor, kinds=(date, int)) == (date(2024, 1, 31), 5)
    assert decode_cursor(encode_cursor((None, 5)), kinds=(date, int)) == (None, 5)
    for kinds in ((int, int), (date,), (date, int, str), (datetime, int)):
        with pytest.raises(ArapiError):
            decode_cursor(cursor, kinds=kinds)
    with pytest.raises(TypeError):
        encode_cursor((1.5,))
    with pytest.raises(TypeError):
        encode_cursor((datetime(2024, 1, 1),))  # naive


# ---------------------------------------------------------------- paging


def test_page_request_validation():
    assert PageRequest.from_args().size == 20
    assert PageRequest.from_args(first=0).limit == 1
    assert PageRequest.from_args(last=100).backward
    for kwargs in ({"first": 101}, {"last": 101}, {"first": -1}, {"first": 1, "last": 1}):
        with pytest.raises(ArapiError) as caught:
            PageRequest.from_args(**kwargs)
        assert caught.value.code is CommonErrorCode.INVALID_INPUT
    with pytest.raises(ArapiError) as caught:
        PageRequest.from_args(first=5, before="%%%")
    assert caught.value.field == ("before",)
    assert PageRequest.from_args(first=500, max_size=1000).size == 500


def test_build_connection_backward_restores_order_and_flags():
    page = PageRequest.from_args(last=2, before=encode_cursor((10,)))
    rows = [9, 8, 7]  # fetched descending, one extra
    conn = build_connection(rows, page, key_of=lambda r: (r,), to_node=str)
    assert conn.nodes == ["8", "9"]
    assert [decode_cursor(e.cursor) for e in conn.edges] == [(8,), (9,)]
    assert conn.page_info.has_previous_page is True
    assert conn.page_info.has_next_page is True
    exact = build_connection(rows[:2], page, key_of=lambda r: (r,), to_node=str, other_side=False)
    assert exact.page_info.has_previous_page is False
    assert exact.page_info.has_next_page is False


def test_connection_from_a_trimmed_keyset_page():
    page = PageRequest.from_args(last=2, before=encode_cursor((6,)))
    conn = build_connection([4, 5], page, key_of=lambda r: (r,), to_node=str, has_more=True)
    assert conn.nodes == ["4", "5"]
    assert (conn.page_info.has_previous_page, conn.page_info.has_next_page) == (True, True)
    forward = build_connection(
        [1, 2], PageRequest.from_args(first=2), lambda r: (r,), str, has_more=False
    )
    assert (forward.page_info.has_next_page, forward.page_info.has_previous_page) == (False, False)


# --------------------------------------------------------------- scalars


def test_decimal_serialization_keeps_scale_and_refuses_floats():
    assert serialize_decimal(Decimal("1234.50")) == "1234.50"
    assert serialize_decimal(Decimal("1E+3")) == "1000"
    assert serialize_decimal(Decimal("-0.001")) == "-0.001"
    for bad in (12.3, True, Decimal("NaN"), "12.30"):
        with pytest.raises(TypeError):
            serialize_decimal(bad)
    assert parse_decimal_value("007.10") == Decimal("7.10")
    with pytest.raises(GraphQLError):
        parse_decimal_value(Decimal("1"))


def test_date_and_datetime_serialization():
    assert serialize_date(date(2024, 5, 31)) == "2024-05-31"
    with pytest.raises(TypeError):
        serialize_date(datetime(2024, 5, 31, tzinfo=UTC))
    paris = timezone(timedelta(hours=2))
    assert (
        serialize_datetime(datetime(2024, 5, 31, 14, 30, tzinfo=paris))
        == "2024-05-31T14:30:00+02:00"
    )
    with pytest.raises(TypeError):
        serialize_datetime(datetime(2024, 5, 31, 14, 30))


def test_money_input_to_domain():
    money = MoneyInput(amount=Decimal("12.3"), currency="eur").to_domain("total")
    assert (money.minor, money.currency) == (1230, "EUR")
    with pytest.raises(ArapiError) as caught:
        MoneyInput(amount=Decimal("0.5"), currency="JPY").to_domain("input", "total")
    assert caught.value.code is MoneyErrorCode.AMOUNT_PRECISION
    assert caught.value.field == ("input", "total", "amount")
    with pytest.raises(ArapiError) as caught:
        MoneyInput(amount=Decimal("1"), currency="XXY").to_domain()
    assert caught.value.field == ("currency",)


# ---------------------------------------------------------------- errors


def test_user_error_code_enum_holds_every_code():
    enum = build_user_error_code_enum()
    names = import_error_code_modules()
    assert names and all(name.endswith(".errors") for name in names)
    assert {m.value for m in enum} == set(all_error_codes())
    assert {"INVALID_ID", "UNKNOWN_FORMAT", "PLUGIN_LOAD_FAILED", "AMOUNT_PRECISION"} <= {
        m.value for m in enum
    }
    assert missing_error_codes() == []


def test_user_errors_from_refuses_codes_unknown_to_the_enum():
    class Stray(StrEnum):
        STRAY = "STRAY_CODE"

    with pytest.raises(RuntimeError, match="STRAY_CODE"):
        user_errors_from(ArapiError(Stray.STRAY, "late"))  # type: ignore[arg-type]


def test_format_error_classification():
    syntax = GraphQLSyntaxError(Source("{"), 1, "Expected Name")
    assert format_error(syntax, "r1").extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    domain = GraphQLError(
        "x not found",
        path=["x"],
        original_error=ArapiError(CommonErrorCode.NOT_FOUND, "x not found", ["id"]),
    )
    assert format_error(domain, "r1").extensions == {"code": "NOT_FOUND", "field": ["id"]}
    bug = GraphQLError("Cannot return null for non-nullable field Query.x.", path=["x"])
    masked = format_error(bug, "r1")
    assert masked.message == "Internal server error"
    assert masked.extensions == {"code": "INTERNAL", "requestId": "r1"}
    assert format_error(masked, "r1") is masked


# --------------------------------------------------------------- context


def test_bearer_token_parsing():
    assert bearer_token("Bearer arapi_abc") == "arapi_abc"
    assert bearer_token("  bearer   arapi_abc ") == "arapi_abc"
    for header in (None, "", "Bearer", "Basic arapi_abc", "Bearer a b", "arapi_abc"):
        assert bearer_token(header) is None


def test_context_loader_is_created_once_per_key():
    calls: list[list[int]] = []

    async def load(keys: list[int]) -> list[int]:
        calls.append(list(keys))
        return [k * 10 for k in keys]

    context = Context(settings=Settings(), db=None, plugins=None, viewer=None, request_id="r")  # type: ignore[arg-type]

    async def run() -> list[int]:
        loader = context.loader("tens", load)
        assert context.loader("tens", load) is loader
        return await asyncio.gather(
            loader.load(1), loader.load(2), context.loader("tens", load).load(3)
        )

    assert asyncio.run(run()) == [10, 20, 30]
    assert calls == [[1, 2, 3]]


@pytest.mark.parametrize("declared", [b"abc", b"\xb2", b"-1", b""])
def test_a_content_length_that_is_not_ascii_digits_is_a_400(declared):
    """ "²" (byte 0xB2 read as latin-1) is a digit to str.isdigit(), not to int()."""
    from arapi.app import BodyLimitMiddleware

    async def app(scope, receive, send):  # never reached
        raise AssertionError("the body limit let a bad Content-Length through")

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "headers": [(b"content-length", declared)]}
    asyncio.run(BodyLimitMiddleware(app, 1000)(scope, receive, send))
    assert sent[0]["status"] == 400
