"""A deterministic demonstration data set, relative to today so aging looks alive.

36 customers (French and German, EUR and USD), about 300 invoices and credit
notes, payments that settle some invoices fully and some partly, unapplied
cash, overdue items in every aging bucket and one payment plan.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from schwifty import IBAN
from sqlalchemy.orm import Session
from stdnum import luhn

from arapi.auth import service as auth
from arapi.auth.viewer import Viewer
from arapi.customers import service as customers
from arapi.invoices import service as invoices
from arapi.ledger import service as ledger
from arapi.payments import service as payments
from arapi.repositories import organizations as organization_repo
from arapi.schedules import service as schedules

ORG_NAME = "demo"
_VAT = Decimal("0.20")  # French standard rate
_NAMES = [
    "Boulangerie Martin",
    "Transports Lefèvre",
    "Atelier Dubois",
    "Garage Moreau",
    "Pharmacie Laurent",
    "Menuiserie Simon",
    "Librairie Michel",
    "Hôtel du Lac",
    "Imprimerie Garcia",
    "Fromagerie Bernard",
    "Cabinet Petit",
    "Bâtiment Roux",
    "Électricité Fournier",
    "Plomberie Girard",
    "Vins Bonnet",
    "Agence Dupont",
    "Boucherie Lambert",
    "Fleurs Fontaine",
    "Optique Rousseau",
    "Informatique Vincent",
    "Textiles Muller",
    "Chocolaterie Lefebvre",
    "Traiteur Faure",
    "Architecture André",
    "Mécanique Mercier",
    "Café Blanc",
    "Cosmétiques Guérin",
    "Jardinage Boyer",
    "Sécurité Garnier",
    "Nettoyage Chevalier",
]
_GERMAN = [
    "Schmidt Maschinenbau",
    "Müller Logistik",
    "Weber Elektronik",
    "Fischer Holzbau",
    "Becker Feinkost",
    "Wagner Software",
]
_FORMS = ["SARL", "SAS", "SA", "EURL"]


def has_any_organization(session: Session) -> bool:
    return organization_repo.any_exists(session)


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def load(session: Session, seed: int = 7, today: date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or date.today()
    org = auth.get_or_create_organization(session, ORG_NAME)
    viewer = Viewer.system(org.id, org.name, actor="demo")
    created = []
    for n, name in enumerate(_NAMES + _GERMAN):
        german = name in _GERMAN
        usd = n % 9 == 4
        iban = (
            IBAN.generate("DE", bank_code="37040044", account_code=f"{rng.randrange(10**9):010d}")
            if german
            else IBAN.generate(
                "FR",
                bank_code="30006",
                branch_code="00001",
                account_code=f"{rng.randrange(10**10):011d}",
            )
        ).compact
        created.append(
            customers.create(
                session,
                viewer,
                customers.CustomerInput(
                    name=name if german else f"{name} {rng.choice(_FORMS)}",
                    external_ref=f"C{n + 1:04d}",
                    legal_id=None if german else _siren(rng),
                    country="DE" if german else "FR",
                    currency="USD" if usd else "EUR",
                    payment_terms_days=rng.choice([30, 45, 60]),
                    credit_limit=(
                        str(rng.choice([5000, 10000, 20000, 50000])),
                        "USD" if usd else "EUR",
                    ),
                    ibans=[iban],
                ),
                source="demo",
            )
        )
    counts = {"customers": len(created), "invoices": 0, "payments": 0, "schedules": 0}
    number = 0
    open_for_plan = []
    for customer in created:
        for _ in range(rng.randint(5, 12)):
            number += 1
            issue = today - timedelta(days=rng.randint(0, 200))
            invoice = invoice_with_vat(
                session,
                viewer,
                customer,
                f"FA-{issue.year}-{number:05d}",
                issue,
                Decimal(rng.randint(200, 800000)) / 100,
                source="demo",
                discount_percent="2" if rng.random() < 0.1 else None,
                discount_days=10,
            )
            counts["invoices"] += 1
            fate = rng.random()
            paid_on = min(today, invoice.due_date + timedelta(days=rng.randint(-20, 30)))
            if invoice.due_date < today and fate < 0.55 or fate < 0.2:
                amount = invoice.total_minor if fate < 0.45 else invoice.total_minor // 2
                pay(session, viewer, customer, invoice, amount, paid_on, source="demo")
                counts["payments"] += 1
            elif (
                invoice.due_date < today and len(open_for_plan) < 2 and customer.id == created[3].id
            ):
                open_for_plan.append(invoice)
        if rng.random() < 0.15:
            payments.create(
                session,
                viewer,
                payments.PaymentInput(
                    amount=Decimal(rng.randint(1000, 50000)) / 100,
                    currency=customer.currency,
                    received_on=today - timedelta(days=rng.randint(0, 10)),
                    customer_id=customer.id,
                    payer_name=customer.name.upper(),
                    reference="ACOMPTE",
                ),
                source="demo",
            )
            counts["payments"] += 1
    if open_for_plan:
        total = sum(i.total_minor for i in open_for_plan)
        first = total // 3
        schedules.create(
            session,
            viewer,
            created[3].id,
            [i.id for i in open_for_plan],
            [
                schedules.InstallmentInput(today + timedelta(days=15), Decimal(first) / 100),
                schedules.InstallmentInput(today + timedelta(days=45), Decimal(first) / 100),
                schedules.InstallmentInput(
                    today + timedelta(days=75), Decimal(total - 2 * first) / 100
                ),
            ],
        )
        counts["schedules"] = 1
    return counts


def invoice_with_vat(
    session: Session,
    viewer: Viewer,
    customer,
    number: str,
    issue: date,
    net: Decimal,
    *,
    source: str,
    **terms,
):
    """An invoice of ``net`` plus 20 % VAT in the customer's currency (``terms``: due date, discount)."""
    tax = (net * _VAT).quantize(Decimal("0.01"))
    return invoices.create(
        session,
        viewer,
        invoices.InvoiceInput(
            customer_id=customer.id,
            number=number,
            issue_date=issue,
            total=net + tax,
            total_excl_tax=net,
            tax_total=tax,
            currency=customer.currency,
            **terms,
        ),
        source=source,
    )


def pay(
    session: Session,
    viewer: Viewer,
    customer,
    invoice,
    amount_minor: int,
    received_on: date,
    *,
    source: str,
) -> None:
    """A transfer from the customer quoting the invoice, allocated to it (not before its issue)."""
    amount = Decimal(amount_minor).scaleb(-2)
    payment = payments.create(
        session,
        viewer,
        payments.PaymentInput(
            amount=amount,
            currency=invoice.currency,
            received_on=max(received_on, invoice.issue_date),
            payer_name=customer.name.upper()[:32],
            reference=f"VIR {invoice.number}",
        ),
        source=source,
    )
    ledger.allocate(
        session, viewer, payment.id, [ledger.AllocationLine(invoice.id, amount)], explanation=source
    )
