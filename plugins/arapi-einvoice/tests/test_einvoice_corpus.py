"""The third-party corpus: every good file parses and agrees with EXPECTED.json; bad/ files
give a coded ParseError or the arithmetic warnings their notes describe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arapi_einvoice import CiiParser, FacturXParser, UblParser, cii, ubl
from arapi_einvoice.pdf import embedded_invoice_xml

from arapi.plugin import safexml
from arapi.plugin.types import InvoiceDocument, ParseError, ParseErrorCode
from arapi.testing.corpus import corpus_files, expected, read

pytestmark = pytest.mark.corpus

PARSERS = {"facturx_cii": CiiParser(), "facturx_pdf": FacturXParser(), "ubl": UblParser()}
GOOD = [(folder, path) for folder in PARSERS for path in corpus_files(folder)]
BAD = [(folder, path) for folder in PARSERS for path in corpus_files(folder, bad=True)]


def _date(raw: str | None) -> date | None:
    if raw is None:
        return None
    if len(raw) == 8 and raw.isdigit():
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    return date.fromisoformat(raw)


def _amount(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


def _draft(data: bytes):
    """The reader's intermediate totals (line total, rounding are not in the DTO)."""
    if data.startswith(b"%PDF"):
        data = embedded_invoice_xml(data)[1]
    root = safexml.parse(data)
    return cii.read_cii(root) if cii.is_cii(root) else ubl.read_ubl(root)


def _arithmetic(lines) -> set[str]:
    return {line for line in lines if line.startswith("arithmetic:")}


def check_facts(doc: InvoiceDocument, facts: dict, data: bytes) -> None:
    scalar = {
        "invoice_number": (doc.number, lambda v: v),
        "currency": (doc.currency, lambda v: v),
        "type_code": (doc.type_code, lambda v: v),
        "seller_name": (doc.seller.name, lambda v: v),
        "buyer_name": (doc.buyer.name, lambda v: v),
        "n_lines": (doc.line_count, lambda v: v),
        "issue_date": (doc.issue_date, _date),
        "due_date": (doc.due_date, _date),
        "total_with_tax": (doc.total_with_tax, _amount),
        "tax_basis_total": (doc.total_without_tax, _amount),
        "amount_due": (doc.amount_due, _amount),
        "prepaid": (doc.prepaid, lambda v: Decimal(v or 0)),
    }
    for key, (actual, convert) in scalar.items():
        if key in facts:
            assert actual == convert(facts[key]), f"{key}: {actual!r} != {facts[key]!r}"
    # UBL: the document's profile is BT-24 CustomizationID; the facts' "profile" is ProfileID.
    profile_key = "customization_id" if "customization_id" in facts else "profile"
    if profile_key in facts:
        assert doc.profile == facts[profile_key]
    if "tax_total" in facts:
        in_currency = [t["amount"] for t in facts["tax_total"] if t["currency"] == doc.currency]
        assert doc.tax_total == (Decimal(in_currency[0]) if in_currency else None)
    if "line_total" in facts or "rounding" in facts:
        totals = _draft(data).totals
        if "line_total" in facts:
            assert totals.line_total == _amount(facts["line_total"])
        if "rounding" in facts:
            assert totals.rounding == _amount(facts["rounding"])
    if "embedded_xml_name" in facts:
        name, xml, _ = embedded_invoice_xml(data)
        assert (name, len(xml)) == (facts["embedded_xml_name"], facts["embedded_xml_size"])


@pytest.mark.parametrize(("folder", "path"), GOOD, ids=[p for _, p in GOOD])
def test_corpus_file_parses_and_agrees(folder, path):
    data = read(path)
    parser = PARSERS[folder]
    assert parser.sniff(data[: 64 * 1024]) is True
    # Exactly one e-invoice parser claims it, so detection by content is unambiguous.
    others = [p for p in PARSERS.values() if p is not parser]
    assert not any(p.sniff(data[: 64 * 1024]) for p in others)
    result = parser.parse(data)
    assert result.format == parser.format
    assert len(result.invoices) == 1
    facts = expected().get(path)
    if facts:
        check_facts(result.invoices[0], facts, data)
        # Our arithmetic warnings are exactly the defects the independent reader noted.
        assert _arithmetic(result.warnings) == _arithmetic(facts.get("notes", []))


@pytest.mark.parametrize(("folder", "path"), BAD, ids=[p for _, p in BAD])
def test_corpus_bad_file_is_refused_or_flagged(folder, path):
    data = read(path)
    facts = expected().get(path, {})
    try:
        result = PARSERS[folder].parse(data)
    except ParseError as error:
        assert isinstance(error.code, ParseErrorCode)
        if "error" in facts:  # unreadable for the independent reader too
            assert error.code == ParseErrorCode.MALFORMED
        if facts.get("attachments") == []:
            assert error.code == ParseErrorCode.NO_CONTENT
        return
    # Parsed: then it must say what is wrong with it.
    assert result.warnings, "a bad-input file parsed without any warning"
    assert _arithmetic(facts.get("notes", [])) <= set(result.warnings)
    check_facts(result.invoices[0], facts, data)
