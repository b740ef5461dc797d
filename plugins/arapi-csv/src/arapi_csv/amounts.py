"""Amounts as people type them, read exactly into ``Decimal``.

"1 234,56", "1.234,56", "1,234.56", "1'234.56", "1234.5", "-12,00 €" and
"(12.00)" are all accepted. The only ambiguous shape is one "," or "." followed
by exactly three digits ("1,234"): it is settled by the rest of the file (any
amount that shows which mark is the decimal one), else by the currency (with
two decimals, "1,234" can only be 1234), else refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

MAX_INTEGER_DIGITS = 15  # a quadrillion: beyond is a typo, and sums stay exact in 28 digits
MAX_DECIMALS = 6

_BODY = re.compile(r"[0-9]+(?:[ .,][0-9]+)*")


class AmountError(ValueError):
    """Not an amount; the message says why (the caller adds line and column)."""


class AmbiguousAmount(AmountError):
    pass


@dataclass(frozen=True, slots=True)
class _Shape:
    negative: bool
    integer_groups: tuple[str, ...]  # digits split on grouping marks (one group when none)
    fraction: str | None  # digits after the decimal mark, None when there is none
    decimal_mark: str | None  # "," or "." when the text itself proves it
    ambiguous_mark: str | None  # "," or "." when it could be either


_SPACE_LIKE = re.compile(r"[\s'’]")


def _strip_decorations(text: str) -> tuple[bool, str]:
    """(negative, body): removes sign, parentheses and currency symbols; spaces become " "."""
    body = _SPACE_LIKE.sub(" ", text).strip()
    if not body.isascii() or "$" in body:
        body = "".join(c for c in body if unicodedata.category(c) != "Sc").strip()
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    if body[:1] in ("-", "+", "\u2212"):
        negative = negative or body[0] != "+"
        body = body[1:].strip()
    return negative, body


# The common case, "-1234,56" or "1234.5": no grouping, one or two decimals, nothing to decide.
_PLAIN = re.compile(r"(-?)([0-9]+)(?:([.,])([0-9]{1,2}))?")


def _shape(text: str) -> _Shape:
    if plain := _PLAIN.fullmatch(text.strip()):
        sign, integer, mark, fraction = plain.groups()
        return _Shape(sign == "-", (integer,), fraction, mark, None)
    negative, body = _strip_decorations(text)
    if not body:
        raise AmountError("no digits")
    if not _BODY.fullmatch(body):
        raise AmountError("not a number")
    parts = re.split(r"([ .,])", body)
    digits, marks = parts[0::2], parts[1::2]
    kinds = set(marks)
    if not marks:
        return _Shape(negative, (body,), None, None, None)
    decimal: str | None = None
    ambiguous: str | None = None
    if " " in kinds:
        # Space grouping: a "," or "." can only be the decimal mark, once, at the end.
        others = [m for m in marks if m != " "]
        if len(others) > 1 or (others and marks[-1] == " "):
            raise AmountError("mixed separators")
        decimal = others[0] if others else None
    elif len(kinds) == 2:
        decimal = marks[-1]
        if marks.count(decimal) != 1:
            raise AmountError("mixed separators")
    elif len(marks) == 1:
        mark = marks[0]
        if len(digits[-1]) == 3 and 1 <= len(digits[0]) <= 3 and digits[0][0] != "0":
            ambiguous = mark
        else:
            decimal = mark
    # else: the same mark several times ("1.234.567"): grouping only.
    if ambiguous:
        return _Shape(negative, tuple(digits), None, None, ambiguous)
    if decimal:
        integer_groups, fraction = tuple(digits[:-1]), digits[-1]
    else:
        integer_groups, fraction = tuple(digits), None
    if len(integer_groups) > 1:
        head, *rest = integer_groups
        if not (1 <= len(head) <= 3) or any(len(group) != 3 for group in rest):
            raise AmountError("digit groups must be of three")
    grouping = next((m for m in marks if m != decimal), None)
    proven = decimal or ({",": ".", ".": ","}.get(grouping) if grouping else None)
    return _Shape(negative, integer_groups, fraction, proven, None)


def decimal_mark_evidence(text: str) -> str | None:
    """The decimal mark ("," or ".") this amount proves, or None (no mark, ambiguous, invalid)."""
    try:
        return _shape(text).decimal_mark
    except AmountError:
        return None


def parse_amount(
    text: str, *, decimal_mark: str | None = None, currency_decimals: int | None = None
) -> Decimal:
    """Exact ``Decimal`` for ``text``; raises :class:`AmountError` (or AmbiguousAmount).

    ``decimal_mark`` is what the rest of the file proved; ``currency_decimals``
    the currency's minor-unit digits, used when the file proves nothing.
    """
    shape = _shape(text)
    integer, fraction = "".join(shape.integer_groups), shape.fraction
    if shape.ambiguous_mark:
        head, tail = shape.integer_groups
        if decimal_mark == shape.ambiguous_mark:
            integer, fraction = head, tail
        elif decimal_mark is None and (currency_decimals is None or currency_decimals >= 3):
            raise AmbiguousAmount(f"{text.strip()!r} could be {head}.{tail} or {head}{tail}")
        # else the file's decimal mark is the other one, or the currency has
        # fewer than three decimals: the mark groups thousands.
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountError("too large")
    if fraction is not None and len(fraction.rstrip("0")) > MAX_DECIMALS:
        raise AmountError("too many decimals")
    value = Decimal(f"{integer}.{fraction}" if fraction is not None else integer)
    return -value if shape.negative and value else value
