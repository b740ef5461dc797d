"""Parser for "example-csv", a deliberately tiny bank-statement format.

One UTF-8 file (a byte-order mark is allowed, LF or CRLF line ends) is one
account's statement in one currency::

    date;amount;currency;counterparty;remittance
    2024-03-01;1500.00;EUR;Muster GmbH;INV-2024-001
    2024-03-02;-12,50;EUR;;Card fee

* the first non-blank line is exactly that header (any case, spaces allowed
  around the names); blank lines are ignored;
* fields are separated by ``;`` and never quoted, so they cannot contain ``;``;
* ``date`` is ``YYYY-MM-DD`` (the booking date);
* ``amount`` is signed from the account holder's side (money in is positive),
  with ``.`` or ``,`` as the decimal separator, no thousands separator, and no
  more decimals than the currency has (EUR 2, JPY 0);
* ``currency`` is an ISO 4217 code, the same on every line;
* ``counterparty`` and ``remittance`` are free text and may be empty.

A line identical to an earlier one is kept (two equal payments on one day
happen) and reported in ``warnings``. Everything else that does not fit raises
:class:`ParseError` with the line number: the parser is a pure function of the
bytes, with no I/O and no global state.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from arapi.errors import ArapiError
from arapi.money import normalize_currency, to_minor
from arapi.plugin.types import (
    ParseError,
    ParseErrorCode,
    Statement,
    StatementFile,
    StatementLine,
)

FORMAT = "example-csv"
COLUMNS = ("date", "amount", "currency", "counterparty", "remittance")
# ASCII digits only: \d would also take Arabic-Indic digits, which Decimal accepts.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,15}(?:[.,][0-9]{1,6})?")


def _is_header(line: str) -> bool:
    return tuple(name.strip().lower() for name in line.split(";")) == COLUMNS


class ExampleCsvParser:
    """Satisfies :class:`arapi.plugin.providers.StatementParser` (a Protocol: no base class)."""

    format = FORMAT
    label = "Example CSV statement (arapi plugin template)"

    def sniff(self, head: bytes) -> bool:
        # ``head`` may stop in the middle of a character: decode leniently, never raise.
        text = head.decode("utf-8", "replace").removeprefix("\ufeff")
        first = next((raw for raw in text.split("\n") if raw.strip()), "")
        return _is_header(first)

    def parse(self, data: bytes) -> StatementFile:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(
                ParseErrorCode.ENCODING, f"not UTF-8 text (bad byte at offset {exc.start})"
            ) from None
        rows = [
            (number, raw.rstrip("\r"))
            for number, raw in enumerate(text.split("\n"), start=1)
            if raw.strip()
        ]
        if not rows or not _is_header(rows[0][1]):
            raise ParseError(
                ParseErrorCode.UNKNOWN_FORMAT,
                f"not an {FORMAT} file: the first line must be {';'.join(COLUMNS)}",
            )
        lines: list[StatementLine] = []
        warnings: list[str] = []
        first_seen: dict[StatementLine, int] = {}
        currency: str | None = None
        for number, raw in rows[1:]:
            line = _read_line(number, raw)
            if currency is None:
                currency = line.currency
            elif line.currency != currency:
                raise ParseError(
                    ParseErrorCode.INVALID_CURRENCY,
                    f"currency {line.currency} differs from the file's {currency}",
                    line=number,
                )
            if line in first_seen:
                warnings.append(f"line {number} repeats line {first_seen[line]}")
            else:
                first_seen[line] = number
            lines.append(line)
        statement = Statement(format=FORMAT, account=None, currency=currency, lines=tuple(lines))
        return StatementFile(statements=(statement,), warnings=tuple(warnings))


def _read_line(number: int, raw: str) -> StatementLine:
    fields = [field.strip() for field in raw.split(";")]
    if len(fields) != len(COLUMNS):
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f"expected {len(COLUMNS)} fields separated by ';', found {len(fields)}",
            line=number,
        )
    day, amount, currency, counterparty, remittance = fields
    for name, value in (("date", day), ("amount", amount), ("currency", currency)):
        if not value:
            raise ParseError(ParseErrorCode.MISSING_FIELD, f"{name} is empty", line=number)
    code = _currency(number, currency)
    return StatementLine(
        amount=_amount(number, amount, code),
        currency=code,
        booking_date=_date(number, day),
        counterparty_name=counterparty or None,
        remittance=remittance or None,
    )


def _date(number: int, text: str) -> date:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(
            ParseErrorCode.INVALID_DATE, f"date {text!r} is not a YYYY-MM-DD date", line=number
        ) from None


def _currency(number: int, text: str) -> str:
    try:
        return normalize_currency(text)
    except ArapiError:
        raise ParseError(
            ParseErrorCode.INVALID_CURRENCY, f"{text!r} is not an ISO 4217 currency", line=number
        ) from None


def _amount(number: int, text: str, currency: str) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise ParseError(
            ParseErrorCode.INVALID_AMOUNT,
            f"amount {text!r} is not a number like -1234.56 or 1234,56",
            line=number,
        )
    value = Decimal(text.replace(",", "."))
    try:
        to_minor(value, currency)  # refuses sub-units the currency does not have
    except ArapiError as exc:
        raise ParseError(ParseErrorCode.INVALID_AMOUNT, exc.message, line=number) from None
    return value
