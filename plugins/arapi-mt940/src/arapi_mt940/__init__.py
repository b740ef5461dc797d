"""arapi plugin: SWIFT MT940 statement parser (format key "mt940")."""

from arapi.plugin import hookimpl
from arapi_mt940.parser import Mt940Parser

__all__ = ["Mt940Parser", "arapi_statement_parsers"]


@hookimpl
def arapi_statement_parsers():
    return [Mt940Parser()]
