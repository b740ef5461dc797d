"""How a payment amount splits over a set of open items, and bounded subset sums.

Pure functions on integers (minor units). An allocation never gives an item
more than its open amount and never spends more than the payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from arapi.matching.model import CREDIT_NOTE, MatchConfig, OpenItem, ProposalLine


class Fit(StrEnum):
    EXACT = "amount.exact"
    DISCOUNT = "amount.discount"
    FEES = "amount.fees"
    PARTIAL = "amount.partial"
    OVERPAID = "amount.overpaid"
    # Short by exactly the early-payment discount, but paid after its deadline:
    # a partial payment, the rest stays due.
    LATE_DISCOUNT = "amount.discount_too_late"


@dataclass(frozen=True, slots=True)
class Allocation:
    fit: Fit
    lines: tuple[ProposalLine, ...]
    unapplied_minor: int


def signed_open(item: OpenItem, open_minor: int) -> int:
    """Credit notes reduce what is owed whatever sign they were stored with."""
    return -abs(open_minor) if item.kind == CREDIT_NOTE else open_minor


def nominal_discount(item: OpenItem) -> int:
    """The early-payment discount the terms allow, whatever the payment date."""
    if item.kind == CREDIT_NOTE or not item.discount_bp or item.discount_days is None:
        return 0
    return (item.total_minor * item.discount_bp + 5000) // 10000


def discount_for(item: OpenItem, received_on: date, config: MatchConfig) -> int:
    """The early-payment discount this payment may take on ``item``, 0 if none.

    Escompte is granted only when the terms allow it and the money arrives by
    issue date + discount days (+ the configured grace); it is a share of the
    invoice total (TTC), rounded half up to the minor unit.
    """
    discount = nominal_discount(item)
    if not discount:
        return 0
    assert item.discount_days is not None
    deadline = item.issue_date + timedelta(days=item.discount_days + config.discount_grace_days)
    return discount if received_on <= deadline else 0


def fee_tolerance(open_sum: int, config: MatchConfig) -> int:
    """Largest shortfall bank fees may explain for this open amount."""
    by_share = open_sum * config.fee_tolerance_pct_bp // 10000
    return max(0, min(config.fee_tolerance_minor, by_share))


def _ordered(items: list[tuple[OpenItem, int]]) -> list[tuple[OpenItem, int]]:
    # Credit notes first (they add to what can be spent), then oldest due first.
    return sorted(
        items, key=lambda pair: (pair[0].kind != CREDIT_NOTE, pair[0].due_date, pair[0].invoice_id)
    )


def allocate(
    items: list[tuple[OpenItem, int]],
    amount_minor: int,
    received_on: date,
    config: MatchConfig,
    *,
    allow_partial: bool = True,
) -> Allocation | None:
    """Split ``amount_minor`` over ``items`` (each paired with its current open amount).

    Tries, in order: exact, early-payment discount, bank fees, then partial
    (oldest due first) or overpayment (everything settled, rest unapplied).
    Returns None when the amount cannot sensibly go to these items.
    """
    if amount_minor <= 0 or not items:
        return None
    ordered = _ordered(items)
    opens = [signed_open(item, open_minor) for item, open_minor in ordered]
    open_sum = sum(opens)
    if open_sum <= 0:
        return None
    if amount_minor == open_sum:
        lines = tuple(
            ProposalLine(item.invoice_id, o) for (item, _), o in zip(ordered, opens, strict=True)
        )
        return Allocation(Fit.EXACT, lines, 0)

    if amount_minor < open_sum:
        discounted = _with_discount(ordered, opens, amount_minor, received_on, config)
        if discounted is not None:
            return discounted
        shortfall = open_sum - amount_minor
        nominal = sum(nominal_discount(item) for item, _ in ordered)
        late_discount = nominal > 0 and abs(shortfall - nominal) <= config.discount_tolerance_minor
        if not late_discount and shortfall <= fee_tolerance(open_sum, config):
            return _with_fees(ordered, opens, shortfall)
        if not allow_partial:
            return None
        partial = _partial(ordered, opens, amount_minor)
        if partial is not None and late_discount:
            return Allocation(Fit.LATE_DISCOUNT, partial.lines, 0)
        return partial

    lines = tuple(
        ProposalLine(item.invoice_id, o) for (item, _), o in zip(ordered, opens, strict=True)
    )
    excess = amount_minor - open_sum
    return Allocation(Fit.OVERPAID, lines, excess)


def _with_discount(
    ordered: list[tuple[OpenItem, int]],
    opens: list[int],
    amount_minor: int,
    received_on: date,
    config: MatchConfig,
) -> Allocation | None:
    discounts = [discount_for(item, received_on, config) for item, _ in ordered]
    total_discount = sum(discounts)
    if total_discount <= 0:
        return None
    expected = sum(opens) - total_discount
    gap = expected - amount_minor  # positive: paid a little less than expected
    if abs(gap) > config.discount_tolerance_minor:
        return None
    lines: list[ProposalLine] = []
    for (item, _), open_minor, discount in zip(ordered, opens, discounts, strict=True):
        lines.append(ProposalLine(item.invoice_id, open_minor - discount, discount_minor=discount))
    # Absorb the rounding gap on the last discounted line so the cash adds up.
    last = max(i for i, d in enumerate(discounts) if d > 0)
    line = lines[last]
    lines[last] = ProposalLine(
        line.invoice_id, line.amount_minor - gap, discount_minor=line.discount_minor + gap
    )
    return Allocation(Fit.DISCOUNT, tuple(lines), 0)


def _with_fees(ordered: list[tuple[OpenItem, int]], opens: list[int], shortfall: int) -> Allocation:
    lines = [ProposalLine(item.invoice_id, o) for (item, _), o in zip(ordered, opens, strict=True)]
    # Write the fees off the most recent invoices (credit notes sort first, so
    # walking backwards meets invoices first).
    rest = shortfall
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if rest <= 0 or line.amount_minor <= 0:
            continue
        take = min(rest, line.amount_minor)
        lines[i] = ProposalLine(line.invoice_id, line.amount_minor - take, writeoff_minor=take)
        rest -= take
    return Allocation(Fit.FEES, tuple(lines), 0)


def _partial(
    ordered: list[tuple[OpenItem, int]], opens: list[int], amount_minor: int
) -> Allocation | None:
    remaining = amount_minor + sum(-o for o in opens if o < 0)
    lines: list[ProposalLine] = []
    for (item, _), open_minor in zip(ordered, opens, strict=True):
        if open_minor < 0:
            lines.append(ProposalLine(item.invoice_id, open_minor))
            continue
        if remaining <= 0:
            break
        take = min(open_minor, remaining)
        lines.append(ProposalLine(item.invoice_id, take))
        remaining -= take
    if not any(line.amount_minor > 0 for line in lines):
        return None
    return Allocation(Fit.PARTIAL, tuple(lines), 0)


def subset_sums(
    values: list[tuple[int, int]],
    low: int,
    high: int,
    *,
    max_size: int,
    max_visits: int,
    max_solutions: int = 3,
    min_size: int = 2,
) -> tuple[list[tuple[int, ...]], bool]:
    """Subsets of (key, positive value) pairs whose values add up to ``low``..``high``.

    Subsets of up to four items are found through sums of pairs held in a
    dictionary (complete and cheap when ``low == high``); larger ones, and
    ranges, through a depth-first search over values sorted largest first,
    pruned by the running sum and by what the remaining values can still add,
    that gives up after ``max_visits`` partial subsets. At most
    ``max_solutions`` subsets of ``min_size`` .. ``max_size`` items are
    returned; the flag says whether the search was complete, so that "one
    solution" means "the only one".
    """
    pairs = [p for p in values if p[1] > 0]
    solutions: list[tuple[int, ...]] = []
    small_done = 0
    if low == high:
        small_done = min(4, max_size)
        for subset in _small_exact(pairs, low, small_done, min_size):
            solutions.append(subset)
            if len(solutions) >= max_solutions:
                return solutions, False
        if max_size <= small_done:
            return solutions, True
    found, complete = _depth_first(
        pairs,
        low,
        high,
        max_size=max_size,
        max_visits=max_visits,
        max_solutions=max_solutions - len(solutions),
        min_size=max(min_size, small_done + 1),
    )
    return solutions + found, complete


def _small_exact(pairs: list[tuple[int, int]], target: int, max_size: int, min_size: int):
    """Exact subsets of 1..4 items, by value lookups and sums of pairs."""
    n = len(pairs)
    values = [v for _, v in pairs]
    keys = [k for k, _ in pairs]
    if min_size <= 1:
        for i in range(n):
            if values[i] == target:
                yield (keys[i],)
    if max_size < 2:
        return
    by_value: dict[int, list[int]] = {}
    for i, v in enumerate(values):
        by_value.setdefault(v, []).append(i)
    if min_size <= 2:
        for i in range(n):
            for j in by_value.get(target - values[i], ()):
                if j > i:
                    yield (keys[i], keys[j])
    if max_size < 3:
        return
    pair_sums: dict[int, list[tuple[int, int]]] = {}
    for i in range(n):
        vi = values[i]
        if vi >= target:
            continue
        for j in range(i + 1, n):
            total = vi + values[j]
            if total < target:
                pair_sums.setdefault(total, []).append((i, j))
    for k in range(n):
        for i, j in pair_sums.get(target - values[k], ()):
            if j < k:
                yield (keys[i], keys[j], keys[k])
    if max_size < 4:
        return
    for total, combos in pair_sums.items():
        rest = pair_sums.get(target - total)
        if not rest:
            continue
        for i, j in combos:
            for k, m in rest:
                if j < k:
                    yield (keys[i], keys[j], keys[k], keys[m])


def _depth_first(
    values: list[tuple[int, int]],
    low: int,
    high: int,
    *,
    max_size: int,
    max_visits: int,
    max_solutions: int,
    min_size: int,
) -> tuple[list[tuple[int, ...]], bool]:
    pairs = sorted(values, key=lambda p: -p[1])
    n = len(pairs)
    suffix = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + pairs[i][1]
    solutions: list[tuple[int, ...]] = []
    visits = 0
    complete = True
    chosen: list[int] = []
    if max_solutions <= 0 or min_size > max_size:
        return solutions, max_solutions > 0

    def walk(start: int, total: int) -> bool:
        nonlocal visits, complete
        for i in range(start, n):
            visits += 1
            if visits > max_visits:
                complete = False
                return False
            if total + suffix[i] < low:
                return True
            new_total = total + pairs[i][1]
            if new_total > high:
                continue
            chosen.append(pairs[i][0])
            if new_total >= low and len(chosen) >= min_size:
                solutions.append(tuple(chosen))
                if len(solutions) >= max_solutions:
                    chosen.pop()
                    complete = False
                    return False
            if len(chosen) < max_size and not walk(i + 1, new_total):
                chosen.pop()
                return False
            chosen.pop()
        return True

    walk(0, 0)
    return solutions, complete
