"""Open customer receivables from FEC lines: lettering, documents, open amounts.

The rules (README.md says the same for users):

1. Customer lines are the lines on accounts starting with 411. A customer is
   its sub-ledger account (CompAuxNum) within the 411 account, or the 411
   account itself when there is no CompAuxNum.
2. Lettering (EcritureLet) settles lines of one customer account against each
   other. A lettering code whose lines net to zero settles all of them. A code
   whose lines do not net to zero (partial lettering) settles what it can: the
   difference stays open on its latest lines of the larger side, oldest first
   being settled first. Codes are case-sensitive ("aa" is not "AA"). An
   unlettered line is wholly open.
3. A document is one customer's lines in one accounting entry
   (JournalCode + EcritureNum) with one PieceRef. Many exports use PieceRef for
   a batch (a month's sales journal page), so it alone cannot identify an
   invoice.
4. A document whose open amount (sum of its lines' open parts, debit minus
   credit) is positive is an open invoice, negative an open credit; zero is
   settled and left out. ``amount_due`` is the open amount, ``total_with_tax``
   the document's net amount (or the open amount when larger or of the other
   sign).
5. The sum of open invoices minus open credits equals the 411 accounts' net
   balance, whatever the lettering says.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from arapi.money import exponent
from arapi.plugin.types import InvoiceDocument, Party
from arapi_fec.reader import FecLedger, FecLine

CUSTOMER_ACCOUNT_PREFIX = "411"
VAT_COLLECTED_PREFIX = "4457"
REVENUE_PREFIX = "7"
CASH_PREFIX = "5"  # class 5: banks, cash; an entry touching it is a receipt or payment...
EQUITY_PREFIX = "1"  # ...unless it also touches equity: then it is an opening (à-nouveaux) entry
BOOK_CURRENCY = "EUR"

CustomerKey = tuple[str, str]  # (CompteNum, CompAuxNum or "")


def is_customer_line(line: FecLine) -> bool:
    return line.compte_num.startswith(CUSTOMER_ACCOUNT_PREFIX)


def customer_key(line: FecLine) -> CustomerKey:
    return (line.compte_num, line.comp_aux_num)


@dataclass
class LetteringReport:
    open_by_line: dict[int, Decimal]  # file line number -> open part, signed debit - credit
    partial_codes: int


def open_parts(lines: Iterable[FecLine]) -> LetteringReport:
    """The open part of every customer line after lettering (rule 2)."""
    open_by_line: dict[int, Decimal] = {}
    groups: dict[tuple[CustomerKey, str], list[FecLine]] = defaultdict(list)
    for line in lines:
        if line.ecriture_let:
            groups[(customer_key(line), line.ecriture_let)].append(line)
        else:
            open_by_line[line.line] = line.signed
    partial = 0
    for members in groups.values():
        net = sum((m.signed for m in members), Decimal(0))
        for member in members:
            open_by_line[member.line] = Decimal(0)
        if not net:
            continue
        partial += 1
        # What is left open sits on the latest lines of the larger side.
        larger = [m for m in members if (m.signed > 0) == (net > 0) and m.signed]
        remaining = abs(net)
        for member in sorted(larger, key=lambda m: (m.ecriture_date, m.line), reverse=True):
            part = min(abs(member.signed), remaining)
            open_by_line[member.line] = part if net > 0 else -part
            remaining -= part
            if not remaining:
                break
    return LetteringReport(open_by_line, partial)


@dataclass
class Document:
    customer: CustomerKey
    journal_code: str
    ecriture_num: str
    piece_ref: str
    lines: list[FecLine] = field(default_factory=list)
    open_amount: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return sum((line.signed for line in self.lines), Decimal(0))

    @property
    def entry(self) -> tuple[str, str]:
        return (self.journal_code, self.ecriture_num)

    @property
    def issue_date(self) -> date:
        piece_dates = [line.piece_date for line in self.lines if line.piece_date]
        return min(piece_dates) if piece_dates else min(line.ecriture_date for line in self.lines)


def documents(customer_lines: list[FecLine], open_by_line: dict[int, Decimal]) -> list[Document]:
    """Customer lines grouped by customer, entry and PieceRef (rule 3), in file order."""
    docs: dict[tuple, Document] = {}
    for line in customer_lines:
        key = (customer_key(line), line.journal_code, line.ecriture_num, line.piece_ref)
        doc = docs.get(key)
        if doc is None:
            doc = docs[key] = Document(
                customer_key(line), line.journal_code, line.ecriture_num, line.piece_ref
            )
        doc.lines.append(line)
        doc.open_amount += open_by_line[line.line]
    return list(docs.values())


def _is_reference(piece_ref: str) -> bool:
    """A placeholder ("sans", "S.A.N.") has no digit; a document reference has."""
    return any(c.isdigit() for c in piece_ref)


def assign_numbers(docs: list[Document], ledger_lines: Iterable[FecLine]) -> dict[int, str]:
    """A unique number per document (by index in ``docs``).

    PieceRef when it names this entry alone in the whole file, else
    JournalCode-EcritureNum, else that plus the customer account.
    """
    entries_of_ref: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for line in ledger_lines:
        if line.piece_ref:
            entries_of_ref[line.piece_ref].add(line.entry)

    def candidates(doc: Document) -> list[str]:
        out = []
        if _is_reference(doc.piece_ref) and entries_of_ref[doc.piece_ref] == {doc.entry}:
            out.append(doc.piece_ref)
        entry = f"{doc.journal_code}-{doc.ecriture_num}"
        customer = doc.customer[1] or doc.customer[0]
        out += [entry, f"{entry}-{customer}", f"{entry}-{customer}-{doc.piece_ref}"]
        return out

    options = [candidates(doc) for doc in docs]
    numbers: dict[int, str] = {}
    for depth in range(4):
        pending = [i for i in range(len(docs)) if i not in numbers]
        wanted = Counter(options[i][min(depth, len(options[i]) - 1)] for i in pending)
        taken = set(numbers.values())
        for i in pending:
            number = options[i][min(depth, len(options[i]) - 1)]
            if wanted[number] == 1 and number not in taken:
                numbers[i] = number
    for i in range(len(docs)):  # the last candidate is unique by construction; belt and braces
        numbers.setdefault(i, f"{options[i][-1]}#{i}")
    return numbers


def _buyer_names(customer_lines: list[FecLine]) -> dict[CustomerKey, str | None]:
    names: dict[CustomerKey, str | None] = {}
    for line in customer_lines:
        key = customer_key(line)
        if names.get(key):
            continue
        if line.comp_aux_num:
            names[key] = line.comp_aux_lib or None
        else:
            names[key] = line.compte_lib or None
    return {key: name or (key[1] or key[0]) for key, name in names.items()}


def _buyer(key: CustomerKey, name: str | None) -> Party:
    account, aux = key
    other_ids = (("fec_aux", aux),) if aux else (("fec_account", account),)
    return Party(name=name, other_ids=other_ids)


def _foreign_amounts(
    doc: Document, total: Decimal, due: Decimal
) -> tuple[str, Decimal, Decimal] | None:
    """(currency, total, due) in the document's Idevise when every line gives Montantdevise."""
    codes = {line.idevise for line in doc.lines}
    if len(codes) != 1 or codes == {""} or codes == {BOOK_CURRENCY}:
        return None
    if any(line.montant_devise is None for line in doc.lines):
        return None
    currency = codes.pop()
    foreign_net = sum(
        (
            abs(line.montant_devise or 0) * (1 if line.signed > 0 else -1)
            for line in doc.lines
            if line.signed
        ),
        Decimal(0),
    )
    foreign_total = abs(foreign_net)
    if not total or not foreign_total:
        return None
    quantum = Decimal(1).scaleb(-exponent(currency))
    foreign_due = (
        foreign_total
        if due == total
        else (foreign_total * due / total).quantize(quantum, ROUND_HALF_EVEN)
    )
    return currency, foreign_total, foreign_due


@dataclass
class EntryFacts:
    """What the other lines of an entry say about its customer documents."""

    customer_docs: Counter = field(default_factory=Counter)
    vat_collected: dict[tuple[str, str], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    has_revenue: set[tuple[str, str]] = field(default_factory=set)
    has_cash: set[tuple[str, str]] = field(default_factory=set)
    has_equity: set[tuple[str, str]] = field(default_factory=set)

    def is_receipt(self, entry: tuple[str, str]) -> bool:
        return entry in self.has_cash and entry not in self.has_equity


def entry_facts(ledger_lines: Iterable[FecLine], docs: list[Document]) -> EntryFacts:
    facts = EntryFacts()
    for doc in docs:
        facts.customer_docs[doc.entry] += 1
    for line in ledger_lines:
        if line.compte_num.startswith(VAT_COLLECTED_PREFIX):
            facts.vat_collected[line.entry] += line.credit - line.debit
        elif line.compte_num.startswith(REVENUE_PREFIX):
            facts.has_revenue.add(line.entry)
        elif line.compte_num.startswith(CASH_PREFIX):
            facts.has_cash.add(line.entry)
        elif line.compte_num.startswith(EQUITY_PREFIX):
            facts.has_equity.add(line.entry)
    return facts


def _tax_split(
    doc: Document, facts: EntryFacts, kind: str, total: Decimal
) -> tuple[Decimal | None, Decimal | None]:
    """(total without tax, tax) from the entry's 4457 lines, for a sale entry holding this document alone."""
    if facts.customer_docs[doc.entry] != 1 or doc.entry not in facts.has_revenue:
        return None, None
    if abs(doc.net) != total:
        return None, None
    tax = facts.vat_collected.get(doc.entry, Decimal(0))
    if kind == "credit_note":
        tax = -tax
    if not 0 <= tax <= total:
        return None, None
    return total - tax, tax


@dataclass
class OpenReceivables:
    invoices: tuple[InvoiceDocument, ...]
    warnings: tuple[str, ...]


def open_receivables(ledger: FecLedger) -> OpenReceivables:
    customer_lines = [line for line in ledger.lines if is_customer_line(line)]
    warnings: list[str] = []
    if not customer_lines:
        warnings.append(
            f"no line on a customer account ({CUSTOMER_ACCOUNT_PREFIX}...): no receivables to import"
        )
    lettering = open_parts(customer_lines)
    docs = documents(customer_lines, lettering.open_by_line)
    open_docs = [doc for doc in docs if doc.open_amount]
    numbers = assign_numbers(open_docs, ledger.lines)
    names = _buyer_names(customer_lines)
    facts = entry_facts(ledger.lines, docs)
    invoices: list[InvoiceDocument] = []
    receipts = 0
    for index, doc in enumerate(open_docs):
        kind = "invoice" if doc.open_amount > 0 else "credit_note"
        due = abs(doc.open_amount)
        same_sign = (doc.net > 0) == (doc.open_amount > 0)
        total = abs(doc.net) if same_sign and abs(doc.net) >= due else due
        currency, without_tax, tax = BOOK_CURRENCY, *_tax_split(doc, facts, kind, total)
        foreign = _foreign_amounts(doc, total, due)
        if foreign:
            currency, total, due = foreign
            without_tax = tax = None
        if kind == "credit_note" and facts.is_receipt(doc.entry):
            receipts += 1
        invoices.append(
            InvoiceDocument(
                number=numbers[index],
                kind=kind,
                issue_date=doc.issue_date,
                due_date=None,  # a FEC has no due date: arapi applies payment terms
                currency=currency,
                total_without_tax=without_tax,
                tax_total=tax,
                total_with_tax=total,
                amount_due=due,
                seller=Party(name=None),
                buyer=_buyer(doc.customer, names.get(doc.customer)),
                external_ref=f"{doc.journal_code}-{doc.ecriture_num}",
            )
        )
    if lettering.partial_codes:
        warnings.append(
            f"{lettering.partial_codes} lettering code(s) settle only part of their lines; "
            "what they leave open is kept on their latest lines"
        )
    if receipts:
        warnings.append(
            f"{receipts} open credit(s) come from bank or cash entries, not credit notes: "
            "money received but not lettered to an invoice"
        )
    return OpenReceivables(tuple(invoices), tuple(warnings))
