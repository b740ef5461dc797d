"""Cell values other than amounts: dates, currency, kind, company identifiers."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from babel import Locale
from stdnum.fr import siren, siret

from arapi.errors import ArapiError
from arapi.money import exponent, normalize_currency
from arapi_csv.columns import normalize_label


class ValueProblem(ValueError):
    """A cell that does not hold what its column means; the caller adds line and column."""


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")


def parse_date(text: str) -> date:
    """ISO ``YYYY-MM-DD`` (a midnight time part is tolerated) or day first ``DD/MM/YYYY``.

    Day-first also takes ``.`` and ``-`` as separators. Month-first (US) dates
    are not read: ``03/04/2024`` is the 3rd of April.
    """
    value = text.strip()
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.fullmatch(value):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        raise ValueProblem(f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{value!r} is not a calendar date") from None


def parse_currency(text: str) -> tuple[str, int]:
    """(ISO 4217 code, minor-unit digits); "€" is read as EUR."""
    value = text.strip()
    if value == "€":
        value = "EUR"
    try:
        code = normalize_currency(value)
        return code, exponent(code)
    except ArapiError:
        raise ValueProblem(f"{value!r} is not an ISO 4217 currency code") from None


_KINDS = {
    "invoice": "invoice",
    "inv": "invoice",
    "facture": "invoice",
    "fac": "invoice",
    "380": "invoice",
    "creditnote": "credit_note",
    "credit": "credit_note",
    "cn": "credit_note",
    "avoir": "credit_note",
    "av": "credit_note",
    "381": "credit_note",
}


def parse_kind(text: str) -> str | None:
    """``invoice`` or ``credit_note`` (French and UNTDID 1001 codes accepted); None when blank."""
    value = normalize_label(text)
    if not value:
        return None
    try:
        return _KINDS[value]
    except KeyError:
        raise ValueProblem(f"{text.strip()!r} is not a kind (invoice or credit_note)") from None


def parse_siren(text: str) -> str:
    value = siren.compact(text)
    if not siren.is_valid(value):
        raise ValueProblem(f"{text.strip()!r} is not a valid SIREN (9 digits, Luhn key)")
    return value


def parse_siret(text: str) -> str:
    value = siret.compact(text)
    if not siret.is_valid(value):
        raise ValueProblem(f"{text.strip()!r} is not a valid SIRET (14 digits, Luhn key)")
    return value


_VAT = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")


def parse_vat_id(text: str) -> str:
    """Compacted VAT id (country prefix and 2 to 13 characters); the key is not checked."""
    value = re.sub(r"[\s.\-/]", "", text).upper()
    if not _VAT.fullmatch(value):
        raise ValueProblem(f"{text.strip()!r} is not a VAT identifier (e.g. FR40303265045)")
    return value


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def parse_country(text: str) -> str:
    value = text.strip().upper()
    if value not in _countries():
        raise ValueProblem(f"{text.strip()!r} is not an ISO 3166 two-letter country code")
    return value
