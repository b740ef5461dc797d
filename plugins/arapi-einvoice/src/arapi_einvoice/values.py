"""Amounts, dates and codes read from e-invoice text, with coded errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from arapi.errors import ArapiError
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode

# Bounded so later arithmetic never leaves Decimal's default 28-digit precision.
_AMOUNT = re.compile(r"[+-]?\d{1,18}(\.\d{0,12})?|[+-]?\.\d{1,12}")
_CII_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# xs:date allows a time zone suffix ("2017-11-13Z", "2017-11-13+01:00").
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?")


def amount(raw: str | None, what: str) -> Decimal | None:
    """A Decimal from XML decimal text; a lone decimal comma is accepted. None stays None."""
    if raw is None:
        return None
    cleaned = raw.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not _AMOUNT.fullmatch(cleaned):
        raise ParseError(ParseErrorCode.INVALID_AMOUNT, f"{what}: not a decimal amount: {raw!r}")
    return Decimal(cleaned)


def cii_date(raw: str | None, fmt: str | None, what: str) -> date | None:
    """A CII ``DateTimeString``: format 102 is YYYYMMDD (the only day-precise format)."""
    if raw is None:
        return None
    if fmt not in (None, "102"):
        raise ParseError(
            ParseErrorCode.INVALID_DATE, f"{what}: date format {fmt!r} is not 102 (YYYYMMDD)"
        )
    match = _CII_DATE.fullmatch(raw.strip())
    if match is None:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"{what}: not a YYYYMMDD date: {raw!r}")
    return _date(match, raw, what)


def iso_date(raw: str | None, what: str) -> date | None:
    """A UBL ``xs:date`` (YYYY-MM-DD, optional time zone)."""
    if raw is None:
        return None
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"{what}: not a YYYY-MM-DD date: {raw!r}")
    return _date(match, raw, what)


def _date(match: re.Match, raw: str, what: str) -> date:
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"{what}: no such day: {raw!r}") from None


def currency(raw: str | None, what: str) -> str:
    if raw is None:
        raise ParseError(ParseErrorCode.MISSING_FIELD, f"{what} is missing")
    try:
        return normalize_currency(raw)
    except ArapiError:
        raise ParseError(
            ParseErrorCode.INVALID_CURRENCY, f"{what}: {raw!r} is not an ISO 4217 code"
        ) from None


def compact(raw: str | None) -> str | None:
    """An identifier without inner spaces ("FR 05 987 654 321" -> "FR05987654321")."""
    if raw is None:
        return None
    value = re.sub(r"\s+", "", raw).upper()
    return value or None


def iban(raw: str | None) -> str | None:
    """The compact IBAN when ``raw`` is one (shape and ISO 7064 mod-97 check), else None."""
    value = compact(raw)
    if value is None or not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", value):
        return None
    rearranged = value[4:] + value[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return value if int(digits) % 97 == 1 else None
