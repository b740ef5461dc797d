"""bankStatementImport over real multipart HTTP, and the statements it leaves behind."""

from __future__ import annotations

import json

from tests.imports.test_statement_import import camt

MUTATION = """mutation($file: Upload!) { bankStatementImport(input: {file: $file}) {
  duplicate entryCount newEntries paymentsCreated warnings
  statements { id format account currency openingBalance { amount } closingBalance { amount } entryCount
               creditTotal { amount } entries { amount { amount currency } counterpartyName endToEndId } }
  userErrors { code message } } }"""


def upload(api, data: bytes, key="admin", csrf=True):
    headers = {"Authorization": f"Bearer {api.keys.get(key, key)}"}
    if csrf:
        headers["x-apollo-operation-name"] = "import"
    return api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": MUTATION, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("statement.xml", data, "application/xml")},
        headers=headers,
    )


def test_upload_imports_and_reports(api):
    data = camt([("A1", "50.00", "CRDT", "E1", None)], "150.00")
    body = upload(api, data).json()
    result = body["data"]["bankStatementImport"]
    assert result["userErrors"] == [] and not result["duplicate"]
    assert (result["entryCount"], result["newEntries"], result["paymentsCreated"]) == (1, 1, 1)
    statement = result["statements"][0]
    assert (
        statement["format"] == "camt.053" and statement["account"] == "FR7630006000011234567890189"
    )
    assert statement["closingBalance"] == {"amount": "150.00"}
    assert statement["entries"] == [
        {
            "amount": {"amount": "50.00", "currency": "EUR"},
            "counterpartyName": "DUPONT SARL",
            "endToEndId": "E1",
        }
    ]
    again = upload(api, data).json()["data"]["bankStatementImport"]
    assert again["duplicate"] is True and again["statements"][0]["id"] == statement["id"]
    listed = api.ok(
        "{ bankStatements { nodes { id } } payments(filter: {unapplied: true}) { nodes { amount { amount } } } }"
    )
    assert [n["id"] for n in listed["bankStatements"]["nodes"]] == [statement["id"]]
    assert listed["payments"]["nodes"] == [{"amount": {"amount": "50.00"}}]


def test_bad_file_is_a_coded_user_error(api):
    result = upload(api, b"garbage bytes").json()["data"]["bankStatementImport"]
    assert result["userErrors"][0]["code"] == "UNKNOWN_FORMAT" and result["statements"] == []


def test_multipart_without_csrf_header_is_refused(api):
    response = upload(api, camt([("A1", "1.00", "CRDT", "E1", None)], "101.00"), csrf=False)
    assert response.status_code == 400
    assert api.ok("{ bankStatements { nodes { id } } }")["bankStatements"]["nodes"] == []


def test_collector_may_not_import(api):
    api.keys["collector"] = api.key("acme", "collector")
    body = upload(api, camt([("A1", "1.00", "CRDT", "E1", None)], "101.00"), key="collector").json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_an_amount_too_large_to_store_is_a_user_error_not_internal(api):
    from tests.imports.test_plugin_faults import HUGE_MT940

    body = upload(api, HUGE_MT940).json()
    assert "errors" not in body, body
    (error,) = body["data"]["bankStatementImport"]["userErrors"]
    assert error["code"] == "INVALID_AMOUNT" and "is too large" in error["message"]
