"""Both camt parsers meet arapi's parser contract, on small hand-written files."""

from __future__ import annotations

from arapi_camt import Camt053Parser, Camt054Parser

from arapi.testing.contracts import StatementParserContract

CAMT053_V02 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2025-03-01T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <CreDtTm>2025-03-01T06:00:00</CreDtTm>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-02-28</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">220.50</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="EUR">150.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2025-03-01</Dt></BookgDt><ValDt><Dt>2025-03-01</Dt></ValDt>
        <AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-INV-42</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Client SARL</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>Facture INV-42</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2025-03-01</Dt></BookgDt>
        <AcctSvcrRef>BANK-REF-2</AcctSvcrRef>
        <AddtlNtryInf>Frais bancaires</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""

CAMT053_V08 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-8</MsgId><CreDtTm>2025-03-01T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-8</Id>
      <Acct><Id><Othr><Id>0035-2915203-10-000</Id></Othr></Id><Ccy>CHF</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">10.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd><Dt><DtTm>2025-02-28T23:59:59+01:00</DtTm></Dt></Bal>
      <Ntry>
        <NtryRef>7</NtryRef>
        <Amt Ccy="CHF">25.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2025-03-01T10:15:00+01:00</DtTm></BookgDt>
        <BkTxCd><Prtry><Cd>NRTI+109</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>SDD-77</EndToEndId><MndtId>MANDATE-7</MndtId></Refs>
          <Amt Ccy="CHF">25.00</Amt>
          <RltdPties><Dbtr><Pty><Nm>Kunde AG</Nm></Pty></Dbtr></RltdPties>
          <RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""

CAMT052 = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08">
  <BkToCstmrAcctRpt>
    <GrpHdr><MsgId>RPT-1</MsgId><CreDtTm>2025-03-01T12:00:00</CreDtTm></GrpHdr>
    <Rpt>
      <Id>RPT-1-1</Id>
      <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>
      <Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>
    </Rpt>
  </BkToCstmrAcctRpt>
</Document>
"""

CAMT054_V04 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2025-03-01T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1-1</Id>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2025-03-01</Dt></BookgDt>
        <AcctSvcrRef>BATCH-1</AcctSvcrRef>
        <NtryDtls>
          <Btch><NbOfTxs>2</NbOfTxs></Btch>
          <TxDtls><Refs><EndToEndId>A-1</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls>
            <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
          <TxDtls><Refs><EndToEndId>A-2</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls></TxDtls>
        </NtryDtls>
        <AddtlNtryInf>Remise de 2 virements</AddtlNtryInf>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""

CAMT054_V08 = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-8</MsgId><CreDtTm>2025-03-01T06:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-8-1</Id>
      <Acct><Id><IBAN>CH9300762011623852957</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="CHF">12.5</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <ValDt><Dt>2025-03-03</Dt></ValDt>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


class TestCamt053Contract(StatementParserContract):
    corpus_folders = ("camt053",)
    parser = Camt053Parser()
    samples = [CAMT053_V02, CAMT053_V08, CAMT052]


class TestCamt054Contract(StatementParserContract):
    corpus_folders = ("camt054",)
    parser = Camt054Parser()
    samples = [CAMT054_V04, CAMT054_V08]


def test_the_samples_read_as_written():
    statement = Camt053Parser().parse(CAMT053_V02).statements[0]
    assert statement.opening_balance + sum(line.amount for line in statement.lines) == (
        statement.closing_balance
    )
    (report,) = Camt053Parser().parse(CAMT052).statements
    assert report.format == "camt.052" and report.lines[0].status == "PDNG"
    (notification,) = Camt054Parser().parse(CAMT054_V04).statements
    assert notification.format == "camt.054" and len(notification.lines[0].details) == 2
