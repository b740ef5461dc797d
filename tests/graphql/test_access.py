"""Roles, partner grants and tenant isolation through the HTTP API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from arapi.models import Allocation, Customer, Event, Invoice, Payment, PaymentSchedule
from tests.graphql.test_ledger_api import (
    ALLOCATE,
    INVOICE,
    PAYMENT,
    create_customer,
    create_invoice,
    create_payment,
)


@pytest.fixture
def world(api):
    """acme: two customers with invoices, a payment allocated, a schedule."""
    dupont = create_customer(api)
    martin = api.ok('mutation { customerCreate(input: {name: "Martin SA"}) { customer { id } } }')[
        "customerCreate"
    ]["customer"]
    inv = create_invoice(api, dupont["id"], "F-1", "100.00")
    inv2 = create_invoice(api, martin["id"], "F-2", "200.00")
    inv3 = create_invoice(api, dupont["id"], "F-3", "60.00")
    pay = create_payment(api, "50.00")
    alloc = api.ok(
        ALLOCATE,
        {
            "input": {
                "paymentId": pay["id"],
                "allocations": [{"invoiceId": inv["id"], "amount": "50.00"}],
            }
        },
    )
    allocation = alloc["paymentAllocate"]["payment"]["allocations"][0]
    schedule = api.ok(
        'mutation($c: ID!, $i: ID!) { scheduleCreate(input: {customerId: $c, invoiceIds: [$i], installments: [{dueDate: "2025-05-01", amount: "60.00"}]}) { schedule { id } } }',
        {"c": dupont["id"], "i": inv3["id"]},
    )["scheduleCreate"]["schedule"]
    return dict(
        dupont=dupont,
        martin=martin,
        inv=inv,
        inv2=inv2,
        inv3=inv3,
        pay=pay,
        allocation=allocation,
        schedule=schedule,
    )


def snapshot(db):
    with db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Customer, Invoice, Payment, Allocation, PaymentSchedule, Event)
        )


def ids_of(world):
    return [
        world[k]["id"] for k in ("dupont", "martin", "inv", "inv2", "pay", "allocation", "schedule")
    ]


def test_missing_and_unknown_keys_are_unauthenticated(api):
    for key in (None, "arapi_not-a-key"):
        body = api.post("{ viewer { role } }", key=key)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = api.post(
        PAYMENT,
        {"input": {"amount": {"amount": "1", "currency": "EUR"}, "receivedOn": "2025-01-01"}},
        key=None,
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_another_organization_sees_nothing_and_changes_nothing(api, world):
    before = snapshot(api.db)
    for gid in ids_of(world):
        assert (
            api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, key="other")["node"]
            is None
        )
    assert (
        api.ok(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids_of(world)}, key="other"
        )["nodes"]
        == [None] * 7
    )
    lists = api.ok(
        "{ customers { nodes { id } } invoices { nodes { id } } payments { nodes { id } } schedules { nodes { id } } }",
        key="other",
    )
    assert all(v["nodes"] == [] for v in lists.values())
    filtered = api.ok(
        "query($c: ID!) { invoices(filter: {customerId: $c}) { nodes { id } } }",
        {"c": world["dupont"]["id"]},
        key="other",
    )
    assert filtered["invoices"]["nodes"] == []
    mutations = [
        (
            INVOICE,
            {
                "input": {
                    "customerId": world["dupont"]["id"],
                    "number": "X-1",
                    "issueDate": "2025-01-15",
                    "total": {"amount": "1", "currency": "EUR"},
                }
            },
        ),
        (
            ALLOCATE,
            {
                "input": {
                    "paymentId": world["pay"]["id"],
                    "allocations": [{"invoiceId": world["inv"]["id"], "amount": "1"}],
                }
            },
        ),
        (
            "mutation($i: ID!) { invoiceCancel(input: {invoiceId: $i}) { invoice { id } userErrors { code } } }",
            {"i": world["inv2"]["id"]},
        ),
        (
            "mutation($i: ID!) { invoiceWriteOff(input: {invoiceId: $i}) { invoice { id } userErrors { code } } }",
            {"i": world["inv2"]["id"]},
        ),
        (
            'mutation($i: ID!) { invoiceUpdate(input: {invoiceId: $i, dueDate: "2026-01-01"}) { invoice { id } userErrors { code } } }',
            {"i": world["inv2"]["id"]},
        ),
        (
            "mutation($i: ID!) { allocationReverse(input: {allocationId: $i}) { allocation { id } userErrors { code } } }",
            {"i": world["allocation"]["id"]},
        ),
        (
            'mutation($c: ID!, $i: ID!) { creditNoteApply(input: {creditNoteId: $c, invoiceId: $i, amount: "1"}) { invoice { id } userErrors { code } } }',
            {"c": world["inv"]["id"], "i": world["inv2"]["id"]},
        ),
        (
            'mutation($c: ID!) { creditNoteCreate(input: {customerId: $c, number: "AV", issueDate: "2025-01-01", total: {amount: "1", currency: "EUR"}}) { creditNote { id } userErrors { code } } }',
            {"c": world["dupont"]["id"]},
        ),
        (
            'mutation($c: ID!, $i: ID!) { scheduleCreate(input: {customerId: $c, invoiceIds: [$i], installments: [{dueDate: "2025-05-01", amount: "200.00"}]}) { schedule { id } userErrors { code } } }',
            {"c": world["martin"]["id"], "i": world["inv2"]["id"]},
        ),
        (
            PAYMENT,
            {
                "input": {
                    "amount": {"amount": "1", "currency": "EUR"},
                    "receivedOn": "2025-01-01",
                    "customerId": world["dupont"]["id"],
                }
            },
        ),
        (
            'mutation($p: ID!) { customerCreate(input: {name: "Sub", parentId: $p}) { customer { id } userErrors { code } } }',
            {"p": world["dupont"]["id"]},
        ),
    ]
    for query, variables in mutations:
        result = next(iter(api.ok(query, variables, key="other").values()))
        assert [e["code"] for e in result["userErrors"]] == ["NOT_FOUND"], (query, result)
    assert snapshot(api.db) == before


@pytest.mark.parametrize("role", ["collector", "integrator"])
def test_collector_and_integrator_read_and_write_the_ledger(api, world, role):
    api.keys[role] = api.key("acme", role)
    assert api.ok("{ viewer { role readOnly } }", key=role)["viewer"] == {
        "role": role.upper(),
        "readOnly": False,
    }
    assert len(api.ok("{ payments { nodes { id } } }", key=role)["payments"]["nodes"]) == 1
    create_payment_result = api.ok(
        PAYMENT,
        {"input": {"amount": {"amount": "5", "currency": "EUR"}, "receivedOn": "2025-01-01"}},
        key=role,
    )
    assert create_payment_result["paymentCreate"]["userErrors"] == []


def test_partner_reads_only_granted_customers_exposure_and_invoices(api, world):
    from arapi.graphql.relay import from_global_id

    dupont_pk = from_global_id(world["dupont"]["id"])[1]
    api.keys["partner"] = api.key("acme", "partner", grants=(dupont_pk,))
    data = api.ok(
        "{ viewer { role readOnly } customers { nodes { name exposure { openAmount { amount } } } } invoices { nodes { number } } }",
        key="partner",
    )
    assert data["viewer"] == {"role": "PARTNER", "readOnly": True}
    assert data["customers"]["nodes"] == [
        {"name": "Dupont SARL", "exposure": {"openAmount": {"amount": "110.00"}}}
    ]
    assert sorted(n["number"] for n in data["invoices"]["nodes"]) == ["F-1", "F-3"]
    assert (
        api.ok(
            "query($id: ID!) { node(id: $id) { id } }", {"id": world["martin"]["id"]}, key="partner"
        )["node"]
        is None
    )
    assert (
        api.ok(
            "query($id: ID!) { node(id: $id) { id } }", {"id": world["inv2"]["id"]}, key="partner"
        )["node"]
        is None
    )
    assert (
        api.ok(
            "query($id: ID!) { node(id: $id) { id } }", {"id": world["pay"]["id"]}, key="partner"
        )["node"]
        is None
    )
    for query in (
        "{ payments { nodes { id } } }",
        "{ schedules { nodes { id } } }",
        "{ invoices { nodes { allocations { id } } } }",
        "{ customers { nodes { ibans } } }",
    ):
        body = api.post(query, key="partner")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
    before = snapshot(api.db)
    body = api.post(
        PAYMENT,
        {"input": {"amount": {"amount": "1", "currency": "EUR"}, "receivedOn": "2025-01-01"}},
        key="partner",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = api.post(
        ALLOCATE,
        {
            "input": {
                "paymentId": world["pay"]["id"],
                "allocations": [{"invoiceId": world["inv"]["id"], "amount": "1"}],
            }
        },
        key="partner",
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert snapshot(api.db) == before


def test_malformed_ids(api, world):
    assert api.ok('{ node(id: "%%%") { id } }')["node"] is None
    result = api.ok(
        ALLOCATE,
        {
            "input": {
                "paymentId": world["inv"]["id"],
                "allocations": [{"invoiceId": world["inv"]["id"], "amount": "1"}],
            }
        },
    )
    assert result["paymentAllocate"]["userErrors"][0] == {
        "field": ["paymentId"],
        "message": result["paymentAllocate"]["userErrors"][0]["message"],
        "code": "INVALID_ID",
    }
