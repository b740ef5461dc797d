from decimal import Decimal

import pytest

from arapi.errors import ArapiError, MoneyErrorCode
from arapi.money import (
    MAX_MINOR,
    Money,
    exponent,
    from_minor,
    normalize_currency,
    parse_decimal,
    to_minor,
)


def test_exponents_come_from_cldr():
    assert exponent("EUR") == 2
    assert exponent("JPY") == 0
    assert exponent("BHD") == 3
    assert exponent("usd") == 2


def test_round_trip_is_exact():
    assert to_minor("1234.50", "EUR") == 123450
    assert to_minor("8.850", "EUR") == 885  # trailing zeros are fine
    assert from_minor(123450, "EUR") == Decimal("1234.50")
    assert str(from_minor(5, "EUR")) == "0.05"
    assert str(from_minor(1500, "JPY")) == "1500"
    assert to_minor("0.001", "BHD") == 1


def test_sub_unit_amounts_are_refused():
    with pytest.raises(ArapiError) as err:
        to_minor("1.234", "EUR")
    assert err.value.code is MoneyErrorCode.AMOUNT_PRECISION
    with pytest.raises(ArapiError):
        to_minor("10.5", "JPY")


def test_amounts_beyond_what_the_database_stores_are_refused():
    assert to_minor("9999999999999.99", "EUR") == MAX_MINOR - 1
    for amount in ("10000000000000.00", "-10000000000000", "1E+20"):
        with pytest.raises(ArapiError) as err:
            to_minor(amount, "EUR")
        assert err.value.code == MoneyErrorCode.INVALID_AMOUNT and "too large" in err.value.message
    assert MAX_MINOR * 9000 < 2**63  # a BIGINT still holds the sum of 9 000 of the largest


def test_floats_are_refused():
    with pytest.raises(ArapiError) as err:
        to_minor(0.1, "EUR")
    assert err.value.code is MoneyErrorCode.INVALID_AMOUNT
    with pytest.raises(ArapiError):
        Money.of(1.5, "EUR")


@pytest.mark.parametrize("bad", ["EURO", "XXX1", "", "ZZZ", None, "XAU", "XTS", "XDR"])
def test_unknown_currencies(bad):
    with pytest.raises(ArapiError) as err:
        normalize_currency(bad)
    assert err.value.code is MoneyErrorCode.UNKNOWN_CURRENCY


def test_money_arithmetic_and_mismatch():
    a = Money.of("10.10", "EUR")
    assert (a + Money.of("0.20", "EUR")).amount == Decimal("10.30")
    assert (-a).minor == -1010
    with pytest.raises(ArapiError) as err:
        a + Money.of("1", "USD")
    assert err.value.code is MoneyErrorCode.CURRENCY_MISMATCH


def test_no_float_column_in_the_schema():
    from sqlalchemy import Float, Numeric

    import arapi.models  # noqa: F401
    from arapi.db import Base

    for table in Base.metadata.tables.values():
        for column in table.columns:
            assert not isinstance(column.type, Float | Numeric), (
                f"{table.name}.{column.name} is not exact"
            )


@pytest.mark.parametrize("text", ["1E+999999", "-1E+15", "1000000000000000"])
def test_amounts_too_large_for_any_currency_are_refused_before_arithmetic(text):
    # 1E+999999 is finite, but scaling it to minor units would overflow.
    with pytest.raises(ArapiError) as caught:
        parse_decimal(text)
    assert caught.value.code is MoneyErrorCode.INVALID_AMOUNT
    assert caught.value.message == f"amount {Decimal(text)} is too large"


def test_the_largest_whole_amount_any_currency_stores_still_parses():
    assert parse_decimal("999999999999999.999") == Decimal("999999999999999.999")
