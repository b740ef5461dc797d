"""The plugin host: loading from entry points, disabling, load errors, format detection."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from arapi.config import Settings
from arapi.plugin import PluginError, PluginHost, hookimpl
from arapi.plugin import host as host_module
from arapi.plugin.host import PluginErrorCode
from arapi.plugin.types import (
    CreditReport,
    InvoiceFile,
    Notification,
    ParseError,
    ParseErrorCode,
    StatementFile,
)

REPO = Path(__file__).resolve().parents[2]


def first_party() -> dict[str, tuple[str, str]]:
    """Entry-point name -> (distribution, version) for every plugins/arapi-* in the checkout."""
    found = {}
    for pyproject in sorted(REPO.glob("plugins/arapi-*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for name in project.get("entry-points", {}).get("arapi", {}):
            found[name] = (project["name"], project["version"])
    return found


# ---------------------------------------------------------------- fakes


class FakeParser:
    label = "fake"

    def __init__(self, fmt: str, *, sniffs: bool = False, sniff_raises: bool = False):
        self.format = fmt
        self.sniffs = sniffs
        self.sniff_raises = sniff_raises

    def sniff(self, head: bytes) -> bool:
        if self.sniff_raises:
            raise RuntimeError("sniff blew up")
        return self.sniffs

    def parse(self, data: bytes) -> StatementFile:
        return StatementFile(statements=())


class FakeInvoiceParser(FakeParser):
    def parse(self, data: bytes) -> InvoiceFile:
        return InvoiceFile(format=self.format, invoices=())


def statement_plugin(*parsers):
    class Plugin:
        @hookimpl
        def arapi_statement_parsers(self):
            return list(parsers)

    return Plugin()


def invoice_plugin(*parsers):
    class Plugin:
        @hookimpl
        def arapi_invoice_parsers(self):
            return list(parsers)

    return Plugin()


def host_with(**plugins) -> PluginHost:
    host = PluginHost()
    for name, plugin in plugins.items():
        host.register(plugin, name, f"dist-{name}", "1.0")
    return host


def load_error(call) -> PluginError:
    with pytest.raises(PluginError) as caught:
        call()
    return caught.value


# ---------------------------------------------------------------- real entry points


def test_the_checkout_has_first_party_plugins():
    assert {"ofx", "mt940", "cfonb120"} <= set(first_party())


def test_first_party_plugins_load_from_their_entry_points_with_versions():
    host = PluginHost.from_entry_points()
    loaded = {p.name: (p.distribution, p.version) for p in host.loaded}
    for name, (distribution, version) in first_party().items():
        assert loaded.get(name) == (distribution, version), (
            f"first-party plugin {name} ({distribution}) is not installed: run make install"
        )
    assert [p.name for p in host.loaded] == sorted(p.name for p in host.loaded)


def test_first_party_parsers_are_owned_by_their_plugin():
    host = PluginHost.from_entry_points()
    statement = host.statement_parsers()
    assert statement["ofx"].format == "ofx"
    assert host.provider_owner("statement", "ofx") == "ofx"
    assert host.provider_owner("statement", "mt940") == "mt940"
    assert host.provider_owner("statement", "cfonb120") == "cfonb120"
    assert host.provider_owner("statement", "no-such-format") is None
    for key, parser in statement.items():
        assert parser.format == key
    if "fec" in first_party():
        assert host.provider_owner("invoice", "fec") == "fec"


def test_disabled_removes_a_first_party_plugin():
    everything = PluginHost.from_entry_points()
    without = PluginHost.from_entry_points(disabled=["ofx"])
    assert "ofx" in {p.name for p in everything.loaded}
    assert "ofx" not in {p.name for p in without.loaded}
    assert "ofx" not in without.statement_parsers()
    assert "mt940" in without.statement_parsers()
    assert len(without.loaded) == len(everything.loaded) - 1


def test_arapi_disabled_plugins_reaches_the_host_through_settings(monkeypatch):
    monkeypatch.setenv("ARAPI_DISABLED_PLUGINS", " ofx, mt940 ,no-such-plugin")
    settings = Settings.from_env()
    assert settings.disabled_plugins == ("ofx", "mt940", "no-such-plugin")
    host = PluginHost.from_entry_points(settings.disabled_plugins)
    names = {p.name for p in host.loaded}
    assert not names & {"ofx", "mt940"}
    assert "cfonb120" in names


def test_a_replacement_parser_clashes_until_the_first_party_one_is_disabled(monkeypatch):
    replacement = SimpleNamespace(
        arapi_statement_parsers=hookimpl(lambda: [FakeParser("ofx")]),
    )
    host = PluginHost.from_entry_points()
    host.register(replacement, "my-ofx", "my-ofx-dist", "2.0")
    error = load_error(host.statement_parsers)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "'ofx'" in error.message and "'my-ofx'" in error.message

    host = PluginHost.from_entry_points(disabled=["ofx"])
    host.register(replacement, "my-ofx", "my-ofx-dist", "2.0")
    assert isinstance(host.statement_parsers()["ofx"], FakeParser)
    assert host.provider_owner("statement", "ofx") == "my-ofx"


# ---------------------------------------------------------------- entry points that fail


def _with_entry_points(monkeypatch, *extra: importlib.metadata.EntryPoint) -> None:
    real = importlib.metadata.entry_points

    def entry_points(**selection):
        return list(real(**selection)) + [ep for ep in extra if ep.group == selection["group"]]

    monkeypatch.setattr(host_module.importlib.metadata, "entry_points", entry_points)


def _entry_point(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group="arapi")


def _module_load_error(monkeypatch, tmp_path, name: str, source: str) -> PluginError:
    """How loading fails for a plugin ``name`` whose module holds ``source``."""
    module = f"arapi_{name}_plugin_4f2a"
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    _with_entry_points(monkeypatch, _entry_point(name, module))
    return load_error(PluginHost.from_entry_points)


def test_a_missing_module_fails_naming_the_plugin(monkeypatch):
    _with_entry_points(monkeypatch, _entry_point("broken", "arapi_no_such_module_4f2a"))
    error = load_error(PluginHost.from_entry_points)
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'broken'" in error.message
    assert "arapi_no_such_module_4f2a" in error.message
    assert "ARAPI_DISABLED_PLUGINS=broken" in error.message


def test_a_module_that_raises_on_import_fails_naming_the_plugin(monkeypatch, tmp_path):
    error = _module_load_error(
        monkeypatch, tmp_path, "exploding", "raise RuntimeError('no config')\n"
    )
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'exploding'" in error.message and "RuntimeError: no config" in error.message


def test_a_broken_plugin_can_be_disabled(monkeypatch):
    _with_entry_points(monkeypatch, _entry_point("broken", "arapi_no_such_module_4f2a"))
    host = PluginHost.from_entry_points(disabled=["broken"])
    assert "broken" not in {p.name for p in host.loaded}
    assert "ofx" in host.statement_parsers()


def test_an_entry_point_to_a_missing_attribute_fails(monkeypatch):
    _with_entry_points(monkeypatch, _entry_point("typo", "arapi.plugin:no_such_attribute"))
    error = load_error(PluginHost.from_entry_points)
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'typo'" in error.message


def test_a_module_with_a_misspelt_hook_fails_with_a_suggestion(monkeypatch, tmp_path):
    source = "from arapi.plugin import hookimpl\n\n@hookimpl\ndef arapi_statment_parsers():\n    return []\n"
    error = _module_load_error(monkeypatch, tmp_path, "misspelt", source)
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'misspelt'" in error.message
    assert "unknown hook arapi_statment_parsers" in error.message
    assert "did you mean arapi_statement_parsers?" in error.message


# ---------------------------------------------------------------- registration checks


def test_a_hook_without_hookimpl_is_refused():
    plugin = SimpleNamespace(arapi_statement_parsers=lambda: [FakeParser("x")])
    error = load_error(lambda: PluginHost().register(plugin, "forgetful"))
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'forgetful'" in error.message and "@hookimpl" in error.message


def test_an_async_hook_is_refused():
    class Plugin:
        @hookimpl
        async def arapi_statement_parsers(self):
            return []

    error = load_error(lambda: PluginHost().register(Plugin(), "eager"))
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'eager'" in error.message and "synchronous" in error.message


def test_a_hook_with_arguments_the_spec_lacks_is_refused():
    class Plugin:
        @hookimpl
        def arapi_statement_parsers(self, settings):
            return []

    error = load_error(lambda: PluginHost().register(Plugin(), "greedy"))
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'greedy'" in error.message and "settings" in error.message


def test_two_plugins_with_one_name_are_refused_naming_both_distributions():
    host = PluginHost()
    host.register(statement_plugin(FakeParser("a")), "same", "dist-one", "1")
    error = load_error(lambda: host.register(statement_plugin(), "same", "dist-two", "1"))
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "'dist-one'" in error.message and "'dist-two'" in error.message


def test_specname_lets_a_hook_have_another_function_name():
    class Plugin:
        @hookimpl(specname="arapi_statement_parsers")
        def arapi_parsers_v2(self):
            return [FakeParser("v2")]

    assert list(host_with(renamed=Plugin()).statement_parsers()) == ["v2"]


def test_helpers_named_like_nothing_in_particular_are_left_alone():
    plugin = SimpleNamespace(
        arapi_statement_parsers=hookimpl(lambda: [FakeParser("x")]),
        arapi_version="1.2",  # not callable
        helper=lambda: None,
    )
    host = host_with(tidy=plugin)
    assert list(host.statement_parsers()) == ["x"]


# ---------------------------------------------------------------- providers


def test_duplicate_format_names_both_plugins():
    host = host_with(
        first=statement_plugin(FakeParser("ofx")), second=statement_plugin(FakeParser("ofx"))
    )
    error = load_error(host.statement_parsers)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "'ofx'" in error.message
    assert "plugin 'first'" in error.message and "plugin 'second'" in error.message


def test_duplicate_invoice_format_too_but_kinds_do_not_clash():
    host = host_with(
        statements=statement_plugin(FakeParser("csv")),
        invoices=invoice_plugin(FakeInvoiceParser("csv")),
    )
    assert list(host.statement_parsers()) == ["csv"]
    assert list(host.invoice_parsers()) == ["csv"]
    host.register(invoice_plugin(FakeInvoiceParser("csv")), "more-invoices")
    error = load_error(host.invoice_parsers)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "plugin 'invoices'" in error.message and "plugin 'more-invoices'" in error.message


class FakeSource:
    label = "fake ERP"

    def __init__(self, name):
        self.name = name

    async def fetch(self, cursor):
        raise NotImplementedError


def source_plugin(*sources):
    class Plugin:
        @hookimpl
        def arapi_invoice_sources(self):
            return list(sources)

    return Plugin()


def test_invoice_sources_by_name_unique_and_checked():
    host = host_with(erp=source_plugin(FakeSource("odoo")))
    assert list(host.invoice_sources()) == ["odoo"]
    assert host.provider_owner("source", "odoo") == "erp"
    host.register(source_plugin(FakeSource("odoo")), "other-erp")
    error = load_error(host.invoice_sources)
    assert error.code is PluginErrorCode.DUPLICATE_FORMAT
    assert "name 'odoo'" in error.message and "plugin 'other-erp'" in error.message
    error = load_error(host_with(bad=source_plugin(FakeSource(""))).invoice_sources)
    assert error.code is PluginErrorCode.BAD_PROVIDER and "1 to 30 characters" in error.message
    # arapi keeps the name with each sync: two long names must not share a cursor
    long_name = "acme-erp-connector-production-eu"
    error = load_error(host_with(bad=source_plugin(FakeSource(long_name))).invoice_sources)
    assert error.code is PluginErrorCode.BAD_PROVIDER and long_name in error.message
    assert list(host_with(ok=source_plugin(FakeSource("x" * 30))).invoice_sources()) == ["x" * 30]
    error = load_error(host_with(parser=source_plugin(FakeParser("ofx"))).invoice_sources)
    assert error.code is PluginErrorCode.BAD_PROVIDER and "not an InvoiceSource" in error.message


def test_one_plugin_may_provide_several_formats():
    host = host_with(multi=statement_plugin(FakeParser("a"), FakeParser("b")))
    assert sorted(host.statement_parsers()) == ["a", "b"]
    assert host.provider_owner("statement", "b") == "multi"


def test_a_hook_that_raises_fails_naming_the_plugin():
    class Plugin:
        @hookimpl
        def arapi_statement_parsers(self):
            raise KeyError("MY_PLUGIN_API_KEY")

    host = host_with(fragile=Plugin())
    error = load_error(host.statement_parsers)
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'fragile'" in error.message and "arapi_statement_parsers" in error.message
    assert "KeyError" in error.message


@pytest.mark.parametrize(
    "returned",
    [
        [object()],
        ["ofx"],
        [SimpleNamespace(format="x", label="x", sniff=lambda head: False)],  # no parse
        FakeParser("single-not-in-a-list"),
        "ofx",
        {"ofx": FakeParser("ofx")},
    ],
    ids=["object", "string-item", "no-parse", "bare-parser", "string", "dict"],
)
def test_a_non_provider_fails_naming_the_plugin(returned):
    plugin = SimpleNamespace(arapi_statement_parsers=hookimpl(lambda: returned))
    error = load_error(host_with(sloppy=plugin).statement_parsers)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'sloppy'" in error.message and "StatementParser" in error.message


@pytest.mark.parametrize("fmt", [None, "", 42])
def test_a_parser_without_a_string_format_key_is_refused(fmt):
    error = load_error(host_with(odd=statement_plugin(FakeParser(fmt))).statement_parsers)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'odd'" in error.message


def test_a_hook_returning_none_is_a_bad_provider():
    plugin = SimpleNamespace(arapi_statement_parsers=hookimpl(lambda: None))
    error = load_error(host_with(forgetful=plugin).statement_parsers)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'forgetful' returned None" in error.message


class FakeCreditProvider:
    name = "registry"

    async def lookup(self, siren: str) -> CreditReport | None:
        return None


class FakeChannel:
    name = "email"

    async def send(self, notification: Notification) -> str:
        return "msg-1"


def test_credit_providers_and_channels_are_collected_and_checked():
    good = SimpleNamespace(
        arapi_credit_info_providers=hookimpl(lambda: [FakeCreditProvider()]),
        arapi_notification_channels=hookimpl(lambda: (FakeChannel(),)),
    )
    host = host_with(services=good)
    assert [p.name for p in host.credit_info_providers()] == ["registry"]
    assert [c.name for c in host.notification_channels()] == ["email"]

    host.register(
        SimpleNamespace(arapi_notification_channels=hookimpl(lambda: [FakeCreditProvider()])),
        "confused",
    )
    error = load_error(host.notification_channels)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "plugin 'confused'" in error.message and "NotificationChannel" in error.message


def test_registering_a_plugin_refreshes_the_parser_table():
    host = host_with(one=statement_plugin(FakeParser("a")))
    assert list(host.statement_parsers()) == ["a"]
    host.register(statement_plugin(FakeParser("b")), "two")
    assert sorted(host.statement_parsers()) == ["a", "b"]


# ---------------------------------------------------------------- detection


def _pick_error(parsers, data=b"data", explicit=None) -> ParseError:
    with pytest.raises(ParseError) as caught:
        PluginHost.pick(parsers, data, explicit)
    return caught.value


def test_explicit_format_wins_over_sniffing():
    sniffer, quiet = FakeParser("a", sniffs=True), FakeParser("b")
    assert PluginHost.pick({"a": sniffer, "b": quiet}, b"x", "b") is quiet


def test_unknown_explicit_format_lists_the_known_ones():
    error = _pick_error({"a": FakeParser("a"), "b": FakeParser("b")}, explicit="zzz")
    assert error.code is ParseErrorCode.UNKNOWN_FORMAT
    assert "'zzz'" in error.message and "a, b" in error.message


def test_exactly_one_sniff_picks_the_parser():
    yes = FakeParser("yes", sniffs=True)
    assert PluginHost.pick({"no": FakeParser("no"), "yes": yes}, b"x", None) is yes


def test_two_sniffs_are_ambiguous():
    parsers = {k: FakeParser(k, sniffs=True) for k in ("b", "a")}
    parsers["c"] = FakeParser("c")
    error = _pick_error(parsers)
    assert error.code is ParseErrorCode.AMBIGUOUS_FORMAT
    assert "(a, b)" in error.message


def test_no_sniff_is_unknown():
    error = _pick_error({"a": FakeParser("a"), "b": FakeParser("b")})
    assert error.code is ParseErrorCode.UNKNOWN_FORMAT
    assert _pick_error({}).code is ParseErrorCode.UNKNOWN_FORMAT


def test_a_sniff_that_raises_counts_as_no():
    yes = FakeParser("yes", sniffs=True)
    parsers = {"boom": FakeParser("boom", sniff_raises=True), "yes": yes}
    assert PluginHost.pick(parsers, b"x", None) is yes
    alone = _pick_error({"boom": FakeParser("boom", sniff_raises=True)})
    assert alone.code is ParseErrorCode.UNKNOWN_FORMAT


def test_sniff_sees_only_the_first_64_kib():
    seen = []

    class Recorder(FakeParser):
        def sniff(self, head: bytes) -> bool:
            seen.append(len(head))
            return True

    PluginHost.pick({"r": Recorder("r")}, b"x" * 200_000, None)
    assert seen == [64 * 1024]


def test_first_party_sniffers_agree_on_their_own_kind_of_file():
    """Real parsers through real detection: a tiny MT940 file goes to mt940, nowhere else."""
    parsers = PluginHost.from_entry_points().statement_parsers()
    mt940 = b":20:REF\r\n:25:NL91ABNA0417164300\r\n:28C:1\r\n:60F:C240101EUR0,\r\n:62F:C240101EUR0,\r\n-"
    assert PluginHost.pick(parsers, mt940, None).format == "mt940"
    error = _pick_error(parsers, b"date;amount\n2024-01-01;1\n")
    assert error.code is ParseErrorCode.UNKNOWN_FORMAT


def test_a_module_that_exits_on_import_fails_naming_the_plugin(monkeypatch, tmp_path):
    """sys.exit() is not an Exception: uncaught, it ended `arapi plugins` naming nobody."""
    source = "import sys\nsys.exit('config file missing')\n"
    error = _module_load_error(monkeypatch, tmp_path, "exiting", source)
    assert error.code is PluginErrorCode.PLUGIN_LOAD_FAILED
    assert "plugin 'exiting'" in error.message
    assert "SystemExit: config file missing" in error.message


def test_a_provider_missing_members_is_told_which():
    class Half:
        format = "half"

        def sniff(self, head: bytes) -> bool:
            return False

    error = load_error(host_with(half=statement_plugin(Half())).statement_parsers)
    assert error.code is PluginErrorCode.BAD_PROVIDER
    assert "which is not a StatementParser: it has no label, parse" in error.message


def test_a_clash_says_which_kind_of_key_it_is():
    host = host_with(
        first=statement_plugin(FakeParser("ofx")), second=statement_plugin(FakeParser("ofx"))
    )
    assert load_error(host.statement_parsers).message.startswith(
        "statement format 'ofx' is provided by both plugin 'first' and plugin 'second'"
    )
