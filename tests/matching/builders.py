"""Builders for small hand-made cash-application worlds (imported by the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from arapi.matching import BankLine, CustomerProfile, MatchConfig, MatchingEngine, OpenItem

IBAN_MARTIN = "FR7630006000011234567890189"
IBAN_DUPONT = "DE89370400440532013000"
IBAN_DUPONT_LYON = "BE68539007547034"
IBAN_STRANGER = "GB82WEST12345698765432"

MARTIN = CustomerProfile(1, "Transports Martin SARL", ("TRANSP MARTIN",), (IBAN_MARTIN,))
DUPONT = CustomerProfile(2, "Boulangerie Dupont SAS", (), (IBAN_DUPONT,))
DUPONT_HOLDING = CustomerProfile(3, "Groupe Moreau", (), ())
MOREAU_LYON = CustomerProfile(4, "Moreau Lyon SARL", (), (IBAN_DUPONT_LYON,), parent_id=3)
LEROY = CustomerProfile(5, "Garage Leroy", (), ())

CUSTOMERS = (MARTIN, DUPONT, DUPONT_HOLDING, MOREAU_LYON, LEROY)

ISSUED = date(2025, 3, 1)


def item(
    invoice_id: int,
    customer_id: int,
    number: str,
    open_minor: int,
    *,
    total_minor: int | None = None,
    currency: str = "EUR",
    issue_date: date = ISSUED,
    due_days: int = 30,
    payment_reference: str | None = None,
    discount_bp: int | None = None,
    discount_days: int | None = None,
    kind: str = "invoice",
) -> OpenItem:
    return OpenItem(
        invoice_id=invoice_id,
        customer_id=customer_id,
        number=number,
        currency=currency,
        open_minor=open_minor,
        total_minor=open_minor if total_minor is None else total_minor,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        payment_reference=payment_reference,
        discount_bp=discount_bp,
        discount_days=discount_days,
        kind=kind,
    )


def line(
    amount_minor: int,
    *,
    remittance: str | None = None,
    payer_name: str | None = None,
    payer_iban: str | None = None,
    creditor_reference: str | None = None,
    end_to_end_id: str | None = None,
    currency: str = "EUR",
    received_on: date = date(2025, 3, 28),
    payment_id: int = 1,
) -> BankLine:
    return BankLine(
        payment_id=payment_id,
        amount_minor=amount_minor,
        currency=currency,
        received_on=received_on,
        payer_name=payer_name,
        payer_iban=payer_iban,
        remittance=remittance,
        creditor_reference=creditor_reference,
        end_to_end_id=end_to_end_id,
    )


@dataclass
class World:
    items: list[OpenItem]
    customers: tuple[CustomerProfile, ...] = CUSTOMERS
    config: MatchConfig = field(default_factory=MatchConfig)
    direct_debits: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def engine(self) -> MatchingEngine:
        return MatchingEngine(self.customers, self.items, self.config, self.direct_debits)


def allocation(proposal) -> set[tuple[int, int]]:
    return {(pl.invoice_id, pl.amount_minor) for pl in proposal.lines}


def make_world() -> World:
    """A few customers with realistic, dense numbering and two recurring amounts."""
    return World(
        items=[
            item(10, 1, "FA-2025-000123", 120000),
            item(11, 1, "FA-2025-000124", 50000),
            item(12, 1, "FA-2025-000130", 33000),
            item(20, 2, "FA-2025-000125", 80000),
            item(21, 2, "FA-2025-000126", 45000),
            item(22, 2, "FA-2025-000127", 45000),  # same amount as 21: ambiguous without reference
            item(30, 3, "FA-2025-000140", 99000),
            item(40, 4, "FA-2025-000141", 25000),
            item(50, 5, "FA-2025-000150", 70000),
        ]
    )
