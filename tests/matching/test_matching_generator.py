"""The labelled data generator, and floors of the engine on one fixed seed (no timing)."""

from __future__ import annotations

from collections import Counter

from schwifty import IBAN

from arapi import rf
from arapi.matching import MatchingEngine
from arapi.matching.generator import NOISE_WEIGHTS, generate


def test_same_seed_same_data_set():
    first = generate(11, n_invoices=800, n_lines=120)
    second = generate(11, n_invoices=800, n_lines=120)
    assert first.lines == second.lines
    assert first.open_items == second.open_items
    assert first.labels == second.labels
    assert generate(12, n_invoices=800, n_lines=120).lines != first.lines


def test_data_set_is_consistent_and_realistic():
    data = generate(5, n_invoices=3000, n_lines=1500)
    items = {i.invoice_id: i for i in data.open_items}
    customers = {c.customer_id: c for c in data.customers}
    assert len(data.lines) == 1500 and len(data.labels) == 1500
    # Every noise class shows up.
    assert set(Counter(label.noise for label in data.labels.values())) == set(NOISE_WEIGHTS)
    used = Counter()
    for line in data.lines:
        label = data.labels[line.payment_id]
        for invoice_id, amount in label.allocations:
            invoice = items[invoice_id]
            used[invoice_id] += 1
            assert invoice.currency == line.currency
            assert abs(amount) <= abs(invoice.open_minor)
        if label.allocations:
            assert sum(amount for _, amount in label.allocations) <= line.amount_minor
    assert max(used.values()) == 1  # an invoice is paid by one line at most
    for customer in customers.values():
        for iban in customer.ibans:
            assert IBAN(iban).validate()
        assert customer.parent_id is None or customer.parent_id in customers
    for invoice in items.values():
        assert invoice.customer_id in customers
        if invoice.payment_reference:
            assert rf.is_valid(invoice.payment_reference)
    # Several numbering schemes, bank-truncated names.
    shapes = {sum(ch.isdigit() for ch in i.number) for i in items.values() if i.kind == "invoice"}
    assert len(shapes) >= 2
    assert any(line.payer_name and len(line.payer_name) in (32, 35) for line in data.lines)


def test_engine_floors_on_a_fixed_seed():
    """Automatic applications must be right; most lines must be applied."""
    data = generate(7, n_invoices=6000, n_lines=800)
    engine = MatchingEngine(data.customers, data.open_items, direct_debits=data.direct_debits)
    auto = right = 0
    for line in data.lines:
        proposals = engine.match(line)
        if engine.decide(proposals) != "auto":
            continue
        engine.consume(proposals[0])
        auto += 1
        expected = data.labels[line.payment_id].allocations
        right += (
            tuple(sorted((pl.invoice_id, pl.amount_minor) for pl in proposals[0].lines)) == expected
        )
    assert right / auto >= 0.995
    assert auto / len(data.lines) >= 0.85
