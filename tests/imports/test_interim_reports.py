"""An MT942 interim report, then the end-of-day MT940: the money it repeats is counted once."""

from __future__ import annotations

from sqlalchemy import func, select

from arapi.imports import statements
from arapi.models import Payment, StatementEntry
from tests.helpers import make_org

ACCOUNT = ":25:PL29114010810000267002001002\n"
MORNING_LINES = (
    ":61:1701190119CN120,00NTRFNONREF//MB170119012058\n"
    ":86:TYT.: FAKTURA F-2017-001 OD: JAN NOWAK\n"
    ":61:1701190119CN80,00NTRFNONREF//MB170119012085\n"
    ":86:TYT.: FAKTURA F-2017-002 OD: ANNA KOWALSKA\n"
)
AFTERNOON_LINE = (
    ":61:1701190119DN15,00NTRFNONREF//MB170119019999\n:86:OPLATA ZA PROWADZENIE RACHUNKU\n"
)
INTERIM = (
    f":20:ST170119CYC/0001\n{ACCOUNT}:28C:1/1\n:34F:PLN0\n:13D:1701191215+0100\n"
    f"{MORNING_LINES}:90D:0PLN0,00\n:90C:2PLN200,00\n-\n"
)
END_OF_DAY = (
    f":20:ST170119EOD\n{ACCOUNT}:28C:1/1\n:60F:C170118PLN1000,00\n"
    f"{MORNING_LINES}{AFTERNOON_LINE}:62F:C170119PLN1185,00\n-\n"
)


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def do_import(db, viewer, plugins, text):
    with db.write() as s:
        return statements.import_statement(s, viewer, plugins, text.encode()).summary


def test_the_end_of_day_statement_skips_the_lines_of_the_interim_report(db, plugins):
    viewer = make_org(db)
    morning = do_import(db, viewer, plugins, INTERIM)
    assert (morning["newEntries"], morning["paymentsCreated"]) == (2, 2)
    assert morning["statements"][0]["currency"] == "PLN"
    assert "MT942 interim report" in morning["warnings"][0]

    evening = do_import(db, viewer, plugins, END_OF_DAY)
    assert (evening["newEntries"], evening["duplicateEntries"]) == (1, 2)
    assert (
        evening["paymentsCreated"] == 0
    )  # the fee is a debit; both credits were paid this morning
    assert (count(db, StatementEntry), count(db, Payment)) == (3, 2)
    with db.read() as s:
        paid = s.scalars(select(Payment.amount_minor).order_by(Payment.amount_minor)).all()
    assert paid == [8000, 12000]


def statement(number: str, opening: str, closing: str, line: str = "") -> str:
    return (
        f":20:{number}\n{ACCOUNT}:28C:{number}\n:60F:C170118PLN{opening}\n{line}"
        f":62F:C170119PLN{closing}\n-\n"
    )


def test_a_gap_between_two_statements_of_an_account_is_a_warning(plugins):
    fee = ":61:1701190119DN15,00NTRFNONREF//MB1\n"
    chained = statement("1", "100,00", "85,00", fee) + statement("2", "85,00", "85,00")
    gap = chained + statement("4", "60,00", "60,00")
    other_account = gap.replace(ACCOUNT, ":25:PL61109010140000071219812874\n", 1)

    def continuity(text):
        upload = statements.parse_upload(
            plugins, text.encode(), filename=None, fmt=None, max_bytes=1 << 20, max_unzipped=0
        )
        return [w for w in upload.warnings if "may be missing" in w]

    assert continuity(chained) == []
    assert continuity(gap) == [
        "account PL29114010810000267002001002: statement '4' opens at 60.00, but statement '2' "
        "before it closed at 85.00: statements may be missing between them"
    ]
    assert len(continuity(other_account)) == 1  # the first statement's account has no chain
