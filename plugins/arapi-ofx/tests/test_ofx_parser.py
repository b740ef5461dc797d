"""The OFX parser on small files written for these tests: contract, samples and each quirk."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal

import pytest
from arapi_ofx import OfxStatementParser, parse, parse_careful, sniff

from arapi.plugin import PluginHost
from arapi.plugin.types import ParseError, ParseErrorCode, StatementFile
from arapi.testing.contracts import StatementParserContract

# ---------------------------------------------------------------- samples

SGML_HEADER_1252 = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)

# OFX 1.02 SGML, Windows-1252, French bank: decimal commas, unclosed elements,
# an accented memo, a RIB with its key (-> IBAN), REFNUM and CHECKNUM.
SGML_1252 = (
    SGML_HEADER_1252 + "<OFX>\r\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<DTSERVER>20250131120000[+1:CET]<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>\r\n"
    "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\r\n"
    "<STMTRS><CURDEF>EUR\r\n"
    "<BANKACCTFROM><BANKID>30004<BRANCHID>00001<ACCTID>00012345678<ACCTKEY>30"
    "<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
    "<BANKTRANLIST><DTSTART>20250101<DTEND>20250131\r\n"
    "<STMTTRN>\r\n<TRNTYPE>CREDIT\r\n<DTPOSTED>20250110\r\n<DTUSER>20250109\r\n"
    "<TRNAMT>1250,40\r\n<FITID>F0001\r\n<REFNUM>VIR123\r\n<NAME>SARL DUPONT\r\n"
    "<MEMO>FACTURE F2025-001 Règlement\r\n</STMTTRN>\r\n"
    "<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>20250115\r\n<DTAVAIL>20250116\r\n"
    "<TRNAMT>-89,90\r\n<FITID>F0002\r\n<CHECKNUM>1234567\r\n<NAME>EDF\r\n"
    "<MEMO>PRLV SEPA EDF\r\n</STMTTRN>\r\n"
    "</BANKTRANLIST>\r\n<LEDGERBAL><BALAMT>3160,50<DTASOF>20250131</LEDGERBAL>\r\n"
    "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n"
).encode("cp1252")

# OFX 2.11 XML, UTF-8, credit card: a comment, a character reference, a PAYEE
# aggregate and a transaction in a foreign currency (CURRENCY/CURSYM).
XML_211 = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
    <DTSERVER>20250131</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
  <CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>7</TRNUID>
    <STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
    <CCSTMTRS><CURDEF>GBP</CURDEF><CCACCTFROM><ACCTID>4111111111111111</ACCTID></CCACCTFROM>
      <BANKTRANLIST><DTSTART>20250101</DTSTART><DTEND>20250131</DTEND>
        <!-- a comment the parser must ignore: <STMTTRN> -->
        <STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20250103120000.000[-5:EST]</DTPOSTED>
          <TRNAMT>-42.00</TRNAMT><FITID>CC1</FITID><NAME>Marks &amp; Spencer</NAME>
          <MEMO>Café crème</MEMO></STMTTRN>
        <STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20250105</DTPOSTED><TRNAMT>-10.00</TRNAMT>
          <FITID>CC2</FITID><PAYEE><NAME>Hôtel du Nord</NAME></PAYEE>
          <CURRENCY><CURRATE>0.85</CURRATE><CURSYM>EUR</CURSYM></CURRENCY></STMTTRN>
      </BANKTRANLIST>
      <LEDGERBAL><BALAMT>-52.00</BALAMT><DTASOF>20250131</DTASOF></LEDGERBAL>
    </CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>
</OFX>
""".encode()

# No header at all: the file starts with <OFX> (some exports do this).
HEADERLESS = b"""
<OFX>
<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD
<BANKACCTFROM><BANKID>121099999<ACCTID>999988<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>CHECK<DTPOSTED>20240102<TRNAMT>-200.00<FITID>H1<CHECKNUM>101<NAME>ACME RENT</STMTTRN>
<STMTTRN><TRNTYPE>DEP<DTPOSTED>20240105<TRNAMT>+1500<FITID>H2<NAME>PAYROLL</STMTTRN>
</BANKTRANLIST>
<LEDGERBAL><BALAMT>1300.00<DTASOF>20240131</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""

SAMPLES = [SGML_1252, XML_211, HEADERLESS]


def sgml(body: str, header: str = SGML_HEADER_1252, encoding: str = "cp1252") -> bytes:
    """An OFX 1.x file around ``body`` (the part inside <OFX>)."""
    return (header + "<OFX>" + body + "</OFX>").encode(encoding)


def bank(transactions: str, *, curdef: str = "EUR", acctid: str = "12345", extra: str = "") -> str:
    """A bank statement response holding ``transactions`` (STMTTRN markup)."""
    return (
        f"<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>{curdef}"
        f"<BANKACCTFROM><BANKID>1<ACCTID>{acctid}<ACCTTYPE>CHECKING</BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>20240101<DTEND>20240131{transactions}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>100.00<DTASOF>20240131</LEDGERBAL>{extra}</STMTRS></STMTTRNRS></BANKMSGSRSV1>"
    )


def trn(amount: str = "-1.00", fitid: str = "T1", posted: str = "20240115", extra: str = "") -> str:
    """One SGML STMTTRN."""
    return (
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{posted}<TRNAMT>{amount}<FITID>{fitid}{extra}</STMTTRN>"
    )


def _one_statement(data: bytes):
    result = parse(data)
    assert len(result.statements) == 1, result
    return result.statements[0]


def _error(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data)
    return caught.value


# ---------------------------------------------------------------- contract


class TestOfxContract(StatementParserContract):
    corpus_folders = ("ofx",)
    parser = OfxStatementParser()
    samples = SAMPLES


def test_registered_through_the_entry_point():
    parsers = PluginHost.from_entry_points().statement_parsers()
    assert "ofx" in parsers
    assert isinstance(parsers["ofx"], OfxStatementParser)
    assert parsers["ofx"].label == "OFX 1.x SGML / 2.x XML"


# ---------------------------------------------------------------- the three samples


def test_sgml_1252_sample():
    statement = _one_statement(SGML_1252)
    assert statement.format == "ofx"
    assert statement.account == "FR7630004000010001234567830"  # RIB + key -> IBAN
    assert statement.currency == "EUR"
    assert statement.opening_balance is None
    assert statement.closing_balance == Decimal("3160.50")
    assert statement.closing_date == date(2025, 1, 31)
    first, second = statement.lines
    assert first.amount == Decimal("1250.40")
    assert first.currency == "EUR"
    assert first.booking_date == date(2025, 1, 10)
    assert first.value_date == date(2025, 1, 9)  # DTUSER when there is no DTAVAIL
    assert first.natural_key == "F0001"
    assert first.counterparty_name == "SARL DUPONT"
    assert first.remittance == "FACTURE F2025-001 Règlement"
    assert first.bank_reference == "VIR123"
    assert first.bank_transaction_code == "CREDIT"
    assert second.amount == Decimal("-89.90")
    assert second.value_date == date(2025, 1, 16)  # DTAVAIL
    assert second.bank_reference == "1234567"  # CHECKNUM when there is no REFNUM
    assert parse(SGML_1252).warnings == ()


def test_xml_211_sample():
    statement = _one_statement(XML_211)
    assert statement.account == "4111111111111111"
    assert statement.currency == "GBP"
    assert statement.closing_balance == Decimal("-52.00")
    first, second = statement.lines
    assert first.counterparty_name == "Marks & Spencer"
    assert first.remittance == "Café crème"
    assert first.booking_date == date(2025, 1, 3)
    assert first.currency == "GBP"
    assert second.counterparty_name == "Hôtel du Nord"  # PAYEE/NAME
    assert second.currency == "EUR"  # CURRENCY/CURSYM
    assert len(statement.lines) == 2  # the <STMTTRN> inside the comment is not one


def test_headerless_sample():
    statement = _one_statement(HEADERLESS)
    assert statement.account == "999988"
    assert [line.amount for line in statement.lines] == [Decimal("-200.00"), Decimal("1500")]
    assert statement.lines[0].bank_reference == "101"


@pytest.mark.parametrize("sample", SAMPLES, ids=["sgml-1252", "xml-211", "headerless"])
def test_samples_read_the_same_on_both_paths(sample):
    assert parse(sample) == parse_careful(sample)


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "head",
    [
        SGML_1252[:200],
        XML_211[:200],
        HEADERLESS[:200],
        codecs.BOM_UTF8 + SGML_1252[:200],
        codecs.BOM_UTF8 + XML_211[:200],
        b"\r\n\r\nOFXHEADER: 100\r\nDATA:OFXSGML\r\n",
        b"OFXHEADER:100DATA:OFXSGMLVERSION:102SECURITY:NONEENCODING:USASCII<OFX>",
        b'<?xml version="1.0"?>\n<!-- export -->\n<OFX><SIGNONMSGSRSV1>',
    ],
)
def test_sniff_recognises_ofx(head):
    assert sniff(head) is True


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">',
        b":20:STARTUMS\r\n:25:10020030/1234567\r\n:28C:1/1\r\n",
        b"date;amount;label\r\n2024-01-01;12,50;x\r\n",
        b"0130004....EUR2 00012345678  010124",
        b"%PDF-1.7\n",
        b"\x00\xff" * 100,
        b"<html><body><p>OFX</p></body></html>",
    ],
)
def test_sniff_refuses_other_formats(head):
    assert sniff(head) is False


def test_not_ofx_is_malformed():
    assert _error(b"date;amount\n2024-01-01;1.00\n").code == ParseErrorCode.MALFORMED


# ---------------------------------------------------------------- headers and character sets


@pytest.mark.parametrize("charset", ["NONE", "", "FOO"])
def test_charset_none_missing_or_unknown_is_guessed(charset):
    header = SGML_HEADER_1252.replace("CHARSET:1252", f"CHARSET:{charset}")
    data = sgml(bank(trn(extra="<MEMO>Crédit agricole")), header=header, encoding="utf-8")
    assert _one_statement(data).lines[0].remittance == "Crédit agricole"


def test_no_charset_line_in_the_header():
    header = SGML_HEADER_1252.replace("CHARSET:1252\r\n", "")
    data = sgml(bank(trn(extra="<MEMO>Débit")), header=header)  # cp1252 bytes, not UTF-8
    assert _one_statement(data).lines[0].remittance == "Débit"


def test_declared_1252_but_utf8_text_is_read_as_utf8():
    data = sgml(bank(trn(extra="<MEMO>Crédit")), encoding="utf-8")
    result = parse(data)
    assert result.statements[0].lines[0].remittance == "Crédit"
    assert any("UTF-8" in warning for warning in result.warnings)


def test_declared_utf8_but_1252_bytes_falls_back_with_a_warning():
    header = SGML_HEADER_1252.replace("ENCODING:USASCII", "ENCODING:UTF-8")
    result = parse(sgml(bank(trn(extra="<MEMO>Débit")), header=header, encoding="cp1252"))
    assert result.statements[0].lines[0].remittance == "Débit"
    assert any("not valid utf-8" in warning for warning in result.warnings)


def test_charset_8859_1():
    header = SGML_HEADER_1252.replace("CHARSET:1252", "CHARSET:8859-1")
    data = sgml(bank(trn(extra="<MEMO>Prélèvement")), header=header, encoding="latin-1")
    assert _one_statement(data).lines[0].remittance == "Prélèvement"


def test_header_run_together_on_one_line():
    header = SGML_HEADER_1252.replace("\r\n", "")
    assert len(_one_statement(sgml(bank(trn()), header=header)).lines) == 1


def test_header_with_blank_lines_and_spaces():
    header = "\r\nOFXHEADER: 100\r\n\r\nDATA: OFXSGML\r\nVERSION: 103\r\n\r\nCHARSET: 1252\r\n\r\n"
    assert len(_one_statement(sgml(bank(trn()), header=header)).lines) == 1


@pytest.mark.parametrize("sample", [SGML_1252, XML_211, HEADERLESS])
def test_utf8_byte_order_mark(sample):
    assert parse(codecs.BOM_UTF8 + sample).statements == parse(sample).statements


def test_utf16_with_byte_order_mark():
    text = XML_211.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert parse(data).statements == parse(XML_211).statements


def test_xml_with_non_ascii_text_and_no_encoding_declaration():
    data = XML_211.replace(b' encoding="UTF-8"', b"")
    assert _one_statement(data).lines[0].remittance == "Café crème"


# ---------------------------------------------------------------- SGML structure


def test_unclosed_bank_transaction_list_keeps_the_balance():
    body = bank(trn()).replace("</BANKTRANLIST>", "")
    statement = _one_statement(sgml(body))
    assert statement.closing_balance == Decimal("100.00")
    assert len(statement.lines) == 1


def test_unclosed_transactions_are_all_read():
    transactions = trn(fitid="A").replace("</STMTTRN>", "") + trn(fitid="B").replace(
        "</STMTTRN>", ""
    )
    statement = _one_statement(sgml(bank(transactions)))
    assert [line.natural_key for line in statement.lines] == ["A", "B"]


def test_several_transaction_lists_are_read_together_with_a_warning():
    second_list = f"</BANKTRANLIST><BANKTRANLIST><DTSTART>20240201<DTEND>20240229{trn(fitid='B')}"
    data = sgml(bank(trn(fitid="A") + second_list))
    result = parse(data)
    assert [line.natural_key for line in result.statements[0].lines] == ["A", "B"]
    assert result.warnings == (
        "statement 1 (STMTRS 12345): 2 transaction lists (BANKTRANLIST) where OFX allows one; "
        "their transactions are read together",
    )
    assert parse_careful(data) == result
    assert parse(sgml(bank(trn(fitid="A")))).warnings == ()


def test_self_closing_tags_are_empty_elements():
    transaction = trn(extra="<MEMO/><NAME />").replace("<TRNAMT>", "<SIC/><TRNAMT>")
    line = _one_statement(sgml(bank(transaction))).lines[0]
    assert line.remittance is None
    assert line.counterparty_name is None
    assert line.amount == Decimal("-1.00")


def test_empty_sgml_balance_does_not_swallow_its_date():
    body = bank(trn()).replace("<BALAMT>100.00", "<BALAMT>")
    result = parse(sgml(body))
    assert result.statements[0].closing_balance is None
    assert any("ledger balance" in warning and "empty" in warning for warning in result.warnings)


def test_empty_balance_in_a_file_that_closes_balamt_elsewhere():
    # <BALAMT> left empty and open while AVAILBAL closes its BALAMT: still an empty element.
    extra = "<AVAILBAL><BALAMT>5.00</BALAMT><DTASOF>20240131</AVAILBAL>"
    body = bank(trn(), extra=extra).replace("<BALAMT>100.00", "<BALAMT>")
    assert _one_statement(sgml(body)).closing_balance is None


def test_empty_xml_elements():
    transaction = trn(extra="<NAME></NAME><MEMO></MEMO><REFNUM></REFNUM>")
    line = _one_statement(sgml(bank(transaction))).lines[0]
    assert (line.counterparty_name, line.remittance, line.bank_reference) == (None, None, None)


def test_unknown_element_left_open_where_it_is_closed_elsewhere():
    transactions = trn(fitid="A", extra="<CATEGORY>Food</CATEGORY>") + trn(fitid="B").replace(
        "<TRNAMT>", "<CATEGORY>Rent<TRNAMT>"
    )
    statement = _one_statement(sgml(bank(transactions)))
    assert [line.amount for line in statement.lines] == [Decimal("-1.00"), Decimal("-1.00")]


def test_everything_on_one_line_and_lower_case_tags():
    body = bank(trn(fitid="x1")).lower().replace("<curdef>eur", "<curdef>EUR")
    statement = _one_statement(sgml(body))
    assert statement.lines[0].natural_key == "x1"
    assert statement.lines[0].bank_transaction_code == "DEBIT"


def test_comments_processing_instructions_and_cdata():
    transaction = trn(extra="<!-- note --><MEMO><![CDATA[A < B & C]]></MEMO><?app hint?>")
    assert _one_statement(sgml(bank(transaction))).lines[0].remittance == "A < B & C"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("AT&amp;T", "AT&T"),
        ("AT&T", "AT&T"),
        ("a &lt;3 b", "a <3 b"),
        ("x < y", "x < y"),
        ("&#233;t&#xE9;", "été"),
    ],
)
def test_character_references_in_values(raw, text):
    data = sgml(bank(trn(extra=f"<MEMO>{raw}")), encoding="utf-8")
    assert _one_statement(data).lines[0].remittance == text
    assert parse(data) == parse_careful(data)


def test_dtd_and_entity_declarations_are_refused():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]><OFX></OFX>'
    )
    assert _error(data).code == ParseErrorCode.FORBIDDEN_XML


def test_nesting_is_bounded():
    data = sgml("<FOO>" * 100 + bank(trn()) + "</FOO>" * 100)
    assert _error(data).code == ParseErrorCode.TOO_DEEP


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("-12.50", "-12.50"),
        ("-12,50", "-12.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 025,53", "1025.53"),
        ("+12", "12"),
        ("+00000000000000.2400", "0.2400"),
        (".5", "0.5"),
    ],
)
def test_amount_formats(raw, value):
    line = _one_statement(sgml(bank(trn(amount=raw)))).lines[0]
    assert line.amount == Decimal(value)
    assert str(line.amount) == value  # the scale of the file is kept


@pytest.mark.parametrize("raw", ["$120", "NaN", "Infinity", "1e5", "1_000", "12-", "1.2.3", "١٢"])
def test_bad_amounts_are_refused(raw):
    assert (
        _error(sgml(bank(trn(amount=raw)), encoding="utf-8")).code == ParseErrorCode.INVALID_AMOUNT
    )


def test_missing_amount_is_refused():
    transaction = trn().replace("<TRNAMT>-1.00", "")
    assert _error(sgml(bank(transaction))).code == ParseErrorCode.MISSING_FIELD


@pytest.mark.parametrize("amount", ["null", "-null"])
def test_null_amount_is_skipped_with_a_warning(amount):
    result = parse(sgml(bank(trn(amount=amount, fitid="N") + trn(fitid="OK"))))
    assert [line.natural_key for line in result.statements[0].lines] == ["OK"]
    assert any("null" in warning for warning in result.warnings)


def test_empty_transaction_is_skipped_with_a_warning():
    result = parse(sgml(bank("<STMTTRN>*snipped*</STMTTRN>" + trn(fitid="OK"))))
    assert [line.natural_key for line in result.statements[0].lines] == ["OK"]
    assert any("empty STMTTRN" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    "posted", ["20120231", "201120000000", "2024-01-15", "00000000", "20240115x"]
)
def test_bad_posting_dates_are_refused(posted):
    assert _error(sgml(bank(trn(posted=posted)))).code == ParseErrorCode.INVALID_DATE


@pytest.mark.parametrize("posted", ["", None])
def test_missing_posting_date_is_refused(posted):
    transaction = trn() if posted is not None else trn().replace("<DTPOSTED>20240115", "")
    if posted == "":
        transaction = transaction.replace("<DTPOSTED>20240115", "<DTPOSTED></DTPOSTED>")
    assert _error(sgml(bank(transaction))).code == ParseErrorCode.MISSING_FIELD


def test_dates_keep_the_banks_calendar_day():
    # ofxparse shifts this to UTC, which is September 1st.
    line = _one_statement(sgml(bank(trn(posted="20130831165153.000[-8:PST]")))).lines[0]
    assert line.booking_date == date(2013, 8, 31)


def test_unreadable_optional_date_is_dropped_with_a_warning():
    result = parse(sgml(bank(trn(extra="<DTAVAIL>soon<DTUSER>20240114"))))
    assert result.statements[0].lines[0].value_date == date(2024, 1, 14)
    assert any("DTAVAIL" in warning for warning in result.warnings)


def test_currency_aggregate_sets_the_line_currency_but_origcurrency_does_not():
    transactions = trn(fitid="C", extra="<CURRENCY><CURRATE>1.1<CURSYM>USD</CURRENCY>") + trn(
        fitid="O", extra="<ORIGCURRENCY><CURRATE>1.1<CURSYM>USD</ORIGCURRENCY>"
    )
    lines = _one_statement(sgml(bank(transactions))).lines
    assert [line.currency for line in lines] == ["USD", "EUR"]


def test_bad_currency_is_refused():
    assert _error(sgml(bank(trn(), curdef="EURO"))).code == ParseErrorCode.INVALID_CURRENCY


def test_missing_curdef_uses_the_lines_currency():
    transaction = trn(extra="<CURRENCY><CURRATE>1<CURSYM>AUD</CURRENCY>")
    result = parse(sgml(bank(transaction, curdef="")))
    assert result.statements[0].currency == "AUD"
    assert result.statements[0].lines[0].currency == "AUD"
    assert any("CURDEF" in warning for warning in result.warnings)


def test_missing_curdef_without_line_currency_is_refused():
    assert _error(sgml(bank(trn(), curdef=""))).code == ParseErrorCode.MISSING_FIELD


# ---------------------------------------------------------------- accounts


@pytest.mark.parametrize(
    ("acctid", "account"),
    [
        ("FR76 3000 1007 9412 3456 7890 185", "FR7630001007941234567890185"),
        ("GB82WEST12345698765432", "GB82WEST12345698765432"),
        (
            "FR7630001007941234567890186",
            "FR7630001007941234567890186",
        ),  # bad check digits: kept as is
        ("098-121", "098-121"),
    ],
)
def test_account_is_the_iban_when_acctid_is_one(acctid, account):
    assert _one_statement(sgml(bank(trn(), acctid=acctid))).account == account


@pytest.mark.parametrize(
    ("bank_id", "acctid"),
    [("30004", "0001234567830"), ("30004", "30004 00001 00012345678 30")],
    ids=["key-at-the-end-of-acctid", "whole-rib-in-acctid"],
)
def test_french_rib_forms(bank_id, acctid):
    body = bank(trn(), acctid=acctid).replace("<BANKID>1", f"<BANKID>{bank_id}<BRANCHID>00001")
    assert _one_statement(sgml(body)).account == "FR7630004000010001234567830"


def test_french_rib_with_a_wrong_key_keeps_the_acctid():
    data = SGML_1252.replace(b"<ACCTKEY>30", b"<ACCTKEY>31")
    assert _one_statement(data).account == "00012345678"


def test_counterparty_iban_from_the_transfer_account():
    transaction = trn(
        extra="<BANKACCTTO><BANKID>X<ACCTID>DE89370400440532013000<ACCTTYPE>CHECKING</BANKACCTTO>"
    )
    assert (
        _one_statement(sgml(bank(transaction))).lines[0].counterparty_iban
        == "DE89370400440532013000"
    )


# ---------------------------------------------------------------- responses and statements


def test_signon_failure_gives_no_statement_and_the_servers_message():
    body = (
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR"
        "<MESSAGE>Invalid user ID or password</STATUS><DTSERVER>20240101</SONRS></SIGNONMSGSRSV1>"
    )
    result = parse(sgml(body))
    assert result == StatementFile(statements=(), warnings=result.warnings)
    assert any("15500" in w and "Invalid user ID or password" in w for w in result.warnings)


def test_statement_response_error_is_a_warning():
    body = (
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>9<STATUS><CODE>2000<SEVERITY>ERROR"
        "<MESSAGE>General Server Error</STATUS></STMTTRNRS></BANKMSGSRSV1>"
    )
    result = parse(sgml(body))
    assert result.statements == ()
    assert any("2000" in w and "General Server Error" in w for w in result.warnings)


def test_statements_come_in_document_order():
    card = (
        "<CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>CARD</CCACCTFROM>"
        f"<BANKTRANLIST>{trn(fitid='C1')}</BANKTRANLIST><LEDGERBAL><BALAMT>-1<DTASOF>20240131</LEDGERBAL>"
        "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>"
    )
    result = parse(sgml(bank(trn(), acctid="FIRST") + card + bank(trn(), acctid="LAST")))
    assert [s.account for s in result.statements] == ["FIRST", "CARD", "LAST"]
    assert result.statements[1].currency == "USD"


def _investment(cash: bool) -> str:
    bank_transaction = (
        f"<INVBANKTRAN>{trn(amount='+0.24', fitid='I1')}<SUBACCTFUND>CASH</INVBANKTRAN>"
    )
    return (
        "<INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><DTASOF>20240131<CURDEF>USD"
        "<INVACCTFROM><BROKERID>broker.example<ACCTID>INV1</INVACCTFROM><INVTRANLIST>"
        "<DTSTART>20240101<DTEND>20240131<BUYSTOCK><INVBUY><INVTRAN><FITID>B1<DTTRADE>20240110"
        "</INVTRAN><SECID><UNIQUEID>123<UNIQUEIDTYPE>CUSIP</SECID><UNITS>1<UNITPRICE>10"
        "<TOTAL>-10</INVBUY><BUYTYPE>BUY</BUYSTOCK>"
        + (bank_transaction if cash else "")
        + "</INVTRANLIST><INVBAL><AVAILCASH>100</INVBAL></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>"
    )


@pytest.mark.parametrize("cash", [True, False])
def test_investment_statements_are_left_out_with_a_warning(cash):
    result = parse(sgml(_investment(cash=cash)))
    assert result.statements == ()
    assert any("investment statement left out" in warning for warning in result.warnings)


def test_missing_account_and_balance_are_warnings():
    body = (
        "<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>AUD<BANKTRANLIST>"
        + trn()
        + "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>"
    )
    result = parse(sgml(body))
    assert result.statements[0].account is None
    assert any("ACCTID" in w for w in result.warnings)
    assert any("LEDGERBAL" in w for w in result.warnings)


def test_repeated_fitid_and_missing_fitid_are_warnings():
    transactions = trn(fitid="D") + trn(fitid="D") + trn().replace("<FITID>T1", "")
    result = parse(sgml(bank(transactions)))
    assert [line.natural_key for line in result.statements[0].lines] == ["D", "D", None]
    assert any("FITIDs are used by several" in w for w in result.warnings)
    assert any("no FITID" in w for w in result.warnings)


def test_warnings_are_grouped_per_statement():
    transactions = "".join(trn(fitid=f"F{n}", extra="<DTUSER>bad") for n in range(50))
    warnings = parse(sgml(bank(transactions))).warnings
    assert len(warnings) == 1
    assert "50 transactions" in warnings[0]
