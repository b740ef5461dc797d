"""arapi plugin template: a statement parser for the tiny "example-csv" format,
and an invoice source (ERP connector) reading an ERP's JSON export.

The ``arapi`` entry point in pyproject.toml names this module; the host
registers it with pluggy and calls the ``@hookimpl`` functions below. Each hook
only returns provider objects: see docs/plugin-hooks.md in the arapi repository.
"""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi.plugin.providers import InvoiceSource, StatementParser
from arapi_plugin_template.parser import ExampleCsvParser
from arapi_plugin_template.source import ExampleErpSource

__all__ = [
    "ExampleCsvParser",
    "ExampleErpSource",
    "arapi_invoice_sources",
    "arapi_statement_parsers",
]


@hookimpl
def arapi_statement_parsers() -> list[StatementParser]:
    return [ExampleCsvParser()]


@hookimpl
def arapi_invoice_sources() -> list[InvoiceSource]:
    return [ExampleErpSource()]
