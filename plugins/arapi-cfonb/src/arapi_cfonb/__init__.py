"""arapi plugin: French CFONB 120 statement parser (format key "cfonb120")."""

from arapi.plugin import hookimpl
from arapi_cfonb.parser import CfonbParser

__all__ = ["CfonbParser", "arapi_statement_parsers"]


@hookimpl
def arapi_statement_parsers():
    return [CfonbParser()]
