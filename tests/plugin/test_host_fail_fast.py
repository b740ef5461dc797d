"""Host problems show at startup, each naming the plugin and how to skip it.

``PluginHost.from_entry_points`` loads every provider once (``check``), so a
clash or a bad provider stops ``arapi serve``, the CLI and the app before any
upload; a hook that forgets ``return`` is a BAD_PROVIDER; UNKNOWN_FORMAT lists
the known formats; the import commands' help does not hard-code formats.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from arapi.cli import main
from arapi.config import Settings
from arapi.plugin import PluginError, PluginHost, hookimpl
from arapi.plugin import host as host_module
from arapi.plugin.host import PluginErrorCode
from arapi.plugin.types import ParseError, ParseErrorCode
from tests.plugin.test_plugin_host import (
    FakeChannel,
    FakeCreditProvider,
    FakeInvoiceParser,
    FakeParser,
    FakeSource,
)

MT940 = (
    b":20:REF\r\n:25:NL91ABNA0417164300\r\n:28C:1\r\n:60F:C240101EUR0,\r\n:62F:C240101EUR0,\r\n-"
)


def plugin(hook: str, *providers):
    return SimpleNamespace(**{hook: hookimpl(lambda: list(providers))})


def load_error(call) -> PluginError:
    with pytest.raises(PluginError) as caught:
        call()
    return caught.value


def hint(name: str) -> str:
    return f"(set ARAPI_DISABLED_PLUGINS={name} to skip it)"


# ---------------------------------------------------------------- extra entry points


def _add_entry_points(monkeypatch, tmp_path, **modules: str) -> None:
    """Install ``name=source`` as modules behind extra ``arapi`` entry points."""
    monkeypatch.syspath_prepend(str(tmp_path))
    extra = []
    for name, source in modules.items():
        module = f"arapi_failfast_{name.replace('-', '_')}_4f2a"
        (tmp_path / f"{module}.py").write_text(
            "from arapi.plugin import hookimpl\n" + source, encoding="utf-8"
        )
        extra.append(importlib.metadata.EntryPoint(name=name, value=module, group="arapi"))
    real = importlib.metadata.entry_points

    def entry_points(**selection):
        return [*real(**selection), *(ep for ep in extra if ep.group == selection["group"])]

    monkeypatch.setattr(host_module.importlib.metadata, "entry_points", entry_points)


_DUPLICATE_OFX = """
class Parser:
    format = "ofx"
    label = "my OFX"

    def sniff(self, head):
        return False

    def parse(self, data):
        raise NotImplementedError


@hookimpl
def arapi_statement_parsers():
    return [Parser()]
"""

_SOURCE = """
class Source:
    name = "erp"
    label = "an ERP"

    async def fetch(self, cursor, organization):
        raise NotImplementedError


@hookimpl
def arapi_invoice_sources():
    return [Source()]
"""

_BAD_CHANNEL = """
@hookimpl
def arapi_notification_channels():
    return ["email"]
"""


# ---------------------------------------------------------------- 1. fail fast


def test_a_duplicate_statement_format_fails_at_load(monkeypatch, tmp_path):
    _add_entry_points(monkeypatch, tmp_path, **{"my-ofx": _DUPLICATE_OFX})
    error = load_error(PluginHost.from_entry_points)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "plugin 'ofx'" in error.message and "plugin 'my-ofx'" in error.message
    assert error.message.endswith("(disable one with ARAPI_DISABLED_PLUGINS)")
    # disabling either one loads
    assert "ofx" in PluginHost.from_entry_points(disabled=["ofx"]).statement_parsers()
    PluginHost.from_entry_points(disabled=["my-ofx"])


def test_two_invoice_sources_with_one_name_fail_at_load(monkeypatch, tmp_path):
    _add_entry_points(monkeypatch, tmp_path, **{"erp-a": _SOURCE, "erp-b": _SOURCE})
    error = load_error(PluginHost.from_entry_points)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "name 'erp'" in error.message and "'erp-a'" in error.message


def test_a_bad_notification_channel_fails_at_load(monkeypatch, tmp_path):
    _add_entry_points(monkeypatch, tmp_path, mailer=_BAD_CHANNEL)
    error = load_error(PluginHost.from_entry_points)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'mailer'" in error.message and "NotificationChannel" in error.message


@pytest.mark.parametrize(
    "hook, provider, protocol",
    [
        ("arapi_statement_parsers", FakeParser("a"), "StatementParser"),
        ("arapi_invoice_parsers", FakeInvoiceParser("a"), "InvoiceParser"),
        ("arapi_invoice_sources", FakeSource("a"), "InvoiceSource"),
        ("arapi_credit_info_providers", FakeCreditProvider(), "CreditInfoProvider"),
        ("arapi_notification_channels", FakeChannel(), "NotificationChannel"),
    ],
)
def test_check_loads_every_kind_of_provider(hook, provider, protocol):
    host = PluginHost()
    host.register(plugin(hook, provider), "good")
    host.check()
    host.register(plugin(hook, object()), "sloppy")
    error = load_error(host.check)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'sloppy'" in error.message and protocol in error.message


def test_check_finds_a_clash_of_hand_registered_plugins():
    host = PluginHost()
    host.register(plugin("arapi_invoice_parsers", FakeInvoiceParser("x")), "one")
    host.register(plugin("arapi_invoice_parsers", FakeInvoiceParser("x")), "two")
    assert load_error(host.check).code is PluginErrorCode.DUPLICATE_FORMAT


def test_arapi_plugins_fails_fast(monkeypatch, tmp_path):
    _add_entry_points(monkeypatch, tmp_path, **{"my-ofx": _DUPLICATE_OFX})
    monkeypatch.delenv("ARAPI_DISABLED_PLUGINS", raising=False)
    listing = CliRunner().invoke(main, ["plugins"])
    assert listing.exit_code == 1
    assert listing.stderr.startswith("error [DUPLICATE_FORMAT]: statement format 'ofx'")
    # The plugins are listed first, with their distributions, to find the one at fault.
    names = [line.split("\t")[0] for line in listing.stdout.splitlines()]
    assert {"my-ofx", "ofx"} <= set(names)


def test_the_app_fails_at_startup(monkeypatch, tmp_path, db_url):
    from arapi.app import create_app

    _add_entry_points(monkeypatch, tmp_path, **{"my-ofx": _DUPLICATE_OFX})
    error = load_error(lambda: create_app(Settings(database_url=db_url)))
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT


def test_an_invoice_import_fails_on_a_statement_format_clash(monkeypatch, tmp_path, db_url):
    """The clash is in statement parsers, yet no command works until it is resolved."""
    _add_entry_points(monkeypatch, tmp_path, **{"my-ofx": _DUPLICATE_OFX})
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "number;issue_date;due_date;currency;total_with_tax;customer_name\n"
        "F-1;2025-01-10;2025-02-10;EUR;100,00;Dupont SARL\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["import", "invoices", str(invoices), "--json"],
        env={"ARAPI_DATABASE_URL": db_url, "ARAPI_DISABLED_PLUGINS": ""},
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["error"]["code"] == "DUPLICATE_FORMAT"


# ---------------------------------------------------------------- 2. arapi serve


@pytest.fixture
def uvicorn_calls(monkeypatch) -> list:
    import uvicorn

    calls: list = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_prints_a_framed_error_for_a_broken_plugin(
    monkeypatch, tmp_path, db_url, uvicorn_calls, workers
):
    _add_entry_points(monkeypatch, tmp_path, broken="raise RuntimeError('no config')\n")
    result = CliRunner().invoke(
        main,
        ["serve", "--workers", workers],
        env={"ARAPI_DATABASE_URL": db_url, "ARAPI_DISABLED_PLUGINS": ""},
    )
    assert result.exit_code == 1
    assert uvicorn_calls == []
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no banner, no traceback
    assert lines[0].startswith("error [PLUGIN_LOAD_FAILED]: plugin 'broken'")
    assert lines[0].endswith(hint("broken"))


def test_serve_starts_uvicorn_when_all_is_well(db_url, uvicorn_calls):
    result = CliRunner().invoke(
        main, ["serve"], env={"ARAPI_DATABASE_URL": db_url, "ARAPI_DISABLED_PLUGINS": ""}
    )
    assert result.exit_code == 0, result.output
    assert len(uvicorn_calls) == 1
    assert "arapi on http://127.0.0.1:8000/graphql" in result.stderr


# ---------------------------------------------------------------- 3. the skip hint


class _Async:
    @hookimpl
    async def arapi_statement_parsers(self):
        return []


class _Greedy:
    @hookimpl
    def arapi_statement_parsers(self, settings):
        return []


def _register(name: str, obj) -> None:
    PluginHost().register(obj, name)


def _collect(name: str, returned) -> None:
    host = PluginHost()
    host.register(SimpleNamespace(arapi_statement_parsers=hookimpl(lambda: returned)), name)
    host.statement_parsers()


def _duplicate_name(name: str) -> None:
    host = PluginHost()
    host.register(plugin("arapi_statement_parsers"), name, "dist-one")
    host.register(plugin("arapi_statement_parsers"), name, "dist-two")


@pytest.mark.parametrize(
    "fail, code",
    [
        (
            lambda n: _register(n, SimpleNamespace(arapi_statment_parsers=hookimpl(lambda: []))),
            PluginErrorCode.PLUGIN_LOAD_FAILED,
        ),
        (
            lambda n: _register(n, SimpleNamespace(arapi_statement_parsers=lambda: [])),
            PluginErrorCode.PLUGIN_LOAD_FAILED,
        ),
        (lambda n: _register(n, _Async()), PluginErrorCode.PLUGIN_LOAD_FAILED),
        (lambda n: _register(n, _Greedy()), PluginErrorCode.PLUGIN_LOAD_FAILED),
        (_duplicate_name, PluginErrorCode.PLUGIN_LOAD_FAILED),
        (lambda n: _collect(n, "ofx"), PluginErrorCode.BAD_PROVIDER),
        (lambda n: _collect(n, [object()]), PluginErrorCode.BAD_PROVIDER),
        (lambda n: _collect(n, [FakeParser("")]), PluginErrorCode.BAD_PROVIDER),
        (lambda n: _collect(n, None), PluginErrorCode.BAD_PROVIDER),
    ],
    ids=[
        "misspelt-hook",
        "no-hookimpl",
        "async-hook",
        "pluggy-refusal",
        "duplicate-name",
        "not-a-list",
        "not-a-provider",
        "bad-key",
        "none",
    ],
)
def test_every_error_naming_one_plugin_says_how_to_skip_it(fail, code):
    error = load_error(lambda: fail("odd-one"))
    assert error.code is code
    assert error.message.startswith("plugin 'odd-one' ")
    assert error.message.endswith(" " + hint("odd-one"))
    assert error.message.count("ARAPI_DISABLED_PLUGINS") == 1


def test_the_duplicate_name_error_still_names_both_distributions():
    error = load_error(lambda: _duplicate_name("same"))
    assert "'dist-one'" in error.message and "'dist-two'" in error.message


# ---------------------------------------------------------------- 4. a forgotten return


@pytest.mark.parametrize(
    "hook, protocol",
    [
        ("arapi_statement_parsers", "StatementParser"),
        ("arapi_invoice_sources", "InvoiceSource"),
        ("arapi_notification_channels", "NotificationChannel"),
    ],
)
def test_a_hook_returning_none_is_a_bad_provider(hook, protocol):
    host = PluginHost()
    host.register(SimpleNamespace(**{hook: hookimpl(lambda: None)}), "forgetful")
    error = load_error(host.check)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert f"plugin 'forgetful' returned None from {hook}" in error.message
    assert f"must return a list of {protocol} (an empty list is fine)" in error.message


def test_an_empty_list_is_fine():
    host = PluginHost()
    host.register(SimpleNamespace(arapi_statement_parsers=hookimpl(lambda: [])), "quiet")
    host.check()
    assert host.statement_parsers() == {}


# ---------------------------------------------------------------- 5. UNKNOWN_FORMAT


def _pick_error(parsers, data=b"data") -> ParseError:
    with pytest.raises(ParseError) as caught:
        PluginHost.pick(parsers, data, None)
    return caught.value


def test_an_unrecognised_file_lists_the_known_formats():
    error = _pick_error({"b": FakeParser("b"), "a": FakeParser("a")})
    assert error.code is ParseErrorCode.UNKNOWN_FORMAT
    assert error.message == "the file's format was not recognised; known: a, b"
    assert _pick_error({}).message.endswith("known: none")


def test_a_disabled_plugin_is_visibly_missing_from_the_known_formats():
    parsers = PluginHost.from_entry_points(disabled=["mt940"]).statement_parsers()
    error = _pick_error(parsers, MT940)
    assert error.code is ParseErrorCode.UNKNOWN_FORMAT
    known = re.search(r"known: (.+)$", error.message).group(1).split(", ")
    assert "ofx" in known and "mt940" not in known


# ---------------------------------------------------------------- 6. help texts


@pytest.mark.parametrize("command", ["statement", "invoices"])
def test_import_help_points_to_the_installed_plugins_without_loading_them(monkeypatch, command):
    def refuse(*args, **kwargs):
        raise AssertionError("--help loaded the plugins")

    monkeypatch.setattr(PluginHost, "from_entry_points", refuse)
    result = CliRunner().invoke(main, ["import", command, "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "installed plugins" in text and "`arapi plugins`" in text
    for first_party in ("OFX", "MT940", "CFONB", "CAMT", "Factur-X", "UBL", "FEC"):
        assert first_party not in text
