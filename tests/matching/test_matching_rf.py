"""ISO 11649 RF creditor references: the vectors of the design notes and the text scanner."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from arapi import rf
from arapi.errors import ArapiError


def test_vectors_from_the_design_notes():
    assert rf.generate("2348231") == "RF712348231"
    assert rf.generate("INV2025001") == "RF44INV2025001"
    assert rf.is_valid("RF18539007547034")
    assert rf.is_valid("RF18 5390 0754 7034")
    assert not rf.is_valid("RF17539007547034")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "RF",
        "RF18",
        "XX18539007547034",
        "RF1A539007547034",
        "RF18-53!9",
        None,
        42,
        "RF²²1234",  # digits to str.isdigit(), not to int()
        "RF١٨539007547034",  # Arabic-Indic digits: int() reads them, ISO 11649 does not
    ],
)
def test_invalid_references(bad):
    assert not rf.is_valid(bad)


def test_generate_drops_separators_and_rejects_what_cannot_be_a_reference():
    assert rf.generate("inv-2025-001") == "RF44INV2025001"
    for bad in ("", "---", "A" * 22, "FA/2025/é"):
        with pytest.raises(ArapiError):
            rf.generate(bad)


def test_normalize_and_print():
    assert rf.normalize(" rf18 5390-0754.7034 ") == "RF18539007547034"
    assert rf.format_printed("RF18539007547034") == "RF18 5390 0754 7034"
    assert rf.base_of("RF712348231") == "2348231"


def test_find_in_text_tolerates_spacing_and_neighbouring_words():
    text = "VIR SEPA RF18 5390 0754 7034 FACT 12 rf712348231 RF17 5390 0754 7034"
    assert rf.find_in_text(text) == ["RF18539007547034", "RF712348231"]
    assert rf.find_in_text("ref: RF 18 5390-0754-7034.") == ["RF18539007547034"]
    assert rf.find_in_text("/RF44INV2025001/") == ["RF44INV2025001"]
    assert rf.find_in_text("XRF712348231 SURF712348231") == []  # inside a longer word
    assert rf.find_in_text(None) == [] and rf.find_in_text("") == []


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21))
def test_generated_references_validate_and_are_found(base):
    ref = rf.generate(base)
    assert rf.is_valid(ref)
    assert iso11649.is_valid(ref)  # agrees with python-stdnum
    assert len(ref) <= rf.MAX_LENGTH
    assert rf.find_in_text(f"PAIEMENT {rf.format_printed(ref)} MERCI") == [ref]


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21),
    st.integers(0, 99),
)
def test_other_check_digits_do_not_validate(base, digits):
    ref = rf.generate(base)
    other = f"RF{digits:02d}{base}"
    assert rf.is_valid(other) == (other == ref)


@given(st.one_of(st.text(max_size=30), st.from_regex(r"[rR][fF][ 0-9A-Za-z.\-/]{2,26}")))
def test_is_valid_agrees_with_python_stdnum(text):
    # arapi's fast paths (already compact, one rotation) must not change stdnum's verdict;
    # only check digits ISO 11649 never writes are refused more: 00, 01 and 99, and
    # letters ("RF0PJC" passes stdnum's modulus, which does not look at them).
    digits = rf.normalize(text)[2:4]
    expected = iso11649.is_valid(text) and digits.isdigit() and digits not in ("00", "01", "99")
    assert rf.is_valid(text) == expected


@given(st.text(max_size=200))
def test_find_in_text_never_fails_and_finds_only_valid_references(text):
    for ref in rf.find_in_text(text):
        assert rf.is_valid(ref)
