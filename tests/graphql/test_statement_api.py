"""bankStatementImport over real multipart HTTP, and the statements it leaves behind."""

from __future__ import annotations

import io
import json
import zipfile

from tests.imports.test_statement_import import camt

MUTATION = """mutation($file: Upload!) { bankStatementImport(input: {file: $file}) {
  duplicate entryCount newEntries duplicateEntries paymentsCreated returnsRecorded warnings
  statements { id format account currency openingBalance { amount } closingBalance { amount } entryCount
               creditTotal { amount } entries { nodes { amount { amount currency } counterpartyName endToEndId } } }
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
    assert statement["entries"]["nodes"] == [
        {
            "amount": {"amount": "50.00", "currency": "EUR"},
            "counterpartyName": "DUPONT SARL",
            "endToEndId": "E1",
        }
    ]
    assert (result["duplicateEntries"], result["returnsRecorded"]) == (0, 0)
    again = upload(api, data).json()["data"]["bankStatementImport"]
    assert again["duplicate"] is True and again["statements"][0]["id"] == statement["id"]
    assert (again["newEntries"], again["duplicateEntries"], again["paymentsCreated"]) == (0, 1, 0)
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


REFUSED = """mutation($file: Upload!, $format: String) {
  bankStatementImport(input: {file: $file, format: $format}) { userErrors { field code message } } }"""
INVOICE_REFUSED = """mutation($file: Upload!) {
  invoiceImport(input: {file: $file}) { userErrors { field code message } } }"""


def refusal(api, query, data: bytes | None, variables=None, filename="statement.xml"):
    """The userErrors of an upload; ``data=None`` sends the file variable as a plain form field."""
    headers = {"Authorization": f"Bearer {api.keys['admin']}", "x-apollo-operation-name": "x"}
    form = {
        "operations": json.dumps(
            {"query": query, "variables": {"file": None, **(variables or {})}}
        ),
        "map": json.dumps({"0": ["variables.file"]}),
    }
    if data is None:
        files = {"0": (None, "C:/fakepath/x.ofx")}  # a multipart part without a filename
    else:
        files = {"0": (filename, data, "application/octet-stream")}
    response = api.client.post("/graphql", data=form, files=files, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))["userErrors"]


def test_a_file_variable_that_holds_no_file_is_a_user_error(api):
    """A string where the upload belongs (a JSON body, a form field without a filename) is
    refused on the file input; it used to be an internal error."""
    for query in (REFUSED, INVOICE_REFUSED):
        [error] = refusal(api, query, None)
        assert (error["field"], error["code"]) == (["file"], "INVALID_INPUT")
        assert "multipart" in error["message"] and "not a str" in error["message"]
        body = api.client.post(
            "/graphql",
            json={"query": query, "variables": {"file": "C:/fakepath/x.ofx"}},
            headers={"Authorization": f"Bearer {api.keys['admin']}"},
        ).json()
        assert next(iter(body["data"].values()))["userErrors"][0]["code"] == "INVALID_INPUT"


def test_refusals_point_at_the_file_or_the_format(api):
    def first(*args, **kw):
        [error] = refusal(api, *args, **kw)
        return error["field"], error["code"]

    assert first(REFUSED, b"") == (["file"], "EMPTY_FILE")
    assert first(INVOICE_REFUSED, b"") == (["file"], "EMPTY_FILE")
    assert first(REFUSED, b"garbage bytes") == (["file"], "UNKNOWN_FORMAT")
    assert first(INVOICE_REFUSED, b"garbage bytes") == (["file"], "UNKNOWN_FORMAT")
    statement = camt([("A1", "1.00", "CRDT", "E1", None)], "101.00")
    assert first(REFUSED, statement, {"format": "pdf"}) == (["format"], "UNKNOWN_FORMAT")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("statement.xml", statement)
        bundle.writestr("readme.txt", "not a statement")
    [error] = refusal(api, REFUSED, archive.getvalue(), filename="bundle.zip")
    assert (error["field"], error["code"]) == (["file"], "UNKNOWN_FORMAT")
    assert error["message"].startswith("readme.txt: ")  # the member at fault is named


def test_the_installed_formats_can_be_listed_for_a_format_picker(api):
    listed = api.ok("{ statementFormats { key label plugin } invoiceFormats { key label plugin } }")
    statements = {f["key"]: f for f in listed["statementFormats"]}
    assert {"camt.053", "camt.054", "mt940", "cfonb120", "ofx"} <= set(statements)
    assert statements["mt940"]["label"] == "SWIFT MT940"
    assert all(f["plugin"] for f in listed["statementFormats"] + listed["invoiceFormats"])
    assert {"csv", "fec"} <= {f["key"] for f in listed["invoiceFormats"]}
    # Each key is what the upload takes as its format.
    statement = camt([("A1", "1.00", "CRDT", "E1", None)], "101.00")
    assert refusal(api, REFUSED, statement, {"format": statements["camt.053"]["key"]}) == []


def test_entries_come_a_page_at_a_time_in_file_order(api):
    lines = [(f"A{n}", f"{n}.00", "CRDT", f"E{n}", None) for n in range(1, 6)]
    result = upload(api, camt(lines, "115.00")).json()["data"]["bankStatementImport"]
    statement_id = result["statements"][0]["id"]
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on BankStatement {
      entries(first: 2, after: $after) { nodes { endToEndId } pageInfo { hasNextPage endCursor } } } } }"""
    seen, after = [], None
    while True:
        page = api.ok(query, {"id": statement_id, "after": after})["node"]["entries"]
        seen.append([n["endToEndId"] for n in page["nodes"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [["E1", "E2"], ["E3", "E4"], ["E5"]]
    too_many = api.post(
        "{ bankStatements(first: 100) { nodes { entries(first: 500) { nodes { endToEndId } } } } }"
    )
    assert too_many["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


IMPORTS = """query($kind: ImportKind) { imports(first: 10, kind: $kind) { nodes {
  id kind format filename size actor warnings statements { entryCount } } } }"""


def test_imports_can_be_listed_with_their_warnings_after_the_upload(api):
    """A UI shows past imports and what each said, long after the upload's answer."""
    from tests.imports.test_invoice_import import BASE_CSV

    statement = camt([("A1", "1.00", "CRDT", "E1", None)], "999.00")  # does not add up
    uploaded = upload(api, statement).json()["data"]["bankStatementImport"]
    assert refusal(api, INVOICE_REFUSED, BASE_CSV, filename="factures.csv") == []
    nodes = api.ok(IMPORTS)["imports"]["nodes"]
    assert [(n["kind"], n["format"], n["filename"]) for n in nodes] == [
        ("INVOICES", "csv", "factures.csv"),
        ("STATEMENT", "camt.053", "statement.xml"),
    ]
    invoices, statements = nodes
    assert statements["warnings"] == uploaded["warnings"] and statements["warnings"]
    assert statements["size"] == len(statement) and statements["actor"]
    assert statements["statements"] == [{"entryCount": 1}] and invoices["statements"] == []
    assert api.ok(IMPORTS, {"kind": "STATEMENT"})["imports"]["nodes"] == [statements]
    node = api.ok(
        "query($id: ID!) { node(id: $id) { ... on ImportFile { format } } }", {"id": invoices["id"]}
    )
    assert node == {"node": {"format": "csv"}}
    partner = api.post(IMPORTS, key=api.key("acme", "partner"))
    assert partner["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_payment_links_to_the_bank_line_and_statement_it_came_from(api):
    upload(api, camt([("A1", "50.00", "CRDT", "E1", None)], "150.00"))
    query = """{ payments(first: 10) { nodes { endToEndId statementEntry {
      counterpartyName amount { amount } statement { format account } } } } }"""
    [payment] = api.ok(query)["payments"]["nodes"]
    assert payment["statementEntry"] == {
        "counterpartyName": "DUPONT SARL",
        "amount": {"amount": "50.00"},
        "statement": {"format": "camt.053", "account": "FR7630006000011234567890189"},
    }
    created = api.ok(
        'mutation { paymentCreate(input: {amount: {amount: "5.00", currency: "EUR"}, '
        'receivedOn: "2025-03-01"}) { payment { statementEntry { remittance } } userErrors { code } } }'
    )["paymentCreate"]
    assert created == {"payment": {"statementEntry": None}, "userErrors": []}


def test_two_files_sent_to_one_variable_are_refused(api):
    """strawberry kept the last file silently: the user believed both were imported."""
    statement = camt([("A1", "1.00", "CRDT", "E1", None)], "101.00")
    response = api.client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": MUTATION, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"], "1": ["variables.file"]}),
        },
        files={"0": ("a.xml", statement, "application/xml"), "1": ("b.ofx", b"x", "text/plain")},
        headers={"Authorization": f"Bearer {api.keys['admin']}", "x-apollo-operation-name": "x"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "several files to variables.file" in response.json()["errors"][0]["message"]
    assert api.ok("{ bankStatements { nodes { id } } }")["bankStatements"]["nodes"] == []
