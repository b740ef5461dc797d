"""refuse_unstorable_text: a parser's result holding NUL anywhere is refused, and the message says where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arapi.imports.text import refuse_unstorable_text
from arapi.plugin.types import (
    ParseError,
    ParseErrorCode,
    Party,
    Statement,
    StatementFile,
    StatementLine,
    TransactionDetail,
)


def line(**kw) -> StatementLine:
    fields = {"amount": Decimal("1.00"), "currency": "EUR", "booking_date": date(2025, 1, 1)}
    return StatementLine(**{**fields, **kw})


def statement_file(lines, warnings=()) -> StatementFile:
    return StatementFile(
        statements=(Statement(format="ofx", account="FR76", currency="EUR", lines=tuple(lines)),),
        warnings=tuple(warnings),
    )


def where(value) -> str:
    with pytest.raises(ParseError) as caught:
        refuse_unstorable_text(value)
    assert caught.value.code is ParseErrorCode.ENCODING
    return caught.value.message.split(" holds a NUL")[0]


def test_clean_result_passes():
    refuse_unstorable_text(
        statement_file([line(remittance="FACTURE 1\tOK"), line(details=(TransactionDetail(),))])
    )


@pytest.mark.parametrize(
    "value, path",
    [
        (statement_file([line(), line(remittance="A\x00B")]), "statements[0].lines[1].remittance"),
        (
            statement_file([line(counterparty_name="\x00")]),
            "statements[0].lines[0].counterparty_name",
        ),
        (statement_file([line(currency="EU\x00")]), "statements[0].lines[0].currency"),
        (
            statement_file(
                [
                    line(),
                    line(details=(TransactionDetail(), TransactionDetail(end_to_end_id="E\x00"))),
                ]
            ),
            "statements[0].lines[1].details[1].end_to_end_id",
        ),
        (statement_file([line()], warnings=["ok", "bad \x00"]), "warnings[1]"),
        ({"a": ["x", {"b": "\x00"}]}, "a[1].b"),
        ("\x00", "the text"),
    ],
)
def test_nul_is_found_and_named(value, path):
    assert where(value) == path


class Text(str):
    """A str subclass, as some libraries return (lxml's smart strings, for one)."""


def test_str_subclasses_sets_and_nested_id_pairs_are_checked():
    assert where(line(remittance=Text("a\x00"))) == "remittance"
    assert where([line(), line(remittance=Text("a\x00"))]) == "[1].remittance"
    assert where({"ids": frozenset({"ok", "b\x00"})}) == "ids[0]"
    party = Party(name="Dupont", other_ids=(("0088", "1"), ("EM", Text("x\x00"))))
    assert where(party) == "other_ids[1][1]"


def test_lines_of_mixed_types_are_looked_at_one_by_one():
    @dataclass(frozen=True)
    class Other:
        note: str

    assert where((line(), Other("x\x00"))) == "[1].note"


def test_a_field_that_is_not_text_as_declared_is_still_checked():
    @dataclass(frozen=True)
    class Loose:
        text: str
        extra: object = None

    refuse_unstorable_text([Loose(text=5), Loose(text="ok", extra=["fine"])])  # type: ignore[arg-type]
    assert where([Loose(text=5), Loose(text="ok", extra=["x\x00"])]) == "[1].extra[0]"  # type: ignore[arg-type]


texts = st.one_of(st.none(), st.text(alphabet=st.sampled_from("ab \x00\t\x01é"), max_size=6))


@given(
    st.lists(
        st.tuples(texts, texts, st.lists(st.tuples(texts, texts), max_size=2)),
        max_size=8,
    )
)
def test_refused_exactly_when_some_text_holds_nul(rows):
    lines = [
        line(
            remittance=remittance,
            counterparty_name=name,
            details=tuple(TransactionDetail(remittance=r, mandate_id=m) for r, m in details),
        )
        for remittance, name, details in rows
    ]
    strings = [s for r, n, d in rows for s in (r, n, *(x for pair in d for x in pair)) if s]
    if any("\x00" in s for s in strings):
        assert where(statement_file(lines)).startswith("statements[0].lines[")
    else:
        refuse_unstorable_text(statement_file(lines))


@pytest.mark.parametrize(
    "value, path",
    [
        (
            statement_file([line(), line(remittance="Caf\udce9 du port")]),
            "statements[0].lines[1].remittance",
        ),
        (
            statement_file([line(details=(TransactionDetail(end_to_end_id="\ud83d"),))]),
            "statements[0].lines[0].details[0].end_to_end_id",
        ),
        (Party(name="ACME \ud83d SAS"), "name"),
    ],
)
def test_an_unpaired_surrogate_is_refused_where_it_is(value, path):
    """Half an emoji (JSON cut in the middle) cannot be encoded: not to hash, not to store."""
    with pytest.raises(ParseError) as caught:
        refuse_unstorable_text(value)
    assert caught.value.code is ParseErrorCode.ENCODING
    assert caught.value.message == (
        f"{path} holds an unpaired surrogate (half of a character): it is not Unicode text"
    )


def test_paired_characters_beyond_the_bmp_pass():
    refuse_unstorable_text(statement_file([line(counterparty_name="Café 😀 SARL 𝔸")]))
