"""Customers, invoices, payments and allocations through GraphQL over HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from arapi.models import Allocation, Customer, Event, Invoice, Payment

CUSTOMER = """
mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {
  customer { id name legalId country currency creditLimit { amount currency } }
  userErrors { field message code } } }
"""
INVOICE = """
mutation($input: InvoiceCreateInput!) { invoiceCreate(input: $input) {
  invoice { id number status openAmount { amount currency } total { amount } dueDate daysPastDue paymentReference
            customer { name } }
  userErrors { field message code } } }
"""
PAYMENT = """
mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) {
  payment { id amount { amount currency } unappliedAmount { amount } }
  userErrors { field message code } } }
"""
ALLOCATE = """
mutation($input: PaymentAllocateInput!) { paymentAllocate(input: $input) {
  payment { id unappliedAmount { amount } allocations { id amount { amount } reversed invoice { number status } } }
  userErrors { field message code } } }
"""


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def create_customer(api, **extra):
    data = api.ok(CUSTOMER, {"input": {"name": "Dupont SARL", "legalId": "732829320", **extra}})
    assert data["customerCreate"]["userErrors"] == []
    return data["customerCreate"]["customer"]


def create_invoice(api, customer_id, number="F-1", amount="1200.00", currency="EUR", **extra):
    data = api.ok(
        INVOICE,
        {
            "input": {
                "customerId": customer_id,
                "number": number,
                "issueDate": "2025-01-15",
                "total": {"amount": amount, "currency": currency},
                **extra,
            }
        },
    )
    assert data["invoiceCreate"]["userErrors"] == [], data
    return data["invoiceCreate"]["invoice"]


def create_payment(api, amount="1500.00", currency="EUR", **extra):
    data = api.ok(
        PAYMENT,
        {
            "input": {
                "amount": {"amount": amount, "currency": currency},
                "receivedOn": "2025-02-10",
                **extra,
            }
        },
    )
    assert data["paymentCreate"]["userErrors"] == [], data
    return data["paymentCreate"]["payment"]


def test_create_and_allocate_end_to_end(api):
    customer = create_customer(api, creditLimit={"amount": "5000", "currency": "EUR"})
    assert customer["legalId"] == "732829320" and customer["country"] == "FR"
    assert customer["creditLimit"] == {"amount": "5000.00", "currency": "EUR"}
    inv = create_invoice(api, customer["id"])
    assert inv["status"] == "OPEN" and inv["openAmount"] == {"amount": "1200.00", "currency": "EUR"}
    assert inv["dueDate"] == "2025-02-14" and inv["paymentReference"].startswith("RF")
    assert inv["daysPastDue"] > 0 and inv["customer"]["name"] == "Dupont SARL"
    pay = create_payment(api)
    data = api.ok(
        ALLOCATE,
        {
            "input": {
                "paymentId": pay["id"],
                "allocations": [{"invoiceId": inv["id"], "amount": "1000.00"}],
            }
        },
    )
    result = data["paymentAllocate"]
    assert result["userErrors"] == []
    assert result["payment"]["unappliedAmount"]["amount"] == "500.00"
    assert result["payment"]["allocations"][0]["invoice"] == {
        "number": "F-1",
        "status": "PARTIALLY_PAID",
    }

    exposure = api.ok(
        "query($id: ID!) { node(id: $id) { ... on Customer { exposure { openAmount { amount } overdueAmount { amount }"
        " unappliedCash { amount } creditLimit { amount } availableCredit { amount } }"
        ' aging(asOf: "2025-04-01") { currency notDue { amount } days31To60 { amount } total { amount } } } } }',
        {"id": customer["id"]},
    )["node"]
    assert exposure["exposure"] == {
        "openAmount": {"amount": "200.00"},
        "overdueAmount": {"amount": "200.00"},
        "unappliedCash": {"amount": "500.00"},
        "creditLimit": {"amount": "5000.00"},
        "availableCredit": {"amount": "5300.00"},
    }
    assert exposure["aging"] == [
        {
            "currency": "EUR",
            "notDue": {"amount": "0.00"},
            "days31To60": {"amount": "200.00"},
            "total": {"amount": "200.00"},
        }
    ]

    allocation_id = result["payment"]["allocations"][0]["id"]
    reversed_ = api.ok(
        'mutation($id: ID!) { allocationReverse(input: {allocationId: $id, reason: "wrong"}) {'
        " allocation { reversed invoice { status openAmount { amount } } } userErrors { code } } }",
        {"id": allocation_id},
    )["allocationReverse"]
    assert reversed_["allocation"] == {
        "reversed": True,
        "invoice": {"status": "OPEN", "openAmount": {"amount": "1200.00"}},
    }
    assert count(api.db, Allocation) == 2  # the original and its reversal: nothing deleted
    node = api.ok(
        "query($id: ID!) { node(id: $id) { ... on Allocation { amount { amount } reversed reversedAt payment { id } } } }",
        {"id": allocation_id},
    )["node"]
    assert (
        node["amount"] == {"amount": "1000.00"} and node["reversed"] is True and node["reversedAt"]
    )
    assert node["payment"]["id"] == pay["id"]


def test_bad_inputs_give_coded_user_errors_and_write_nothing(api):
    customer = create_customer(api)
    create_invoice(api, customer["id"], number="F-1")
    before = {m: count(api.db, m) for m in (Customer, Invoice, Payment, Allocation, Event)}
    cases = [
        (
            INVOICE,
            {
                "customerId": customer["id"],
                "number": "F-1",
                "issueDate": "2025-01-15",
                "total": {"amount": "10", "currency": "EUR"},
            },
            "DUPLICATE_NUMBER",
            ["number"],
        ),
        (
            INVOICE,
            {
                "customerId": customer["id"],
                "number": "F-2",
                "issueDate": "2025-01-15",
                "dueDate": "2025-01-01",
                "total": {"amount": "10", "currency": "EUR"},
            },
            "DUE_BEFORE_ISSUE",
            ["dueDate"],
        ),
        (
            INVOICE,
            {
                "customerId": customer["id"],
                "number": "F-3",
                "issueDate": "2025-01-15",
                "total": {"amount": "-10", "currency": "EUR"},
            },
            "AMOUNT_NOT_POSITIVE",
            ["total"],
        ),
        (
            INVOICE,
            {
                "customerId": customer["id"],
                "number": "F-4",
                "issueDate": "2025-01-15",
                "total": {"amount": "10.001", "currency": "EUR"},
            },
            "AMOUNT_PRECISION",
            ["total", "amount"],
        ),
        (
            INVOICE,
            {
                "customerId": customer["id"],
                "number": "F-4b",
                "issueDate": "2025-01-15",
                "total": {"amount": "1" + "0" * 19, "currency": "EUR"},  # beyond a BIGINT
            },
            "INVALID_AMOUNT",
            ["total", "amount"],
        ),
        (
            INVOICE,
            {
                "customerId": "bm90LWFuLWlk",
                "number": "F-5",
                "issueDate": "2025-01-15",
                "total": {"amount": "10", "currency": "EUR"},
            },
            "INVALID_ID",
            ["customerId"],
        ),
        (CUSTOMER, {"name": "X", "legalId": "404833047"}, "INVALID_LEGAL_ID", ["legalId"]),
        (
            CUSTOMER,
            {"name": "X", "ibans": ["FR7630006000011234567890188"]},
            "INVALID_IBAN",
            ["ibans"],
        ),
        (
            PAYMENT,
            {"amount": {"amount": "0", "currency": "EUR"}, "receivedOn": "2025-01-01"},
            "AMOUNT_NOT_POSITIVE",
            ["amount"],
        ),
    ]
    for mutation, payload, code, field in cases:
        data = api.ok(mutation, {"input": payload})
        result = next(iter(data.values()))
        assert [e["code"] for e in result["userErrors"]] == [code], (code, result)
        assert result["userErrors"][0]["field"] == field
        assert [v for k, v in result.items() if k != "userErrors"] == [None]
    assert {m: count(api.db, m) for m in before} == before


def test_unknown_currency_and_json_numbers_are_refused(api):
    customer = create_customer(api)
    body = api.post(
        INVOICE,
        {
            "input": {
                "customerId": customer["id"],
                "number": "F-9",
                "issueDate": "2025-01-15",
                "total": {"amount": "10", "currency": "EURO"},
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] in (
        "UNKNOWN_CURRENCY",
        "GRAPHQL_VALIDATION_FAILED",
    )
    body = api.post(
        INVOICE,
        {
            "input": {
                "customerId": customer["id"],
                "number": "F-9",
                "issueDate": "2025-01-15",
                "total": {"amount": 10.5, "currency": "EUR"},
            }
        },
    )
    assert "Decimal values are strings" in body["errors"][0]["message"]
    assert count(api.db, Invoice) == 0


def test_allocation_beyond_open_or_payment_and_currency_mismatch(api):
    customer = create_customer(api)
    eur = create_invoice(api, customer["id"], "E-1", "100.00")
    usd = create_invoice(api, customer["id"], "U-1", "100.00", "USD")
    pay = create_payment(api, "150.00")
    before = count(api.db, Allocation)
    for lines, code in [
        ([{"invoiceId": eur["id"], "amount": "100.01"}], "EXCEEDS_OPEN_AMOUNT"),
        ([{"invoiceId": usd["id"], "amount": "10"}], "CURRENCY_MISMATCH"),
        (
            [{"invoiceId": eur["id"], "amount": "100"}, {"invoiceId": eur["id"], "amount": "1"}],
            "EXCEEDS_OPEN_AMOUNT",
        ),
    ]:
        result = api.ok(ALLOCATE, {"input": {"paymentId": pay["id"], "allocations": lines}})[
            "paymentAllocate"
        ]
        assert [e["code"] for e in result["userErrors"]] == [code]
    small = create_payment(api, "10.00")
    result = api.ok(
        ALLOCATE,
        {
            "input": {
                "paymentId": small["id"],
                "allocations": [{"invoiceId": eur["id"], "amount": "10.01"}],
            }
        },
    )
    assert result["paymentAllocate"]["userErrors"][0]["code"] == "EXCEEDS_PAYMENT"
    assert count(api.db, Allocation) == before


def test_idempotency_key_on_payment_create(api):
    first = create_payment(api, idempotencyKey="bank-line-42")
    again = create_payment(api, idempotencyKey="bank-line-42")
    assert first["id"] == again["id"] and count(api.db, Payment) == 1
    data = api.ok(
        PAYMENT,
        {
            "input": {
                "amount": {"amount": "1", "currency": "EUR"},
                "receivedOn": "2025-02-10",
                "idempotencyKey": "bank-line-42",
            }
        },
    )
    assert data["paymentCreate"]["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"


def test_a_credit_note_shows_the_invoice_it_corrects(api):
    customer = create_customer(api)
    inv = create_invoice(api, customer["id"], "F-1", "100.00")
    query = (
        "mutation($c: ID!, $i: ID) { creditNoteCreate(input: {customerId: $c, number: $n,"
        ' issueDate: "2025-01-20", total: {amount: "30.00", currency: "EUR"},'
        " correctsInvoiceId: $i}) { creditNote { correctsInvoiceId } } }"
    ).replace("$n", '"AV-1"')
    made = api.ok(query, {"c": customer["id"], "i": inv["id"]})["creditNoteCreate"]
    assert made["creditNote"] == {"correctsInvoiceId": inv["id"]}
    plain = api.ok(query.replace('"AV-1"', '"AV-2"'), {"c": customer["id"], "i": None})
    assert plain["creditNoteCreate"]["creditNote"] == {"correctsInvoiceId": None}


def test_credit_notes_write_off_cancel_update(api):
    customer = create_customer(api)
    inv = create_invoice(api, customer["id"], "F-1", "100.00")
    other = create_invoice(api, customer["id"], "F-2", "50.00")
    note = api.ok(
        'mutation($c: ID!) { creditNoteCreate(input: {customerId: $c, number: "AV-1", issueDate: "2025-01-20",'
        ' total: {amount: "30.00", currency: "EUR"}}) { creditNote { id kind status } userErrors { code } } }',
        {"c": customer["id"]},
    )["creditNoteCreate"]["creditNote"]
    assert note["kind"] == "CREDIT_NOTE"
    applied = api.ok(
        'mutation($n: ID!, $i: ID!) { creditNoteApply(input: {creditNoteId: $n, invoiceId: $i, amount: "30.00"}) {'
        " invoice { openAmount { amount } status } creditNote { status openAmount { amount } } userErrors { code } } }",
        {"n": note["id"], "i": inv["id"]},
    )["creditNoteApply"]
    assert applied["invoice"] == {"openAmount": {"amount": "70.00"}, "status": "PARTIALLY_PAID"}
    assert applied["creditNote"] == {"status": "PAID", "openAmount": {"amount": "0.00"}}
    written = api.ok(
        'mutation($i: ID!) { invoiceWriteOff(input: {invoiceId: $i, reason: "insolvent"}) { invoice { status openAmount { amount } settlements { kind amount { amount } writeOff { amount } } } userErrors { code } } }',
        {"i": inv["id"]},
    )["invoiceWriteOff"]["invoice"]
    assert written["status"] == "WRITTEN_OFF"
    assert [s["kind"] for s in written["settlements"]] == ["CREDIT_NOTE", "WRITE_OFF"]
    updated = api.ok(
        'mutation($i: ID!) { invoiceUpdate(input: {invoiceId: $i, dueDate: "2025-06-30"}) { invoice { dueDate } userErrors { code } } }',
        {"i": other["id"]},
    )["invoiceUpdate"]
    assert updated["invoice"]["dueDate"] == "2025-06-30"
    cancelled = api.ok(
        "mutation($i: ID!) { invoiceCancel(input: {invoiceId: $i}) { invoice { status openAmount { amount } } userErrors { code } } }",
        {"i": other["id"]},
    )["invoiceCancel"]
    assert cancelled["invoice"] == {"status": "CANCELLED", "openAmount": {"amount": "0.00"}}


def test_overdue_filter_lists_invoices_only(api):
    """The README's query: credit notes are never past due, whatever their due date."""
    customer = create_customer(api)
    create_invoice(api, customer["id"], "F-1", "100.00")  # issued 2025-01-15: long past due
    paid = create_invoice(api, customer["id"], "F-2", "50.00")
    pay = create_payment(api, "50.00")
    api.ok(
        ALLOCATE,
        {
            "input": {
                "paymentId": pay["id"],
                "allocations": [{"invoiceId": paid["id"], "amount": "50.00"}],
            }
        },
    )
    note = api.ok(
        'mutation($c: ID!) { creditNoteCreate(input: {customerId: $c, number: "AV-1", issueDate: "2025-01-20",'
        ' total: {amount: "30.00", currency: "EUR"}}) { creditNote { id daysPastDue openAmount { amount } } } }',
        {"c": customer["id"]},
    )["creditNoteCreate"]["creditNote"]
    assert note["daysPastDue"] == 0 and note["openAmount"] == {"amount": "30.00"}
    overdue = api.ok(
        "{ invoices(first: 100, filter: {overdue: true}) { nodes { number kind daysPastDue status } } }"
    )["invoices"]["nodes"]
    assert [(n["number"], n["kind"], n["status"]) for n in overdue] == [("F-1", "INVOICE", "OPEN")]
    assert overdue[0]["daysPastDue"] > 0
    notes = api.ok(
        "{ invoices(first: 100, filter: {overdue: true, kind: CREDIT_NOTE}) { nodes { number } } }"
    )["invoices"]["nodes"]
    assert notes == []
    listed = api.ok(
        "{ invoices(first: 100, filter: {kind: CREDIT_NOTE}) { nodes { number daysPastDue } } }"
    )["invoices"]["nodes"]
    assert listed == [{"number": "AV-1", "daysPastDue": 0}]


def test_schedule_create_and_query(api):
    customer = create_customer(api)
    a = create_invoice(api, customer["id"], "F-1", "100.00")
    b = create_invoice(api, customer["id"], "F-2", "50.00")
    data = api.ok(
        "mutation($c: ID!, $ids: [ID!]!) { scheduleCreate(input: {customerId: $c, invoiceIds: $ids, installments: ["
        '{dueDate: "2025-03-01", amount: "75.00"}, {dueDate: "2025-04-01", amount: "75.00"}]}) {'
        " schedule { id total { amount } installments { seq amount { amount } paidAmount { amount } } invoices { number } }"
        " userErrors { code } } }",
        {"c": customer["id"], "ids": [a["id"], b["id"]]},
    )["scheduleCreate"]
    assert data["userErrors"] == []
    assert data["schedule"]["total"] == {"amount": "150.00"}
    assert [i["seq"] for i in data["schedule"]["installments"]] == [1, 2]
    listed = api.ok("{ schedules(first: 5) { nodes { id invoices { number } } } }")["schedules"][
        "nodes"
    ]
    assert listed[0]["invoices"] == [{"number": "F-1"}, {"number": "F-2"}]
    bad = api.ok(
        "mutation($c: ID!, $ids: [ID!]!) { scheduleCreate(input: {customerId: $c, invoiceIds: $ids, installments: ["
        '{dueDate: "2025-03-01", amount: "10.00"}]}) { schedule { id } userErrors { code } } }',
        {"c": customer["id"], "ids": [a["id"]]},
    )["scheduleCreate"]
    assert bad["userErrors"][0]["code"] in ("ALREADY_SCHEDULED", "INSTALLMENTS_DO_NOT_ADD_UP")
