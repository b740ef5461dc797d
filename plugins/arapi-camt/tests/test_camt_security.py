"""Hostile and broken input: refused with a ParseError, never read further."""

from __future__ import annotations

import pytest
from arapi_camt import Camt053Parser, Camt054Parser

from arapi.plugin.types import ParseError, ParseErrorCode

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def document(entry_inner: str = "", prolog: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}
<Document xmlns="{NS}"><BkToCstmrStmt>
  <GrpHdr><MsgId>M</MsgId></GrpHdr>
  <Stmt><Id>S</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
    <Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>{entry_inner}</Ntry>
  </Stmt>
</BkToCstmrStmt></Document>""".encode()


def code_of(data: bytes, parser=None) -> ParseErrorCode:
    with pytest.raises(ParseError) as caught:
        (parser or Camt053Parser()).parse(data)
    return caught.value.code


def test_the_plain_document_parses():
    assert len(Camt053Parser().parse(document()).statements[0].lines) == 1


def test_external_entity_xxe_is_refused():
    prolog = '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = document("<AddtlNtryInf>&xxe;</AddtlNtryInf>", prolog)
    assert code_of(data) is ParseErrorCode.FORBIDDEN_XML
    assert code_of(data, Camt054Parser()) is ParseErrorCode.FORBIDDEN_XML


def test_external_dtd_is_refused_before_any_fetch():
    prolog = '<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">'
    assert code_of(document(prolog=prolog)) is ParseErrorCode.FORBIDDEN_XML


def test_billion_laughs_is_refused():
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    data = document("<AddtlNtryInf>&i;</AddtlNtryInf>", f"<!DOCTYPE Document [{entities}]>")
    assert code_of(data) is ParseErrorCode.FORBIDDEN_XML


def test_a_dtd_in_utf16_is_refused_too():
    prolog = '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    text = document("<AddtlNtryInf>&xxe;</AddtlNtryInf>", prolog).decode()
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert code_of(data) is ParseErrorCode.FORBIDDEN_XML


def test_an_undeclared_entity_is_malformed():
    assert code_of(document("<AddtlNtryInf>&nope;</AddtlNtryInf>")) is ParseErrorCode.MALFORMED


def test_deep_nesting_is_refused():
    deep = "<SplmtryData>" + "<Envlp>" * 400 + "</Envlp>" * 400 + "</SplmtryData>"
    assert code_of(document(deep)) is ParseErrorCode.TOO_DEEP


def test_moderate_nesting_in_an_unread_branch_does_not_disturb_the_entry():
    nested = "<SplmtryData>" + "<Envlp>" * 100 + "</Envlp>" * 100 + "</SplmtryData>"
    (line,) = Camt053Parser().parse(document(nested)).statements[0].lines
    assert line.amount == 1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<Document",
        document()[:-40],
        b"\x00\x01\x02" * 30,
        document().replace(b"</Ntry>", b"</Ntr>"),
        b'<?xml version="1.0" encoding="no-such-codec"?><Document/>',
        document().replace(b"Sts>BOOK", "Sts>B\u00e9OOK".encode("latin-1")),
    ],
)
def test_broken_input_is_a_parse_error(data):
    assert code_of(data) in (
        ParseErrorCode.MALFORMED,
        ParseErrorCode.ENCODING,
        ParseErrorCode.UNKNOWN_FORMAT,
    )


def test_names_libxml2_lets_through_do_not_escape_as_other_errors():
    # found by the contract's fuzz test: "<:ocument" is only a namespace warning for libxml2
    odd = document().replace(b"<Document", b"<:ocument").replace(b"</Document", b"</:ocument")
    try:
        result = Camt053Parser().parse(odd)
    except ParseError:
        return
    assert len(result.statements[0].lines) == 1
    odd_message = document().replace(b"BkToCstmrStmt", b":BkToCstmrStmt")
    assert code_of(odd_message) in (ParseErrorCode.UNKNOWN_FORMAT, ParseErrorCode.MALFORMED)


def test_other_iso20022_messages_and_other_xml_are_not_camt():
    pain = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">'
        b"<CstmrCdtTrfInitn><GrpHdr><MsgId>P</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>"
    )
    assert code_of(pain) is ParseErrorCode.UNKNOWN_FORMAT
    assert code_of(b"<html><body>hello</body></html>") is ParseErrorCode.UNKNOWN_FORMAT
    # entries hidden somewhere else than under a statement are not read as statements
    stray = b"<Document><Other><Stmt><Ntry/></Stmt></Other></Document>"
    assert code_of(stray) is ParseErrorCode.UNKNOWN_FORMAT


def test_non_bytes_input_is_a_parse_error():
    with pytest.raises(ParseError):
        Camt053Parser().parse(document().decode())  # type: ignore[arg-type]
