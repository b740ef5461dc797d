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


def test_a_line_whose_text_changed_since_the_interim_report_is_flagged(db, plugins):
    """The bank re-sent a morning line with a longer :86: in the evening: its content hash
    differs, so it is written again, and the import says which line to check."""
    viewer = make_org(db)
    do_import(db, viewer, plugins, INTERIM)
    evening = do_import(
        db,
        viewer,
        plugins,
        END_OF_DAY.replace("F-2017-001 OD: JAN NOWAK", "F-2017-001 OD: JAN NOWAK KRAKOW"),
    )
    assert (evening["newEntries"], evening["duplicateEntries"]) == (2, 1)
    assert evening["warnings"] == [
        "statement 1/1: 1 new line(s) have the bank reference, amount and value date of a line "
        "imported before, with other text (first: 'MB170119012058', 120.00 PLN on 2017-01-19): "
        "check that they are not counted twice"
    ]
    assert count(db, Payment) == 3  # written, as the bank sent it, and said so
