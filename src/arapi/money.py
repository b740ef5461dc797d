"""Exact money: integer minor units plus an ISO 4217 code.

Currency exponents come from CLDR through babel (``get_currency_precision``),
never from a hand-typed table. ``Decimal`` is the only Python type for amounts
outside the database; floats are refused everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

from arapi.errors import ArapiError, MoneyErrorCode

# The largest magnitude arapi stores, in minor units (10 trillion euros): a
# BIGINT holds 9.2e18, so the sum of over 9 000 such amounts (a customer's
# exposure, a statement's credits) still fits. Beyond it an amount is refused,
# never truncated or left to overflow in the database.
MAX_MINOR = 10**15
# ISO 4217 codes that are not money anyone pays in: precious metals, bond market
# and settlement units, special drawing rights, "testing". XXX ("no currency")
# stays: statement parsers give it to bank lines whose file names no currency.
NOT_MONEY = frozenset(
    {"XAG", "XAU", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XFO", "XFU", "XRE", "XSU"}
    | {"XTS", "XUA", "XEU"}
)


# Digits before the point that no storable amount reaches, whatever its currency's
# exponent: that many major units are at least MAX_MINOR minor units.
_MAX_WHOLE_DIGITS = len(str(MAX_MINOR)) - 1


def refuse_huge(amount: Decimal, what: str) -> None:
    """INVALID_AMOUNT for a finite amount too large for any currency (``what`` names it).

    Checked before any arithmetic: a Decimal such as 1E+999999 overflows
    quantize and scaleb long before :func:`bounded` could refuse it.
    """
    if amount.adjusted() >= _MAX_WHOLE_DIGITS:
        raise ArapiError(MoneyErrorCode.INVALID_AMOUNT, f"{what} is too large")


def bounded(minor: int, what: str) -> int:
    """``minor`` when arapi can store it; else INVALID_AMOUNT saying ``what`` is too large."""
    if abs(minor) >= MAX_MINOR:
        raise ArapiError(MoneyErrorCode.INVALID_AMOUNT, f"{what} is too large")
    return minor


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies()) - NOT_MONEY


def normalize_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code or raise UNKNOWN_CURRENCY."""
    if not isinstance(code, str):
        raise ArapiError(MoneyErrorCode.UNKNOWN_CURRENCY, f"unknown currency {code!r}")
    upper = code.strip().upper()
    if len(upper) != 3 or upper not in _known_currencies():
        raise ArapiError(MoneyErrorCode.UNKNOWN_CURRENCY, f"unknown currency {code!r}")
    return upper


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Number of minor-unit digits of a currency (EUR 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(normalize_currency(currency)))


def parse_decimal(value: object) -> Decimal:
    """A Decimal from a Decimal, int or decimal string; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ArapiError(
            MoneyErrorCode.INVALID_AMOUNT, "amounts must be decimal strings, not floats"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ArapiError(
                MoneyErrorCode.INVALID_AMOUNT, f"not a decimal amount: {value!r}"
            ) from None
    else:
        raise ArapiError(MoneyErrorCode.INVALID_AMOUNT, f"not a decimal amount: {value!r}")
    if not result.is_finite():
        raise ArapiError(MoneyErrorCode.INVALID_AMOUNT, f"not a finite amount: {value!r}")
    refuse_huge(result, f"amount {result}")
    return result


def to_minor(amount: Decimal | str | int, currency: str, *, field: Sequence[str] = ()) -> int:
    """Exact conversion to minor units; more digits than the currency has is an error.

    Trailing zeros are fine ("8.850" EUR is 885 cents), a real sub-unit is not.
    ``field`` names the input the amount came from, for the error.
    """
    try:
        return _to_minor(amount, currency)
    except ArapiError as exc:
        if field:
            raise exc.with_field(*field) from None
        raise


def _to_minor(amount: Decimal | str | int, currency: str) -> int:
    value = parse_decimal(amount)
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ArapiError(
            MoneyErrorCode.AMOUNT_PRECISION,
            f"{value} has more decimals than {normalize_currency(currency)} allows ({exponent(currency)})",
        )
    return bounded(int(scaled), f"amount {value} {currency}")


def from_minor(minor: int, currency: str) -> Decimal:
    """The Decimal amount for minor units, at the currency's scale ("12.30")."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Money:
        code = normalize_currency(currency)
        return cls(to_minor(amount, code), code)

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ArapiError(
                MoneyErrorCode.CURRENCY_MISMATCH,
                f"cannot combine {self.currency} and {other.currency}",
            )

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
