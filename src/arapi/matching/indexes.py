"""Lookup structures built once per engine: references, payers, per-customer books.

Nothing here scans every invoice or every customer per payment: references go
through dictionaries (with a deletion index for one-character typos), payer
names through a token blocking index that narrows the fuzzy comparison to a
few dozen customers.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from arapi.matching.allocation import nominal_discount
from arapi.matching.model import CustomerProfile, OpenItem
from arapi.matching.text import (
    NumberKeys,
    compact,
    name_tokens,
    normalize_iban,
    normalize_name,
    number_keys,
)

# --------------------------------------------------------------- references


def _add(index: dict, key: object, invoice_id: int) -> None:
    # Most keys point at one invoice: store a bare int, grow to a list on collision.
    found = index.get(key)
    if found is None:
        index[key] = invoice_id
    elif isinstance(found, list):
        if invoice_id not in found:
            found.append(invoice_id)
    elif found != invoice_id:
        index[key] = [found, invoice_id]


def _get(index: dict, key: object) -> tuple[int, ...]:
    found = index.get(key)
    if found is None:
        return ()
    if isinstance(found, list):
        return tuple(found)
    return (found,)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


_DIGIT = re.compile(r"[0-9]")


def shape_of(compact: str) -> str:
    return _DIGIT.sub("9", compact)


class ReferenceIndex:
    """Invoice numbers and payment references -> invoice ids."""

    def __init__(self, items: Iterable[OpenItem], *, min_global_length: int, min_fuzzy_digits: int):
        self.min_global_length = min_global_length
        self.min_fuzzy_digits = min_fuzzy_digits
        self.by_compact: dict[str, object] = {}
        self.by_digits: dict[str, object] = {}
        self.by_loose: dict[str, object] = {}
        self.by_payref: dict[str, object] = {}
        # Numbers too short to look up across all invoices ("4711"): only
        # consulted inside an identified customer's items.
        self.by_short: dict[str, object] = {}
        # hash(digits key with one character deleted) -> invoice ids. Hashes keep
        # the index small; every hit is verified by an edit distance anyway.
        self.deletions: dict[int, object] = {}
        self.digits_key: dict[int, str] = {}
        self.longest_digits = 0
        # Shapes of our numbers ("FA9999999999"): a word of that shape that is
        # no open invoice names one we do not know (paid, or not yet booked).
        self.shapes: set[str] = set()
        self.shape_lengths: set[int] = set()
        for item in items:
            self.add(item)

    def add(self, item: OpenItem) -> NumberKeys:
        """Index one item; returns the keys of its number."""
        keys = number_keys(item.number)
        iid = item.invoice_id
        if 0 < len(keys.compact) < self.min_global_length:
            _add(self.by_short, keys.compact, iid)
        if len(keys.compact) >= self.min_global_length:
            _add(self.by_compact, keys.compact, iid)
            if keys.digits:
                self.shapes.add(shape_of(keys.compact))
                self.shape_lengths.add(len(keys.compact))
        if len(keys.digits) >= self.min_global_length:
            _add(self.by_digits, keys.digits, iid)
            self.digits_key[iid] = keys.digits
            self.longest_digits = max(self.longest_digits, len(keys.digits))
        if len(keys.loose.replace(".", "")) >= self.min_global_length and "." in keys.loose:
            _add(self.by_loose, keys.loose, iid)
        if len(keys.digits) >= self.min_fuzzy_digits:
            deletions = self.deletions
            for variant in _deletions(keys.digits):
                key = hash(variant)
                found = deletions.get(key)
                if found is None:
                    deletions[key] = iid
                elif found.__class__ is list:
                    found.append(iid)
                else:
                    deletions[key] = [found, iid]
        if item.payment_reference:
            reference = compact(item.payment_reference)
            if len(reference) >= self.min_global_length:
                _add(self.by_payref, reference, iid)
        return keys

    def payref(self, key: str) -> tuple[int, ...]:
        return _get(self.by_payref, key)

    def compact(self, key: str) -> tuple[int, ...]:
        return _get(self.by_compact, key)

    def short(self, key: str) -> tuple[int, ...]:
        return _get(self.by_short, key)

    def digits(self, key: str) -> tuple[int, ...]:
        return _get(self.by_digits, key)

    def loose(self, key: str) -> tuple[int, ...]:
        return _get(self.by_loose, key)

    def fuzzy_candidate(self, key: str) -> bool:
        """Worth a typo search: long enough, and not longer than our numbers allow."""
        return self.min_fuzzy_digits <= len(key) <= self.longest_digits + 1

    def one_typo(self, key: str, keep: Callable[[int], bool] | None = None) -> list[int]:
        """Invoices whose digits key is one edit (substitution, insertion,
        deletion or swap of neighbours) away from ``key``; ``keep`` filters the
        candidates before the (dearer) edit-distance check."""
        if len(key) < self.min_fuzzy_digits:
            return []
        found: set[int] = set(_get(self.deletions, hash(key)))
        for variant in _deletions(key):
            found.update(_get(self.by_digits, variant))
            found.update(_get(self.deletions, hash(variant)))
        digits_key = self.digits_key
        return [
            iid
            for iid in found
            if (keep is None or keep(iid))
            and OSA.distance(key, digits_key.get(iid, ""), score_cutoff=1) == 1
        ]

    def has_shape(self, key: str) -> bool:
        return len(key) in self.shape_lengths and shape_of(key) in self.shapes


# --------------------------------------------------------------- payers


class PayerIndex:
    """IBANs and name variants -> customers, and customer families."""

    def __init__(self, customers: Iterable[CustomerProfile], *, max_token_customers: int):
        self.max_token_customers = max_token_customers
        self.parent: dict[int, int | None] = {}
        self.by_iban: dict[str, set[int]] = defaultdict(set)
        self.variants: dict[int, list[str]] = defaultdict(list)
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.prefixes: dict[str, set[int]] = defaultdict(set)
        self.display_name: dict[int, str] = {}
        self._roots: dict[int, int] = {}
        for customer in customers:
            self.parent[customer.customer_id] = customer.parent_id
            self.display_name[customer.customer_id] = customer.name
            for iban in customer.ibans:
                self.add_iban(customer.customer_id, iban)
            for name in (customer.name, *customer.name_variants):
                self.add_name(customer.customer_id, name)
        self.members: dict[int, set[int]] = defaultdict(set)
        for customer_id in self.parent:
            self.members[self.root(customer_id)].add(customer_id)

    def root(self, customer_id: int) -> int:
        """Top of the customer's group (parent_id chain), cycles tolerated."""
        cached = self._roots.get(customer_id)
        if cached is not None:
            return cached
        seen = {customer_id}
        current = customer_id
        while True:
            parent = self.parent.get(current)
            if parent is None or parent in seen or parent not in self.parent:
                break
            seen.add(parent)
            current = parent
        self._roots[customer_id] = current
        return current

    def family(self, customer_id: int) -> set[int]:
        return self.members.get(self.root(customer_id)) or {customer_id}

    def add_iban(self, customer_id: int, iban: str | None) -> None:
        key = normalize_iban(iban)
        if len(key) >= 8:
            self.by_iban[key].add(customer_id)

    def add_name(self, customer_id: int, name: str | None) -> None:
        normalized = normalize_name(name)
        if len(normalized) < 2 or normalized in self.variants[customer_id]:
            return
        self.variants[customer_id].append(normalized)
        for token in name_tokens(normalized):
            self.postings[token].add(customer_id)
            if len(token) >= 4:
                self.prefixes[token[:4]].add(customer_id)

    def iban_customers(self, iban: str | None) -> set[int]:
        return self.by_iban.get(normalize_iban(iban), set())

    def name_scores(
        self,
        payer_name: str | None,
        min_score: int,
        limit: int = 25,
        among: Iterable[int] | None = None,
    ) -> dict[int, int]:
        """Customers whose name resembles ``payer_name``, with a 0..100 score.

        Blocking: only customers sharing a token (or a 4-letter token prefix,
        for names the bank cut short) with the payer name are compared, rarer
        tokens weighing more; tokens common to too many customers are ignored.
        """
        query = normalize_name(payer_name)
        tokens = name_tokens(query)
        if len(query) < 3 or not tokens:
            return {}
        if among is not None:
            return self._scores(query, sorted(among)[: limit * 4], min_score)
        lists: list[set[int]] = []
        for token in tokens:
            exact = self.postings.get(token)
            if exact and len(exact) <= self.max_token_customers:
                lists += [exact, exact]  # a whole shared word counts twice
            elif len(token) >= 4:
                # A word the bank cut short, or spelt differently: its first letters.
                prefix = self.prefixes.get(token[:4])
                if prefix and len(prefix) <= self.max_token_customers:
                    lists.append(prefix)
        if not lists:
            return {}
        # Rarer words first, so that ties keep the customers they point at.
        lists.sort(key=len)
        counts: Counter[int] = Counter()
        for postings in lists:
            counts.update(postings)
        ranked = [customer_id for customer_id, _ in counts.most_common(limit)]
        return self._scores(query, ranked, min_score)

    def _scores(self, query: str, ranked: list[int], min_score: int) -> dict[int, int]:
        owners: list[int] = []
        choices: list[str] = []
        for customer_id in ranked:
            for variant in self.variants[customer_id]:
                owners.append(customer_id)
                choices.append(variant)
        best = [0.0] * len(choices)
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.token_sort_ratio, limit=None
        ):
            best[index] = score
        # A name missing words the other has ("ACME" / "ACME INDUSTRIES") is
        # weaker evidence than the same name, whatever token_set_ratio says.
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=min_score / 0.9
        ):
            best[index] = max(best[index], score * 0.9)
        if len(query) >= 12:
            # Banks cut names at 32, 35 or 70 characters: compare with the same prefix.
            cut = [choice[: len(query)] if len(choice) > len(query) else "" for choice in choices]
            for _, score, index in process.extract(
                query, cut, scorer=fuzz.ratio, limit=None, score_cutoff=min_score
            ):
                best[index] = max(best[index], score)
        scores: dict[int, int] = {}
        for customer_id, score in zip(owners, best, strict=True):
            rounded = int(round(score))
            if rounded >= min_score and rounded > scores.get(customer_id, 0):
                scores[customer_id] = rounded
        return scores


# --------------------------------------------------------------- books


class CustomerBook:
    """One customer's open items, kept current as applications consume them.

    Gives, without scanning the customer's items: those of a given open amount,
    those in an amount range (bank fees), those of a given amount after the
    early-payment discount, those
    named by a trailing digit group, and those due nearest to a date.
    """

    __slots__ = (
        "by_amount",
        "amounts",
        "by_tail",
        "by_discounted",
        "discount_of",
        "by_due",
        "credit_notes",
    )

    def __init__(self, items: list[OpenItem], open_of: dict[int, int], tail_of: dict[int, str]):
        self.by_amount: dict[int, list[int]] = defaultdict(list)
        self.amounts: list[tuple[int, int]] = []
        self.by_tail: dict[str, list[int]] = defaultdict(list)
        # Open amount less the early-payment discount -> items (date checked by the caller).
        self.by_discounted: dict[int, list[int]] = defaultdict(list)
        self.discount_of: dict[int, int] = {}
        self.by_due: list[tuple[int, int]] = []
        self.credit_notes: list[int] = []
        for item in items:
            iid = item.invoice_id
            open_minor = open_of[iid]
            if open_minor == 0:
                continue
            self.by_amount[open_minor].append(iid)
            if open_minor > 0:
                self.amounts.append((open_minor, iid))
            else:
                self.credit_notes.append(iid)
            tail = tail_of.get(iid)
            if tail:
                self.by_tail[tail].append(iid)
            if item.discount_bp and item.discount_days is not None and open_minor > 0:
                discount = nominal_discount(item)
                self.discount_of[iid] = discount
                self.by_discounted[open_minor - discount].append(iid)
            self.by_due.append((item.due_date.toordinal(), iid))
        self.amounts.sort()
        self.by_due.sort()

    def update(self, invoice_id: int, old: int, new: int) -> None:
        """An item's open amount changed from ``old`` to ``new``."""
        if old == new:
            return
        ids = self.by_amount.get(old)
        if ids and invoice_id in ids:
            ids.remove(invoice_id)
            if not ids:
                del self.by_amount[old]
        if old > 0:
            index = bisect_left(self.amounts, (old, invoice_id))
            if index < len(self.amounts) and self.amounts[index] == (old, invoice_id):
                del self.amounts[index]
        if new != 0:
            self.by_amount[new].append(invoice_id)
        if new > 0:
            insort(self.amounts, (new, invoice_id))
        discount = self.discount_of.get(invoice_id)
        if discount is not None:
            ids = self.by_discounted.get(old - discount)
            if ids and invoice_id in ids:
                ids.remove(invoice_id)
            if new > 0:
                self.by_discounted[new - discount].append(invoice_id)

    def in_range(self, low: int, high: int) -> list[int]:
        """Items whose open amount lies in low..high (positive amounts only)."""
        start = bisect_left(self.amounts, (low, -1))
        end = bisect_right(self.amounts, (high, 1 << 62))
        return [iid for _, iid in self.amounts[start:end]]

    def nearest_due(self, day: int, budget: int) -> Iterator[int]:
        """Item ids by distance of their due date to ``day`` (an ordinal), at most ``budget``."""
        right = bisect_left(self.by_due, (day, -1))
        left = right - 1
        n = len(self.by_due)
        while budget > 0 and (left >= 0 or right < n):
            budget -= 1
            if right >= n or (
                left >= 0 and day - self.by_due[left][0] <= self.by_due[right][0] - day
            ):
                yield self.by_due[left][1]
                left -= 1
            else:
                yield self.by_due[right][1]
                right += 1
