"""Entries parsed in chunks give exactly what streaming gives, and odd documents fall back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from arapi_camt import runs
from arapi_camt.reader import read_document, read_in_chunks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from arapi.plugin.types import ParseError
from arapi.testing.corpus import corpus_files, read, require_corpus

ACCEPTED = ("camt.053", "camt.052")
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def entry(number: int, amount: str = "10.00", direction: str = "CRDT", inner: str = "") -> str:
    return (
        f'<Ntry><NtryRef>{number}</NtryRef><Amt Ccy="EUR">{amount}</Amt>'
        f"<CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>{inner}"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{number}</EndToEndId></Refs>"
        f"<RltdPties><Dbtr><Pty><Nm>Payer {number}</Nm></Pty></Dbtr></RltdPties>"
        f"<RmtInf><Ustrd>Invoice {number}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def statement(body: str, statement_id: str = "S-1") -> str:
    return (
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id>"
        f"<Ccy>EUR</Ccy></Acct>{body}</Stmt>"
    )


def document(*statements: str, declaration: str = XML_DECLARATION) -> bytes:
    text = (
        f'{declaration}\n<Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        + "".join(statements)
        + "</BkToCstmrStmt></Document>"
    )
    return text.encode("utf-8")


def entries(count: int, start: int = 1, separator: str = "\n  ") -> str:
    return separator.join(entry(n) for n in range(start, start + count))


def streamed(data: bytes):
    return read_document(data, ACCEPTED, chunked=False)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of two entries: a run spans several chunks."""
    monkeypatch.setattr(runs, "CHUNK_ENTRIES", 2)


@pytest.mark.parametrize("chunk_entries", [128, 2], ids=["one-chunk", "two-entry-chunks"])
def test_chunked_read_equals_streamed_read(monkeypatch, chunk_entries):
    monkeypatch.setattr(runs, "CHUNK_ENTRIES", chunk_entries)
    data = document(statement(entries(9)), statement(entries(4, start=10), statement_id="S-2"))
    chunked = read_in_chunks(data, ACCEPTED)
    assert chunked == streamed(data)
    assert [len(s.lines) for s in chunked.statements] == [9, 4]
    assert [line.end_to_end_id for line in chunked.statements[0].lines] == [
        f"E2E-{n}" for n in range(1, 10)
    ]


def test_a_prefixed_namespace_is_chunked_too(small_chunks):
    plain = document(statement(entries(5))).decode()
    data = (
        re.sub(r"<(/?)(?=[A-Z])", r"<\1c:", plain)
        .replace(f'xmlns="{NS}"', f'xmlns:c="{NS}"')
        .encode()
    )
    assert b"<c:Ntry>" in data and b"<Ntry>" not in data
    chunked = read_in_chunks(data, ACCEPTED)
    assert len(chunked.statements[0].lines) == 5
    assert chunked == streamed(data)


TRICKY = {
    # fake tags inside a comment, CDATA or PI of an entry: the chunk counts or parses wrong
    "comment inside an entry": entry(1, inner="<!-- </Ntry>\n<Ntry> -->") + entry(2),
    "CDATA inside an entry": entry(
        1, inner="<AddtlNtryInf><![CDATA[ </Ntry> <Ntry> ]]></AddtlNtryInf>"
    )
    + entry(2),
    "processing instruction": entry(1, inner="<?x </Ntry><Ntry>?>") + entry(2),
    # a whole fake entry in a comment between two real ones: its marker is never reached
    "entry in a comment": entry(1) + "<!-- " + entry(9) + " -->" + entry(2),
    # comments between entries split the runs; still chunked, still the same
    "comment between entries": entry(1) + "<!-- x -->" + entry(2) + entry(3),
    "entry with an attribute": '<Ntry xml:lang="fr">' + entry(1)[len("<Ntry>") :] + entry(2),
    "whitespace in an end tag": entry(1).replace("</Ntry>", "</Ntry >") + entry(2),
    "entry from another namespace": entry(1).replace("<Ntry>", '<Ntry xmlns="urn:other">')
    + entry(2),
    # namespace declarations inside a run: its chunks keep the document's default namespace
    "an element in no namespace": '<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
    '<AddtlNtryInf xmlns="">not ours</AddtlNtryInf></Ntry>' + entry(2),
    "an element of another namespace": entry(1, inner='<x:Note xmlns:x="urn:x">n</x:Note>')
    + entry(2),
    # the document writes our own marker: met twice, so the chunked read gives up
    "a forged run marker": entry(1) + f'<run xmlns="{runs.MARKER_NAMESPACE}" n="0"/>' + entry(2),
}


@pytest.mark.parametrize("body", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_documents_give_the_streamed_result(small_chunks, body):
    data = document(statement(body))
    assert read_document(data, ACCEPTED) == streamed(data)


def test_entries_come_without_namespace_unless_the_run_declares_one():
    for body, prefix in [(entries(3), ""), (TRICKY["an element in no namespace"], f"{{{NS}}}")]:
        plan = runs.plan(document(statement(body)), NS, None)
        (marker,) = etree.fromstring(plan.skeleton).iter(runs.MARKER_TAG)
        found, parsed = plan.entries(marker, local_names=True)
        assert found == prefix
        assert {ntry.tag for ntry in parsed} == {prefix + "Ntry"}
    data = document(statement(TRICKY["an element in no namespace"]))
    assert (
        read_in_chunks(data, ACCEPTED).statements[0].lines[0].remittance is None
    )  # not camt's element


def test_the_camt_namespace_under_a_second_prefix_keeps_the_namespace(small_chunks):
    body = entries(2).replace("<CdtDbtInd>CRDT</CdtDbtInd>", "<c:CdtDbtInd>DBIT</c:CdtDbtInd>", 1)
    data = document(statement(body)).replace(b"<Document ", f'<Document xmlns:c="{NS}" '.encode())
    chunked = read_in_chunks(data, ACCEPTED)
    assert chunked == streamed(data)
    assert [line.amount for line in chunked.statements[0].lines] == [
        Decimal("-10.00"),
        Decimal("10.00"),
    ]


def test_comment_and_cdata_tricks_fall_back_instead_of_guessing(small_chunks):
    for name in (
        "comment inside an entry",
        "CDATA inside an entry",
        "processing instruction",
        "entry in a comment",
        "a forged run marker",
    ):
        with pytest.raises(runs.FallBack):
            read_in_chunks(document(statement(TRICKY[name])), ACCEPTED)


def test_entries_outside_a_statement_are_ignored_as_when_streamed(small_chunks):
    stray = "<Stmts>" + entries(3) + "</Stmts>"  # not a Stmt: not ours to read
    data = document(statement(entries(2)), stray)
    assert read_in_chunks(data, ACCEPTED) == streamed(data)
    assert [len(s.lines) for s in streamed(data).statements] == [2]


def test_a_latin1_document_is_streamed_and_reads_the_same():
    data = (
        document(
            statement(entry(1).replace("Payer 1", "Société Générale")),
            declaration='<?xml version="1.0" encoding="ISO-8859-1"?>',
        )
        .decode()
        .encode("latin-1")
    )
    with pytest.raises(runs.FallBack):
        read_in_chunks(data, ACCEPTED)
    (line,) = read_document(data, ACCEPTED).statements[0].lines
    assert line.counterparty_name == "Société Générale"


@pytest.mark.parametrize(
    "broken",
    [
        entry(1) + entry(2).replace("</Ntry>", ""),  # an entry that never ends
        entry(1) + "<Ntry>" + entry(2) + "</Ntry>",  # nested entries
        entry(1).replace('Ccy="EUR">10.00', 'Ccy="EUR">ten'),  # a bad amount
    ],
)
def test_broken_documents_give_the_streamed_error(small_chunks, broken):
    data = document(statement(broken + entry(3)))
    with pytest.raises(ParseError) as chunked:
        read_document(data, ACCEPTED)
    with pytest.raises(ParseError) as plain:
        streamed(data)
    assert (chunked.value.code, chunked.value.message) == (plain.value.code, plain.value.message)


CORPUS = [
    path
    for folder in ("camt053", "camt054")
    for path in corpus_files(folder)
    if path.endswith(".xml")
]


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS)
def test_corpus_files_read_the_same_chunked_and_streamed(small_chunks, path):
    data = read(path)
    accepted = ("camt.054",) if path.startswith("camt054") else ACCEPTED
    try:
        chunked = read_in_chunks(data, accepted)
    except runs.FallBack:
        pytest.skip("this file is streamed (not chunked)")
    assert chunked == read_document(data, accepted, chunked=False)


def test_most_corpus_files_are_chunked():
    require_corpus()
    chunked = 0
    for path in CORPUS:
        accepted = ("camt.054",) if path.startswith("camt054") else ACCEPTED
        try:
            read_in_chunks(read(path), accepted)
            chunked += 1
        except (runs.FallBack, ParseError):
            pass
    assert chunked >= 0.8 * len(CORPUS), f"only {chunked} of {len(CORPUS)} corpus files are chunked"


# Pieces a document's statements are assembled from: entries and what may lie between them
# (benign: the runs are only split), and pieces that make cutting by bytes go wrong or break the
# document. Whatever the mix, the default read must equal the streamed one.
_BENIGN = ["ENTRY"] * 6 + ["\n  ", "<!-- note -->", "<?pi x?>", "<AddtlStmtInf>x</AddtlStmtInf>"]
_HOSTILE = [
    "<!-- </Ntry><Ntry> -->",
    "<Ntry>",
    "</Ntry>",
    f'<run xmlns="{runs.MARKER_NAMESPACE}" n="0"/>',
]


@st.composite
def _statement_pieces(draw) -> list[list[str]]:
    choices = _BENIGN + (_HOSTILE if draw(st.booleans()) else [])
    return draw(st.lists(st.lists(st.sampled_from(choices), max_size=12), min_size=1, max_size=3))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_statement_pieces(), st.integers(1, 3))
def test_any_mix_of_pieces_reads_as_when_streamed(monkeypatch, statements, chunk_entries):
    monkeypatch.setattr(runs, "CHUNK_ENTRIES", chunk_entries)
    counter = iter(range(1, 1000))
    bodies = [
        "".join(entry(next(counter)) if piece == "ENTRY" else piece for piece in pieces)
        for pieces in statements
    ]
    data = document(*(statement(body, statement_id=f"S-{n}") for n, body in enumerate(bodies)))
    try:
        expected = streamed(data)
    except ParseError as plain:
        with pytest.raises(ParseError) as chunked:
            read_document(data, ACCEPTED)
        assert (chunked.value.code, chunked.value.message) == (plain.code, plain.message)
        return
    assert read_document(data, ACCEPTED) == expected
    if not set().union(*map(set, statements)) & set(_HOSTILE) and "ENTRY" in sum(statements, []):
        assert read_in_chunks(data, ACCEPTED) == expected  # the chunked read was taken
