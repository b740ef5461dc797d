"""Statement import with the project's own small fixtures: duplicates, returns, warnings, hostile input."""

from __future__ import annotations

import gc
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from arapi.errors import ArapiError
from arapi.imports import statements
from arapi.models import BankStatement, ImportFile, Payment, PaymentReturn, StatementEntry
from arapi.plugin.types import ParseErrorCode
from tests.helpers import make_org, run_at_once

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-03-01T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-02-28</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
{entries}
</Stmt></BkToCstmrStmt></Document>"""

ENTRY = """<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{cd}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2025-03-01</Dt></BookgDt><ValDt><Dt>2025-03-01</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
<RltdPties><Dbtr><Pty><Nm>DUPONT SARL</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct></RltdPties>
{rtr}<RmtInf><Ustrd>FACTURE FA-2025-001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def camt(entries, closing):
    body = "".join(
        ENTRY.format(
            ref=ref,
            amount=amount,
            cd=cd,
            e2e=e2e,
            rtr=f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else "",
        )
        for ref, amount, cd, e2e, reason in entries
    )
    return CAMT.format(entries=body, closing=closing).encode()


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def do_import(db, viewer, plugins, data, **kw):
    with db.write() as s:
        return statements.import_statement(s, viewer, plugins, data, **kw)


def test_credits_become_payments_and_reimport_is_a_duplicate(db, plugins):
    viewer = make_org(db)
    data = camt(
        [("A1", "50.00", "CRDT", "E2E-1", None), ("A2", "20.00", "DBIT", "NOTPROVIDED", None)],
        "130.00",
    )
    result = do_import(db, viewer, plugins, data, filename="s.xml")
    summary = result.to_json()
    assert (
        summary["entryCount"] == 2
        and summary["creditTotal"] == "50.00"
        and summary["debitTotal"] == "20.00"
    )
    assert summary["statements"][0]["format"] == "camt.053" and summary["warnings"] == []
    assert summary["paymentsCreated"] == 1 and not result.duplicate
    with db.read() as s:
        payment = s.scalar(select(Payment))
    assert (
        payment.amount_minor,
        payment.payer_name,
        payment.payer_iban,
        payment.end_to_end_id,
    ) == (5000, "DUPONT SARL", "DE89370400440532013000", "E2E-1")
    assert "FA-2025-001" in payment.reference
    again = do_import(db, viewer, plugins, data)
    assert again.duplicate and count(db, StatementEntry) == 2 and count(db, ImportFile) == 1
    # The file as read the first time; what this import wrote: nothing.
    assert again.import_id == result.import_id
    assert (again.summary["entryCount"], again.summary["creditTotal"]) == (
        summary["entryCount"],
        summary["creditTotal"],
    )
    assert [again.summary[k] for k in ("newEntries", "duplicateEntries", "paymentsCreated")] == [
        0,
        2,
        0,
    ]
    (info,) = again.summary["statements"]
    assert (info["newEntries"], info["duplicateEntries"]) == (0, 2)


def test_long_filename_and_account_are_clipped_to_their_columns(db, plugins):
    viewer = make_org(db)
    long_account = "X" * 90
    data = camt([("L1", "5.00", "CRDT", "E2E-L", None)], "105.00").replace(
        b"<Id><IBAN>FR7630006000011234567890189</IBAN></Id>",
        f"<Id><Othr><Id>{long_account}</Id></Othr></Id>".encode(),
    )
    result = do_import(db, viewer, plugins, data, filename="s" * 400 + ".xml")
    assert result.summary["newEntries"] == 1
    with db.read() as s:
        assert s.scalar(select(ImportFile.filename)) == "s" * 300
        assert s.scalar(select(BankStatement.account)) == long_account[:70]


def test_overlapping_statement_writes_only_new_lines(db, plugins):
    viewer = make_org(db)
    do_import(db, viewer, plugins, camt([("A1", "50.00", "CRDT", "E1", None)], "150.00"))
    result = do_import(
        db,
        viewer,
        plugins,
        camt([("A1", "50.00", "CRDT", "E1", None), ("A3", "5.00", "CRDT", "E3", None)], "155.00"),
    )
    summary = result.to_json()
    assert (summary["newEntries"], summary["duplicateEntries"]) == (1, 1)
    assert count(db, StatementEntry) == 2 and count(db, Payment) == 2


def test_large_overlapping_statements_with_progress(db, plugins):
    # More lines than SQLite's bound-parameter limit and than one progress report,
    # so the de-duplication query and the streamed writes are both exercised at size.
    viewer = make_org(db)

    def lines(first, last):
        return [(f"R{n}", "1.00", "CRDT", f"E{n}", None) for n in range(first, last)]

    reports: list[int] = []
    collecting: set[bool] = set()

    def progress(n):
        reports.append(n)
        collecting.add(gc.isenabled())

    first = do_import(db, viewer, plugins, camt(lines(0, 6000), "6100.00"), progress=progress)
    assert first.summary["newEntries"] == 6000 and first.summary["paymentsCreated"] == 6000
    assert [n for n in reports if n] == [5000, 1000]
    # The cycle collector waits while the rows are written (imports/collector.py), then resumes.
    assert collecting == {False} and gc.isenabled()
    reports.clear()
    second = do_import(
        db, viewer, plugins, camt(lines(3000, 9000), "6100.00"), progress=reports.append
    )
    summary = second.to_json()
    assert (summary["newEntries"], summary["duplicateEntries"]) == (3000, 3000)
    assert summary["paymentsCreated"] == 3000 and sum(reports) == 6000
    assert count(db, StatementEntry) == 9000 and count(db, Payment) == 9000
    with db.read() as s:
        refs = s.scalars(select(Payment.end_to_end_id).order_by(Payment.id)).all()
    assert refs == [f"E{n}" for n in range(9000)]


def test_an_amount_too_large_to_store_refuses_the_file_and_writes_nothing(db, plugins):
    # The database would overflow at the 6 501st line, mid-stream: it is refused before.
    viewer = make_org(db)
    lines = [(f"R{n}", "1.00", "CRDT", f"E{n}", None) for n in range(7000)]
    lines[6500] = ("RX", "999999999999999999", "CRDT", "EX", None)
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, camt(lines, "7100.00"))
    assert err.value.code == "INVALID_AMOUNT" and "999999999999999999 EUR" in err.value.message
    assert [count(db, m) for m in (ImportFile, BankStatement, StatementEntry, Payment)] == [0] * 4


def test_long_bank_ids_that_differ_only_at_the_end_stay_two_lines(db, plugins):
    # Clipped to the column after being made unique, they collided on the unique key.
    viewer = make_org(db)
    long = "R" * 250
    data = camt(
        [(long + "1", "1.00", "CRDT", "E1", None), (long + "2", "2.00", "CRDT", "E2", None)],
        "103.00",
    )
    assert do_import(db, viewer, plugins, data).summary["newEntries"] == 2
    overlapping = camt(
        [(long + "2", "2.00", "CRDT", "E2", None), ("S3", "3.00", "CRDT", "E3", None)], "105.00"
    )
    summary = do_import(db, viewer, plugins, overlapping).summary
    assert (summary["newEntries"], summary["duplicateEntries"]) == (1, 1)


def test_texts_longer_than_their_column_are_clipped_and_odd_dates_refused(db, plugins):
    viewer = make_org(db)
    data = camt([("A1", "5.00", "CRDT", "E1", None)], "105.00")
    clipped = data.replace(b"<Id>S1</Id>", b"<Id>" + b"S" * 300 + b"</Id>").replace(
        b"<Cd>BOOK</Cd>", b"<Cd>BOOKEDLONGSTATUS</Cd>"
    )
    assert do_import(db, viewer, plugins, clipped).summary["newEntries"] == 1
    with db.read() as s:
        assert len(s.scalar(select(BankStatement.statement_ref))) == 140
        assert s.scalar(select(StatementEntry.status)) == "BOOKEDLONG"
    year_one = data.replace(b"<BookgDt><Dt>2025-03-01", b"<BookgDt><Dt>0001-03-01")
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, year_one)
    assert (
        err.value.code == ParseErrorCode.INVALID_DATE and "outside 1900-2199" in err.value.message
    )
    assert count(db, StatementEntry) == 1


def test_unbalanced_statement_imports_with_a_warning(db, plugins):
    viewer = make_org(db)
    result = do_import(db, viewer, plugins, camt([("A1", "50.00", "CRDT", "E1", None)], "999.00"))
    assert any("!= closing 999.00" in w for w in result.to_json()["warnings"])
    with db.read() as s:
        assert s.scalar(select(BankStatement)).warnings


def test_returned_direct_debit_is_linked_to_the_payment(db, plugins):
    viewer = make_org(db)
    do_import(db, viewer, plugins, camt([("D1", "80.00", "CRDT", "DD-2025-7", None)], "180.00"))
    do_import(db, viewer, plugins, camt([("R1", "80.00", "DBIT", "DD-2025-7", "AM04")], "20.00"))
    with db.read() as s:
        ret = s.scalar(select(PaymentReturn))
        paid = s.scalar(select(Payment))
    assert (ret.reason_code, ret.payment_id, ret.amount_minor) == ("AM04", paid.id, 8000)


def test_a_charged_back_direct_debit_takes_back_its_payment_not_the_bank_charge(db, plugins):
    # German MT940: the collection (GVC 171), then its charge-back (GVC 109, no ?34 code)
    # of 11.85 plus 0.50 of charges debited as one 12.35 line.
    def mt940(n, line, gvc, purpose):
        return (
            f":20:S{n}\r\n:25:20070000/0123456601\r\n:28C:{n}/1\r\n:60F:C200605EUR0,00\r\n"
            f":61:{line}\r\n:86:{gvc}?00SEPA?20EREF+DD-1?21{purpose}\r\n:62F:C200608EUR0,00\r\n-"
        ).encode()

    viewer = make_org(db)
    do_import(db, viewer, plugins, mt940(1, "2006050605C11,85NDDTNONREF", "171", "SVWZ+INV-7"))
    result = do_import(
        db,
        viewer,
        plugins,
        mt940(2, "2006080608D12,35NRTINONREF", "109", "SVWZ+SONSTIGE GRUENDE"),
        fmt="mt940",
    )
    assert result.summary["returnsRecorded"] == 1
    with db.read() as s:
        ret = s.scalar(select(PaymentReturn))
        paid = s.scalar(select(Payment))
    assert (ret.reason_code, ret.payment_id, ret.amount_minor) == ("MS03", paid.id, 1185)


def test_returns_take_back_what_is_left_of_the_right_payment(db, plugins):
    # "NONREF-X" is reused: 100.00 then 30.00. A 100.00 return takes back the payment
    # that has 100.00 left (not the newest), and a second one finds none.
    viewer = make_org(db)
    do_import(db, viewer, plugins, camt([("P1", "100.00", "CRDT", "NONREF-X", None)], "200.00"))
    do_import(db, viewer, plugins, camt([("P2", "30.00", "CRDT", "NONREF-X", None)], "230.00"))
    do_import(
        db,
        viewer,
        plugins,
        camt(
            [
                ("R1", "100.00", "DBIT", "NONREF-X", "AM04"),
                ("R2", "100.00", "DBIT", "NONREF-X", "AM04"),
            ],
            "30.00",
        ),
    )
    with db.read() as s:
        first, second = s.scalars(select(Payment).order_by(Payment.id)).all()
        returns = s.execute(
            select(PaymentReturn.payment_id, PaymentReturn.amount_minor).order_by(PaymentReturn.id)
        ).all()
    assert (first.amount_minor, second.amount_minor) == (10000, 3000)
    # 100.00 is more than the 30.00 payment has: with two payments under one id the
    # second return is left unlinked rather than guessed onto the 30.00.
    assert [tuple(r) for r in returns] == [(first.id, 10000), (None, 10000)]


def test_a_returned_transfer_credited_back_is_not_a_customer_payment(db, plugins):
    # A credit with a return reason is money sent out coming back (e.g. to a closed
    # account): cash application must not offer it against customers' invoices.
    viewer = make_org(db)
    result = do_import(
        db,
        viewer,
        plugins,
        camt(
            [("C1", "30.00", "CRDT", "PAY-1", None), ("C2", "12.00", "CRDT", "OUT-9", "AC04")],
            "142.00",
        ),
    )
    assert result.summary["newEntries"] == 2 and result.summary["paymentsCreated"] == 1
    with db.read() as s:
        assert s.scalars(select(Payment.end_to_end_id)).all() == ["PAY-1"]
        assert (
            s.scalar(
                select(StatementEntry.return_reason).where(StatementEntry.end_to_end_id == "OUT-9")
            )
            == "AC04"
        )


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_zip_of_several_statements(db, plugins):
    viewer = make_org(db)
    data = zipped(
        {
            "a.xml": camt([("A1", "1.00", "CRDT", "E1", None)], "101.00"),
            "b.xml": camt([("B1", "2.00", "CRDT", "E2", None)], "102.00"),
        }
    )
    summary = do_import(db, viewer, plugins, data).to_json()
    assert summary["entryCount"] == 2 and len(summary["statements"]) == 2


@pytest.mark.parametrize(
    "data, code",
    [
        (b"\x00\xff" * 300, ParseErrorCode.UNKNOWN_FORMAT),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>',
            None,
        ),
        (zipped({"bomb.xml": b"0" * (5 * 1024 * 1024)}), ParseErrorCode.ZIP_BOMB),
        (zipped({"inner.zip": zipped({"a.xml": b"<a/>"})}), ParseErrorCode.UNSUPPORTED_VERSION),
        (zipped({}), ParseErrorCode.NO_CONTENT),
        (b"PK\x03\x04garbage", ParseErrorCode.MALFORMED),
        (b"", None),
    ],
)
def test_hostile_input_gets_a_coded_error_and_writes_nothing(db, plugins, data, code):
    viewer = make_org(db)
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, data, max_unzipped=4 * 1024 * 1024)
    if code is not None:
        assert err.value.code is code
    assert count(db, ImportFile) == 0 and count(db, StatementEntry) == 0


def test_oversized_upload(db, plugins):
    viewer = make_org(db)
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, b"x" * 2048, max_bytes=1024)
    assert err.value.code.value == "FILE_TOO_LARGE"


def test_billion_laughs_is_refused_quickly(db, plugins):
    viewer = make_org(db)
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><a>&lol2;</a></Document>'
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, lol, fmt="camt.053")
    assert err.value.code is ParseErrorCode.FORBIDDEN_XML


def test_cli_json_summary_and_error(db, tmp_path, monkeypatch):
    from arapi.cli import main

    path = tmp_path / "s.xml"
    path.write_bytes(camt([("A1", "50.00", "CRDT", "E1", None)], "150.00"))
    monkeypatch.setenv("ARAPI_DATABASE_URL", db.url.replace("+psycopg", ""))
    out = CliRunner().invoke(main, ["import", "statement", str(path), "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert (
        summary["duplicate"] is False
        and summary["entryCount"] == 1
        and summary["creditTotal"] == "50.00"
    )
    assert set(summary) >= {
        "duplicate",
        "entryCount",
        "creditTotal",
        "debitTotal",
        "statements",
        "warnings",
    }
    again = json.loads(
        CliRunner().invoke(main, ["import", "statement", str(path), "--json"]).output
    )
    assert again["duplicate"] is True
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"not a statement")
    out = CliRunner().invoke(main, ["import", "statement", str(bad), "--json"])
    assert out.exit_code == 1 and json.loads(out.output)["error"]["code"] == "UNKNOWN_FORMAT"


def test_concurrent_imports_of_the_same_file_write_it_once(db, db_url, plugins):
    """Five clients send the same bytes at once: one imports, the others are told duplicate."""
    viewer = make_org(db)
    data = camt([("C1", "50.00", "CRDT", "E1", None), ("C2", "5.00", "DBIT", "E2", None)], "145.00")

    def job(s):
        result = statements.import_statement(s, viewer, plugins, data)
        return "duplicate" if result.duplicate else "imported"

    outcomes = run_at_once(db, db_url, [job] * 5)
    assert sorted(outcomes) == ["duplicate"] * 4 + ["imported"]
    assert count(db, ImportFile) == 1 and count(db, StatementEntry) == 2
    assert count(db, Payment) == 1


def test_concurrent_overlapping_statements_are_de_duplicated(db, db_url, plugins):
    """Four different files of one account, sharing lines, imported at once: each line once.

    Without the account lock the later transactions could not see the lines of
    the earlier ones and would fail on the entries' unique key (PostgreSQL).
    """
    viewer = make_org(db)
    lines = [(f"L{n}", f"{n}.00", "CRDT", f"E{n}", None) for n in range(1, 9)]
    files = [camt(lines[start : start + 4], "999.00") for start in (0, 2, 4, 1)]

    def job_for(data):
        return lambda s: statements.import_statement(s, viewer, plugins, data).summary["newEntries"]

    written = run_at_once(db, db_url, [job_for(data) for data in files])
    assert sum(written) == 8, written  # the union of the files' lines, whatever the order
    assert count(db, StatementEntry) == 8 and count(db, Payment) == 8
    assert count(db, ImportFile) == 4


OFX_WITH_NUL = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
CHARSET:1252

<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>30006<ACCTID>00012345678<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250301<TRNAMT>50,00<FITID>F1<NAME>DUPONT<MEMO>FACT\x00URE 12</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>50,00<DTASOF>20250301</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_a_nul_in_the_upload_name_is_dropped_from_the_stored_name(db, plugins):
    """The name comes from the client's multipart header: cleaned, not refused."""
    viewer = make_org(db)
    data = camt([("N1", "1.00", "CRDT", "E1", None)], "101.00")
    do_import(db, viewer, plugins, data, filename="releve\x00.xml")
    with db.read() as s:
        assert s.scalar(select(ImportFile.filename)) == "releve.xml"


def test_a_nul_character_in_a_text_field_refuses_the_file(db, plugins):
    """PostgreSQL cannot store NUL: the file is refused before anything is written, on both backends."""
    viewer = make_org(db)
    with pytest.raises(ArapiError) as err:
        do_import(db, viewer, plugins, OFX_WITH_NUL)
    assert err.value.code is ParseErrorCode.ENCODING
    assert "statements[0].lines[0].remittance holds a NUL character" in err.value.message
    assert count(db, ImportFile) == 0 and count(db, StatementEntry) == 0
    clean = do_import(db, viewer, plugins, OFX_WITH_NUL.replace(b"\x00", b""))
    assert clean.summary["newEntries"] == 1
