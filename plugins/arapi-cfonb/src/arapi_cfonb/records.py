"""Fixed-width CFONB 120 records: cutting the file into records and reading their fields.

Positions follow the CFONB "relevé de compte sur support informatique" (1-based,
inclusive), as tabled in docs/domain.md section 4:

    1-2 record code   3-7 bank   8-11 internal op code   12-16 branch   17-19 currency
    20 decimals   22-32 account   33-34 interbank op code   35-40 date DDMMYY
    41-42 reject code   43-48 value date   49-79 label   82-88 entry number
    91-104 amount (last character signed)   105-120 reference
    05 complements: 46-48 qualifier, 49-118 text
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arapi.errors import ArapiError
from arapi.inputs import ascii_digits
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode

RECORD_LENGTH = 120
RECORD_CODES = frozenset({"01", "04", "05", "07"})

_LINES = re.compile(rb"\r\n|\r|\n")
# DOS end-of-file marks and NULs sometimes pad the last line.
_PADDING = "\x00\x1a"
# The last amount character carries the sign and the last digit.
_POSITIVE = {"{": 0, **{chr(ord("A") + i): i + 1 for i in range(9)}}  # { A..I = +0..9
_NEGATIVE = {"}": 0, **{chr(ord("J") + i): i + 1 for i in range(9)}}  # } J..R = -0..9
_AMOUNT_DIGITS = re.compile(r"^[0-9]{13}$")


@dataclass(frozen=True)
class Record:
    text: str  # exactly 120 characters
    line_no: int  # physical line in the file
    position: int  # 1-based record number inside that line (single-line files hold many)

    def __getitem__(self, span: tuple[int, int]) -> str:
        """Characters ``start..end`` in the format's 1-based inclusive positions."""
        start, end = span
        return self.text[start - 1 : end]

    @property
    def code(self) -> str:
        return self[1, 2]

    @property
    def where(self) -> str:
        return f"record {self.position} " if self.position > 1 else ""

    def error(self, code: ParseErrorCode, message: str) -> ParseError:
        return ParseError(code, f"{self.where}{message}", line=self.line_no)


def split_records(data: bytes) -> list[Record]:
    """Records from a file of 120-character lines, or from one long line cut every 120 characters."""
    records: list[Record] = []
    for line_no, raw in enumerate(_LINES.split(data), start=1):
        text = _decode(raw).rstrip(_PADDING)
        if not text.strip():
            continue  # blank lines between records are common (pennylane, silarhi)
        for position, start in enumerate(range(0, len(text), RECORD_LENGTH), start=1):
            chunk = text[start : start + RECORD_LENGTH]
            if chunk.strip():
                records.append(Record(chunk.ljust(RECORD_LENGTH), line_no, position))
    return records


def _decode(raw: bytes) -> str:
    # Fixed positions count characters: UTF-8 only when the line decodes as such, else
    # the single-byte Windows-1252 / Latin-1 French banks use.
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def parse_date(
    record: Record, span: tuple[int, int], what: str, *, optional: bool = False
) -> date | None:
    raw = record[span]
    if optional and raw.strip("0 ") == "":
        return None
    if len(raw) != 6 or not ascii_digits(raw):
        raise record.error(ParseErrorCode.INVALID_DATE, f"{what} {raw!r} is not a DDMMYY date")
    day, month, yy = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    year = 1900 + yy if yy >= 80 else 2000 + yy
    try:
        return date(year, month, day)
    except ValueError:
        raise record.error(
            ParseErrorCode.INVALID_DATE, f"{what} {raw!r} is not a calendar date"
        ) from None


def parse_decimals(record: Record, warnings: list[str]) -> int:
    raw = record[20, 20]
    if raw == " ":
        warnings.append(f"line {record.line_no}: {record.where}blank number of decimals, 2 assumed")
        return 2
    if not ascii_digits(raw):
        raise record.error(
            ParseErrorCode.INVALID_AMOUNT, f"number of decimals {raw!r} is not a digit"
        )
    return int(raw)


def parse_amount(record: Record, decimals: int) -> Decimal:
    raw = record[91, 104]
    digits, last = raw[:13], raw[13]
    if not _AMOUNT_DIGITS.match(digits) or (last not in _POSITIVE and last not in _NEGATIVE):
        raise record.error(
            ParseErrorCode.INVALID_AMOUNT, f"amount {raw!r} is not 13 digits and a sign character"
        )
    if last in _POSITIVE:
        value = int(digits) * 10 + _POSITIVE[last]
    else:
        value = -(int(digits) * 10 + _NEGATIVE[last])
    return Decimal(value).scaleb(-decimals)


def parse_currency(record: Record) -> str | None:
    raw = record[17, 19]
    if not raw.strip():
        return None
    try:
        return normalize_currency(raw)
    except ArapiError:
        raise record.error(ParseErrorCode.INVALID_CURRENCY, f"unknown currency {raw!r}") from None
