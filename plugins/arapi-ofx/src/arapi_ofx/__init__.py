"""arapi plugin ``ofx``: OFX 1.x/2.x statement parser (design in :mod:`arapi_ofx.parser`)."""

from arapi.plugin import hookimpl
from arapi_ofx.parser import OfxStatementParser, parse, parse_careful, sniff

__all__ = ["OfxStatementParser", "arapi_statement_parsers", "parse", "parse_careful", "sniff"]


@hookimpl
def arapi_statement_parsers() -> list[OfxStatementParser]:
    return [OfxStatementParser()]
