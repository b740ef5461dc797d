"""Leaf values of a camt message: amounts, currencies, dates, identifiers.

Each reader raises :class:`ParseError` with a short message; the caller adds
where in the file it happened. Results are cached where the same text repeats
on every entry (currencies, dates) because a statement can hold 100 000 entries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from arapi import rf
from arapi.errors import ArapiError
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode

# ISO 20022 amounts: digits and one decimal point, no sign, no exponent (18
# digits at most, 5 after the point; a little more is tolerated, a decimal
# comma too, as some bank exports write one).
_MAX_AMOUNT_CHARS = 30
_NOT_PROVIDED = "NOTPROVIDED"


def amount(text: str | None) -> Decimal:
    """The non-negative Decimal written in an ``Amt`` element."""
    if text is None:
        raise ParseError(ParseErrorCode.MISSING_FIELD, "empty amount")
    value = text.strip()
    # str methods instead of a regex: this runs twice per entry
    if 0 < len(value) <= _MAX_AMOUNT_CHARS and value.isascii():
        if value.replace(".", "", 1).isdigit():
            return Decimal(value)
        if value.replace(",", "", 1).isdigit():  # a decimal comma
            return Decimal(value.replace(",", "."))
    raise ParseError(ParseErrorCode.INVALID_AMOUNT, f"not an amount: {text[:40]!r}")


@lru_cache(maxsize=256)
def currency(code: str | None) -> str:
    """The ISO 4217 code of an ``Ccy`` attribute or element."""
    if code is None:
        raise ParseError(ParseErrorCode.MISSING_FIELD, "currency missing")
    try:
        return normalize_currency(code)
    except ArapiError:
        raise ParseError(
            ParseErrorCode.INVALID_CURRENCY, f"not an ISO 4217 currency: {code[:20]!r}"
        ) from None


@lru_cache(maxsize=4096)
def calendar_date(text: str | None) -> date | None:
    """The date of an ISO 20022 ``Dt`` (2014-12-31) or ``DtTm`` (2014-12-31T10:00:00+01:00).

    A date-time keeps the calendar date the bank wrote, whatever its offset.
    """
    if text is None:
        return None
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"not a date: {value[:40]!r}") from None


def identifier(text: str | None) -> str | None:
    """An id or code with outer whitespace removed; None when empty."""
    if text is None:
        return None
    value = text.strip()
    return value or None


def free_text(text: str | None) -> str | None:
    """Names and remittance lines: whitespace runs (line breaks, padding) become one space."""
    if text is None:
        return None
    value = " ".join(text.split())
    return value or None


def iban(text: str | None) -> str | None:
    if text is None:
        return None
    value = "".join(text.split()).upper()
    return value or None


def end_to_end_id(text: str | None) -> str | None:
    """``Refs/EndToEndId`` without the "NOTPROVIDED" placeholder SEPA uses for none."""
    value = identifier(text)
    if value is None or value.upper() == _NOT_PROVIDED:
        return None
    return value


def creditor_reference(text: str | None) -> str | None:
    """``CdtrRefInf/Ref``; an ISO 11649 RF reference is given compact and upper-case.

    Only one whose check digits are right: anything else (a national reference,
    a mistyped RF) is kept exactly as the bank sent it, for a person to read.
    """
    value = identifier(text)
    if value is None:
        return None
    return rf.normalize(value) if rf.is_valid(value) else value


def indicator(text: str | None) -> bool:
    """An xs:boolean such as ``RvslInd``."""
    return text is not None and text.strip() in ("true", "1")
