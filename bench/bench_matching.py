"""Cash-application benchmark on a generated, labelled data set.

    .venv/bin/python -c "from bench.bench_matching import run; run()"          # 10 000 lines / 100 000 items
    .venv/bin/python -c "from bench.bench_matching import run; run(quick=True)"  # 1 000 / 10 000

For every bank line the engine proposes, then decides: "auto" lines are
applied (and consumed, so later lines see the new open amounts), "review"
lines wait for a person, "none" lines are left as unapplied cash. Reported
overall and per noise class:

* auto share: lines applied automatically;
* auto precision: automatic applications equal to the label (same invoices,
  same cash amounts); "auto safe" also accepts an application that is part of
  the right answer (nothing misallocated, the rest left unapplied);
* review top-1: among review lines that have a right answer, the share whose
  top proposal is it;
* none share: lines with no proposal at all.

Lines labelled "no open item" count as correct when they are not applied
automatically. Timings: index build, and matching (match + decide + consume)
of all lines; generation is not timed.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from arapi.matching.engine import MatchingEngine
from arapi.matching.generator import Dataset, Label, generate
from arapi.matching.model import Proposal

SEED = 20250630


def allocation_of(proposal: Proposal) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((line.invoice_id, line.amount_minor) for line in proposal.lines))


def is_safe(proposal: Proposal, label: Label) -> bool:
    """Nothing misallocated: every applied line is in the answer, with no more cash."""
    expected = dict(label.allocations)
    return all(
        line.invoice_id in expected and 0 < line.amount_minor <= expected[line.invoice_id]
        if expected.get(line.invoice_id, 0) > 0
        else line.invoice_id in expected and line.amount_minor == expected[line.invoice_id]
        for line in proposal.lines
    )


def evaluate(
    dataset: Dataset, engine: MatchingEngine
) -> tuple[dict[str, Counter], float, float, list]:
    stats: dict[str, Counter] = defaultdict(Counter)
    wrong: list = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    decisions = []
    for line in dataset.lines:
        proposals = engine.match(line)
        decision = engine.decide(proposals)
        if decision == "auto":
            engine.consume(proposals[0])
        decisions.append((line, proposals, decision))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    for line, proposals, decision in decisions:
        label = dataset.labels[line.payment_id]
        for key in ("ALL", label.noise):
            row = stats[key]
            row["lines"] += 1
            row[decision] += 1
            if decision == "auto":
                right = allocation_of(proposals[0]) == label.allocations
                row["auto_right"] += right
                row["auto_safe"] += right or (not label.is_none and is_safe(proposals[0], label))
                if not right and key == "ALL":
                    wrong.append((line, label, proposals))
            elif decision == "review" and not label.is_none:
                row["review_answerable"] += 1
                row["review_top1"] += allocation_of(proposals[0]) == label.allocations
            if label.is_none:
                row["label_none"] += 1
        if proposals:
            band = _band(proposals[0].confidence_bp)
            stats["BANDS"][band] += 1
            stats["BANDS"][band + " right"] += allocation_of(proposals[0]) == label.allocations
    return stats, elapsed, cpu, wrong


BANDS = (
    (9900, ">= 9900"),
    (9500, "9500-9899"),
    (9000, "9000-9499"),
    (8000, "8000-8999"),
    (0, "< 8000"),
)


def _band(confidence: int) -> str:
    return next(name for floor, name in BANDS if confidence >= floor)


def _pct(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:6.1f}%" if denominator else "     -"


def report(stats: dict[str, Counter]) -> None:
    header = f"{'noise class':24} {'lines':>6} {'auto':>7} {'precis.':>7} {'safe':>7} {'review':>7} {'rev.top1':>8} {'none':>7}"
    print(header)
    print("-" * len(header))
    order = ["ALL"] + sorted(k for k in stats if k not in ("ALL", "BANDS"))
    for key in order:
        row = stats[key]
        print(
            f"{key:24} {row['lines']:>6} {_pct(row['auto'], row['lines'])} {_pct(row['auto_right'], row['auto'])} "
            f"{_pct(row['auto_safe'], row['auto'])} {_pct(row['review'], row['lines'])} "
            f"{_pct(row['review_top1'], row['review_answerable']):>8} {_pct(row['none'], row['lines'])}"
        )
    bands = stats["BANDS"]
    print(
        "calibration, top proposal right by confidence band: "
        + "; ".join(
            f"{name}: {_pct(bands[name + ' right'], bands[name]).strip()} of {bands[name]}"
            for _, name in BANDS
        )
    )


def run(quick: bool = False, show_errors: int = 0) -> dict[str, Counter]:
    n_lines, n_invoices = (1_000, 10_000) if quick else (10_000, 100_000)
    dataset = generate(SEED, n_invoices=n_invoices, n_lines=n_lines)
    print(
        f"cash application: {len(dataset.lines)} bank lines against {len(dataset.open_items)} open items, "
        f"{len(dataset.customers)} customers (seed {SEED})"
    )
    started = time.perf_counter()
    engine = MatchingEngine(
        dataset.customers, dataset.open_items, direct_debits=dataset.direct_debits
    )
    build = time.perf_counter() - started
    stats, elapsed, cpu, wrong = evaluate(dataset, engine)
    report(stats)
    print(
        f"index build {build:.2f} s; matching (match + decide + consume) {elapsed:.2f} s wall, "
        f"{cpu:.2f} s CPU ({1e6 * elapsed / len(dataset.lines):.0f} us/line)"
    )
    for line, label, proposals in wrong[:show_errors]:
        print("\nWRONG", label.noise, line)
        print("   expected", label.allocations)
        for proposal in proposals[:3]:
            print("   ", proposal.confidence_bp, allocation_of(proposal), proposal.rules)
    return stats


if __name__ == "__main__":
    import sys

    run(
        quick="--quick" in sys.argv,
        show_errors=int(sys.argv[sys.argv.index("--errors") + 1]) if "--errors" in sys.argv else 0,
    )
