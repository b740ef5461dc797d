"""arapi plugin template: a statement parser for the tiny "example-csv" format.

The ``arapi`` entry point in pyproject.toml names this module; the host
registers it with pluggy and calls the ``@hookimpl`` functions below. Each hook
only returns provider objects: see docs/plugin-hooks.md in the arapi repository.
"""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi.plugin.providers import StatementParser
from arapi_plugin_template.parser import ExampleCsvParser

__all__ = ["ExampleCsvParser", "arapi_statement_parsers"]


@hookimpl
def arapi_statement_parsers() -> list[StatementParser]:
    return [ExampleCsvParser()]
