"""Over the API, a faulty plugin is a user error naming it, not an internal error."""

from __future__ import annotations

import pytest

from arapi.plugin import PluginHost
from tests.graphql.test_statement_api import upload
from tests.imports.test_plugin_faults import FaultyPlugin


@pytest.fixture
def api_plugins() -> PluginHost:
    host = PluginHost()
    host.register(FaultyPlugin(), "faulty", "faulty-dist", "0.1")
    return host


@pytest.mark.parametrize("case", [b"raises", b"date as text"])
def test_a_faulty_parser_is_a_plugin_failed_user_error(api, case):
    body = upload(api, b"FAULTY " + case).json()
    assert "errors" not in body, body
    (error,) = body["data"]["bankStatementImport"]["userErrors"]
    assert error["code"] == "PLUGIN_FAILED"
    assert error["message"].startswith("plugin 'faulty' ")


def test_no_parser_for_the_file_lists_the_known_formats(api):
    body = upload(api, b"garbage bytes").json()
    (error,) = body["data"]["bankStatementImport"]["userErrors"]
    assert error["code"] == "UNKNOWN_FORMAT"
    assert "faulty" in error["message"]
