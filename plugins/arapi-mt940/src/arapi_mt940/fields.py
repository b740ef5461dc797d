"""Values of single MT940 fields: amounts, dates, balances (:60:/:62:) and :61: lines."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from arapi.errors import ArapiError
from arapi.inputs import ascii_digits
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode
from arapi_mt940.lexer import Field

# SWIFT writes amounts with a decimal comma ("1234,56", "500,", "0,"); a few
# exports use a point. At least one digit, no thousands separators.
_AMOUNT = re.compile(r"^(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})?(?P<amount>[\d.,]+)$")

# :61: subfields: value date YYMMDD, optional entry date MMDD, debit/credit mark
# (C, D, RC reversal of credit, RD reversal of debit), optional funds code (third
# letter of the currency), amount, transaction type (N/S/F + 3 characters), the
# account owner's reference, "//" and the bank's reference, then supplementary
# details on the next line. Sparkasse wraps the amount onto the next line.
_STATEMENT_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?\n?"
    r"(?P<amount>\d+(?:[.,]\d*)?)[ ]?(?P<type>[NSF][A-Z0-9 ]{3})?(?P<rest>[^\n]*)"
)
# MT942: :34F: floor limit "PLN0" / "EURD1000,", :90C:/:90D: number and sum of entries "3PLN0,03".
_FLOOR_LIMIT = re.compile(r"^(?P<currency>[A-Z]{3})[CD]?[\d.,]+$")
_ENTRY_TOTAL = re.compile(r"^(?P<count>\d{1,5})(?P<currency>[A-Z]{3})(?P<amount>[\d.,]+)$")
_WIDE_GAP = re.compile(r"\s{2,}")
_PLACEHOLDER_REFS = frozenset({"NONREF", "NOTPROVIDED", "EREF", "PREF", "KREF", "KREF+", "MARF"})
_MAX_BANK_REFERENCE = 16


@dataclass(frozen=True)
class Balance:
    amount: Decimal  # signed: debit balances are negative
    day: date
    currency: str | None


@dataclass(frozen=True)
class RawLine:
    """A :61: field read but not yet joined to its :86: details."""

    amount: Decimal  # signed from the account holder's side
    credit: bool  # C or RD: kept apart from the sign, which a zero amount does not carry
    value_date: date
    entry_date: date
    reversal: bool
    type_code: str | None
    owner_reference: str | None
    bank_reference: str | None
    supplementary: str | None
    line_no: int


def parse_amount(text: str, line_no: int) -> Decimal:
    cleaned = text.strip()
    if len(cleaned) > 30 or not _AMOUNT.match(cleaned):
        raise ParseError(ParseErrorCode.INVALID_AMOUNT, f"not an amount: {cleaned!r}", line=line_no)
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise ParseError(
            ParseErrorCode.INVALID_AMOUNT, f"not an amount: {cleaned!r}", line=line_no
        ) from None


def parse_currency(code: str, line_no: int) -> str:
    try:
        return normalize_currency(code)
    except ArapiError:
        raise ParseError(
            ParseErrorCode.INVALID_CURRENCY, f"unknown currency {code!r}", line=line_no
        ) from None


def full_year(yy: int) -> int:
    # Two-digit years: 80..99 are the 1900s (MT940 dates from before 2000 exist in the wild).
    return 1900 + yy if yy >= 80 else 2000 + yy


def make_date(year: int, month: int, day: int, line_no: int, raw: str, warnings: list[str]) -> date:
    """A calendar date; day 29-31 past the month's end is read as its last day, with a warning.

    German banks write "30 February" for month-end interest value dates (30/360
    day count); any other impossible date is an error.
    """
    if not 1 <= month <= 12 or day < 1 or day > 31:
        raise ParseError(ParseErrorCode.INVALID_DATE, f"not a date: {raw!r}", line=line_no)
    last = calendar.monthrange(year, month)[1]
    if day > last:
        warnings.append(
            f"line {line_no}: {raw!r} is not a calendar date; read as {year:04d}-{month:02d}-{last:02d}"
        )
        day = last
    return date(year, month, day)


def parse_yymmdd(raw: str, line_no: int, warnings: list[str]) -> date:
    if len(raw) != 6 or not ascii_digits(raw):
        raise ParseError(ParseErrorCode.INVALID_DATE, f"not a YYMMDD date: {raw!r}", line=line_no)
    return make_date(full_year(int(raw[:2])), int(raw[2:4]), int(raw[4:]), line_no, raw, warnings)


def parse_balance(item: Field, warnings: list[str]) -> Balance:
    """:60F:/:60M:/:62F:/:62M:/:64:/:65: -> signed amount, date, currency (some banks omit it)."""
    match = _field_match(_BALANCE, item, "a balance")
    amount = parse_amount(match["amount"], item.line_no)
    if match["mark"] == "D":
        amount = -amount
    currency = parse_currency(match["currency"], item.line_no) if match["currency"] else None
    return Balance(
        _no_negative_zero(amount), parse_yymmdd(match["date"], item.line_no, warnings), currency
    )


@dataclass(frozen=True)
class EntryTotal:
    """An MT942 :90C:/:90D: control total: how many credit (debit) entries, and their sum."""

    count: int
    amount: Decimal  # a magnitude, as written
    currency: str


def parse_floor_limit_currency(item: Field) -> str:
    """The currency of an MT942 :34F: floor limit."""
    return parse_currency(
        _field_match(_FLOOR_LIMIT, item, "a floor limit")["currency"], item.line_no
    )


def parse_entry_total(item: Field) -> EntryTotal:
    match = _field_match(_ENTRY_TOTAL, item, "a number and sum of entries")
    return EntryTotal(
        int(match["count"]),
        parse_amount(match["amount"], item.line_no),
        parse_currency(match["currency"], item.line_no),
    )


def _field_match(pattern: re.Pattern[str], item: Field, what: str) -> re.Match[str]:
    """The field's lines joined, matched against ``pattern``; MALFORMED when they do not match."""
    text = "".join(line.strip() for line in item.lines)
    match = pattern.match(text)
    if match is None:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f":{item.tag}: is not {what}: {text[:40]!r}",
            line=item.line_no,
        )
    return match


def parse_statement_line(item: Field, warnings: list[str]) -> RawLine:
    text = "\n".join(line.rstrip() for line in item.lines)
    match = _STATEMENT_LINE.match(text.lstrip())
    if match is None:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f":61: statement line not understood: {item.lines[0][:40]!r}",
            line=item.line_no,
        )
    value_date = parse_yymmdd(match["value"], item.line_no, warnings)
    entry_date = value_date
    if match["entry"]:
        entry_date = _entry_date(match["entry"], value_date, item.line_no, warnings)

    amount = parse_amount(match["amount"], item.line_no)
    mark = match["mark"]
    # SWIFT: C and RD (reversal of a debit) add money, D and RC take it away.
    if mark in ("D", "RC"):
        amount = -amount

    owner_ref, bank_ref, extra = _split_references(match["rest"])
    tail = text.lstrip()[match.end() :].split("\n")[1:]
    bank_ref, tail = _unwrap_bank_reference(bank_ref, tail)
    supplementary = "".join(part.strip() for part in [extra or "", *tail]) or None

    type_code = match["type"].strip() if match["type"] else None
    return RawLine(
        amount=_no_negative_zero(amount),
        credit=mark in ("C", "RD"),
        value_date=value_date,
        entry_date=entry_date,
        reversal=mark in ("RC", "RD"),
        type_code=type_code or None,
        owner_reference=_meaningful(owner_ref),
        bank_reference=_meaningful(bank_ref),
        supplementary=supplementary,
        line_no=item.line_no,
    )


def _entry_date(mmdd: str, value_date: date, line_no: int, warnings: list[str]) -> date:
    """The booking date MMDD takes the value date's year, or the next/previous one across New Year."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    year = value_date.year
    if month - value_date.month > 6:
        year -= 1
    elif value_date.month - month > 6:
        year += 1
    return make_date(year, month, day, line_no, mmdd, warnings)


def _split_references(rest: str) -> tuple[str | None, str | None, str | None]:
    """Owner reference, bank reference and same-line extra text from the end of the first :61: line."""
    rest = rest.rstrip()
    extra = None
    if "//" in rest:
        owner, bank = rest.split("//", 1)
        gap = _WIDE_GAP.search(bank)
        if gap:
            bank, extra = bank[: gap.start()], bank[gap.end() :]
        return owner.strip() or None, bank.strip() or None, extra
    # Without "//", old Rabobank files put the counterparty account, a wide gap and its name.
    gap = _WIDE_GAP.search(rest)
    if gap:
        return rest[: gap.start()].strip() or None, None, rest[gap.end() :]
    return rest.strip() or None, None, None


def _unwrap_bank_reference(bank_ref: str | None, tail: list[str]) -> tuple[str | None, list[str]]:
    """ING wraps the :61: line at a fixed width, cutting the bank reference in two.

    A short alphanumeric next line that still fits in the 16-character bank
    reference is taken as its tail; anything else is supplementary detail.
    """
    if not bank_ref or not tail:
        return bank_ref, tail
    following = tail[0].strip()
    if following.isalnum() and len(bank_ref) + len(following) <= _MAX_BANK_REFERENCE:
        return bank_ref + following, tail[1:]
    return bank_ref, tail


def _meaningful(reference: str | None) -> str | None:
    if reference is None:
        return None
    cleaned = reference.strip()
    if not cleaned or cleaned.upper() in _PLACEHOLDER_REFS:
        return None
    return cleaned


def _no_negative_zero(amount: Decimal) -> Decimal:
    return abs(amount) if amount == 0 else amount
