"""What a camt Ntry / TxDtls / Stmt becomes, case by case, on small inline documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arapi_camt import Camt053Parser, Camt054Parser

from arapi.plugin.types import ParseError, ParseErrorCode, StatementLine

OWN_IBAN = "FR7630006000011234567890189"
OWN_ACCOUNT = f"<Id><IBAN>{OWN_IBAN}</IBAN></Id><Ccy>EUR</Ccy>"


def statement_xml(
    body: str,
    *,
    version: str = "camt.053.001.08",
    account: str = OWN_ACCOUNT,
    header: str = "",
    statement_id: str = "S-1",
) -> bytes:
    """A one-statement camt.053 document (or camt.054 when ``version`` says so)."""
    message, container = (
        ("BkToCstmrDbtCdtNtfctn", "Ntfctn") if "054" in version else ("BkToCstmrStmt", "Stmt")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">
  <{message}>
    <GrpHdr><MsgId>M-1</MsgId><CreDtTm>2025-03-01T06:00:00</CreDtTm></GrpHdr>
    <{container}><Id>{statement_id}</Id><Acct>{account}</Acct>{header}{body}</{container}>
  </{message}>
</Document>""".encode()


def entry(
    amount: str = "10.00",
    direction: str = "CRDT",
    *,
    extra: str = "",
    details: str = "",
    after: str = "",
) -> str:
    dtls = f"<NtryDtls>{details}</NtryDtls>" if details else ""
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts>{extra}{dtls}{after}</Ntry>"
    )


def balance(
    kind: str,
    amount: str,
    direction: str = "CRDT",
    on: str = "<Dt>2025-03-01</Dt>",
    ccy: str = "EUR",
) -> str:
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{amount}</Amt>'
        f"<CdtDbtInd>{direction}</CdtDbtInd><Dt>{on}</Dt></Bal>"
    )


def only_line(data: bytes) -> StatementLine:
    (statement,) = Camt053Parser().parse(data).statements
    (line,) = statement.lines
    return line


def parse_error(data: bytes, parser=None) -> ParseError:
    with pytest.raises(ParseError) as caught:
        (parser or Camt053Parser()).parse(data)
    return caught.value


# ---------------------------------------------------------------- amounts and signs


def test_credit_is_positive_and_debit_negative_with_the_written_scale():
    credit = only_line(statement_xml(entry("8.850", "CRDT")))
    debit = only_line(statement_xml(entry("1200", "DBIT")))
    assert credit.amount == Decimal("8.850") and str(credit.amount) == "8.850"
    assert debit.amount == Decimal("-1200") and not debit.is_credit
    assert credit.currency == "EUR"


def test_a_decimal_comma_is_read():
    assert only_line(statement_xml(entry("12,34"))).amount == Decimal("12.34")


@pytest.mark.parametrize("bad", ["-5.00", "1e3", "NaN", "12.3.4", "", "１２"])
def test_amounts_that_are_not_iso_amounts_are_refused(bad):
    error = parse_error(statement_xml(entry(bad)))
    assert error.code in (ParseErrorCode.INVALID_AMOUNT, ParseErrorCode.MISSING_FIELD)
    assert "S-1" in error.message and "entry 1" in error.message


def test_a_non_iso_currency_is_refused():
    data = statement_xml(entry().replace('Ccy="EUR"', 'Ccy="EUX"'))
    assert parse_error(data).code is ParseErrorCode.INVALID_CURRENCY
    bad_account = statement_xml(entry(), account="<Id><IBAN>X</IBAN></Id><Ccy>EURO</Ccy>")
    assert parse_error(bad_account).code is ParseErrorCode.INVALID_CURRENCY


def test_an_entry_without_ccy_takes_the_account_currency_else_fails():
    no_ccy = entry().replace(' Ccy="EUR"', "")
    assert only_line(statement_xml(no_ccy)).currency == "EUR"
    error = parse_error(statement_xml(no_ccy, account="<Id><IBAN>X</IBAN></Id>"))
    assert error.code is ParseErrorCode.MISSING_FIELD


def test_credit_debit_indicator_is_required_and_checked():
    missing = statement_xml('<Ntry><Amt Ccy="EUR">1.00</Amt><Sts>BOOK</Sts></Ntry>')
    assert parse_error(missing).code is ParseErrorCode.MISSING_FIELD
    assert parse_error(statement_xml(entry(direction="CRED"))).code is ParseErrorCode.MALFORMED
    no_amount = statement_xml("<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>")
    assert parse_error(no_amount).code is ParseErrorCode.MISSING_FIELD


def test_a_zero_debit_is_not_minus_zero():
    assert str(only_line(statement_xml(entry("0.00", "DBIT"))).amount) == "0.00"


# ---------------------------------------------------------------- entry fields


def test_status_reads_both_the_v02_text_and_the_v08_code():
    v02 = statement_xml(
        entry().replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>PDNG</Sts>"), version="camt.053.001.02"
    )
    assert only_line(v02).status == "PDNG"
    assert only_line(statement_xml(entry())).status == "BOOK"
    info = entry().replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts><Prtry>INFO</Prtry></Sts>")
    assert only_line(statement_xml(info)).status == "INFO"


def test_booking_and_value_dates_from_dt_or_dttm():
    line = only_line(
        statement_xml(
            entry(
                extra=(
                    "<BookgDt><DtTm>2025-03-01T23:30:00-05:00</DtTm></BookgDt>"
                    "<ValDt><Dt>2025-03-03</Dt></ValDt>"
                )
            )
        )
    )
    assert line.booking_date == date(2025, 3, 1)  # the date the bank wrote, offset or not
    assert line.value_date == date(2025, 3, 3)
    bad = statement_xml(entry(extra="<BookgDt><Dt>2025-02-30</Dt></BookgDt>"))
    assert parse_error(bad).code is ParseErrorCode.INVALID_DATE


def test_reversal_indicator():
    reversed_ = only_line(statement_xml(entry("5.00", "DBIT", extra="<RvslInd>true</RvslInd>")))
    assert reversed_.reversal is True and reversed_.amount == Decimal("-5.00")
    assert only_line(statement_xml(entry(extra="<RvslInd>false</RvslInd>"))).reversal is False
    assert only_line(statement_xml(entry())).reversal is False


def test_natural_key_is_the_servicer_reference_else_the_entry_reference():
    both = entry(extra="<AcctSvcrRef> ASR-1 </AcctSvcrRef>").replace(
        "<Ntry>", "<Ntry><NtryRef>N-1</NtryRef>"
    )
    line = only_line(statement_xml(both))
    assert line.natural_key == "ASR-1" and line.bank_reference == "ASR-1"
    only_ref = entry().replace("<Ntry>", "<Ntry><NtryRef>N-1</NtryRef>")
    line = only_line(statement_xml(only_ref))
    assert line.natural_key == "N-1" and line.bank_reference is None
    assert only_line(statement_xml(entry())).natural_key is None


def test_bank_transaction_code_domain_family_subfamily_else_proprietary():
    domain = (
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn><Prtry><Cd>05</Cd><Issr>CFONB</Issr></Prtry></BkTxCd>"
    )
    assert only_line(statement_xml(entry(extra=domain))).bank_transaction_code == "PMNT/RCDT/ESCT"
    proprietary = "<BkTxCd><Prtry><Cd>NTRF+020</Cd><Issr>ZKA</Issr></Prtry></BkTxCd>"
    assert only_line(statement_xml(entry(extra=proprietary))).bank_transaction_code == "NTRF+020"
    assert only_line(statement_xml(entry(extra="<BkTxCd/>"))).bank_transaction_code is None


# ---------------------------------------------------------------- transaction details


def tx(inner: str) -> str:
    return f"<TxDtls>{inner}</TxDtls>"


def test_single_transaction_is_lifted_to_the_line():
    details = tx(
        "<Refs><InstrId>I-1</InstrId><EndToEndId>E2E-1</EndToEndId><MndtId>MD-1</MndtId></Refs>"
        "<RltdPties><Dbtr><Pty><Nm>Client  SARL</Nm></Pty></Dbtr>"
        "<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>"
        f"<Cdtr><Pty><Nm>Us</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>{OWN_IBAN}</IBAN></Id></CdtrAcct>"
        "</RltdPties>"
        "<RmtInf><Ustrd>Facture INV-1 </Ustrd><Ustrd> et INV-2</Ustrd></RmtInf>"
    )
    line = only_line(statement_xml(entry("99.00", details=details)))
    assert line.counterparty_name == "Client SARL"
    assert line.counterparty_iban == "DE89370400440532013000"
    assert line.remittance == "Facture INV-1 et INV-2"
    assert line.end_to_end_id == "E2E-1"
    (detail,) = line.details
    assert detail.mandate_id == "MD-1"
    assert detail.amount == Decimal("99.00") and detail.currency == "EUR"  # the entry's amount


def test_counterparty_of_a_debit_is_the_creditor_and_v02_names_are_direct():
    details = tx(
        "<RltdPties><Dbtr><Nm>Us</Nm></Dbtr>"
        "<Cdtr><Nm>Supplier GmbH</Nm></Cdtr>"
        "<CdtrAcct><Id><IBAN>DE02 1203 0000 0000 2020 51</IBAN></Id></CdtrAcct></RltdPties>"
    )
    line = only_line(
        statement_xml(entry("50.00", "DBIT", details=details), version="camt.053.001.02")
    )
    assert line.counterparty_name == "Supplier GmbH"
    assert line.counterparty_iban == "DE02120300000000202051"


def test_ultimate_debtor_names_the_counterparty_when_the_debtor_has_no_name():
    details = tx(
        "<RltdPties><DbtrAcct><Id><IBAN>BE68539007547034</IBAN></Id></DbtrAcct>"
        "<UltmtDbtr><Nm>Real Payer NV</Nm></UltmtDbtr></RltdPties>"
    )
    line = only_line(statement_xml(entry(details=details)))
    assert (
        line.counterparty_name == "Real Payer NV" and line.counterparty_iban == "BE68539007547034"
    )


REVERSAL = "<RvslInd>true</RvslInd>"


def test_reversed_collection_is_paid_back_to_its_debtor():
    """A refunded direct debit (DBIT, reversal) as Swiss banks write it: the original parties."""
    details = tx(
        "<RltdPties><Dbtr><Nm>Bernasconi Maria</Nm></Dbtr>"
        "<DbtrAcct><Id><IBAN>CH3709000000250094580</IBAN></Id></DbtrAcct></RltdPties>"
    )
    line = only_line(statement_xml(entry("6.00", "DBIT", extra=REVERSAL, details=details)))
    assert (line.counterparty_name, line.counterparty_iban) == (
        "Bernasconi Maria",
        "CH3709000000250094580",
    )
    # The same transaction, not a reversal: a debit's counterparty is its creditor, absent here.
    plain = only_line(statement_xml(entry("6.00", "DBIT", details=details)))
    assert (plain.counterparty_name, plain.counterparty_iban) == (None, None)


def test_reversal_written_as_a_booking_of_its_own_still_names_the_counterparty():
    """Dutch banks fill an unpaid collection's reversal with a Cdtr: read when no Dbtr is given."""
    details = tx(
        "<RltdPties><Cdtr><Nm>Test Customer</Nm></Cdtr>"
        "<CdtrAcct><Id><IBAN>NL46ABNA0499998748</IBAN></Id></CdtrAcct></RltdPties>"
    )
    line = only_line(statement_xml(entry("594.05", "DBIT", extra=REVERSAL, details=details)))
    assert line.counterparty_name == "Test Customer"
    assert line.counterparty_iban == "NL46ABNA0499998748"
    # ...but never our own account.
    ours = tx(
        f"<RltdPties><Cdtr><Nm>Us</Nm></Cdtr><CdtrAcct><Id><IBAN>{OWN_IBAN}</IBAN></Id>"
        "</CdtrAcct></RltdPties>"
    )
    line = only_line(statement_xml(entry("594.05", "DBIT", extra=REVERSAL, details=ours)))
    assert (line.counterparty_name, line.counterparty_iban) == (None, None)


def test_batch_booking_keeps_every_transaction_in_details():
    details = "<Btch><NbOfTxs>3</NbOfTxs></Btch>" + "".join(
        tx(
            f"<Refs><EndToEndId>PAY-{n}</EndToEndId></Refs>"
            f'<Amt Ccy="EUR">{n}0.00</Amt>'
            f'<AmtDtls><TxAmt><Amt Ccy="EUR">{n}0.00</Amt></TxAmt></AmtDtls>'
            f"<RltdPties><Cdtr><Nm>Supplier {n}</Nm></Cdtr>"
            f"<CdtrAcct><Id><IBAN>DE0212030000000020205{n}</IBAN></Id></CdtrAcct></RltdPties>"
            f"<RmtInf><Ustrd>Invoice {n}</Ustrd></RmtInf>"
        )
        for n in (1, 2, 3)
    )
    line = only_line(
        statement_xml(
            entry("60.00", "DBIT", details=details, after="<AddtlNtryInf>SEPA batch</AddtlNtryInf>")
        )
    )
    assert [d.amount for d in line.details] == [
        Decimal("-10.00"),
        Decimal("-20.00"),
        Decimal("-30.00"),
    ]
    assert sum(d.amount for d in line.details) == line.amount
    assert [d.end_to_end_id for d in line.details] == ["PAY-1", "PAY-2", "PAY-3"]
    assert [d.counterparty_name for d in line.details] == ["Supplier 1", "Supplier 2", "Supplier 3"]
    assert line.details[2].remittance == "Invoice 3"
    # several transactions: nothing is lifted, the batch's own text describes the line
    assert line.counterparty_name is None and line.end_to_end_id is None
    assert line.remittance == "SEPA batch"


def test_the_booked_tx_amount_wins_over_the_instructed_and_plain_amounts():
    details = "".join(
        tx(
            '<Amt Ccy="USD">11.00</Amt><AmtDtls><InstdAmt><Amt Ccy="USD">11.00</Amt></InstdAmt>'
            '<TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>'
        )
        for _ in range(2)
    )
    line = only_line(statement_xml(entry("20.00", details=details)))
    assert {(d.amount, d.currency) for d in line.details} == {(Decimal("10.00"), "EUR")}


def test_sdd_return_with_reason_and_original_end_to_end_id():
    details = tx(
        "<Refs><EndToEndId>SDD-INV-7</EndToEndId><MndtId>MD-7</MndtId></Refs>"
        "<RltdPties><Dbtr><Pty><Nm>Late Payer SA</Nm></Pty></Dbtr>"
        "<DbtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></DbtrAcct>"
        f"<Cdtr><Pty><Nm>Us</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>{OWN_IBAN}</IBAN></Id></CdtrAcct>"
        "</RltdPties>"
        "<RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>Insufficient funds</AddtlInf></RtrInf>"
    )
    line = only_line(
        statement_xml(
            entry(
                "45.00",
                "DBIT",
                details=details,
                extra=(
                    "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn>"
                    "</BkTxCd>"
                ),
            )
        )
    )
    assert line.amount == Decimal("-45.00")
    assert line.return_reason == "AM04" and line.details[0].return_reason == "AM04"
    assert line.end_to_end_id == "SDD-INV-7" and line.details[0].mandate_id == "MD-7"
    # the creditor side is our own account, so the counterparty is the debtor who returned it
    assert line.counterparty_name == "Late Payer SA"
    assert line.counterparty_iban == "FR1420041010050500013M02606"


def test_proprietary_return_reason():
    details = tx("<RtrInf><Rsn><Prtry>R-XYZ</Prtry></Rsn></RtrInf>")
    assert only_line(statement_xml(entry("1.00", "DBIT", details=details))).return_reason == "R-XYZ"


def test_return_without_a_reason_code_is_an_unspecified_return():
    details = tx("<RtrInf><AddtlInf>Retour</AddtlInf></RtrInf>")
    assert only_line(statement_xml(entry("1.00", "DBIT", details=details))).return_reason == "MS03"


def test_structured_rf_reference_is_compacted():
    spaced = tx(
        "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr>"
        "</Tp><Ref>rf18 5390 0754 7034</Ref></CdtrRefInf></Strd></RmtInf>"
    )
    line = only_line(statement_xml(entry(details=spaced)))
    assert line.creditor_reference == "RF18539007547034"
    assert line.remittance is None
    other = tx(
        "<RmtInf><Strd><CdtrRefInf><Ref>302388292000011111111111111</Ref></CdtrRefInf>"
        "</Strd></RmtInf>"
    )
    assert only_line(statement_xml(entry(details=other))).creditor_reference == (
        "302388292000011111111111111"
    )
    # wrong check digits (RF19): not an RF reference, so kept as sent
    mistyped = tx(
        "<RmtInf><Strd><CdtrRefInf><Ref>rf19 5390 0754 7034</Ref></CdtrRefInf></Strd></RmtInf>"
    )
    assert only_line(statement_xml(entry(details=mistyped))).creditor_reference == (
        "rf19 5390 0754 7034"
    )


def test_structured_remittance_adds_document_numbers_more_references_and_lines():
    """What a Strd says besides its first reference is remittance text, where matching looks."""
    details = tx(
        "<RmtInf><Ustrd>Payment</Ustrd>"
        "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-2025-0042</Nb>"
        "</RfrdDocInf><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf>"
        "<AddtlRmtInf>thank you</AddtlRmtInf><AddtlRmtInf>?REJECT?0</AddtlRmtInf></Strd>"
        "<Strd><RfrdDocInf><Nb>INV-2025-0043</Nb></RfrdDocInf>"
        "<CdtrRefInf><Ref>RF71 2348 231</Ref></CdtrRefInf><AddtlRmtInf>?ERROR?000</AddtlRmtInf>"
        "</Strd></RmtInf>"
    )
    line = only_line(statement_xml(entry(details=details)))
    assert line.creditor_reference == "RF18539007547034"
    # Swiss processing codes (?REJECT?0, ?ERROR?000) are no remittance text.
    assert line.remittance == "Payment INV-2025-0042 thank you INV-2025-0043 RF71 2348 231"


def test_notprovided_end_to_end_id_is_no_id():
    details = tx("<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>")
    line = only_line(statement_xml(entry(details=details)))
    assert line.end_to_end_id is None and line.details[0].end_to_end_id is None


def test_remittance_falls_back_to_transaction_then_entry_information():
    with_tx_info = tx("<AddtlTxInf>Tx info</AddtlTxInf>")
    line = only_line(
        statement_xml(entry(details=with_tx_info, after="<AddtlNtryInf>Entry info</AddtlNtryInf>"))
    )
    assert line.remittance == "Tx info"
    line = only_line(
        statement_xml(entry(details=tx(""), after="<AddtlNtryInf>Entry info</AddtlNtryInf>"))
    )
    assert line.remittance == "Entry info"
    line = only_line(statement_xml(entry(after="<AddtlNtryInf>Frais\n   bancaires</AddtlNtryInf>")))
    assert line.remittance == "Frais bancaires" and line.details == ()


# ---------------------------------------------------------------- statements


def test_balances_opening_prefers_opbd_and_debit_balances_are_negative():
    header = (
        balance("PRCD", "1.00")
        + balance("OPBD", "100.00", "DBIT")
        + balance("CLAV", "5.00")
        + balance("CLBD", "70.00", "DBIT", "<DtTm>2025-03-01T18:00:00Z</DtTm>")
    )
    (statement,) = Camt053Parser().parse(statement_xml(entry("30.00"), header=header)).statements
    assert statement.opening_balance == Decimal("-100.00")
    assert statement.closing_balance == Decimal("-70.00")
    assert statement.closing_date == date(2025, 3, 1)
    assert statement.balance_statuses == ("BOOK",)
    booked = sum(
        line.amount for line in statement.lines if line.status in statement.balance_statuses
    )
    assert statement.opening_balance + booked == statement.closing_balance


def test_previous_closing_is_the_opening_when_there_is_no_opbd():
    header = balance("PRCD", "12.00", on="<Dt>2025-02-28</Dt>")
    (statement,) = Camt053Parser().parse(statement_xml("", header=header)).statements
    assert statement.opening_balance == Decimal("12.00")
    assert statement.opening_date == date(2025, 2, 28)
    assert statement.closing_balance is None and statement.lines == ()


def test_balances_written_after_the_entries_still_count():
    data = statement_xml(
        entry("5.00") + balance("CLBD", "105.00"), header=balance("OPBD", "100.00")
    )
    (statement,) = Camt053Parser().parse(data).statements
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("100.00"),
        Decimal("105.00"),
    )


def test_a_balance_in_another_currency_is_a_warning():
    header = balance("CLBD", "1.00", ccy="SEK")
    result = Camt053Parser().parse(statement_xml(entry(), header=header))
    assert result.statements[0].closing_balance == Decimal("1.00")
    assert any("SEK" in warning for warning in result.warnings)


def test_other_account_id_and_currency_from_the_entries():
    data = statement_xml(entry(), account="<Id><Othr><Id>ABCDE1234</Id></Othr></Id>")
    (statement,) = Camt053Parser().parse(data).statements
    assert statement.account == "ABCDE1234" and statement.currency == "EUR"
    assert statement.statement_id == "S-1" and statement.format == "camt.053"


def test_currency_from_the_balances_when_no_account_currency_nor_entries():
    data = statement_xml(
        "",
        account="<Id><IBAN>GB33BUKB20201555555555</IBAN></Id>",
        header=balance("OPBD", "5442.09000", ccy="RON"),
    )
    assert Camt053Parser().parse(data).statements[0].currency == "RON"


def test_several_statements_in_one_file():
    one = statement_xml(entry("1.00"), statement_id="A")
    two_statements = one.replace(
        b"</Stmt>",
        b"</Stmt><Stmt><Id>B</Id>"
        + f"<Acct>{OWN_ACCOUNT}</Acct>".encode()
        + entry("2.00", "DBIT").encode()
        + entry("3.00").encode()
        + b"</Stmt>",
    )
    statements = Camt053Parser().parse(two_statements).statements
    assert [s.statement_id for s in statements] == ["A", "B"]
    assert [len(s.lines) for s in statements] == [1, 2]
    assert statements[1].lines[0].amount == Decimal("-2.00")


def test_duplicate_entry_references_are_reported():
    twice = entry(extra="<AcctSvcrRef>SAME</AcctSvcrRef>") * 2
    result = Camt053Parser().parse(statement_xml(twice))
    assert len(result.statements[0].lines) == 2
    assert any("SAME" in warning for warning in result.warnings)


def test_a_document_without_statements_has_no_content():
    data = (
        statement_xml("")
        .replace(b"<Stmt><Id>S-1</Id>", b"")
        .replace(f"<Acct>{OWN_ACCOUNT}</Acct></Stmt>".encode(), b"")
    )
    assert b"<Stmt>" not in data
    assert parse_error(data).code is ParseErrorCode.NO_CONTENT


# ---------------------------------------------------------------- versions and message kinds


@pytest.mark.parametrize(
    "version",
    ["camt.053.001.02", "camt.053.001.04", "camt.053.001.10", "camt.053.001.13", "camt.053.001.99"],
)
def test_any_version_of_the_schema_is_read(version):
    line = only_line(statement_xml(entry("7.00"), version=version))
    assert line.amount == Decimal("7.00")


def test_a_prefixed_namespace_and_no_namespace_are_read():
    prefixed = statement_xml(entry("7.00")).decode()
    prefixed = prefixed.replace('xmlns="', 'xmlns:c="').replace("<", "<c:").replace("<c:/", "</c:")
    prefixed = prefixed.replace("<c:?xml", "<?xml")
    assert only_line(prefixed.encode()).amount == Decimal("7.00")
    bare = statement_xml(entry("8.00")).replace(
        b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"', b""
    )
    assert only_line(bare).amount == Decimal("8.00")
    assert any("namespace" in warning for warning in Camt053Parser().parse(bare).warnings)


def test_camt052_reports_are_read_by_the_statement_parser():
    data = (
        statement_xml(entry(), version="camt.052.001.08")
        .replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
        .replace(b"<Stmt>", b"<Rpt>")
        .replace(b"</Stmt>", b"</Rpt>")
    )
    assert Camt053Parser().sniff(data) and not Camt054Parser().sniff(data)
    (report,) = Camt053Parser().parse(data).statements
    assert report.format == "camt.052" and len(report.lines) == 1
    assert parse_error(data, Camt054Parser()).code is ParseErrorCode.UNKNOWN_FORMAT


def test_camt054_notifications_and_the_wrong_parser():
    data = statement_xml(entry("3.00", "DBIT"), version="camt.054.001.08")
    (notification,) = Camt054Parser().parse(data).statements
    assert notification.format == "camt.054" and notification.opening_balance is None
    assert notification.lines[0].amount == Decimal("-3.00")
    assert parse_error(data, Camt053Parser()).code is ParseErrorCode.UNKNOWN_FORMAT
    assert (
        parse_error(statement_xml(entry()), Camt054Parser()).code is ParseErrorCode.UNKNOWN_FORMAT
    )


def test_sniff_tells_the_messages_apart_and_never_both():
    stmt = statement_xml(entry())
    ntfctn = statement_xml(entry(), version="camt.054.001.02")
    pain = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>'
    p053, p054 = Camt053Parser(), Camt054Parser()
    assert (p053.sniff(stmt), p054.sniff(stmt)) == (True, False)
    assert (p053.sniff(ntfctn), p054.sniff(ntfctn)) == (False, True)
    assert (p053.sniff(pain), p054.sniff(pain)) == (False, False)
    # a camt.053 whose text mentions camt.054 is still a camt.053
    tricky = stmt.replace(b"<MsgId>M-1</MsgId>", b"<MsgId>camt.054 BkToCstmrDbtCdtNtfctn</MsgId>")
    assert (p053.sniff(tricky), p054.sniff(tricky)) == (True, False)
    utf16 = stmt.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert (p053.sniff(utf16), p054.sniff(utf16)) == (True, False)
    assert len(Camt053Parser().parse(utf16).statements[0].lines) == 1


def test_plugin_registers_both_parsers_through_the_host():
    import importlib.metadata

    import arapi_camt

    from arapi.plugin import PluginHost

    host = PluginHost()
    host.register(arapi_camt, "camt")
    parsers = host.statement_parsers()
    assert parsers["camt.053"].label == "ISO 20022 camt.053 statement"
    assert parsers["camt.054"].label == "camt.054 debit/credit notification"
    assert PluginHost.pick(parsers, statement_xml(entry()), None) is parsers["camt.053"]
    points = importlib.metadata.entry_points(group="arapi")
    assert any(point.name == "camt" and point.value == "arapi_camt" for point in points)
