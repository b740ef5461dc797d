"""Small builders shared by tests: organizations, viewers and ledger rows through the services."""

from __future__ import annotations

from datetime import date

from arapi.auth import service as auth
from arapi.auth.roles import Role
from arapi.auth.viewer import Viewer
from arapi.customers import service as customers
from arapi.invoices import service as invoices
from arapi.payments import service as payments


def make_org(db, name: str = "acme") -> Viewer:
    with db.write() as s:
        org = auth.create_organization(s, name)
        return Viewer.system(org.id, org.name, actor="test")


def as_role(viewer: Viewer, role: Role, customer_ids=None) -> Viewer:
    return Viewer(
        viewer.organization_id,
        viewer.organization_name,
        role,
        f"test-{role.value}",
        None,
        customer_ids,
    )


def make_customer(s, viewer, name="Dupont SARL", **kw):
    return customers.create(s, viewer, customers.CustomerInput(name=name, **kw))


def make_invoice(
    s, viewer, customer_id, number, total="100.00", currency="EUR", issue=date(2025, 1, 15), **kw
):
    return invoices.create(
        s,
        viewer,
        invoices.InvoiceInput(
            customer_id=customer_id,
            number=number,
            issue_date=issue,
            total=total,
            currency=currency,
            **kw,
        ),
    )


def make_payment(s, viewer, amount="100.00", currency="EUR", received=date(2025, 2, 1), **kw):
    return payments.create(
        s,
        viewer,
        payments.PaymentInput(amount=amount, currency=currency, received_on=received, **kw),
    )
