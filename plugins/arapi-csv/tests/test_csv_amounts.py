"""The amount reader on its own: every accepted shape, every refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arapi_csv.amounts import AmbiguousAmount, AmountError, decimal_mark_evidence, parse_amount
from arapi_csv.columns import ALIASES, field_for, normalize_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("12", "12"),
        ("12,5", "12.5"),
        ("12.50", "12.50"),
        ("-12,00 €", "-12.00"),
        ("€ 12.00", "12.00"),
        ("+7", "7"),
        ("(12.00)", "-12.00"),
        ("\u22123,10", "-3.10"),
        ("1 234,56", "1234.56"),
        ("1 234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("1'234'567.05", "1234567.05"),
        ("1234,567", "1234.567"),  # four digits before the mark: never grouping
        ("0,125", "0.125"),
        ("0000000069,60", "69.60"),
        ("-0,00", "0.00"),
    ],
)
def test_accepted_shapes(text, expected):
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1.2.3,4,5",
        "12 34",
        "1,23,456.00",
        "1 234.567,89",
        "1.5e3",
        "NaN",
        "Infinity",
        "1,,5",
        ",5",
        "12,",
        "1 000 000 000 000 000,00",
    ],
)
def test_refused_shapes(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_one_mark_and_three_digits_needs_help():
    with pytest.raises(AmbiguousAmount):
        parse_amount("1,234")
    assert parse_amount("1,234", decimal_mark=",") == Decimal("1.234")
    assert parse_amount("1,234", decimal_mark=".") == Decimal("1234")
    assert parse_amount("1.234", currency_decimals=2) == Decimal("1234")
    with pytest.raises(AmbiguousAmount):
        parse_amount("1.234", currency_decimals=3)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("1,5", ","),
        ("1.50", "."),
        ("1,234.5", "."),
        ("1.234,5", ","),
        ("1,234,567", "."),
        ("1 234", None),
        ("1,234", None),
        ("12", None),
    ],
)
def test_decimal_mark_evidence(text, mark):
    assert decimal_mark_evidence(text) == mark


def test_every_alias_maps_to_one_field():
    for field, labels in ALIASES.items():
        for label in labels:
            assert field_for(label) == field, label


def test_header_normalization():
    assert (
        normalize_label("  Date d'Échéance ")
        == normalize_label("DATE_D_ECHEANCE")
        == "datedecheance"
    )
    assert (
        field_for("Date d'échéance")
        == field_for("date echeance")
        == field_for("ÉCHÉANCE")
        == "due_date"
    )
