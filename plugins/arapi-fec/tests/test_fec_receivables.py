"""Open receivables from FEC lines: lettering cases, documents, numbers, warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arapi_fec import FecInvoiceParser
from hypothesis import given, settings
from hypothesis import strategies as st

PARSER = FecInvoiceParser()
HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
NAMES = {"C1": "ALPHA SARL", "C2": "BETA SA", "C3": "GAMMA"}


def amount(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def line(
    journal: str,
    num: str,
    day: str,
    account: str,
    debit: int = 0,
    credit: int = 0,
    *,
    aux: str = "",
    piece: str = "",
    let: str = "",
    account_lib: str = "",
    devise: tuple[str, str] = ("", ""),
) -> str:
    aux_lib = NAMES.get(aux, "")
    return "|".join(
        [journal, f"Journal {journal}", num, day, account, account_lib or f"Compte {account}", aux, aux_lib, piece, day,
         "libelle", amount(debit), amount(credit), let, day if let else "", day, devise[0], devise[1]]
    )  # fmt: skip


def sale(
    num: str,
    day: str,
    aux: str,
    ttc: int,
    *,
    piece: str = "",
    let: str = "",
    vat: int | None = None,
) -> list[str]:
    vat = ttc // 6 if vat is None else vat
    piece = piece or f"F{num}"
    return [
        line("VE", num, day, "41100000", ttc, aux=aux, piece=piece, let=let),
        line("VE", num, day, "70600000", credit=ttc - vat, piece=piece),
        line("VE", num, day, "44571000", credit=vat, piece=piece),
    ]


def credit_note(num: str, day: str, aux: str, ttc: int, *, let: str = "") -> list[str]:
    vat = ttc // 6
    return [
        line("VE", num, day, "41100000", credit=ttc, aux=aux, piece=f"AV{num}", let=let),
        line("VE", num, day, "70600000", ttc - vat, piece=f"AV{num}"),
        line("VE", num, day, "44571000", vat, piece=f"AV{num}"),
    ]


def receipt(
    num: str, day: str, aux: str, paid: int, *, let: str = "", piece: str = "RB0124"
) -> list[str]:
    return [
        line("BQ", num, day, "51200000", paid, piece=piece),
        line("BQ", num, day, "41100000", credit=paid, aux=aux, piece=piece, let=let),
    ]


def fec(*groups: list[str], sep: str = "|") -> bytes:
    lines = [HEADER] + [text for group in groups for text in group]
    return ("\n".join(lines).replace("|", sep) + "\n").encode()


def open_items(*groups: list[str]):
    result = PARSER.parse(fec(*groups))
    return {(i.number, i.kind): i.amount_due for i in result.invoices}, result


# ---------------------------------------------------------------- lettering


def test_fully_lettered_invoice_is_not_emitted():
    items, result = open_items(
        sale("1", "20240105", "C1", 12000, let="AA"),
        receipt("2", "20240201", "C1", 12000, let="AA"),
    )
    assert items == {}
    assert result.warnings == ()


def test_unlettered_invoice_is_open_for_its_whole_amount():
    items, result = open_items(sale("1", "20240105", "C1", 12000))
    assert items == {("F1", "invoice"): Decimal("120.00")}
    invoice = result.invoices[0]
    assert invoice.issue_date == date(2024, 1, 5) and invoice.due_date is None
    assert (invoice.total_without_tax, invoice.tax_total, invoice.total_with_tax) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert invoice.currency == "EUR"
    assert invoice.buyer.name == "ALPHA SARL" and invoice.buyer.other_ids == (("fec_aux", "C1"),)
    assert invoice.seller.name is None
    assert invoice.external_ref == "VE-1"


def test_unlettered_payment_stays_an_open_credit():
    items, result = open_items(
        sale("1", "20240105", "C1", 12000), receipt("2", "20240201", "C1", 5000)
    )
    assert items == {
        ("F1", "invoice"): Decimal("120.00"),
        ("RB0124", "credit_note"): Decimal("50.00"),
    }
    assert result.warnings == (
        "1 open credit(s) come from bank or cash entries, not credit notes: money received but not lettered to an invoice",
    )


def test_partial_lettering_leaves_the_difference_on_the_invoice():
    items, result = open_items(
        sale("1", "20240105", "C1", 10000, let="a"), receipt("2", "20240201", "C1", 6000, let="a")
    )
    assert items == {("F1", "invoice"): Decimal("40.00")}
    invoice = result.invoices[0]
    assert invoice.total_with_tax == Decimal("100.00") and invoice.amount_due == Decimal("40.00")
    assert any("settle only part" in w for w in result.warnings)


def test_partial_lettering_settles_the_oldest_invoice_first():
    items, _ = open_items(
        sale("1", "20240105", "C1", 10000, let="AB"),
        sale("2", "20240210", "C1", 5000, let="AB"),
        receipt("3", "20240301", "C1", 12000, let="AB"),
    )
    assert items == {("F2", "invoice"): Decimal("30.00")}


def test_overpayment_lettered_leaves_an_open_credit_on_the_payment():
    items, _ = open_items(
        sale("1", "20240105", "C1", 10000, let="AC"),
        receipt("2", "20240201", "C1", 10500, let="AC"),
    )
    assert items == {("RB0124", "credit_note"): Decimal("5.00")}


def test_lettering_codes_belong_to_one_customer_account():
    # Both customers use code AA; C2's payment must not settle C1's invoice.
    result = PARSER.parse(
        fec(
            sale("1", "20240105", "C1", 10000, let="AA"),
            sale("2", "20240105", "C2", 10000),
            receipt("3", "20240201", "C2", 10000, let="AA"),
        )
    )
    by_number = {i.number: (i.kind, i.amount_due, i.buyer.name) for i in result.invoices}
    assert by_number == {
        "F1": ("invoice", Decimal("100.00"), "ALPHA SARL"),
        "F2": ("invoice", Decimal("100.00"), "BETA SA"),
        "RB0124": ("credit_note", Decimal("100.00"), "BETA SA"),
    }


def test_lettering_codes_are_case_sensitive():
    items, _ = open_items(
        sale("1", "20240105", "C1", 10000, let="AA"),
        receipt("2", "20240201", "C1", 10000, let="aa"),
    )
    assert items == {
        ("F1", "invoice"): Decimal("100.00"),
        ("RB0124", "credit_note"): Decimal("100.00"),
    }


def test_unlettered_credit_note_is_an_open_credit_note_with_its_taxes():
    _, result = open_items(credit_note("5", "20240115", "C1", 6000))
    (note,) = result.invoices
    assert (note.number, note.kind) == ("AV5", "credit_note")
    assert (note.total_without_tax, note.tax_total, note.total_with_tax, note.amount_due) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
        Decimal("60.00"),
    )
    assert result.warnings == ()  # a sales entry, not money received


def test_credit_note_lettered_against_an_invoice_settles_both():
    items, _ = open_items(
        sale("1", "20240105", "C1", 6000, let="B"),
        credit_note("2", "20240106", "C1", 6000, let="B"),
    )
    assert items == {}


# ---------------------------------------------------------------- customers and documents


def test_customer_without_sub_account_is_the_411_account():
    _, result = open_items(
        [
            line(
                "VE", "1", "20240105", "41100010", 2400, piece="F-77", account_lib="DUPONT ET FILS"
            ),
            line("VE", "1", "20240105", "70600000", credit=2400, piece="F-77"),
        ]
    )
    (invoice,) = result.invoices
    assert invoice.number == "F-77"
    assert invoice.buyer.name == "DUPONT ET FILS"
    assert invoice.buyer.other_ids == (("fec_account", "41100010"),)


def test_batch_piece_ref_is_not_an_invoice_number():
    # "VE0124" is the January sales page: several entries share it.
    items, result = open_items(
        sale("1", "20240105", "C1", 1000, piece="VE0124"),
        sale("2", "20240106", "C2", 2000, piece="VE0124"),
    )
    assert set(items) == {("VE-1", "invoice"), ("VE-2", "invoice")}


def test_placeholder_piece_ref_is_not_a_number():
    items, _ = open_items(
        [
            line("AN", "9", "20240101", "41100000", 500, aux="C1", piece="sans"),
            line("AN", "9", "20240101", "10100000", credit=500, piece="sans"),
        ]
    )
    assert set(items) == {("AN-9", "invoice")}


def test_two_customers_in_one_entry_get_distinct_numbers():
    opening = [
        line("AN", "1", "20240101", "41100000", 700, aux="C1", piece="sans"),
        line("AN", "1", "20240101", "41100000", credit=300, aux="C2", piece="sans"),
        line("AN", "1", "20240101", "11000000", credit=400, piece="sans"),
    ]
    items, result = open_items(opening)
    assert items == {
        ("AN-1-C1", "invoice"): Decimal("7.00"),
        ("AN-1-C2", "credit_note"): Decimal("3.00"),
    }
    assert result.warnings == ()  # an opening entry is not a receipt


def test_several_lines_of_one_document_add_up():
    lines = [
        line("VE", "1", "20240105", "41100000", 1000, aux="C1", piece="F9"),
        line("VE", "1", "20240105", "41100000", 500, aux="C1", piece="F9"),
        line("VE", "1", "20240105", "70600000", credit=1500, piece="F9"),
    ]
    items, _ = open_items(lines)
    assert items == {("F9", "invoice"): Decimal("15.00")}


def test_foreign_currency_document_uses_montantdevise():
    lines = [
        line(
            "VE", "1", "20240105", "41100000", 9000, aux="C1", piece="F1", devise=("100,00", "USD")
        ),
        line("VE", "1", "20240105", "70600000", credit=9000, piece="F1"),
    ]
    _, result = open_items(lines)
    (invoice,) = result.invoices
    assert (invoice.currency, invoice.total_with_tax, invoice.amount_due) == (
        "USD",
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_piece_date_is_the_issue_date():
    text = line("VE", "1", "20240110", "41100000", 100, aux="C1", piece="F1").split("|")
    text[9] = "20240102"
    _, result = open_items(
        ["|".join(text)], [line("VE", "1", "20240110", "70600000", credit=100, piece="F1")]
    )
    assert result.invoices[0].issue_date == date(2024, 1, 2)


# ---------------------------------------------------------------- warnings


def test_unbalanced_file_and_entries_are_warned():
    _, result = open_items(
        [
            line("VE", "1", "20240105", "41100000", 1000, aux="C1", piece="F1"),
            line("VE", "1", "20240105", "70600000", credit=900, piece="F1"),
        ]
    )
    assert (
        "the file does not balance: debits 10.00, credits 9.00 (difference 1.00)" in result.warnings
    )
    assert "1 entry does not balance: VE-1" in result.warnings


def test_no_customer_lines():
    items, result = open_items(
        [
            line("BQ", "1", "20240105", "51200000", 100),
            line("BQ", "1", "20240105", "62700000", credit=100),
        ]
    )
    assert items == {}
    assert result.warnings == ("no line on a customer account (411...): no receivables to import",)


# ---------------------------------------------------------------- the invariant, on random ledgers


@st.composite
def ledgers(draw):
    groups, net = [], 0
    for number in range(1, draw(st.integers(1, 12)) + 1):
        aux = draw(st.sampled_from(["C1", "C2", "C3"]))
        cents = draw(st.integers(1, 500_000))
        let = draw(st.sampled_from(["", "", "A", "B", "b"]))
        day = f"2024{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
        maker = draw(st.sampled_from([sale, receipt, credit_note]))
        groups.append(maker(str(number), day, aux, cents, let=let))
        net += cents if maker is sale else -cents
    return groups, Decimal(net) / 100


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_open_items_always_add_up_to_the_customer_balance(case):
    groups, net_411 = case
    result = PARSER.parse(fec(*groups))
    signed = sum(
        (i.amount_due if i.kind == "invoice" else -i.amount_due for i in result.invoices),
        Decimal(0),
    )
    assert signed == net_411
    assert all(Decimal(0) < i.amount_due <= i.total_with_tax for i in result.invoices)
    numbers = [i.number for i in result.invoices]
    assert len(numbers) == len(set(numbers))
