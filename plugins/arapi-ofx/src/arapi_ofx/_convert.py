"""Value conversions shared by the fast and the careful path.

Amounts go through ofxparse's own ``OfxParser.toDecimal`` (decimal commas,
``1.234,56``, ``1 025,53``, ``+12``) after a character check, because
``decimal.Decimal`` alone also accepts ``NaN``, ``Infinity``, ``1e5``, ``1_0``
and non-ASCII digits. Dates keep the calendar day written in the file: OFX
dates are the bank's local dates, and ofxparse's conversion to UTC moves an
entry posted at ``20130831165153.000[-8:PST]`` to September 1st.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ofxparse import OfxParser
from schwifty import IBAN

from arapi.errors import ArapiError
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode

# "12.50" or "12,50": what toDecimal would return is Decimal of the text with "." for ",".
_PLAIN_AMOUNT = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
_AMOUNT_CHARACTERS = re.compile(r"[+-]?[0-9., ]*[0-9][0-9., ]*")
# Longer text is no amount. The bound comes first because _AMOUNT_CHARACTERS is
# quadratic and toDecimal's ``re.search(r".*\..*,")`` cubic in the text's length.
_MAX_AMOUNT_LENGTH = 40
_RIB = re.compile(r"([0-9]{5})([0-9]{5})([0-9A-Z]{11})([0-9]{2})")


class _Text:
    """The shape ``OfxParser.toDecimal`` expects: a tag whose first content is the text."""

    __slots__ = ("contents",)

    def __init__(self, text: str) -> None:
        self.contents = [text]


def amount_or_none(text: str) -> Decimal | None:
    """A Decimal for an OFX amount, None for an unusable one."""
    if len(text.strip()) > _MAX_AMOUNT_LENGTH:
        return None
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text.replace(",", "."))
    if not _AMOUNT_CHARACTERS.fullmatch(text):
        return None
    try:
        value = OfxParser.toDecimal(_Text(text))
    except (InvalidOperation, ValueError, IndexError):
        return None
    return value if value.is_finite() else None


def parse_amount(text: str, what: str) -> Decimal:
    value = amount_or_none(text)
    if value is None:
        raise ParseError(ParseErrorCode.INVALID_AMOUNT, f"{what}: {text!r} is not an amount")
    return value


@lru_cache(maxsize=4096)
def date_or_none(text: str) -> date | None:
    """The calendar date of an OFX date-time (``YYYYMMDD[HHMMSS[.XXX]][[gmt offset:tz]]``)."""
    if len(text) < 8 or not text[:8].isdigit() or not text[:8].isascii():
        return None
    if len(text) > 8 and text[8].isalpha():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def parse_date(text: str, what: str) -> date:
    value = date_or_none(text)
    if value is None:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"{what}: {text!r} is not a date")
    return value


@lru_cache(maxsize=256)
def currency_or_none(text: str) -> str | None:
    try:
        return normalize_currency(text)
    except ArapiError:
        return None


def parse_currency(text: str, what: str) -> str:
    value = currency_or_none(text)
    if value is None:
        raise ParseError(
            ParseErrorCode.INVALID_CURRENCY, f"{what}: {text!r} is not an ISO 4217 currency"
        )
    return value


def iban_or_none(text: str | None) -> str | None:
    """The compact IBAN when ``text`` is a valid one."""
    if not text:
        return None
    candidate = re.sub(r"[\s-]", "", text).upper()
    if len(candidate) < 15 or not candidate[:2].isalpha():
        return None
    try:
        return str(IBAN(candidate).compact)
    except Exception:  # schwifty raises several kinds of error for a bad IBAN
        return None


def _rib_key_ok(bank: str, branch: str, account: str, key: str) -> bool:
    # Letters in a French account number stand for digits (A/J=1, B/K/S=2, ...).
    digits = "".join(
        str((ord(c) - 64 + (ord(c) > ord("R"))) % 9 or 9) if c.isalpha() else c for c in account
    )
    return (89 * int(bank) + 15 * int(branch) + 3 * int(digits) + int(key)) % 97 == 0


def french_rib_iban(
    bank_id: str | None, branch_id: str | None, acct_id: str, key: str | None
) -> str | None:
    """The IBAN of a French RIB, key checked: BANKID + BRANCHID + ACCTID (+ ACCTKEY when the
    key is not already at the end of ACCTID), or the whole RIB in ACCTID starting with BANKID."""
    if not bank_id:
        return None  # a bare 23-character ACCTID passes the key check by chance 1 time in 97
    whole = re.sub(r"[\s-]", "", acct_id).upper()
    match = _RIB.fullmatch(whole)
    if match is not None and match.group(1) != bank_id.strip():
        match = None
    if match is None and branch_id:
        match = _RIB.fullmatch(f"{bank_id}{branch_id}{whole}{key or ''}".replace(" ", "").upper())
    if match is None or not _rib_key_ok(*match.groups()):
        return None
    bank, branch, account, _ = match.groups()
    try:
        return str(IBAN.generate("FR", bank_code=bank + branch, account_code=account).compact)
    except Exception:  # schwifty's own validation refused it
        return None
