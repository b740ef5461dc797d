"""Hostile input that used to make regular expressions backtrack for minutes.

A fuzzing run found patterns with super-linear backtracking in sniffing, the
header reader, the tokenizer and the amount conversion. Each case below is
sized so that the old patterns would take from minutes to hours on it (the
estimate is given with each case), so a regression shows up as a test that
hangs. With linear patterns each case takes milliseconds. The tests check
only the outcome: a coded ParseError, a sniff answer or a parsed result. Speed
goals stay out of the tests (see ``bench/``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from arapi_ofx import OfxStatementParser, parse, parse_careful, sniff
from arapi_ofx._markup import TOKEN, closed_names

from arapi.plugin.types import ParseError, ParseErrorCode

SGML_HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
XML_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
)


def statement(amount: str = "-89,90", balance: str = "3160,50", memo: str = "Règlement") -> str:
    """One bank statement with one transaction, from ``<OFX>`` to ``</OFX>``."""
    return (
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>12345<ACCTTYPE>CHECKING</BANKACCTFROM>"
        "<BANKTRANLIST><DTSTART>20250101<DTEND>20250131"
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250115<TRNAMT>{amount}<FITID>F1<NAME>EDF"
        f"<MEMO>{memo}</STMTTRN></BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{balance}<DTASOF>20250131</LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n"
    )


SGML = (SGML_HEADER + statement()).encode("cp1252")
XML = (XML_HEADER + statement()).encode("utf-8")


def _error(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data)
    return caught.value


# ---------------------------------------------------------------- sniff

# Each empty comment doubled the time of a failed match: 26 took 9 s, 40 would take ~40 h.
MANY_COMMENTS = b"<!---->" * 40


def test_sniff_says_no_after_many_empty_comments():
    assert sniff(MANY_COMMENTS + b"x") is False
    assert OfxStatementParser().sniff(MANY_COMMENTS + b"x") is False


@pytest.mark.parametrize(
    "head",
    [
        MANY_COMMENTS + b"<OFX>",
        b'<?xml version="1.0"?>\n' + b"<!-- export -->\n" * 40 + b'<?OFX OFXHEADER="200"?>',
        b"<!-- a comment with <OFX> and -- in it -->" * 40 + b"<OFX>",
    ],
)
def test_sniff_still_skips_comments_before_the_ofx_start(head):
    assert sniff(head) is True


def test_sniff_a_comment_ends_at_its_first_terminator():
    # The old pattern read "<!---->-->" as one comment; XML ends a comment at the first "-->".
    assert sniff(b"<!---->--><OFX>") is False


# ---------------------------------------------------------------- header


def test_long_header_value_with_spaces():
    # 10 KB of spaces inside a header value took 6 s (quadratic): 200 KB would take ~50 min.
    header = SGML_HEADER.replace("OLDFILEUID:NONE", "OLDFILEUID:a" + " " * 200_000 + "b")
    header = header.replace("CHARSET:1252", "CHARSET:1252" + " \t" * 50)  # trailing white space
    result = parse((header + statement()).encode("cp1252"))
    assert result == parse(SGML)
    assert result.warnings == ()
    assert "Règlement" in result.statements[0].lines[0].remittance  # CHARSET:1252 read


@pytest.mark.parametrize("instruction", [b"<?OFX", b"<?xml"])
def test_many_unclosed_processing_instructions_in_the_header(instruction):
    # 16 000 "<?OFX" took 8 s (quadratic): 160 000 would take ~15 min. The
    # header declares no VERSION and no encoding, so the search goes on past it.
    header = b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?>\n'
    body = statement().encode("utf-8")
    assert parse(header + instruction * 160_000 + body) == parse(header + body)


# ---------------------------------------------------------------- markup


@pytest.mark.parametrize(
    "junk",
    [
        # "<A" + 30 000 spaces took 10 s, "</A" 20 s (quadratic): 300 000, 15 to 30 min.
        "<A" + " " * 300_000 + "x",
        "</A" + " " * 300_000 + "x",
    ],
    ids=["start-tag", "end-tag"],
)
@pytest.mark.parametrize("reader", [parse, parse_careful])
def test_unfinished_tag_with_a_long_run_of_spaces_is_text(reader, junk):
    data = SGML.replace(b"<OFX>", b"<OFX>" + junk.encode(), 1)
    assert reader(data) == reader(SGML)


def test_many_unclosed_declarations_are_text():
    # 30 000 "<!a" with no ">" after them took 2 s (quadratic): 300 000 would take ~3 min.
    assert parse(SGML + b"<!a" * 300_000) == parse(SGML)


@pytest.mark.parametrize(
    ("markup", "token"),
    [
        ("<NAME>x", ("", "NAME", "", "x")),
        ("<NAME \t >x", ("", "NAME", "", "x")),
        ('<NAME a="1">x', ("", "NAME", "", "x")),
        ("<NAME/>", ("", "NAME", "/", "")),
        ("<NAME  />", ("", "NAME", "/", "")),
        ("<NAME a='1'/>", ("", "NAME", "/", "")),
        ("<NAME / >", ("", "NAME", "", "")),  # the "/" must come right before ">"
        ("</ NAME >", ("/", "NAME", "", "")),
        ("<NAME>a < b <3 <c d", ("", "NAME", "", "a < b <3 <c d")),  # "<" starting no tag
    ],
)
def test_tag_spellings(markup, token):
    assert TOKEN.findall(markup) == [token]


def test_closed_names_reads_end_tags_with_spaces_and_slashes():
    assert closed_names("</a><A></ B ></C x/></D/></ E  /><F></G") == {"A", "B", "C", "D", "E"}


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "raw",
    [
        # "1" + 2 000 dots took 4.5 s in ofxparse's toDecimal (cubic): 20 000 would take an hour.
        "1" + "." * 20_000,
        # 8 000 digits and an "x" took 0.4 s in the character check (quadratic): 200 000, 4 min.
        "1" * 200_000 + "x",
        "1" * 41,
    ],
    ids=["dots", "digits", "41-digits"],
)
@pytest.mark.parametrize("field", ["TRNAMT", "BALAMT"])
def test_overlong_amount_is_refused(field, raw):
    data = statement(amount=raw) if field == "TRNAMT" else statement(balance=raw)
    assert _error((SGML_HEADER + data).encode("cp1252")).code == ParseErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize(
    ("raw", "value"),
    [("0" * 39 + "1", "1"), ("+000 000 000 000 000 000 000 0001.234,56", "1234.56")],
)
def test_amount_of_forty_characters_is_read(raw, value):
    assert len(raw) == 40
    line = parse((SGML_HEADER + statement(amount=raw)).encode("cp1252")).statements[0].lines[0]
    assert line.amount == Decimal(value)
