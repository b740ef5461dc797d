"""Invoice import through the service on a real database, with files written here (CSV, UBL, FEC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from arapi.auth.roles import Role
from arapi.errors import ArapiError, CommonErrorCode
from arapi.imports.errors import ImportErrorCode
from arapi.imports.invoices import external_ref_for, import_invoices
from arapi.models import Allocation, Customer, Event, ImportFile, Invoice
from arapi.plugin import PluginHost, hookimpl
from arapi.plugin.types import InvoiceDocument, InvoiceFile, ParseErrorCode, Party
from arapi.repositories import invoices as invoice_repo
from tests.helpers import as_role, make_customer, make_org, run_at_once

HOST = PluginHost.from_entry_points()
TABLES = {"customers": Customer, "invoices": Invoice, "allocations": Allocation,
          "import_files": ImportFile, "events": Event}  # fmt: skip


def counts(db) -> dict[str, int]:
    with db.read() as s:
        return {name: s.scalar(select(func.count()).select_from(m)) for name, m in TABLES.items()}


def run(db, viewer, data: bytes, **kw):
    with db.write() as s:
        return import_invoices(s, viewer, HOST, data, **kw)


def refused(db, viewer, data: bytes, **kw) -> ArapiError:
    before = counts(db)
    with pytest.raises(ArapiError) as caught:
        run(db, viewer, data, **kw)
    assert counts(db) == before, "a refused import must write nothing"
    return caught.value


def invoice(db, viewer, number: str):
    with db.read() as s:
        found = invoice_repo.by_number(s, viewer.organization_id, number)
        row = invoice_repo.get_row(s, viewer.organization_id, found.id)
        customer = s.get(Customer, found.customer_id)
        return row, customer


def csv(*rows: str, header: str | None = None) -> bytes:
    header = header or (
        "number;issue_date;due_date;currency;total_with_tax;total_without_tax;tax_total;"
        "amount_due;customer_name;customer_siren;kind"
    )
    return ("\n".join([header, *rows]) + "\n").encode()


BASE_CSV = csv(
    "F-1;2025-01-10;2025-02-09;EUR;120,00;100,00;20,00;120,00;Dupont SA;552 120 222;invoice",
    "F-2;2025-01-12;2025-02-11;EUR;60,00;50,00;10,00;20,00;Durand SARL;;invoice",
    "AV-1;2025-01-20;2025-01-20;EUR;24,00;20,00;4,00;24,00;Dupont SA;552120222;credit_note",
)

UBL_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def ubl(
    *,
    root: str = "Invoice",
    number: str = "U-1",
    currency: str = "EUR",
    due: str | None = "2025-03-31",
    buyer_name: str | None = "Kund AB",
    buyer_ids: str = "",
    excl: str = "100.00",
    tax: str = "25.00",
    total: str = "125.00",
    prepaid: str | None = None,
    payable: str = "125.00",
    payment_id: str = "",
    corrects: str = "",
) -> bytes:
    """A small UBL 2.1 document without lines; amounts and buyer as given."""
    type_code = "380" if root == "Invoice" else "381"
    name = (
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{buyer_name}</cbc:RegistrationName>"
        "</cac:PartyLegalEntity>"
        if buyer_name
        else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{UBL_NS[root]}"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2025-03-01</cbc:IssueDate>
 {f"<cbc:DueDate>{due}</cbc:DueDate>" if due else ""}
 <cbc:{root}TypeCode>{type_code}</cbc:{root}TypeCode>
 <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
 {f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{corrects}</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>" if corrects else ""}
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyLegalEntity><cbc:RegistrationName>Acme SAS</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  {buyer_ids}
  <cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  {name}
 </cac:Party></cac:AccountingCustomerParty>
 {f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>{payment_id}</cbc:PaymentID></cac:PaymentMeans>" if payment_id else ""}
 <cac:TaxTotal><cbc:TaxAmount currencyID="{currency}">{tax}</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="{currency}">{excl}</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="{currency}">{excl}</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="{currency}">{total}</cbc:TaxInclusiveAmount>
  {f'<cbc:PrepaidAmount currencyID="{currency}">{prepaid}</cbc:PrepaidAmount>' if prepaid else ""}
  <cbc:PayableAmount currencyID="{currency}">{payable}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
</{root}>
"""
    return xml.encode()


FEC_HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
# Invoice F001 (120.00) partly paid: a 50.00 transfer lettered "AA" with it leaves 70.00 open.
FEC = "\n".join(
    [
        FEC_HEADER,
        "VE|Ventes|1|20240110|411000|Clients|41100001|DUPONT|F001|20240110|Facture F001|120,00|0,00|AA|20240201|20240110||",
        "VE|Ventes|1|20240110|706000|Prestations|||F001|20240110|Facture F001|0,00|100,00||||||",
        "VE|Ventes|1|20240110|445710|TVA collectee|||F001|20240110|Facture F001|0,00|20,00||||||",
        "BQ|Banque|2|20240201|411000|Clients|41100001|DUPONT|VIR1|20240201|Virement|0,00|50,00|AA|20240201|20240201||",
        "BQ|Banque|2|20240201|512000|Banque|||VIR1|20240201|Virement|50,00|0,00||||||",
    ]
).encode("latin-1")


@pytest.fixture
def viewer(db):
    return make_org(db)


# ---------------------------------------------------------------- a CSV list


def test_csv_with_two_customers_and_a_credit_note(db, viewer):
    result = run(db, viewer, BASE_CSV, filename="list.csv")
    summary = result.to_json()
    assert summary["duplicate"] is False and summary["format"] == "csv"
    assert summary["importId"] == result.import_id is not None
    first = summary["invoices"][0]
    assert {k: first[k] for k in ("number", "issueDate", "dueDate", "currency", "totalWithTax",
                                   "amountDue", "sellerName", "buyerName")} == {
        "number": "F-1", "issueDate": "2025-01-10", "dueDate": "2025-02-09", "currency": "EUR",
        "totalWithTax": "120.00", "amountDue": "120.00", "sellerName": None,
        "buyerName": "Dupont SA",
    }  # fmt: skip
    assert [(i.number, i.kind, i.status) for i in result.invoices] == [
        ("F-1", "invoice", "created"),
        ("F-2", "invoice", "created"),
        ("AV-1", "credit_note", "created"),
    ]
    assert counts(db) == {
        "customers": 2,
        "invoices": 3,
        "allocations": 1,  # F-2's prepaid part
        "import_files": 1,
        "events": 2 + 3 + 1,  # customers, invoices and credit note, the file
    }
    f1, dupont = invoice(db, viewer, "F-1")
    av1, same = invoice(db, viewer, "AV-1")
    assert same.id == dupont.id
    assert (dupont.legal_id, dupont.legal_id_type, dupont.country, dupont.currency) == (
        "552120222", "siren", "FR", "EUR",
    )  # fmt: skip
    assert (f1.invoice.total_minor, f1.invoice.total_excl_tax_minor, f1.invoice.tax_total_minor) == (
        12000, 10000, 2000,
    )  # fmt: skip
    assert f1.invoice.source == "import" and f1.status == "OPEN"
    assert (av1.invoice.kind, av1.open_minor) == ("credit_note", 2400)
    f2, durand = invoice(db, viewer, "F-2")
    assert durand.name == "Durand SARL" and durand.legal_id is None
    assert (f2.open_minor, f2.status) == (2000, "PARTIALLY_PAID")
    with db.read() as s:
        event = s.scalars(select(Event).where(Event.action == "invoices.imported")).one()
        prepaid = s.scalars(select(Allocation)).one()
        stored = s.get(ImportFile, result.import_id)
    assert event.subject_id == result.import_id
    assert (event.data["created"], event.data["customers_created"]) == (3, 2)
    assert (prepaid.kind, prepaid.payment_id, prepaid.credit_note_id, prepaid.invoice_id) == (
        "prepaid", None, None, f2.invoice.id,
    )  # fmt: skip
    assert (prepaid.amount_minor, prepaid.currency, prepaid.author, prepaid.explanation) == (
        4000, "EUR", viewer.actor, "settled before import",
    )  # fmt: skip
    assert (stored.kind, stored.format, stored.filename, stored.size) == (
        "invoices", "csv", "list.csv", len(BASE_CSV),
    )  # fmt: skip
    assert stored.summary == summary


def test_same_bytes_again_are_a_duplicate_and_write_nothing(db, viewer):
    first = run(db, viewer, BASE_CSV)
    before = counts(db)
    again = run(db, viewer, BASE_CSV)
    assert counts(db) == before
    assert again.duplicate is True and again.import_id == first.import_id
    # The same documents, as the first import read them; what it created exists now.
    assert [i.status for i in first.invoices] == ["created"] * len(first.invoices)
    assert [replace(i, status="created") for i in again.invoices] == first.invoices
    assert [i.status for i in again.invoices] == ["existing"] * len(first.invoices)
    assert again.warnings == first.warnings
    assert again.to_json()["duplicate"] is True
    with pytest.raises(ArapiError) as refused:  # a format nobody reads, even for known bytes
        run(db, viewer, BASE_CSV, fmt="xlsx")
    assert refused.value.code.value == "UNKNOWN_FORMAT"


def test_invoice_repeated_in_another_file_is_existing(db, viewer):
    run(db, viewer, BASE_CSV)
    second = csv(
        "F-1;2025-01-10;2025-02-09;EUR;120,00;100,00;20,00;120,00;Dupont SA;552120222;invoice",
        "F-3;2025-02-01;2025-03-03;EUR;36,00;30,00;6,00;36,00;Durand SARL;;invoice",
    )
    before = counts(db)
    result = run(db, viewer, second)
    assert [(i.number, i.status) for i in result.invoices] == [
        ("F-1", "existing"),
        ("F-3", "created"),
    ]
    after = counts(db)
    assert after["customers"] == before["customers"]  # Durand found by name
    assert after["invoices"] == before["invoices"] + 1
    assert after["import_files"] == before["import_files"] + 1


def test_existing_invoice_with_another_open_amount_is_kept_with_a_warning(db, viewer):
    run(db, viewer, BASE_CSV)
    later = csv("F-1;2025-01-10;2025-02-09;EUR;120,00;100,00;20,00;20,00;Dupont SA;552120222;")
    result = run(db, viewer, later)
    assert result.invoices[0].status == "existing"
    assert any("F-1" in w and "open amount" in w for w in result.warnings)
    assert invoice(db, viewer, "F-1")[0].open_minor == 12000


@pytest.mark.parametrize(
    "row",
    [
        "F-1;2025-01-10;2025-02-09;EUR;130,00;;;;Dupont SA;552120222;invoice",  # other total
        "F-1;2025-01-10;2025-02-09;EUR;120,00;;;;Martin SAS;;invoice",  # other customer
        "F-1;2025-01-10;2025-02-09;USD;120,00;;;;Dupont SA;552120222;invoice",  # other currency
        "F-1;2025-01-10;2025-02-09;EUR;120,00;;;;Dupont SA;552120222;credit_note",  # other kind
    ],
)
def test_conflicting_number_refuses_the_whole_file(db, viewer, row):
    run(db, viewer, BASE_CSV)
    data = csv("F-9;2025-03-01;2025-03-31;EUR;10,00;;;;Nouveau SARL;;invoice", row)
    error = refused(db, viewer, data)
    assert error.code == ImportErrorCode.INVOICE_CONFLICT
    assert "F-1" in error.message


# ---------------------------------------------------------------- customers


def test_customer_found_by_legal_id_external_ref_name_or_created(db, viewer):
    with db.write() as s:
        alpha = make_customer(s, viewer, "Alpha SA", legal_id="732829320")
        beta = make_customer(s, viewer, "Beta SARL")
        gamma = make_customer(s, viewer, "Gamma", external_ref="C-77")
        delta = make_customer(s, viewer, "Delta", legal_id="44306184100013")  # a SIRET
        epsilon = make_customer(s, viewer, "Epsilon", legal_id="FR89383474814")  # a VAT number
    header = (
        "number;issue_date;due_date;currency;total_with_tax;customer_name;customer_siren;"
        "customer_siret;customer_ref"
    )
    data = csv(
        "A-1;2025-01-10;2025-02-09;EUR;10,00;Alpha Holding;732829320;;",
        "A-2;2025-01-10;2025-02-09;EUR;10,00;Alpha Nord;;73282932000017;",
        "B-1;2025-01-10;2025-02-09;EUR;10,00;BETA  sarl;;;",
        "C-1;2025-01-10;2025-02-09;EUR;10,00;Gamma Renamed;;;C-77",
        "D-1;2025-01-10;2025-02-09;EUR;10,00;Delta Sud;443061841;;",
        "E-1;2025-01-10;2025-02-09;EUR;10,00;Eps;383474814;;",
        "N-1;2025-01-10;2025-02-09;GBP;10,00;Newco Ltd;542051180;;N-9",
        header=header,
    )
    run(db, viewer, data)
    owners = {n: invoice(db, viewer, n)[1].id for n in ("A-1", "A-2", "B-1", "C-1", "D-1", "E-1")}
    assert owners == {"A-1": alpha.id, "A-2": alpha.id, "B-1": beta.id, "C-1": gamma.id,
                      "D-1": delta.id, "E-1": epsilon.id}  # fmt: skip
    newco = invoice(db, viewer, "N-1")[1]
    assert newco.id not in owners.values()
    assert (newco.name, newco.legal_id, newco.currency, newco.external_ref) == (
        "Newco Ltd", "542051180", "GBP", "N-9",
    )  # fmt: skip
    assert counts(db)["customers"] == 6


def test_fec_buyer_is_found_by_its_auxiliary_account(db, viewer):
    with db.write() as s:
        known = make_customer(s, viewer, "Dupont et Fils", external_ref="fec_aux:41100001")
    result = run(db, viewer, FEC)
    assert result.format == "fec"
    row, customer = invoice(db, viewer, "F001")
    assert customer.id == known.id
    assert (row.invoice.total_minor, row.open_minor, row.status) == (12000, 7000, "PARTIALLY_PAID")
    assert (row.invoice.total_excl_tax_minor, row.invoice.tax_total_minor) == (10000, 2000)
    assert row.invoice.external_ref == "VE-1"  # the accounting entry
    assert row.invoice.due_date == date(2024, 1, 10) + timedelta(days=30)  # customer's terms


def test_fec_buyer_unknown_becomes_a_customer_with_that_external_ref(db, viewer):
    run(db, viewer, FEC)
    customer = invoice(db, viewer, "F001")[1]
    assert (customer.name, customer.external_ref) == ("DUPONT", "fec_aux:41100001")


def test_external_ref_scheme():
    assert external_ref_for("fec_aux", "401AB") == "fec_aux:401AB"
    assert external_ref_for("0088", " 5790000435951 ") == "0088:5790000435951"
    assert external_ref_for("customer_ref", "C042") == "C042"
    assert external_ref_for("", "GE2020211") == "id:GE2020211"
    assert external_ref_for("EM", "me@buyer.com") is None
    assert external_ref_for("x", "y" * 200) is None


def test_invalid_legal_id_is_a_warning_and_not_kept(db, viewer):
    ids = "<cac:PartyTaxScheme><cbc:CompanyID>SE4598375937</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
    result = run(db, viewer, ubl(buyer_ids=ids))
    assert any("SE4598375937" in w and "not used" in w for w in result.warnings)
    customer = invoice(db, viewer, "U-1")[1]
    assert (customer.name, customer.legal_id, customer.country) == ("Kund AB", None, "SE")


def test_valid_vat_id_finds_the_customer(db, viewer):
    with db.write() as s:
        known = make_customer(s, viewer, "Société Client", legal_id="FR44732829320")
    ids = "<cac:PartyTaxScheme><cbc:CompanyID>FR 44 732829320</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
    run(db, viewer, ubl(buyer_ids=ids, buyer_name="Another Name"))
    assert invoice(db, viewer, "U-1")[1].id == known.id


def test_buyer_without_name_or_known_id_refuses_the_file(db, viewer):
    error = refused(db, viewer, ubl(buyer_name=None))
    assert error.code == ImportErrorCode.BUYER_UNKNOWN


def test_buyer_without_name_but_with_a_known_id_is_found(db, viewer):
    with db.write() as s:
        known = make_customer(s, viewer, "Kund AB", external_ref="0088:7300010000001")
    ids = '<cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>'
    run(db, viewer, ubl(buyer_name=None, buyer_ids=ids))
    assert invoice(db, viewer, "U-1")[1].id == known.id


# ---------------------------------------------------------------- amounts and settlement


def test_prepaid_part_leaves_the_amount_due_open(db, viewer):
    result = run(db, viewer, ubl(prepaid="100.00", payable="25.00"))
    assert result.invoices[0].amount_due == Decimal("25.00")
    row = invoice(db, viewer, "U-1")[0]
    assert (row.invoice.total_minor, row.open_minor, row.status) == (12500, 2500, "PARTIALLY_PAID")


def test_nothing_due_is_recorded_as_settled(db, viewer):
    run(db, viewer, ubl(prepaid="125.00", payable="0.00"))
    row = invoice(db, viewer, "U-1")[0]
    assert (row.open_minor, row.status) == (0, "PAID")


def test_negative_amount_due_is_settled_with_a_warning(db, viewer):
    result = run(db, viewer, ubl(prepaid="150.00", payable="-25.00"))
    assert any("negative" in w and "-25.00" in w for w in result.warnings)
    row = invoice(db, viewer, "U-1")[0]
    assert (row.open_minor, row.status) == (0, "PAID")


def test_partly_used_credit_note_keeps_the_amount_due_as_credit(db, viewer):
    run(db, viewer, ubl(root="CreditNote", due=None, prepaid="100.00", payable="25.00"))
    row = invoice(db, viewer, "U-1")[0]
    assert (row.invoice.kind, row.invoice.total_minor, row.open_minor) == (
        "credit_note",
        12500,
        2500,
    )
    with db.read() as s:
        prepaid = s.scalars(select(Allocation)).one()
    assert (prepaid.kind, prepaid.credit_note_id, prepaid.invoice_id, prepaid.amount_minor) == (
        "prepaid", row.invoice.id, row.invoice.id, 10000,
    )  # fmt: skip


def test_a_credit_note_is_linked_to_the_invoice_it_corrects(db, viewer):
    run(db, viewer, ubl(number="F-1"))
    run(db, viewer, ubl(number="F-9", buyer_name="Other AB"))
    result = run(db, viewer, ubl(root="CreditNote", number="AV-1", due=None, corrects="F-1"))
    assert result.warnings == []
    note, corrected = invoice(db, viewer, "AV-1")[0].invoice, invoice(db, viewer, "F-1")[0].invoice
    assert note.corrects_id == corrected.id
    # Another customer's invoice is not linked, and that is said; an unknown one is not.
    other = run(db, viewer, ubl(root="CreditNote", number="AV-2", due=None, corrects="F-9"))
    assert other.warnings == [
        "invoice 'AV-2': corrects 'F-9', an invoice of another customer: not linked"
    ]
    run(db, viewer, ubl(root="CreditNote", number="AV-3", due=None, corrects="F-404"))
    assert invoice(db, viewer, "AV-2")[0].invoice.corrects_id is None
    assert invoice(db, viewer, "AV-3")[0].invoice.corrects_id is None


def test_negative_invoice_is_stored_as_a_credit_note(db, viewer):
    result = run(db, viewer, ubl(excl="-100.00", tax="-25.00", total="-125.00", payable="-125.00"))
    imported = result.invoices[0]
    assert (imported.total_with_tax, imported.kind) == (Decimal("-125.00"), "credit_note")
    assert any("negative" in w and "credit note" in w for w in result.warnings)
    row = invoice(db, viewer, "U-1")[0]
    assert (row.invoice.kind, row.invoice.total_minor, row.invoice.tax_total_minor) == (
        "credit_note", 12500, 2500,
    )  # fmt: skip
    assert row.open_minor == 12500


def test_more_decimals_than_the_currency_are_rounded_half_even_with_a_warning(db, viewer):
    data = ubl(currency="JPY", excl="1000.5", tax="100", total="1100.5", payable="1100.5")
    result = run(db, viewer, data)
    assert result.invoices[0].total_with_tax == Decimal("1100")  # half-even: 1100.5 -> 1100
    assert any("rounded half-even" in w and "1100.5 -> 1100" in w for w in result.warnings)
    row = invoice(db, viewer, "U-1")[0]
    assert (row.invoice.currency, row.invoice.total_minor, row.invoice.total_excl_tax_minor) == (
        "JPY", 1100, 1000,
    )  # fmt: skip


def test_inconsistent_totals_keep_the_total_with_tax(db, viewer):
    result = run(db, viewer, ubl(excl="100.00", tax="20.00", total="125.00", payable="125.00"))
    assert any("only the total with tax is kept" in w for w in result.warnings)
    row = invoice(db, viewer, "U-1")[0]
    assert (row.invoice.total_minor, row.invoice.tax_total_minor) == (12500, 0)


def test_missing_due_date_uses_the_customers_payment_terms(db, viewer):
    result = run(db, viewer, ubl(due=None))
    assert (
        result.invoices[0].due_date is None and result.to_json()["invoices"][0]["dueDate"] is None
    )
    row = invoice(db, viewer, "U-1")[0]
    assert row.invoice.due_date == date(2025, 3, 1) + timedelta(days=30)


def test_rf_payment_reference_is_kept_and_another_one_is_not(db, viewer):
    run(db, viewer, ubl(number="U-1", payment_id="RF18 5390 0754 7034"))
    run(db, viewer, ubl(number="U-2", payment_id="PAY-2025-17"))
    assert invoice(db, viewer, "U-1")[0].invoice.payment_reference == "RF18539007547034"
    generated = invoice(db, viewer, "U-2")[0].invoice.payment_reference
    assert generated.startswith("RF") and "PAY" not in generated  # arapi's own reference


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.PARTNER])
def test_roles_without_import_permission_are_forbidden(db, viewer, role):
    error = refused(db, as_role(viewer, role), BASE_CSV)
    assert error.code == CommonErrorCode.FORBIDDEN


def test_integrator_may_import(db, viewer):
    result = run(db, as_role(viewer, Role.INTEGRATOR), BASE_CSV)
    assert len(result.invoices) == 3


def test_oversized_file_is_refused(db, viewer):
    error = refused(db, viewer, BASE_CSV, max_bytes=len(BASE_CSV) - 1)
    assert error.code == ImportErrorCode.FILE_TOO_LARGE
    assert run(db, viewer, BASE_CSV, max_bytes=len(BASE_CSV)).duplicate is False


def test_empty_file_is_refused(db, viewer):
    assert refused(db, viewer, b"").code == ImportErrorCode.EMPTY_FILE


def test_unknown_and_unrecognised_formats_are_refused(db, viewer):
    assert refused(db, viewer, BASE_CSV, fmt="xlsx").code == ParseErrorCode.UNKNOWN_FORMAT
    assert refused(db, viewer, b"hello, world\n").code == ParseErrorCode.UNKNOWN_FORMAT


def test_explicit_format_wins_and_its_parse_error_keeps_its_code(db, viewer):
    error = refused(db, viewer, BASE_CSV, fmt="ubl")  # a CSV is not read as UBL
    assert error.code == ParseErrorCode.MALFORMED


def test_bad_row_refuses_the_file(db, viewer):
    data = csv(
        "F-1;2025-01-10;2025-02-09;EUR;120,00;;;;Dupont SA;;invoice",
        "F-2;2025-13-45;2025-02-11;EUR;60,00;;;;Durand SARL;;invoice",
    )
    assert refused(db, viewer, data).code == ParseErrorCode.INVALID_DATE


def test_due_date_before_issue_date_refuses_the_file(db, viewer):
    data = csv(
        "F-1;2025-01-10;2025-02-09;EUR;120,00;;;;Dupont SA;;invoice",
        "F-2;2025-01-10;2024-12-31;EUR;60,00;;;;Durand SARL;;invoice",
    )
    error = refused(db, viewer, data)
    assert error.code.value == "DUE_BEFORE_ISSUE" and "F-2" in error.message


def test_concurrent_imports_of_the_same_bytes_write_it_once(db, db_url, viewer):
    """Six clients at once: one imports, the others get the duplicate answer, none fails.

    On PostgreSQL the losers wait on the import_files unique index and then read the
    winner's row; on SQLite BEGIN IMMEDIATE queues them behind the winner.
    """
    clients = 6

    def job(s):
        return "duplicate" if import_invoices(s, viewer, HOST, BASE_CSV).duplicate else "imported"

    outcomes = run_at_once(db, db_url, [job] * clients)
    assert sorted(outcomes) == ["duplicate"] * (clients - 1) + ["imported"]
    assert counts(db)["import_files"] == 1 and counts(db)["invoices"] == 3


class _CarelessParser:
    """A third-party parser that passes a NUL from its file straight through."""

    format = "careless"
    label = "careless"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"CARELESS")

    def parse(self, data: bytes) -> InvoiceFile:
        buyer = Party(name=data.decode("latin-1").split(";")[1])
        document = InvoiceDocument(
            number="C-1",
            kind="invoice",
            issue_date=date(2025, 1, 10),
            due_date=None,
            currency="EUR",
            total_without_tax=None,
            tax_total=None,
            total_with_tax=Decimal("10.00"),
            amount_due=Decimal("10.00"),
            seller=Party(name="Us"),
            buyer=buyer,
        )
        return InvoiceFile(format=self.format, invoices=(document,))


class _CarelessPlugin:
    @hookimpl
    def arapi_invoice_parsers(self):
        return [_CarelessParser()]


def test_a_nul_character_from_any_plugin_refuses_the_file(db, viewer):
    """The import checks every parser's result, so a plugin that forgets to cannot write NUL."""
    host = PluginHost()
    host.register(_CarelessPlugin(), "careless", "careless-dist", "1.0")
    before = counts(db)
    with pytest.raises(ArapiError) as caught, db.write() as s:
        import_invoices(s, viewer, host, b"CARELESS;Durand\x00SARL")
    assert caught.value.code is ParseErrorCode.ENCODING
    assert "invoices[0].buyer.name holds a NUL character" in caught.value.message
    assert counts(db) == before
    with db.write() as s:
        assert (
            import_invoices(s, viewer, host, b"CARELESS;Durand SARL").invoices[0].status
            == "created"
        )


def test_different_files_sharing_numbers_imported_at_once(db, db_url, viewer):
    """Two files that both hold F-1 (same invoice): one creates it, the other finds it existing.

    Each import checks the numbers it writes against what is committed; without one
    import at a time per organization, both would insert F-1 on PostgreSQL and one
    would fail on the invoices' unique key.
    """
    first = csv(
        "F-1;2025-01-10;2025-02-09;EUR;120,00;100,00;20,00;120,00;Dupont SA;552 120 222;invoice"
    )
    second = csv(
        "F-1;2025-01-10;2025-02-09;EUR;120,00;100,00;20,00;120,00;Dupont SA;552 120 222;invoice",
        "F-7;2025-01-12;2025-02-11;EUR;60,00;50,00;10,00;60,00;Dupont SA;552 120 222;invoice",
    )

    def job(data):
        return lambda s: sorted(i.status for i in import_invoices(s, viewer, HOST, data).invoices)

    outcomes = run_at_once(db, db_url, [job(first), job(second)])
    assert sorted(outcomes) in (
        [["created"], ["created", "existing"]],
        [["created", "created"], ["existing"]],
    ), outcomes
    assert counts(db)["invoices"] == 2 and counts(db)["customers"] == 1
