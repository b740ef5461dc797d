"""The cash-application engine: bank line in, ranked proposals out.

Stages, cheap and certain first:

1. certain keys: an RF creditor reference printed on one of our invoices, or
   the end-to-end id of one of our own direct debits. These are returned alone.
2. references: invoice numbers and payment references found in the
   remittance text (exact, digits only, digit groups without leading zeros,
   one typo away, or the trailing group inside an identified customer).
3. payer: the account (IBAN -> customers, learned from confirmed matches) and
   the name (token blocking index, then rapidfuzz on a few dozen customers).
   Customers of one group (``parent_id``) count as the same payer, a little
   less strongly.
4. candidates: every referenced invoice alone, several referenced invoices of
   one customer together, and inside each identified customer the open items
   whose amount fits (exact, early-payment discount, bank fees) or a bounded
   subset sum of them.
5. scoring: every candidate adds up the points of its evidence
   (:mod:`arapi.matching.scoring`); the explanation lists them.

The engine is pure and in memory; :meth:`consume` keeps open amounts current
within a run and :meth:`learn` records a payer's account and name variant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from arapi import rf
from arapi.errors import ArapiError
from arapi.matching.allocation import (
    Allocation,
    Fit,
    allocate,
    discount_for,
    fee_tolerance,
    signed_open,
    subset_sums,
)
from arapi.matching.indexes import CustomerBook, PayerIndex, ReferenceIndex
from arapi.matching.model import (
    BankLine,
    CustomerProfile,
    Decision,
    DirectDebits,
    MatchConfig,
    OpenItem,
    Proposal,
)
from arapi.matching.scoring import (
    CERTAIN_BP,
    LONG_DIGITS,
    LONG_DIGITS_BONUS,
    PAYER_BOTH_BONUS,
    POINTS,
    SET_NAMED_BONUS,
    Rule,
    confidence_bp,
    doubt,
    margin_points,
    points_for,
)
from arapi.matching.text import (
    EMPTY_KEYS,
    TextKeys,
    digits_of,
    lookalike_fixed,
    text_keys,
)
from arapi.money import from_minor

_FIT_RULE = {
    Fit.EXACT: Rule.AMOUNT_EXACT,
    Fit.DISCOUNT: Rule.AMOUNT_DISCOUNT,
    Fit.FEES: Rule.AMOUNT_FEES,
    Fit.PARTIAL: Rule.AMOUNT_PARTIAL,
    Fit.OVERPAID: Rule.AMOUNT_OVERPAID,
    Fit.LATE_DISCOUNT: Rule.AMOUNT_DISCOUNT_TOO_LATE,
}
# How many customer groups identified by name alone are searched by amount.
_MAX_NAME_FAMILIES = 3
_SETTLING_FITS = (Fit.EXACT, Fit.DISCOUNT, Fit.FEES)
# The most an unnamed set of items can score: the payer's account and name, an exact amount.
_MAX_UNNAMED_POINTS = POINTS[Rule.PAYER_IBAN] + PAYER_BOTH_BONUS + POINTS[Rule.AMOUNT_EXACT]
# ... and a single unnamed item, the only one of that amount.
_MAX_AMOUNT_ONLY_POINTS = _MAX_UNNAMED_POINTS + POINTS[Rule.AMOUNT_UNIQUE]
# A named invoice this clear, fitting the amount, may settle a line without the
# searches among the customer's other items.
_QUICK_REFERENCE_POINTS = POINTS[Rule.REF_NUMBER_DIGITS] + LONG_DIGITS_BONUS
_CLASH_NOTE = "has the digits written in the remittance, but under another of our prefixes"
# Amount-only readings kept per customer group: exact amounts, and items a
# little above the amount (bank fees, discount) only when there are few.
_MAX_SINGLES = 20
_MAX_NEAR_SINGLES = 3
# Items searched for a combination that rivals a lone item of the right amount.
_UNIQUENESS_POOL = 25
# Open credit notes of a customer tried as deductions in a subset sum.
_MAX_CREDIT_NOTES = 3
# Tails ("123" for FA-2025-000123) shorter than this are not evidence.
_MIN_TAIL_DIGITS = 3


@dataclass(slots=True)
class _Hit:
    points: int
    rule: Rule
    note: str
    # What was written ("2025000123"): one written reference names one invoice,
    # however many it resembles.
    source: str


@dataclass(slots=True)
class _Payer:
    """What the payer fields say about who paid."""

    iban_customers: set[int]
    iban_roots: set[int]
    name_scores: dict[int, int]
    strong_name_roots: set[int]


@dataclass(slots=True)
class _Candidate:
    ids: frozenset[int]
    subset: bool = False
    subset_unique: bool = True
    unique_single: bool = False


@dataclass(slots=True)
class _PayerScore:
    """How strongly the payer fields point at one customer, and any objection."""

    points: int
    rules: list[Rule]
    notes: list[str]
    objection: int  # negative: the payer looks like another customer
    objection_note: str


@dataclass(slots=True)
class _Scored:
    points: int
    ids: tuple[int, ...]
    allocation: Allocation
    rules: list[Rule]
    notes: list[str]
    fit_note_at: int

    @property
    def allocation_minor(self) -> int:
        return sum(line.amount_minor for line in self.allocation.lines)


@dataclass(slots=True)
class _Line:
    """What is known about one bank line while it is being matched."""

    line: BankLine
    keys: TextKeys
    hits: dict[int, _Hit]
    payer: _Payer
    texts: list[str]
    # The remittance names something shaped like our invoice numbers that is
    # no open invoice.
    unknown_numbers: list[str] = field(default_factory=list)
    payer_cache: dict[int, _PayerScore] = field(default_factory=dict)
    candidates: dict[frozenset[int], _Candidate] = field(default_factory=dict)

    def add(self, candidate: _Candidate) -> bool:
        known = self.candidates.get(candidate.ids)
        if known is None:
            self.candidates[candidate.ids] = candidate
            return True
        known.unique_single = known.unique_single or candidate.unique_single
        return False


class MatchingEngine:
    """Build once per run with the open items, then call :meth:`match` per bank line."""

    def __init__(
        self,
        customers: Iterable[CustomerProfile],
        open_items: Iterable[OpenItem],
        config: MatchConfig | None = None,
        direct_debits: DirectDebits | None = None,
    ):
        self.config = config or MatchConfig()
        self._items: dict[int, OpenItem] = {}
        self._open: dict[int, int] = {}
        self._tail: dict[int, str] = {}
        self._customer_items: dict[int, list[OpenItem]] = defaultdict(list)
        items = [
            item
            if item.currency.isupper()
            else replace(item, currency=item.currency.strip().upper())
            for item in open_items
        ]
        self._compact: dict[int, str] = {}
        self._refs = ReferenceIndex(
            (),
            min_global_length=self.config.min_global_reference_length,
            min_fuzzy_digits=self.config.min_fuzzy_digits,
        )
        for item in items:
            self._items[item.invoice_id] = item
            self._open[item.invoice_id] = signed_open(item, item.open_minor)
            self._customer_items[item.customer_id].append(item)
            keys = self._refs.add(item)
            self._compact[item.invoice_id] = keys.compact
            if len(keys.tail) >= _MIN_TAIL_DIGITS:
                self._tail[item.invoice_id] = keys.tail
        self._payers = PayerIndex(
            customers, max_token_customers=self.config.name_token_max_customers
        )
        self._direct_debits: dict[str, tuple[int, ...]] = {
            key.strip(): tuple(ids)
            for key, ids in (direct_debits or {}).items()
            if key and key.strip()
        }
        self._books: dict[int, CustomerBook] = {}
        self._names: dict[str, dict[int, int]] = {}
        self._bounds: dict[date, tuple[date, date]] = {}
        self._auto_points = points_for(self.config.auto_apply_bp)
        self._margin_points = margin_points(self.config.runner_up_doubt_ratio_pct)
        for customer_id, customer_items in self._customer_items.items():
            self._books[customer_id] = CustomerBook(customer_items, self._open, self._tail)

    # ------------------------------------------------------------ public API

    def open_amount(self, invoice_id: int) -> int:
        """Current open amount of an item as the engine sees it (after consume)."""
        return self._open[invoice_id]

    def match(self, line: BankLine) -> list[Proposal]:
        """Proposals for one bank line, best first; empty when nothing sensible."""
        if line.amount_minor <= 0:
            return []
        if not line.currency.isupper():
            line = replace(line, currency=line.currency.strip().upper())
        certain = self._certain(line)
        if certain is not None:
            return [certain]
        texts = self._texts(line)
        keys = text_keys(*texts) if texts else EMPTY_KEYS
        payer = self._payer(line)
        ctx = _Line(line, keys, {}, payer, texts)
        self._reference_hits(ctx)
        return self._proposals(ctx)

    def decide(self, proposals: list[Proposal]) -> Decision:
        """ "auto" when the best proposal is sure enough and clearly ahead of the
        best proposal for other invoices, "review" when there is something to
        look at, "none" otherwise."""
        if not proposals or proposals[0].confidence_bp < self.config.min_proposal_bp:
            return "none"
        top = proposals[0]
        if top.confidence_bp < self.config.auto_apply_bp:
            return "review"
        for other in proposals[1:]:
            if other.invoice_ids == top.invoice_ids:
                continue
            # The runner-up's doubt must be clearly larger than the top's.
            if (
                doubt(other.confidence_bp) * 100
                < doubt(top.confidence_bp) * self.config.runner_up_doubt_ratio_pct
            ):
                return "review"
            break
        return "auto"

    def consume(self, proposal: Proposal) -> None:
        """Record that ``proposal`` was applied: its items' open amounts go down."""
        for line in proposal.lines:
            current = self._open.get(line.invoice_id)
            if current is None:
                continue
            settled = line.settled_minor
            new = max(0, current - settled) if current >= 0 else min(0, current - settled)
            self._open[line.invoice_id] = new
            book = self._books.get(self._items[line.invoice_id].customer_id)
            if book is not None:
                book.update(line.invoice_id, current, new)

    def learn(self, customer_id: int, iban: str | None = None, name: str | None = None) -> None:
        """A confirmed match: remember the payer's account and name for this customer."""
        if iban:
            self._payers.add_iban(customer_id, iban)
        if name:
            self._payers.add_name(customer_id, name)
            self._names.clear()

    # ------------------------------------------------------------ stage 1: certain keys

    def _certain(self, line: BankLine) -> Proposal | None:
        found: dict[int, Rule] = {}
        references = rf.find_in_text(line.creditor_reference) + rf.find_in_text(line.remittance)
        for reference in references:
            for iid in self._refs.payref(reference):
                found.setdefault(iid, Rule.REF_RF)
        e2e = (line.end_to_end_id or "").strip()
        for iid in self._direct_debits.get(e2e, ()):
            if iid in self._items:
                found.setdefault(iid, Rule.REF_END_TO_END)
        usable = [iid for iid in found if self._usable(iid, line)]
        if not usable:
            return None
        allocation = allocate(
            [(self._items[iid], self._open[iid]) for iid in usable],
            line.amount_minor,
            line.received_on,
            self.config,
        )
        if allocation is None:
            return None
        rules = sorted({found[iid] for iid in usable}) + [_FIT_RULE[allocation.fit]]
        notes = []
        for iid in usable:
            item = self._items[iid]
            how = (
                "RF creditor reference"
                if found[iid] == Rule.REF_RF
                else "end-to-end id of our direct debit"
            )
            notes.append(f"invoice {item.number} identified by its {how} (certain)")
        notes.append(self._fit_note(allocation, usable, line.currency))
        customer = self._items[usable[0]].customer_id
        return self._proposal(customer, allocation, CERTAIN_BP, rules, notes, line.currency)

    # ------------------------------------------------------------ stage 2: references

    def _texts(self, line: BankLine) -> list[str]:
        texts = [line.remittance or "", line.end_to_end_id or ""]
        if line.creditor_reference:
            reference = rf.normalize(line.creditor_reference)
            # A valid RF not printed by us may wrap one of our invoice numbers.
            texts.append(
                rf.base_of(reference) if rf.is_valid(reference) else line.creditor_reference
            )
        return [text for text in texts if text]

    def _reference_hits(self, ctx: _Line) -> None:
        line, keys, hits = ctx.line, ctx.keys, ctx.hits
        if keys.empty:
            return
        refs = self._refs
        minimum = self.config.min_global_reference_length

        def record(
            ids: tuple[int, ...] | list[int], rule: Rule, bonus: int, what: str, source: str
        ) -> None:
            usable = [iid for iid in ids if self._usable(iid, line)]
            # Typo neighbours are many by nature; amount and payer sort them out.
            shared = len(usable) > 1 and rule != Rule.REF_NUMBER_TYPO
            for iid in usable:
                points = POINTS[rule] + bonus + (POINTS[Rule.REF_SHARED] if shared else 0)
                known = hits.get(iid)
                if known is None or known.points < points:
                    note = f"invoice {self._items[iid].number} {what}"
                    if shared:
                        note += f" (the same key fits {len(usable)} open items)"
                    hits[iid] = _Hit(points, rule, note, source)

        written_as: dict[str, set[str]] = {}  # compact key -> every run sharing its digits
        for windows in keys.digits.values():
            for window in windows:
                written_as[window] = windows
        for key in keys.compacts:
            if len(key) < minimum:
                continue
            record(
                refs.payref(key),
                Rule.REF_PAYMENT_REFERENCE,
                0,
                "named by its payment reference",
                key,
            )
            found = refs.compact(key)
            if found:
                plain, clashing = self._split_by_prefix(found, written_as.get(key, {key}))
                source = digits_of(key) or key
                record(plain, Rule.REF_NUMBER, 0, "named in the remittance (exact number)", source)
                record(clashing, Rule.REF_NUMBER_PREFIX_CLASH, 0, _CLASH_NOTE, source)
            if not any(self._open[iid] for iid in found) and refs.has_shape(key):
                ctx.unknown_numbers.append(key)
        for key, windows in keys.digits.items():
            if len(key) >= minimum and (found := refs.digits(key)):
                bonus = LONG_DIGITS_BONUS if len(key) >= LONG_DIGITS else 0
                plain, clashing = self._split_by_prefix(found, windows)
                record(
                    plain,
                    Rule.REF_NUMBER_DIGITS,
                    bonus,
                    f"named in the remittance by its digits {key}",
                    key,
                )
                record(clashing, Rule.REF_NUMBER_PREFIX_CLASH, 0, _CLASH_NOTE, key)
        for key, windows in keys.loose.items():
            if len(key) - key.count(".") >= minimum and (found := refs.loose(key)):
                plain, clashing = self._split_by_prefix(found, windows)
                source = min(digits_of(window) for window in windows)
                record(
                    plain,
                    Rule.REF_NUMBER_LOOSE,
                    0,
                    "named in the remittance without leading zeros",
                    source,
                )
                record(clashing, Rule.REF_NUMBER_PREFIX_CLASH, 0, _CLASH_NOTE, source)
        if self._explained(line, hits):
            return
        # A short number ("4711") is too common to name an invoice across all
        # customers, unless that invoice also has exactly the amount paid.
        for key in keys.compacts:
            if len(key) < minimum:
                fitting = [
                    iid for iid in refs.short(key) if self._open.get(iid) == line.amount_minor
                ]
                record(
                    fitting,
                    Rule.REF_NUMBER_SHORT_AMOUNT,
                    0,
                    "named by its short number, with its exact amount",
                    key,
                )
        # The named invoices do not account for the amount: maybe a reference
        # was mistyped, possibly into the number of another invoice.
        fixed = [t for t in (lookalike_fixed(text) for text in ctx.texts) if t]
        if fixed:
            alt = text_keys(*fixed)
            for key in alt.compacts - keys.compacts:
                if len(key) >= minimum:
                    record(
                        refs.compact(key),
                        Rule.REF_NUMBER_TYPO,
                        0,
                        f"named as {key} once look-alike letters are read as digits",
                        digits_of(key),
                    )
            for key in alt.digits.keys() - keys.digits.keys():
                if len(key) >= minimum:
                    record(
                        refs.digits(key),
                        Rule.REF_NUMBER_TYPO,
                        0,
                        f"named by its digits {key} once look-alike letters are read as digits",
                        key,
                    )
        payer_roots = set(self._payer_roots(ctx.payer))

        def worth_a_look(iid: int) -> bool:
            # Dense numbering gives every key many neighbours: only those of
            # the payer, or of the right amount, are worth a look.
            return self._usable(iid, line) and (
                self._root_of(iid) in payer_roots or self._fits_alone(iid, line)
            )

        for key in keys.digits:
            if not refs.fuzzy_candidate(key):
                continue
            typo_ids = refs.one_typo(key, worth_a_look)
            if typo_ids:
                record(
                    typo_ids,
                    Rule.REF_NUMBER_TYPO,
                    0,
                    f"one character away from {key} in the remittance",
                    key,
                )

    def _split_by_prefix(
        self, ids: tuple[int, ...], windows: set[str]
    ) -> tuple[list[int], list[int]]:
        """Separate invoices whose number the text writes with another of our
        prefixes ("FA-2025-004245" against invoice 2025004245): same digits,
        but the text names a different number."""
        if not ids:
            return [], []
        plain: list[int] = []
        clashing: list[int] = []
        for iid in ids:
            own = self._compact[iid]
            # A shorter form of our number ("2025004245" for FA-2025-004245) is
            # fine; another number of one of our shapes is not.
            clash = any(
                window != own and not own.endswith(window) and self._refs.has_shape(window)
                for window in windows
            )
            (clashing if clash else plain).append(iid)
        return plain, clashing

    def _explained(self, line: BankLine, hits: dict[int, _Hit]) -> bool:
        """Some named invoice, or the named invoices of one customer together, fit the amount."""
        if any(self._fits_alone(iid, line) for iid in hits):
            return True
        totals: dict[int, int] = defaultdict(int)
        for iid in hits:
            totals[self._root_of(iid)] += self._open[iid]
        for total in totals.values():
            if total >= line.amount_minor and total - line.amount_minor <= fee_tolerance(
                total, self.config
            ):
                return True
        return False

    def _fits_alone(self, iid: int, line: BankLine) -> bool:
        open_minor = self._open[iid]
        amount = line.amount_minor
        if open_minor == amount:
            return True
        if open_minor < amount:
            return False
        if open_minor - amount <= fee_tolerance(open_minor, self.config):
            return True
        discount = discount_for(self._items[iid], line.received_on, self.config)
        return (
            bool(discount)
            and abs(open_minor - discount - amount) <= self.config.discount_tolerance_minor
        )

    def _customer_hits(self, ctx: _Line, roots: Iterable[int]) -> None:
        """Inside identified customers only: a short invoice number written in
        full ("4711"), or the trailing group of a longer one ("124" for
        FA-2025-000124, as in "FA-2025-000123/124"). Too ambiguous to look up
        across all invoices, telling among one customer's."""
        roots = list(roots)
        root_set = set(roots)
        short = [
            key for key in ctx.keys.compacts if len(key) < self.config.min_global_reference_length
        ]
        for key in short:
            for iid in self._refs.short(key):
                if (
                    iid not in ctx.hits
                    and self._usable(iid, ctx.line)
                    and self._root_of(iid) in root_set
                ):
                    ctx.hits[iid] = _Hit(
                        POINTS[Rule.REF_NUMBER_SHORT],
                        Rule.REF_NUMBER_SHORT,
                        f"invoice {self._items[iid].number} named by its number among the customer's invoices",
                        key,
                    )
        # The trailing group of a number already recognised is not a second reference.
        taken = {
            self._tail.get(iid) for iid, hit in ctx.hits.items() if hit.rule != Rule.REF_NUMBER_TYPO
        }
        numbers = [n for n in ctx.keys.numbers if len(n) >= _MIN_TAIL_DIGITS and n not in taken]
        if not numbers:
            return
        for root in roots:
            for customer_id in self._payers.family(root):
                book = self._book(customer_id)
                for number in numbers:
                    for iid in book.by_tail.get(number, ()):
                        known = ctx.hits.get(iid)
                        # A typo neighbour of another written number is not named;
                        # its own trailing group written out names it.
                        if (known is None or known.rule == Rule.REF_NUMBER_TYPO) and self._usable(
                            iid, ctx.line
                        ):
                            ctx.hits[iid] = _Hit(
                                max(POINTS[Rule.REF_NUMBER_TAIL], known.points if known else 0),
                                Rule.REF_NUMBER_TAIL,
                                f"invoice {self._items[iid].number} named by its last digits {number}",
                                number,
                            )

    # ------------------------------------------------------------ stage 3: payer

    def _payer(self, line: BankLine) -> _Payer:
        iban_customers = set(self._payers.iban_customers(line.payer_iban))
        if iban_customers:
            # The account already says who pays: the name only has to agree
            # with that customer's group, no need to search every name.
            among = {member for cid in iban_customers for member in self._payers.family(cid)}
            names = self._payers.name_scores(
                line.payer_name, self.config.name_min_score, among=among
            )
        else:
            name_key = line.payer_name or ""
            names = self._names.get(name_key)
            if names is None:
                names = self._payers.name_scores(line.payer_name, self.config.name_min_score)
                if len(self._names) > 50_000:
                    self._names.clear()
                self._names[name_key] = names
        strong = {
            self._payers.root(cid)
            for cid, score in names.items()
            if score >= self.config.name_strong_score
        }
        return _Payer(iban_customers, {self._payers.root(c) for c in iban_customers}, names, strong)

    def _payer_points(self, ctx: _Line, customer_id: int) -> _PayerScore:
        cached = ctx.payer_cache.get(customer_id)
        if cached is None:
            cached = self._payer_evidence(customer_id, ctx.payer)
            ctx.payer_cache[customer_id] = cached
        return cached

    def _payer_evidence(self, customer_id: int, payer: _Payer) -> _PayerScore:
        root = self._payers.root(customer_id)
        family = self._payers.family(customer_id)
        account = 0
        rules: list[Rule] = []
        notes: list[str] = []
        if customer_id in payer.iban_customers:
            account = POINTS[Rule.PAYER_IBAN]
            rules.append(Rule.PAYER_IBAN)
            notes.append("payer account is known for this customer")
        elif root in payer.iban_roots:
            account = POINTS[Rule.PAYER_IBAN_GROUP]
            rules.append(Rule.PAYER_IBAN_GROUP)
            notes.append("payer account belongs to another company of the same group")
        name = 0
        own = payer.name_scores.get(customer_id, 0)
        group = max((payer.name_scores.get(c, 0) for c in family), default=0)
        if own >= self.config.name_strong_score:
            name, rule = POINTS[Rule.PAYER_NAME], Rule.PAYER_NAME
            notes.append(f"payer name matches the customer ({own}%)")
        elif group >= self.config.name_strong_score:
            name, rule = POINTS[Rule.PAYER_NAME_GROUP], Rule.PAYER_NAME_GROUP
            notes.append(f"payer name matches a company of the same group ({group}%)")
        elif own >= self.config.name_min_score:
            name, rule = POINTS[Rule.PAYER_NAME_WEAK], Rule.PAYER_NAME_WEAK
            notes.append(f"payer name resembles the customer ({own}%)")
        if name:
            rules.append(rule)
        points = max(account, name) + (PAYER_BOTH_BONUS if account and name else 0)
        objection, objection_note = 0, ""
        if not account and payer.iban_roots and len(payer.iban_roots) <= 2:
            objection = POINTS[Rule.PAYER_OTHER_CUSTOMER]
            objection_note = "payer account is known for another customer"
        elif not account and not name and payer.strong_name_roots - {root}:
            objection = POINTS[Rule.PAYER_OTHER_CUSTOMER] // 2
            objection_note = "payer name matches another customer"
        return _PayerScore(points, rules, notes, objection, objection_note)

    def _payer_roots(self, payer: _Payer) -> list[int]:
        roots = sorted(payer.iban_roots)
        by_score: dict[int, int] = {}
        for customer_id, score in payer.name_scores.items():
            root = self._payers.root(customer_id)
            by_score[root] = max(by_score.get(root, 0), score)
        for root in sorted(by_score, key=lambda r: (-by_score[r], r))[:_MAX_NAME_FAMILIES]:
            if root not in roots:
                roots.append(root)
        return roots

    # ------------------------------------------------------------ stage 4 and 5

    def _proposals(self, ctx: _Line) -> list[Proposal]:
        hits = ctx.hits
        payer_roots = self._payer_roots(ctx.payer)
        strong_roots = sorted(
            {
                self._root_of(iid)
                for iid, hit in hits.items()
                if hit.points >= POINTS[Rule.REF_NUMBER_LOOSE]
            }
        )
        search_roots = list(dict.fromkeys(payer_roots + strong_roots))
        self._customer_hits(ctx, search_roots)
        # Cheap and certain first: when a named invoice with the right amount
        # is so far ahead that no reading by amount alone could come close,
        # the searches among the customer's other items are skipped.
        scored: list[_Scored] = []
        if any(
            hit.points >= _QUICK_REFERENCE_POINTS and self._fits_alone(iid, ctx.line)
            for iid, hit in hits.items()
        ):
            self._add_named_candidates(ctx)
            named_elsewhere = self._named_elsewhere(ctx)
            scored = [
                r
                for r in (self._score(ctx, c, named_elsewhere) for c in ctx.candidates.values())
                if r
            ]
            best = max(scored, key=lambda item: item.points, default=None)
            if (
                best is not None
                and best.allocation.fit in _SETTLING_FITS
                and best.points - _MAX_AMOUNT_ONLY_POINTS >= self._margin_points
            ):
                return self._ranked(ctx, scored)

        by_root = self._add_named_candidates(ctx)
        singles_found: dict[int, bool] = {}
        for root in search_roots:
            singles_found[root] = self._amount_singles(ctx, root)
        named_elsewhere = self._named_elsewhere(ctx)
        done = {item.ids for item in scored}
        for ids, candidate in ctx.candidates.items():
            if tuple(sorted(ids)) not in done:
                result = self._score(ctx, candidate, named_elsewhere)
                if result is not None:
                    scored.append(result)

        best = max(scored, key=lambda item: item.points, default=None)
        if (
            best is None
            or best.points < self._auto_points
            or best.allocation.fit not in _SETTLING_FITS
        ):
            # Dearer searches: subsets of named invoices, a named invoice plus
            # others, subsets of an identified customer's open items.
            before = set(ctx.candidates)
            for root, ids in by_root.items():
                for iid in ids:
                    if hits[iid].points >= POINTS[Rule.REF_NUMBER_LOOSE]:
                        self._named_plus_others(ctx, root, iid)
            # Unnamed subsets score at most this; when the best reading is that far
            # ahead they cannot change the decision, so the dear search is skipped.
            if best is None or best.points - _MAX_UNNAMED_POINTS < self._margin_points:
                for root in search_roots:
                    if not singles_found[root]:
                        self._customer_subsets(ctx, root)
            for ids, candidate in ctx.candidates.items():
                if ids not in before:
                    result = self._score(ctx, candidate, named_elsewhere)
                    if result is not None:
                        scored.append(result)

        return self._ranked(ctx, scored)

    def _add_named_candidates(self, ctx: _Line) -> dict[int, list[int]]:
        """Each named invoice alone, and the named invoices of one customer group together."""
        hits = ctx.hits
        by_root: dict[int, list[int]] = defaultdict(list)
        for iid in hits:
            by_root[self._root_of(iid)].append(iid)
            ctx.add(_Candidate(frozenset((iid,))))
        for ids in by_root.values():
            solid = [iid for iid in ids if hits[iid].rule != Rule.REF_NUMBER_TYPO]
            for group in (ids, solid):
                if 2 <= len(group) <= self.config.subset_sum_max_size:
                    ctx.add(_Candidate(frozenset(group)))
            # Some of the named invoices may be what the payment covers.
            if len(solid) >= 2:
                self._named_subsets(ctx, solid)
            if len(ids) > len(solid) and len(ids) >= 2:
                self._named_subsets(ctx, ids)
        return by_root

    def _named_elsewhere(self, ctx: _Line) -> set[int]:
        """Customer groups for which the remittance names an invoice clearly, or
        names one that fits the amount: their unnamed items are poor readings."""
        return {
            self._root_of(iid)
            for iid, hit in ctx.hits.items()
            if hit.points >= POINTS[Rule.REF_NUMBER_DIGITS] or self._fits_alone(iid, ctx.line)
        }

    def _ranked(self, ctx: _Line, scored: list[_Scored]) -> list[Proposal]:
        self._penalise_superseded(scored)
        # Equal evidence: people pay what falls due around the payment date.
        day = ctx.line.received_on.toordinal()
        scored.sort(
            key=lambda item: (
                -item.points,
                -item.allocation_minor,
                self._due_distance(item.ids, day),
                item.ids,
            )
        )
        proposals: list[Proposal] = []
        seen: set[tuple[int, ...]] = set()
        floor = points_for(self.config.min_proposal_bp)
        for item in scored:
            if item.ids in seen or item.points < floor:
                continue
            seen.add(item.ids)
            proposals.append(self._build(ctx, item))
            if len(proposals) >= self.config.max_proposals:
                break
        return proposals

    def _due_distance(self, ids: tuple[int, ...], day: int) -> int:
        return sum(abs(self._items[iid].due_date.toordinal() - day) for iid in ids) // len(ids)

    @staticmethod
    def _penalise_superseded(scored: list[_Scored]) -> None:
        """An overpaid, partial or fee-short reading loses ground to a larger
        set of named invoices that accounts for the whole amount exactly."""
        full = [
            set(item.ids)
            for item in scored
            if len(item.ids) > 1
            and Rule.SET_ALL_NAMED in item.rules
            and item.allocation.fit == Fit.EXACT
        ]
        if not full:
            return
        for item in scored:
            if item.allocation.fit in (
                Fit.OVERPAID,
                Fit.PARTIAL,
                Fit.LATE_DISCOUNT,
                Fit.FEES,
            ) and any(set(item.ids) < ids for ids in full):
                item.points += POINTS[Rule.SUPERSEDED]
                item.rules.append(Rule.SUPERSEDED)
                item.notes.append("named invoices together account for the whole amount")

    def _plausible(self, iid: int, line: BankLine) -> bool:
        """Without a reference, only items issued by then and not long overdue."""
        item = self._items[iid]
        latest_issue, earliest_due = self._date_bounds(line.received_on)
        return item.issue_date <= latest_issue and item.due_date >= earliest_due

    def _date_bounds(self, received_on: date) -> tuple[date, date]:
        bounds = self._bounds.get(received_on)
        if bounds is None:
            bounds = (
                received_on + timedelta(days=self.config.date_slack_days),
                received_on - timedelta(days=self.config.date_window_days),
            )
            self._bounds[received_on] = bounds
        return bounds

    def _amount_singles(self, ctx: _Line, root: int) -> bool:
        """Items of a customer group whose open amount fits the payment alone."""
        cfg = self.config
        line = ctx.line
        amount = line.amount_minor
        singles: list[int] = []
        near_singles: list[int] = []
        for customer_id in self._payers.family(root):
            book = self._book(customer_id)
            exact = book.by_amount.get(amount, ())
            singles += [
                iid for iid in exact if self._usable(iid, line) and self._plausible(iid, line)
            ]
            near = [
                iid
                for iid in book.in_range(amount + 1, amount + cfg.fee_tolerance_minor)
                if self._open[iid] - amount <= fee_tolerance(self._open[iid], cfg)
            ]
            tolerance = cfg.discount_tolerance_minor
            for expected in range(amount - tolerance, amount + tolerance + 1):
                for iid in book.by_discounted.get(expected, ()):
                    if discount_for(self._items[iid], line.received_on, cfg):
                        near.append(iid)
            near = [
                iid
                for iid in dict.fromkeys(near)
                if self._usable(iid, line) and self._plausible(iid, line)
            ]
            # Many items a little above the amount explain nothing: keep the
            # fee and discount readings only when they are few.
            if len(near) <= _MAX_NEAR_SINGLES:
                near_singles += near
        # "Unique" compares like with like: the only exact amount, or, when no
        # amount is exact, the only one explained by fees or discount.
        for group in (singles, near_singles):
            for iid in group[:_MAX_SINGLES]:
                unique = len(group) == 1 and (group is singles or not singles)
                if unique and iid not in ctx.hits:
                    unique = not self._also_a_sum(ctx, root, iid)
                ctx.add(_Candidate(frozenset((iid,)), unique_single=unique))
        return bool(singles or near_singles)

    def _also_a_sum(self, ctx: _Line, root: int, single: int) -> bool:
        """Do two to four other open items add up to the amount as well? Then a
        lone item of that amount is only one reading among several (round
        amounts make this common), and the combination is proposed too."""
        amount = ctx.line.amount_minor
        pool = self._pool(ctx, root, amount, exclude=single)[:_UNIQUENESS_POOL]
        if len(pool) < 2:
            return False
        solutions, _ = subset_sums(pool, amount, amount, max_size=4, max_visits=0, max_solutions=1)
        for solution in solutions:
            ctx.add(_Candidate(frozenset(solution), subset=True, subset_unique=False))
        return bool(solutions)

    def _pool(
        self, ctx: _Line, root: int, ceiling: int, exclude: int | None = None
    ) -> list[tuple[int, int]]:
        """(item, open) of a customer group for subset sums: positive, at most
        ``ceiling``, plausible by date, due nearest to the payment first."""
        cfg = self.config
        line = ctx.line
        day = line.received_on.toordinal()
        pool: list[tuple[int, int, int]] = []
        for customer_id in self._payers.family(root):
            book = self._book(customer_id)
            taken = 0
            for iid in book.nearest_due(day, cfg.subset_sum_max_items * 8):
                open_minor = self._open[iid]
                if iid == exclude or not 0 < open_minor <= ceiling or not self._usable(iid, line):
                    continue
                if not self._plausible(iid, line):
                    continue
                pool.append((abs(self._items[iid].due_date.toordinal() - day), iid, open_minor))
                taken += 1
                if taken >= cfg.subset_sum_max_items:
                    break
        pool.sort()
        return [(iid, open_minor) for _, iid, open_minor in pool[: cfg.subset_sum_max_items]]

    def _named_subsets(self, ctx: _Line, ids: list[int]) -> None:
        """Several invoices of one customer named; the payment covers some of them."""
        cfg = self.config
        credit_notes = [iid for iid in ids if self._open[iid] < 0]
        values = [(iid, self._open[iid]) for iid in ids if self._open[iid] > 0]
        target = ctx.line.amount_minor - sum(self._open[iid] for iid in credit_notes)
        if len(values) < 2 or target <= 0:
            return
        solutions, complete = subset_sums(
            values[: cfg.subset_sum_max_items],
            target,
            target + cfg.fee_tolerance_minor,
            max_size=cfg.subset_sum_max_size,
            max_visits=cfg.subset_sum_max_combinations,
        )
        unique = complete and len(solutions) == 1
        for solution in solutions:
            ctx.add(
                _Candidate(
                    frozenset(solution) | frozenset(credit_notes), subset=True, subset_unique=unique
                )
            )

    def _named_plus_others(self, ctx: _Line, root: int, iid: int) -> None:
        """A payment larger than the named invoice may also pay others of the customer."""
        cfg = self.config
        rest = ctx.line.amount_minor - self._open[iid]
        if rest <= 0:
            return
        others = self._pool(ctx, root, rest, exclude=iid)
        exact = [other for other, value in others if value == rest]
        for other in exact[:3]:
            ctx.add(_Candidate(frozenset((iid, other)), subset=True, subset_unique=len(exact) == 1))
        if exact:
            return
        solutions, complete = subset_sums(
            others,
            rest,
            rest,
            max_size=cfg.subset_sum_max_size - 1,
            max_visits=cfg.subset_sum_max_combinations // 4,
        )
        unique = complete and len(solutions) == 1
        for solution in solutions:
            ctx.add(_Candidate(frozenset(solution) | {iid}, subset=True, subset_unique=unique))

    def _customer_subsets(self, ctx: _Line, root: int) -> None:
        """No single item fits: a bounded subset sum over the customer group's
        items, adding up exactly to the amount, possibly less one open credit
        note of the group. (Without a reference, tolerating fees as well would
        mostly find coincidences.)"""
        cfg = self.config
        amount = ctx.line.amount_minor
        for credit in [None, *self._family_credit_notes(ctx.line, root)]:
            target = amount - (self._open[credit] if credit is not None else 0)
            pool = self._pool(ctx, root, target)
            if len(pool) < (1 if credit is not None else 2):
                continue
            solutions, complete = subset_sums(
                pool,
                target,
                target,
                max_size=cfg.subset_sum_max_size,
                max_visits=cfg.subset_sum_max_combinations,
                min_size=1 if credit is not None else 2,
            )
            unique = complete and len(solutions) == 1
            for solution in solutions:
                ids = frozenset(solution) | ({credit} if credit is not None else set())
                ctx.add(_Candidate(ids, subset=True, subset_unique=unique))

    def _family_credit_notes(self, line: BankLine, root: int) -> list[int]:
        credits: list[int] = []
        for customer_id in self._payers.family(root):
            credits += [
                iid
                for iid in self._book(customer_id).credit_notes
                if self._open[iid] < 0 and self._usable(iid, line)
            ]
        return credits[:_MAX_CREDIT_NOTES]

    def _score(
        self, ctx: _Line, candidate: _Candidate, named_elsewhere: set[int]
    ) -> _Scored | None:
        line = ctx.line
        hits = ctx.hits
        ids = tuple(sorted(candidate.ids))
        if not all(self._usable(iid, line) for iid in ids):
            return None
        roots = {self._root_of(iid) for iid in ids}
        if len(roots) != 1:
            return None
        referenced = [iid for iid in ids if iid in hits]
        if len(referenced) > 1:
            # One written reference names one invoice: of items that owe their
            # hit to the same words, only the best counts as named.
            by_source: dict[str, int] = {}
            for iid in sorted(referenced, key=lambda i: -hits[i].points):
                by_source.setdefault(hits[iid].source, iid)
            referenced = sorted(by_source.values())
        allocation = allocate(
            [(self._items[iid], self._open[iid]) for iid in ids],
            line.amount_minor,
            line.received_on,
            self.config,
            allow_partial=bool(referenced),
        )
        if allocation is None:
            return None
        if len(allocation.lines) != len(ids):
            return None  # a smaller set describes this allocation; it is its own candidate
        if allocation.fit == Fit.OVERPAID and len(referenced) < len(ids):
            return None  # never pile unnamed invoices on top of an overpayment

        rules: list[Rule] = []
        notes: list[str] = []
        # Reference: the weakest link among the items (an unnamed item counts 0).
        ref_points = min((hits[iid].points if iid in referenced else 0) for iid in ids)
        if len(ids) > 1 and len(referenced) == len(ids) and allocation.fit in _SETTLING_FITS:
            # Several named invoices adding up to the amount corroborate each
            # other: each further one lifts the weakest link, up to the best.
            best_ref = max(hits[iid].points for iid in ids)
            ref_points = min(best_ref, ref_points + SET_NAMED_BONUS * (len(ids) - 1))
            rules.append(Rule.SET_ALL_NAMED)
        for iid in referenced:
            hit = hits[iid]
            rules.append(hit.rule)
            notes.append(hit.note)
            if hit.points < POINTS[hit.rule]:
                rules.append(Rule.REF_SHARED)
        if not referenced and roots & named_elsewhere:
            ref_points += POINTS[Rule.REF_NAMES_OTHER]
            rules.append(Rule.REF_NAMES_OTHER)
            notes.append("the remittance names other invoices of this customer")
        elif not referenced and ctx.unknown_numbers:
            ref_points += POINTS[Rule.REF_UNKNOWN_NUMBER]
            rules.append(Rule.REF_UNKNOWN_NUMBER)
            notes.append(f"the remittance names {ctx.unknown_numbers[0]}, which is no open invoice")

        payer = max(
            (
                self._payer_points(ctx, cid)
                for cid in dict.fromkeys(self._items[iid].customer_id for iid in ids)
            ),
            key=lambda score: score.points + score.objection,
        )
        payer_points = payer.points
        rules.extend(payer.rules)
        notes.extend(payer.notes)
        if payer.objection:
            if ref_points >= POINTS[Rule.REF_NUMBER_DIGITS] and allocation.fit in _SETTLING_FITS:
                # A clear reference and the right amount: someone else paid for
                # the customer (a factor, a sister company), which is no objection.
                rules.append(Rule.PAYER_THIRD_PARTY)
                notes.append(
                    f"{payer.objection_note}: a third party paying, the reference and amount being clear"
                )
            else:
                payer_points += payer.objection
                rules.append(Rule.PAYER_OTHER_CUSTOMER)
                notes.append(payer.objection_note)

        fit_rule = _FIT_RULE[allocation.fit]
        rules.append(fit_rule)
        fit_note_at = len(notes)
        bonus = 0
        if candidate.subset:
            rules.append(Rule.SUBSET_SUM)
            if not candidate.subset_unique:
                bonus += POINTS[Rule.SUBSET_NOT_UNIQUE]
                rules.append(Rule.SUBSET_NOT_UNIQUE)
                notes.append("other combinations of open items add up to the same amount")
        if not referenced and len(ids) == 1 and candidate.unique_single:
            bonus += POINTS[Rule.AMOUNT_UNIQUE]
            rules.append(Rule.AMOUNT_UNIQUE)
            notes.append("it is the customer's only open item that fits this amount")
        latest = line.received_on + timedelta(days=self.config.date_slack_days)
        if any(self._items[iid].issue_date > latest for iid in ids):
            bonus += POINTS[Rule.DATE_BEFORE_ISSUE]
            rules.append(Rule.DATE_BEFORE_ISSUE)
            notes.append("the payment arrived before the invoice was issued")

        points = ref_points + payer_points + POINTS[fit_rule] + bonus
        return _Scored(points, ids, allocation, rules, notes, fit_note_at)

    def _build(self, ctx: _Line, scored: _Scored) -> Proposal:
        ids = scored.ids
        notes = list(scored.notes)
        # The amount note goes after the reference and payer notes.
        notes.insert(scored.fit_note_at, self._fit_note(scored.allocation, ids, ctx.line.currency))
        customers = {self._items[iid].customer_id for iid in ids}
        customer = self._items[ids[0]].customer_id if len(customers) == 1 else self._root_of(ids[0])
        return self._proposal(
            customer,
            scored.allocation,
            confidence_bp(scored.points),
            scored.rules,
            notes,
            ctx.line.currency,
        )

    # ------------------------------------------------------------ helpers

    def _fit_note(self, allocation: Allocation, ids: Iterable[int], currency: str) -> str:
        numbers = ", ".join(self._items[iid].number for iid in ids)
        lines = {line.invoice_id: line for line in allocation.lines}
        if allocation.fit == Fit.EXACT:
            return f"amount equals the open amount of {numbers}"
        if allocation.fit == Fit.DISCOUNT:
            granted = sum(line.discount_minor for line in allocation.lines)
            return (
                f"amount equals {numbers} less an early-payment discount of {_money(granted, currency)} "
                "allowed by the invoice terms and paid in time (recorded as discount)"
            )
        if allocation.fit == Fit.FEES:
            fees = sum(line.writeoff_minor for line in allocation.lines)
            return f"amount is {numbers} less {_money(fees, currency)}, within the bank-fee tolerance (written off)"
        if allocation.fit in (Fit.PARTIAL, Fit.LATE_DISCOUNT):
            still = sum(self._open[iid] for iid in ids) - sum(
                line.amount_minor for line in lines.values()
            )
            if allocation.fit == Fit.LATE_DISCOUNT:
                return (
                    f"amount is {numbers} less its early-payment discount, but paid after the discount "
                    f"deadline: a partial payment, {_money(still, currency)} stays open"
                )
            return f"partial payment of {numbers}: {_money(still, currency)} stays open"
        return (
            f"amount exceeds the open amount of {numbers}: "
            f"{_money(allocation.unapplied_minor, currency)} is left as unapplied cash"
        )

    def _proposal(
        self,
        customer_id: int | None,
        allocation: Allocation,
        confidence: int,
        rules: list[Rule],
        notes: list[str],
        currency: str,
    ) -> Proposal:
        unique_rules = tuple(dict.fromkeys(str(rule) for rule in rules))
        explanation = "; ".join(dict.fromkeys(notes)) + "."
        return Proposal(
            customer_id=customer_id,
            lines=allocation.lines,
            confidence_bp=confidence,
            rules=unique_rules,
            explanation=explanation[0].upper() + explanation[1:],
            unapplied_minor=allocation.unapplied_minor,
        )

    def _root_of(self, iid: int) -> int:
        return self._payers.root(self._items[iid].customer_id)

    def _usable(self, iid: int, line: BankLine) -> bool:
        item = self._items.get(iid)
        return item is not None and self._open[iid] != 0 and item.currency == line.currency

    def _book(self, customer_id: int) -> CustomerBook:
        book = self._books.get(customer_id)
        if book is None:
            book = CustomerBook(self._customer_items.get(customer_id, []), self._open, self._tail)
            self._books[customer_id] = book
        return book


def _money(minor: int, currency: str) -> str:
    try:
        return f"{from_minor(minor, currency)} {currency}"
    except ArapiError:
        return f"{minor} minor units {currency}"
