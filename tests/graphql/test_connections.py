"""Keyset pagination, filters, orderings and the statement count of a page (no N+1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from arapi.auth.viewer import Viewer
from arapi.ledger import service as ledger
from tests.helpers import make_customer, make_invoice, make_payment


@pytest.fixture
def many(api):
    viewer = Viewer.system(api.org_ids["acme"], "acme")
    with api.db.write() as s:
        customers = [make_customer(s, viewer, name=f"Client {n:02d}") for n in range(12)]
        for n in range(120):
            c = customers[n % 12]
            inv = make_invoice(
                s,
                viewer,
                c.id,
                f"INV-{n:04d}",
                total=f"{100 + n}.00",
                issue=date(2025, 1, 1) + timedelta(days=n % 40),
                currency="USD" if n % 10 == 0 else "EUR",
            )
            if n % 3 == 0 and inv.currency == "EUR":
                p = make_payment(s, viewer, amount=f"{100 + n}.00")
                ledger.allocate(s, viewer, p.id, [ledger.AllocationLine(inv.id, f"{100 + n}.00")])
    return api


PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $filter: InvoiceFilter, $order: InvoiceOrder) {
  invoices(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
    edges { cursor node { number } } nodes { number customer { name } status openAmount { amount } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def walk(api, **variables):
    seen, after = [], None
    while True:
        data = api.ok(PAGE, {"first": 25, "after": after, **variables})["invoices"]
        seen += [n["number"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]


def test_forward_pages_cover_everything_once_in_order(many):
    numbers = walk(many, order={"field": "NUMBER", "direction": "ASC"})
    assert numbers == sorted(f"INV-{n:04d}" for n in range(120))
    by_due = walk(many, order={"field": "DUE_DATE", "direction": "DESC"})
    assert len(by_due) == 120 and len(set(by_due)) == 120


def test_sorting_by_total_groups_the_currencies(many):
    """100 USD is not less than 101 EUR: amounts compare within their currency only."""
    expected = sorted(
        ("USD" if n % 10 == 0 else "EUR", 100 + n, f"INV-{n:04d}") for n in range(120)
    )
    by_total = walk(many, order={"field": "TOTAL", "direction": "ASC"})
    assert by_total == [number for _, _, number in expected]  # EUR first, then USD
    descending = walk(many, order={"field": "TOTAL", "direction": "DESC"})
    assert descending == by_total[::-1]
    payments = many.ok(
        "{ payments(first: 100, orderBy: {field: AMOUNT, direction: DESC}) "
        "{ nodes { amount { amount currency } } } }"
    )["payments"]["nodes"]
    amounts = [(p["amount"]["currency"], Decimal(p["amount"]["amount"])) for p in payments]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == 36


def test_backward_pages(many):
    last = many.ok(PAGE, {"last": 10, "order": {"field": "NUMBER", "direction": "ASC"}})["invoices"]
    assert [n["number"] for n in last["nodes"]] == [f"INV-{n:04d}" for n in range(110, 120)]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    before = many.ok(
        PAGE,
        {
            "last": 5,
            "before": last["pageInfo"]["startCursor"],
            "order": {"field": "NUMBER", "direction": "ASC"},
        },
    )["invoices"]
    assert [n["number"] for n in before["nodes"]] == [f"INV-{n:04d}" for n in range(105, 110)]


def test_filters(many):
    paid = walk(many, filter={"status": ["PAID"]})
    assert len(paid) == 36
    usd = walk(many, filter={"currency": "USD"})
    assert len(usd) == 12
    searched = walk(many, filter={"search": "client 03"})
    assert len(searched) == 10
    overdue = walk(many, filter={"overdue": True})
    assert len(overdue) == 84  # everything unpaid is past due today
    window = walk(many, filter={"dueFrom": "2025-02-01", "dueTo": "2025-02-05"})
    assert 0 < len(window) < 120


def test_page_size_limit(many):
    body = many.post(PAGE, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_statement_count_does_not_grow_with_page_size(many):
    counts = {}
    engine = many.db.engine
    for size in (10, 100):
        statements = []

        def record(conn, cursor, statement, params, context, executemany, _s=statements):
            _s.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            many.ok(PAGE, {"first": size})
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counts[size] = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert counts[10] == counts[100], counts


def test_nodes_load_in_one_batch(many):
    ids = [
        n["id"] for n in many.ok("{ invoices(first: 60) { nodes { id } } }")["invoices"]["nodes"]
    ]
    counts = {}
    for size in (5, 60):
        statements = []

        def record(conn, cursor, statement, params, context, executemany, _s=statements):
            _s.append(statement)

        event.listen(many.db.engine, "before_cursor_execute", record)
        try:
            found = many.ok("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[:size]})[
                "nodes"
            ]
        finally:
            event.remove(many.db.engine, "before_cursor_execute", record)
        assert [n["id"] for n in found] == ids[:size]
        counts[size] = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert counts[5] == counts[60], counts


def _selects(api, query: str, variables: dict) -> int:
    """SELECT statements one request runs."""
    statements = []

    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(api.db.engine, "before_cursor_execute", record)
    try:
        api.ok(query, variables)
    finally:
        event.remove(api.db.engine, "before_cursor_execute", record)
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_payment_proposals_load_in_one_batch(many):
    query = "query($n: Int) { payments(first: $n) { nodes { id proposals { id } proposalHistory { id } } } }"
    assert _selects(many, query, {"n": 3}) == _selects(many, query, {"n": 30})


def test_a_cursor_of_another_ordering_is_invalid_input(many):
    by_created = "{ customers(first: 2, orderBy: {field: CREATED}) { pageInfo { endCursor } } }"
    cursor = many.ok(by_created)["customers"]["pageInfo"]["endCursor"]
    for other in ("{field: NAME}", "{field: NAME, direction: DESC}"):
        body = many.post(
            f"query($c: String) {{ customers(first: 2, after: $c, orderBy: {other}) {{ nodes {{ name }} }} }}",
            {"c": cursor},
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body
