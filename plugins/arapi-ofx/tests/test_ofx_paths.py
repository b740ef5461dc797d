"""The fast path must read exactly what the careful (ofxparse) path reads.

Two properties, on generated input:

* the plain-STMTTRN shortcut of the tree builder makes the same node as the
  general token loop, or declines;
* whole files give equal results (or the same error) on ``parse`` and
  ``parse_careful``, including files mixing SGML and XML styles, entities,
  stray ``<``, empty and self-closing tags, unclosed aggregates and bad values.
"""

from __future__ import annotations

import pytest
from arapi_ofx import parse, parse_careful
from arapi_ofx._markup import _TreeBuilder, build_tree, closed_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arapi.plugin.types import ParseError

_NAMES = ["TRNTYPE", "DTPOSTED", "DTUSER", "DTAVAIL", "TRNAMT", "FITID", "CHECKNUM", "REFNUM",
          "NAME", "MEMO", "SIC", "CATEGORY", "trnamt", "Memo", "CURRENCY", "PAYEE"]  # fmt: skip
_VALUES = ["DEBIT", "20240131", "20240131120000[-5:EST]", "-12,50", "1.234,56", "+7", "", "  ",
           "A & B", "AT&amp;T", "café", "x < 3", "a>b", "&lt;b&gt;", "null", "\u00a0pad\u00a0",
           "20240230", "$5", "<3", "1e5"]  # fmt: skip
_NOISE = ["", "\n", "\r\n  ", "junk", "<", "</", ">", "/>", "&", "<!-- c -->", "<X/>", "</STMTTRN"]


@st.composite
def _element(draw) -> str:
    name = draw(st.sampled_from(_NAMES))
    value = draw(st.sampled_from(_VALUES))
    style = draw(st.sampled_from(["sgml", "xml", "xml", "self", "spaced"]))
    tail = draw(st.sampled_from(_NOISE[:3] if draw(st.booleans()) else _NOISE))
    if style == "self":
        return f"<{name}/>{tail}"
    if style == "spaced":
        return f"<{name} >{value}</{name} >{tail}"
    return f"<{name}>{value}" + (f"</{name}>" if style == "xml" else "") + tail


@st.composite
def _plain_inner(draw) -> str:
    """What real banks send: one style, upper-case leaves, some entities and empty values."""
    xml = draw(st.booleans())
    leaves = [n for n in _NAMES if n.isupper() and n not in ("CURRENCY", "PAYEE")]
    unique = draw(st.integers(0, 5)) > 0  # now and then a repeated name
    names = draw(st.lists(st.sampled_from(leaves), max_size=9, unique=unique))
    values = [v for v in _VALUES if "<" not in v] + ["x < 3"]
    parts = []
    for name in names:
        value = draw(st.sampled_from(values))
        end = f"</{name}>" if xml else ""
        parts.append(f"<{name}>{value}{end}" + draw(st.sampled_from(_NOISE[:3])))
    return "".join(parts)


_INNER = st.one_of(_plain_inner(), st.lists(_element(), max_size=10).map("".join))


def _feed_reading(inner: str, closed: frozenset[str]):
    builder = _TreeBuilder(closed)
    builder.feed(f"<STMTTRN>{inner}</STMTTRN>")
    return builder.root.children


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(inner=_INNER, closed_extra=st.sets(st.sampled_from(["CATEGORY", "SIC", "X"])))
def test_plain_transaction_shortcut_matches_the_token_loop(inner, closed_extra):
    closed = closed_names(f"<STMTTRN>{inner}</STMTTRN>") | frozenset(closed_extra)
    builder = _TreeBuilder(closed)
    if not builder.add_plain_transaction(inner):
        return  # declined: the general loop reads it
    (fast,) = builder.root.children
    (slow,) = _feed_reading(inner, closed)
    assert (fast.name, fast.fields, list(fast.children)) == (
        slow.name,
        slow.fields,
        list(slow.children),
    )


def test_shortcut_takes_ordinary_transactions():
    builder = _TreeBuilder(frozenset())
    sgml = "\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>20240102\r\n<TRNAMT>-1,50\r\n<FITID>A\r\n<MEMO>X &amp; Y\r\n"
    xml = "<TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240102</DTPOSTED><TRNAMT>-1.50</TRNAMT>"
    assert builder.add_plain_transaction(sgml)
    assert builder.add_plain_transaction(xml)
    assert builder.root.children[0].fields["MEMO"] == "X & Y"
    assert builder.root.children[1].fields == {
        "TRNTYPE": "DEBIT",
        "DTPOSTED": "20240102",
        "TRNAMT": "-1.50",
    }


@pytest.mark.parametrize(
    "inner",
    [
        "<NAME>a</NAME",  # an end tag without ">"
        "<NAME>a<3",  # a "<" in the text
        "<NAME>a<NAME>b",  # a repeated name: first one wins
        "<CURRENCY><CURSYM>USD</CURRENCY>",  # an aggregate inside
        "<name>lower",
        "<NAME x='1'>a",
        "<NAME>a</MEMO>",
    ],
)
def test_shortcut_declines_what_it_cannot_read_alike(inner):
    assert not _TreeBuilder(frozenset()).add_plain_transaction(inner)


def _outcome(function, data: bytes):
    try:
        return function(data)
    except ParseError as error:
        return (error.code, error.message)


@st.composite
def _file(draw) -> bytes:
    xml = draw(st.booleans())
    header = (
        '<?xml version="1.0" encoding="UTF-8"?><?OFX OFXHEADER="200" VERSION="211"?>\n'
        if xml
        else "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n"
    )

    def element(tag: str, value: str) -> str:
        return f"<{tag}>{value}</{tag}>" if xml else f"<{tag}>{value}"

    transactions = []
    for inner in draw(st.lists(_INNER, max_size=6)):
        good = (
            element("TRNTYPE", "DEBIT")
            + element("DTPOSTED", "20240115")
            + element("TRNAMT", draw(st.sampled_from(["-1.00", "2,50", "+3"])))
            + element("FITID", draw(st.sampled_from(["F1", "F2", "F3"])))
        )
        body = good + inner if draw(st.integers(0, 3)) else inner
        closing = draw(st.sampled_from(["</STMTTRN>", "</STMTTRN>", "</STMTTRN>", ""]))
        transactions.append(f"<STMTTRN>{body}{closing}\n")
    statement = (
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS>"
        + element("CODE", draw(st.sampled_from(["0", "0", "15500"])))
        + element("SEVERITY", "INFO")
        + "</STATUS></SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        + element("CURDEF", draw(st.sampled_from(["EUR", "USD", ""])))
        + "<BANKACCTFROM>"
        + element("ACCTID", draw(st.sampled_from(["123", "FR7630001007941234567890185"])))
        + "</BANKACCTFROM><BANKTRANLIST>"
        + "".join(transactions)
        + draw(st.sampled_from(["</BANKTRANLIST>", ""]))
        + "<LEDGERBAL>"
        + element("BALAMT", draw(st.sampled_from(["10.00", "", "-5,5"])))
        + element("DTASOF", "20240131")
        + "</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    return (header + statement).encode("utf-8" if xml else "cp1252", "replace")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_file())
def test_fast_and_careful_paths_agree_on_generated_files(data):
    assert _outcome(parse, data) == _outcome(parse_careful, data)


def test_large_file_mixing_shortcut_and_general_blocks():
    plain = (
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240115<TRNAMT>-{n}.00<FITID>P{n}<NAME>N{n}</STMTTRN>\n"
    )
    odd = "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240115<TRNAMT>-{n}.00<FITID>O{n}<NAME>a<3</STMTTRN>\n"
    lines = "".join((odd if n % 7 == 0 else plain).format(n=n) for n in range(1, 701))
    data = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        f"<CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM><BANKTRANLIST>{lines}</BANKTRANLIST>"
        "<LEDGERBAL><BALAMT>0<DTASOF>20240131</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    ).encode("cp1252")
    fast = parse(data)
    assert len(fast.statements[0].lines) == 700
    assert fast.statements[0].lines[6].counterparty_name == "a<3"
    assert fast == parse_careful(data)
    tree = build_tree(data.decode("cp1252"))
    assert tree.children[0].name == "OFX"
