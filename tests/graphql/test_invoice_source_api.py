"""invoiceSources and invoiceSourceSync over real HTTP, with an in-memory ERP connector."""

from __future__ import annotations

import pytest

from tests.helpers import ListSource, erp_invoice, host_with_source

SYNC = """mutation($source: String!) {
  invoiceSourceSync(input: {source: $source}) {
    duplicate cursor warnings
    invoices { number openAmount { amount currency } customer { name } }
    documents { number status invoice { number total { amount } } }
    userErrors { field message code }
  }
}"""
SOURCES = "{ invoiceSources { name label cursor } }"


@pytest.fixture
def source():
    return ListSource([erp_invoice("F-1"), erp_invoice("F-2", total="60.00")], page_size=1)


@pytest.fixture
def api_plugins(source):
    return host_with_source(source)


@pytest.fixture
def api_settings():
    return {"invoice_sources": (("memory-erp", ("acme",)),)}  # not for organization "other"


def test_sources_are_listed_and_a_sync_writes_and_moves_the_cursor(api, source):
    assert api.ok(SOURCES)["invoiceSources"] == [
        {"name": "memory-erp", "label": "In-memory ERP (tests)", "cursor": None}
    ]
    result = api.ok(SYNC, {"source": "memory-erp"})["invoiceSourceSync"]
    assert result["userErrors"] == [] and result["cursor"] == "2" and not result["duplicate"]
    assert [(i["number"], i["openAmount"]["amount"]) for i in result["invoices"]] == [
        ("F-1", "120.00"),
        ("F-2", "60.00"),
    ]
    assert result["invoices"][0]["customer"]["name"] == "Dupont SA"
    assert [d["status"] for d in result["documents"]] == ["CREATED", "CREATED"]

    source.documents.append(erp_invoice("F-1", total="150.00"))  # corrected in the ERP
    later = api.ok(SYNC, {"source": "memory-erp"})["invoiceSourceSync"]
    assert later["documents"] == [
        {
            "number": "F-1",
            "status": "CONFLICT",
            "invoice": {"number": "F-1", "total": {"amount": "120.00"}},
        }
    ]
    assert later["cursor"] == "3" and "total 150.00 (it has 120.00)" in later["warnings"][0]
    assert api.ok(SOURCES)["invoiceSources"][0]["cursor"] == "3"
    assert source.organizations == ["acme"] * 3


def test_another_organization_may_not_pull_from_the_source(api, source):
    assert api.ok(SOURCES, key="other")["invoiceSources"] == []
    refused = api.ok(SYNC, {"source": "memory-erp"}, key="other")["invoiceSourceSync"]
    assert refused["userErrors"][0]["code"] == "SOURCE_NOT_ENABLED"
    assert source.fetched_from == [], "the source is not even called"
    other = api.ok("{ invoices(first: 10) { nodes { number } } }", key="other")
    assert other["invoices"]["nodes"] == []


def test_refusals_keep_the_cursor_and_a_refused_document_moves_it(api, source):
    unknown = api.ok(SYNC, {"source": "sap"})["invoiceSourceSync"]
    assert unknown["userErrors"][0]["code"] == "UNKNOWN_SOURCE"
    assert unknown["userErrors"][0]["field"] == ["source"]
    assert api.ok(SYNC, {"source": "memory-erp"})["invoiceSourceSync"]["cursor"] == "2"

    source.fail = TimeoutError("no answer in 30 s")
    failed = api.ok(SYNC, {"source": "memory-erp"})["invoiceSourceSync"]
    assert failed["userErrors"] == [
        {
            "field": ["source"],
            "message": (
                "invoice source 'memory-erp' (plugin test-source) failed: "
                "TimeoutError: no answer in 30 s"
            ),
            "code": "SOURCE_FAILED",
        }
    ]
    assert failed["cursor"] == "2"

    source.fail = None
    assert api.ok(SOURCES)["invoiceSources"][0]["cursor"] == "2"
    source.documents.append(erp_invoice("F-3", buyer="Durand\x00SARL"))  # bad data in the ERP
    later = api.ok(SYNC, {"source": "memory-erp"})["invoiceSourceSync"]
    assert later["userErrors"] == [] and later["cursor"] == "3"
    assert later["documents"] == [{"number": "F-3", "status": "REFUSED", "invoice": None}]
    assert "refused [ENCODING]" in later["warnings"][0]
    invoices = api.ok("{ invoices(first: 10) { nodes { number } } }")["invoices"]["nodes"]
    assert sorted(i["number"] for i in invoices) == ["F-1", "F-2"]


def test_a_collector_may_not_sync(api, source):
    api.keys["collector"] = api.key("acme", "collector")
    body = api.post(SYNC, {"source": "memory-erp"}, key="collector")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert source.fetched_from == [], "the source is not even called"
