"""`arapi plugins`: what is loaded, with versions and formats; ARAPI_DISABLED_PLUGINS hides one."""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from arapi.cli import main
from arapi.plugin import host as host_module

REPO = Path(__file__).resolve().parents[2]
_FORMAT_LINE = re.compile(r"^  (statement|invoices) format (\S+): (.+) \[(\S+)\]$")


def first_party() -> dict[str, tuple[str, str]]:
    found = {}
    for pyproject in sorted(REPO.glob("plugins/arapi-*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for name in project.get("entry-points", {}).get("arapi", {}):
            found[name] = (project["name"], project["version"])
    return found


def run_plugins(monkeypatch, disabled: str | None = None):
    monkeypatch.delenv("ARAPI_DISABLED_PLUGINS", raising=False)
    env = {"ARAPI_DISABLED_PLUGINS": disabled} if disabled is not None else {}
    return CliRunner().invoke(main, ["plugins"], env=env)


def parse_listing(stdout: str) -> tuple[dict, dict, list[str]]:
    """({plugin: (distribution, version)}, {(kind, format): owner}, other lines)."""
    plugins, formats, other = {}, {}, []
    for line in stdout.splitlines():
        if m := _FORMAT_LINE.match(line):
            formats[(m.group(1), m.group(2))] = m.group(4)
        elif line.count("\t") == 2:
            name, distribution, version = line.split("\t")
            plugins[name] = (distribution, version)
        else:
            other.append(line)
    return plugins, formats, other


def test_lists_every_first_party_plugin_with_its_version(monkeypatch):
    result = run_plugins(monkeypatch)
    assert result.exit_code == 0, result.output
    plugins, formats, other = parse_listing(result.stdout)
    for name, (distribution, version) in first_party().items():
        assert plugins[name] == (distribution, version)
        assert version == importlib.metadata.version(distribution)
    assert formats[("statement", "ofx")] == "ofx"
    assert formats[("statement", "mt940")] == "mt940"
    assert formats[("statement", "cfonb120")] == "cfonb120"
    assert set(formats.values()) <= set(plugins), "every format is owned by a listed plugin"
    assert other == []


def test_disabled_plugin_is_hidden_and_reported(monkeypatch):
    result = run_plugins(monkeypatch, "ofx, mt940")
    assert result.exit_code == 0, result.output
    plugins, formats, other = parse_listing(result.stdout)
    assert "ofx" not in plugins and "mt940" not in plugins
    assert "cfonb120" in plugins
    assert ("statement", "ofx") not in formats and ("statement", "mt940") not in formats
    assert other == ["disabled: ofx, mt940"]


def test_a_broken_plugin_is_a_clear_error(monkeypatch):
    real = importlib.metadata.entry_points
    broken = importlib.metadata.EntryPoint("broken", "arapi_no_such_module_4f2a", "arapi")
    monkeypatch.setattr(
        host_module.importlib.metadata,
        "entry_points",
        lambda **selection: [*real(**selection), broken],
    )
    result = run_plugins(monkeypatch)
    assert result.exit_code == 1
    assert "error [PLUGIN_LOAD_FAILED]: plugin 'broken'" in result.stderr
    assert "ARAPI_DISABLED_PLUGINS=broken" in result.stderr

    result = run_plugins(monkeypatch, "broken")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("disabled", ["", " , "])
def test_an_empty_setting_disables_nothing(monkeypatch, disabled):
    result = run_plugins(monkeypatch, disabled)
    plugins, _, other = parse_listing(result.stdout)
    assert set(first_party()) <= set(plugins)
    assert other == []


def test_a_disabled_name_no_plugin_has_is_warned_about(monkeypatch):
    """A misspelt name would otherwise look as if it had turned a plugin off."""
    result = run_plugins(monkeypatch, "ofx, mt-940")
    assert result.exit_code == 0, result.output
    plugins, _, _ = parse_listing(result.stdout)
    assert "mt940" in plugins and "ofx" not in plugins
    assert result.stderr.startswith("warning: no installed plugin is named 'mt-940' (installed: ")


def test_json_lists_plugins_and_what_they_provide(monkeypatch):
    monkeypatch.delenv("ARAPI_DISABLED_PLUGINS", raising=False)
    result = CliRunner().invoke(
        main, ["plugins", "--json"], env={"ARAPI_DISABLED_PLUGINS": "mt940,nope"}
    )
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    versions = {p["name"]: (p["distribution"], p["version"]) for p in listing["plugins"]}
    expected = {name: info for name, info in first_party().items() if name != "mt940"}
    assert expected.items() <= versions.items() and "mt940" not in versions
    provides = {(p["kind"], p["key"]): p["plugin"] for p in listing["provides"]}
    assert provides[("statementFormat", "camt.053")] == "camt"
    assert provides[("invoiceFormat", "fec")] == "fec"
    assert ("statementFormat", "mt940") not in provides
    assert (listing["disabled"], listing["unknownDisabled"]) == (["mt940", "nope"], ["nope"])
