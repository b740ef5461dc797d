"""Consecutive statements of one account must chain: a gap between them is a warning."""

from __future__ import annotations

import pytest

from arapi.imports import statements

ACCOUNT = ":25:PL29114010810000267002001002\n"
OTHER_ACCOUNT = ":25:PL61109010140000071219812874\n"
FEE = ":61:1701190119DN15,00NTRFNONREF//MB1\n"


def mt940(number: str, day: int, opening: str, closing: str, line: str = "", account=ACCOUNT):
    return (
        f":20:{number}\n{account}:28C:{number}\n:60F:C1701{day:02}PLN{opening}\n{line}"
        f":62F:C1701{day + 1:02}PLN{closing}\n-\n"
    )


INTERIM = f":20:I\n{ACCOUNT}:28C:1\n:34F:PLN0\n:13D:1701201215+0100\n-\n"


@pytest.fixture(scope="module")
def continuity(plugins):
    def warnings(text: str) -> list[str]:
        upload = statements.parse_upload(
            plugins, text.encode(), filename=None, fmt=None, max_bytes=1 << 20, max_unzipped=0
        )
        return [w for w in upload.warnings if "may be missing" in w]

    return warnings


def test_statements_that_chain_give_no_warning_in_either_order(continuity):
    first, second = mt940("1", 18, "100,00", "85,00", FEE), mt940("2", 19, "85,00", "85,00")
    assert continuity(first + second) == []
    assert continuity(second + first) == []  # newest first


def test_a_gap_is_named_by_its_dates_and_amounts(continuity):
    gap = mt940("1", 18, "100,00", "85,00", FEE) + mt940("3", 20, "60,00", "60,00")
    expected = [
        "account PL29114010810000267002001002: the statement opening on 2017-01-20 at 60.00 PLN "
        "does not continue the one closing on 2017-01-19 at 85.00 PLN: statements may be "
        "missing between them"
    ]
    assert continuity(gap) == expected
    # An interim report in between has no balances: it neither breaks nor hides the gap.
    assert (
        continuity(
            mt940("1", 18, "100,00", "85,00", FEE) + INTERIM + mt940("3", 20, "60,00", "60,00")
        )
        == expected
    )


def test_each_account_chains_on_its_own(continuity):
    text = (
        mt940("1", 18, "100,00", "85,00", FEE)
        + mt940("9", 19, "5,00", "5,00", account=OTHER_ACCOUNT)
        + mt940("2", 19, "85,00", "85,00")
    )
    assert continuity(text) == []
