"""Cash application through GraphQL: run, review queue with explanations, confirm, reject, undo."""

from __future__ import annotations

import json

from tests.graphql.test_ledger_api import create_customer, create_invoice, create_payment

RUN = """mutation { matchRun(input: {}) { examined unmatched applied { id unappliedAmount { amount } allocations { author explanation invoice { number status } } }
  waitingForReview { id } userErrors { code } } }"""
REVIEW = """{ paymentsForReview(first: 10) { nodes { id proposals { id rank confidence status rules explanation
  customer { name } lines { amount { amount } invoice { number } } } } } }"""


def test_run_review_confirm_undo(api):
    customer = create_customer(api)
    a = create_invoice(api, customer["id"], "FA-2025-00123", "1200.00")
    create_invoice(api, customer["id"], "FA-2025-00300", "450.00")
    create_invoice(api, customer["id"], "FA-2025-00301", "450.00")
    certain = create_payment(
        api, "1200.00", reference="VIR FACTURE FA-2025-00123", payerName="DUPONT SARL"
    )
    unsure = create_payment(api, "450.00", payerName="DUPONT SARL")
    result = api.ok(RUN)["matchRun"]
    assert result["userErrors"] == [] and result["examined"] == 2
    assert [p["id"] for p in result["applied"]] == [certain["id"]]
    allocation = result["applied"][0]["allocations"][0]
    assert allocation["author"] == "engine" and "FA-2025-00123" in allocation["explanation"]
    assert allocation["invoice"] == {"number": "FA-2025-00123", "status": "PAID"}
    assert [p["id"] for p in result["waitingForReview"]] == [unsure["id"]]

    queue = api.ok(REVIEW)["paymentsForReview"]["nodes"]
    assert [p["id"] for p in queue] == [unsure["id"]]
    proposals = queue[0]["proposals"]
    assert len(proposals) >= 2 and proposals[0]["rank"] == 1 and proposals[0]["explanation"]
    assert "0" <= proposals[0]["confidence"] <= "1.0000" and proposals[0]["rules"]
    chosen = next(p for p in proposals if p["lines"][0]["invoice"]["number"] == "FA-2025-00301")
    confirmed = api.ok(
        "mutation($id: ID!) { matchProposalConfirm(input: {proposalId: $id}) { payment { unappliedAmount { amount } proposals { id } } userErrors { code } } }",
        {"id": chosen["id"]},
    )["matchProposalConfirm"]
    assert confirmed == {
        "payment": {"unappliedAmount": {"amount": "0.00"}, "proposals": []},
        "userErrors": [],
    }
    assert api.ok(REVIEW)["paymentsForReview"]["nodes"] == []
    # A proposal is a node: a UI refetches it by id (here: confirmed, with its lines).
    refetched = api.ok(
        "query($id: ID!) { node(id: $id) { ... on MatchProposal { id status lines { invoice { number } } } } }",
        {"id": chosen["id"]},
    )["node"]
    assert refetched == {
        "id": chosen["id"],
        "status": "CONFIRMED",
        "lines": [{"invoice": {"number": "FA-2025-00301"}}],
    }
    again = api.ok(
        "mutation($id: ID!) { matchProposalConfirm(input: {proposalId: $id}) { userErrors { code } } }",
        {"id": chosen["id"]},
    )
    assert again["matchProposalConfirm"]["userErrors"][0]["code"] == "PROPOSAL_NOT_PENDING"

    undone = api.ok(
        "mutation($id: ID!) { matchUndo(input: {paymentId: $id}) { payment { unappliedAmount { amount } allocations { reversed } } userErrors { code } } }",
        {"id": certain["id"]},
    )["matchUndo"]
    assert undone["payment"] == {
        "unappliedAmount": {"amount": "1200.00"},
        "allocations": [{"reversed": True}],
    }
    status = api.ok(
        "query($id: ID!) { node(id: $id) { ... on Invoice { status } } }", {"id": a["id"]}
    )
    assert status["node"]["status"] == "OPEN"


def test_reject_and_roles(api):
    customer = create_customer(api)
    create_invoice(api, customer["id"], "X-1", "450.00")
    create_invoice(api, customer["id"], "X-2", "450.00")
    create_payment(api, "450.00", payerName="DUPONT SARL")
    api.ok(RUN)
    proposal = api.ok(REVIEW)["paymentsForReview"]["nodes"][0]["proposals"][0]
    rejected = api.ok(
        'mutation($id: ID!) { matchProposalReject(input: {proposalId: $id, reason: "no"}) { proposal { status decidedBy } userErrors { code } } }',
        {"id": proposal["id"]},
    )["matchProposalReject"]
    assert rejected["proposal"]["status"] == "REJECTED"
    api.keys["partner"] = api.key("acme", "partner")
    assert api.post(RUN, key="partner")["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert api.post(REVIEW, key="partner")["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_invoice_import_upload(api):
    csv = (
        b"number;issue_date;due_date;currency;total_with_tax;customer_name;customer_siren\n"
        b"F-100;2025-01-10;2025-02-10;EUR;1 200,00;Dupont SARL;732829320\n"
        b"F-101;2025-01-10;2025-02-10;EUR;0,00;Dupont SARL;732829320\n"
    )
    query = "mutation($file: Upload!) { invoiceImport(input: {file: $file}) { duplicate warnings invoices { number total { amount } customer { name legalId } } documents { number status invoice { number } } userErrors { code } } }"
    response = api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("invoices.csv", csv, "text/csv")},
        headers={
            "Authorization": f"Bearer {api.keys['admin']}",
            "x-apollo-operation-name": "import",
        },
    )
    result = response.json()["data"]["invoiceImport"]
    assert result["userErrors"] == [] and result["duplicate"] is False
    assert result["invoices"] == [
        {
            "number": "F-100",
            "total": {"amount": "1200.00"},
            "customer": {"name": "Dupont SARL", "legalId": "732829320"},
        }
    ]
    assert result["documents"] == [
        {"number": "F-100", "status": "CREATED", "invoice": {"number": "F-100"}},
        {"number": "F-101", "status": "SKIPPED", "invoice": None},  # a zero total
    ]


HISTORY = """query($id: ID!) { node(id: $id) { ... on Payment { unappliedAmount { amount }
  proposals { rules lines { invoice { number } } }
  proposalHistory { status decidedBy lines { invoice { number } } } } } }"""
UNDO = """mutation($id: ID!) { matchUndo(input: {paymentId: $id, reason: "wrong customer"}) {
  payment { unappliedAmount { amount } } userErrors { code } } }"""


def history_of(api, payment_id):
    return api.ok(HISTORY, {"id": payment_id})["node"]


def test_undone_match_is_not_applied_again(api):
    """The tester's sequence: matchRun applies, matchUndo, matchRun again: nothing re-applied."""
    customer = create_customer(api)
    invoice = create_invoice(api, customer["id"], "FA-2025-00123", "1200.00")
    pay = create_payment(
        api, "1200.00", reference="VIR FACTURE FA-2025-00123", payerName="DUPONT SARL"
    )
    assert [p["id"] for p in api.ok(RUN)["matchRun"]["applied"]] == [pay["id"]]
    undone = api.ok(UNDO, {"id": pay["id"]})["matchUndo"]
    assert undone == {"payment": {"unappliedAmount": {"amount": "1200.00"}}, "userErrors": []}

    again = api.ok(RUN)["matchRun"]
    assert again["userErrors"] == [] and again["examined"] == 1
    assert again["applied"] == [] and again["waitingForReview"] == [] and again["unmatched"] == 1
    node = history_of(api, pay["id"])
    assert node["unappliedAmount"] == {"amount": "1200.00"} and node["proposals"] == []
    assert [(h["status"], h["lines"][0]["invoice"]["number"]) for h in node["proposalHistory"]] == [
        ("UNDONE", "FA-2025-00123")
    ]
    status = api.ok(
        "query($id: ID!) { node(id: $id) { ... on Invoice { status } } }", {"id": invoice["id"]}
    )
    assert status["node"]["status"] == "OPEN"

    # Another payment of that invoice is applied as usual: the veto belongs to the first one.
    other = create_payment(
        api, "1200.00", reference="VIR FACTURE FA-2025-00123", payerName="DUPONT SARL"
    )
    assert [p["id"] for p in api.ok(RUN)["matchRun"]["applied"]] == [other["id"]]


def test_rejected_proposal_is_not_applied_again(api):
    customer = create_customer(api, ibans=["FR7630006000011234567890189"])
    create_invoice(api, customer["id"], "FA-2025-00300", "450.00")
    y = create_invoice(api, customer["id"], "FA-2025-00301", "450.00")
    pay = create_payment(
        api, "450.00", payerName="DUPONT SARL", payerIban="FR7630006000011234567890189"
    )
    assert [p["id"] for p in api.ok(RUN)["matchRun"]["waitingForReview"]] == [pay["id"]]
    proposals = api.ok(REVIEW)["paymentsForReview"]["nodes"][0]["proposals"]
    assert len(proposals) == 2  # two invoices of 450.00: a person decides
    wrong = next(p for p in proposals if p["lines"][0]["invoice"]["number"] == "FA-2025-00300")
    rejected = api.ok(
        'mutation($id: ID!) { matchProposalReject(input: {proposalId: $id, reason: "not this one"}) { userErrors { code } } }',
        {"id": wrong["id"]},
    )["matchProposalReject"]
    assert rejected == {"userErrors": []}
    # FA-2025-00301 is paid otherwise: FA-2025-00300 becomes the one clear reading.
    cheque = create_payment(api, "450.00")
    api.ok(
        "mutation($input: PaymentAllocateInput!) { paymentAllocate(input: $input) { userErrors { code } } }",
        {
            "input": {
                "paymentId": cheque["id"],
                "allocations": [{"invoiceId": y["id"], "amount": "450.00"}],
            }
        },
    )

    again = api.ok(RUN)["matchRun"]
    assert again["applied"] == [] and again["unmatched"] == 1
    node = history_of(api, pay["id"])
    assert node["unappliedAmount"] == {"amount": "450.00"} and node["proposals"] == []
    statuses = [
        h["status"]
        for h in node["proposalHistory"]
        if h["lines"][0]["invoice"]["number"] == "FA-2025-00300"
    ]
    assert statuses == ["REJECTED"]
