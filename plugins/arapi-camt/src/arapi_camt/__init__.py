"""arapi plugin for ISO 20022 bank-to-customer cash management messages.

Registers two statement parsers: ``camt.053`` (statements, and camt.052
reports) and ``camt.054`` (debit/credit notifications). Any version of the
schema is read (001.02 to 001.13 and later ones of the same shape).
"""

from __future__ import annotations

from arapi.plugin import hookimpl
from arapi_camt.parsers import Camt053Parser, Camt054Parser

__all__ = ["Camt053Parser", "Camt054Parser", "arapi_statement_parsers"]


@hookimpl
def arapi_statement_parsers() -> list:
    return [Camt053Parser(), Camt054Parser()]
