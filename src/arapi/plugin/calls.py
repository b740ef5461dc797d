"""Calling a parser: whatever goes wrong inside a plugin comes out as a coded error naming it.

A parser refuses a bad file with :class:`~arapi.plugin.types.ParseError`; that
is its answer and passes through. Anything else it raises, or a result that
does not hold what :mod:`arapi.plugin.types` says (a date given as text, an
amount as a float), is a fault of the plugin, not of the file: it becomes
``PLUGIN_FAILED`` naming the plugin, and the traceback goes to the log, so an
API client never sees an internal error and the operator knows whom to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from arapi.errors import ArapiError, ErrorCode
from arapi.plugin.checks import invoice_file_problem, statement_file_problem
from arapi.plugin.host import PluginErrorCode, PluginHost, plugin_error
from arapi.plugin.types import InvoiceFile, StatementFile

logger = logging.getLogger("arapi.plugin")


def parse_statement(plugins: PluginHost, parser: Any, data: bytes) -> StatementFile:
    """``parser.parse(data)``, checked (see the module)."""
    return _parse(plugins, "statement", parser, data, statement_file_problem)


def parse_invoices(plugins: PluginHost, parser: Any, data: bytes) -> InvoiceFile:
    """``parser.parse(data)`` of an invoice parser, checked (see the module)."""
    return _parse(plugins, "invoices", parser, data, invoice_file_problem)


def _parse(
    plugins: PluginHost,
    kind: str,
    parser: Any,
    data: bytes,
    problem_of: Callable[[Any], str | None],
) -> Any:
    try:
        result = parser.parse(data)
    except ArapiError as exc:  # ParseError, or a coded refusal of arapi's own helpers
        if isinstance(exc.code, ErrorCode):
            raise
        raise plugin_error(
            PluginErrorCode.PLUGIN_FAILED,
            _owner(plugins, kind, parser),
            f"raised a ParseError whose code {exc.code!r} is not a ParseErrorCode",
        ) from exc
    except Exception as exc:
        owner = _owner(plugins, kind, parser)
        logger.exception("plugin %r raised while parsing a %s file", owner, kind)
        raise plugin_error(
            PluginErrorCode.PLUGIN_FAILED,
            owner,
            f"failed while parsing the file ({parser.format}): {type(exc).__name__}: {exc}",
        ) from exc
    problem = problem_of(result)
    if problem is not None:
        raise plugin_error(
            PluginErrorCode.PLUGIN_FAILED,
            _owner(plugins, kind, parser),
            f"returned what arapi cannot use ({parser.format}): {problem}",
        )
    return result


def _owner(plugins: PluginHost, kind: str, parser: Any) -> str:
    return plugins.provider_owner(kind, getattr(parser, "format", "")) or "?"
