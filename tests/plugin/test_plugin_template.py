"""plugins/_template: a working skeleton that passes the contract, installed or not."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

from arapi.plugin import PluginHost
from arapi.testing.contracts import StatementParserContract

TEMPLATE = Path(__file__).resolve().parents[2] / "plugins" / "_template"
# The Makefile installs plugins/arapi-* only; import the template from its source when absent.
if importlib.util.find_spec("arapi_plugin_template") is None:
    sys.path.append(str(TEMPLATE / "src"))

import arapi_plugin_template  # noqa: E402
from arapi_plugin_template import ExampleCsvParser  # noqa: E402

SAMPLE = (
    b"date;amount;currency;counterparty;remittance\n"
    b"2024-05-02;99.90;EUR;ACME SARL;Invoice 2024-17\n"
    b"2024-05-03;-4,00;EUR;;\n"
)


class TestTemplateParserContract(StatementParserContract):
    parser = ExampleCsvParser()
    samples = [SAMPLE, b"\xef\xbb\xbf" + SAMPLE.replace(b"\n", b"\r\n")]


def _pyproject() -> dict:
    return tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))


def test_template_is_a_complete_distribution():
    project = _pyproject()["project"]
    assert project["name"] == "arapi-plugin-template"
    assert "arapi" in project["dependencies"]
    assert project["entry-points"]["arapi"] == {"template": "arapi_plugin_template"}
    assert (TEMPLATE / "src" / "arapi_plugin_template" / "__init__.py").is_file()
    assert list(TEMPLATE.glob("tests/test_*.py")), "the template ships its own tests"


def test_template_test_file_names_are_unique_in_the_repository():
    repo = TEMPLATE.parents[1]
    for test_file in TEMPLATE.glob("tests/test_*.py"):
        same = [
            p
            for p in repo.glob(f"**/{test_file.name}")
            if ".venv" not in p.parts and not p.samefile(test_file)
        ]
        assert same == []


def test_template_module_registers_through_the_hook():
    host = PluginHost()
    host.register(arapi_plugin_template, "template", "arapi-plugin-template", "0.1.0")
    (parser,) = host.statement_parsers().values()
    assert isinstance(parser, ExampleCsvParser) and parser.format == "example-csv"
    (source,) = host.invoice_sources().values()
    assert (
        source.name == "example-erp" and host.provider_owner("source", "example-erp") == "template"
    )


def test_template_format_is_detected_among_the_first_party_parsers():
    host = PluginHost.from_entry_points(disabled=["template"])
    host.register(arapi_plugin_template, "template")
    parsers = host.statement_parsers()
    assert PluginHost.pick(parsers, SAMPLE, None) is parsers["example-csv"]
    result = parsers["example-csv"].parse(SAMPLE)
    assert [str(line.amount) for line in result.statements[0].lines] == ["99.90", "-4.00"]


def test_readme_walks_an_integrator_through_the_steps():
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    for step in (
        "pip install -e",
        "pytest",
        "arapi plugins",
        "ARAPI_DISABLED_PLUGINS",
        "[project.entry-points.arapi]",
        "StatementParserContract",
        "InvoiceSourceContract",
        "arapi sync invoices",
        "docs/plugin-hooks.md",
    ):
        assert step in readme, f"README.md does not mention {step}"
