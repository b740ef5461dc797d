"""What arapi accepts as a text or a date from outside, wherever it comes from.

PostgreSQL cannot store a NUL character, and no database driver can encode an
unpaired UTF-16 surrogate (JSON allows "\\ud800"); either would fail deep in a
write as an internal error. Business dates outside 1900-2199 are typing
mistakes, and date arithmetic on them (due date = issue date + terms, aging
buckets, matching windows) would overflow Python's year 1 to 9999.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from arapi.errors import ArapiError, CommonErrorCode

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def ascii_digits(text: str) -> bool:
    """True for one or more of 0-9: ``str.isdigit()`` also takes "²", which int() refuses,
    and "٣", which int() reads; neither is a digit in any file format arapi reads."""
    return text.isascii() and text.isdigit()


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return "holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an unpaired surrogate (not valid Unicode text)"
    return None


def check_text(value: str, what: str) -> str:
    """``value`` when it can be stored; else INVALID_INPUT naming ``what``."""
    problem = text_problem(value)
    if problem is not None:
        raise ArapiError(CommonErrorCode.INVALID_INPUT, f"{what} {problem}")
    return value


def date_problem(value: date) -> str | None:
    """Why arapi does not accept ``value`` as a business date, or None."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return f"{value.isoformat()} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}"


def check_date(value: date, what: str, field: Sequence[str] = ()) -> date:
    """``value`` when it lies in 1900-2199; else INVALID_INPUT naming ``what`` (and ``field``)."""
    problem = date_problem(value)
    if problem is not None:
        raise ArapiError(CommonErrorCode.INVALID_INPUT, f"{what} {problem}", field)
    return value
