"""What a customer owes and how much credit is left, per currency.

openAmount: open invoices; overdueAmount: the part past its due date;
unappliedCash: payments received and not yet allocated; openCredits: credit
notes not yet applied. availableCredit = creditLimit - (openAmount -
unappliedCash - openCredits), in the customer's own currency only (the limit
is set in it); it goes negative when the customer is over its limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from arapi.models import Customer
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo


@dataclass(frozen=True)
class ExposureFigures:
    currency: str
    open_minor: int
    overdue_minor: int
    unapplied_minor: int
    open_credits_minor: int
    credit_limit_minor: int | None

    @property
    def net_minor(self) -> int:
        return self.open_minor - self.unapplied_minor - self.open_credits_minor

    @property
    def available_minor(self) -> int | None:
        if self.credit_limit_minor is None:
            return None
        return self.credit_limit_minor - self.net_minor


def exposures(
    session: Session, org_id: int, customers: list[Customer], asof: date
) -> dict[int, list[ExposureFigures]]:
    """Per customer: one entry per currency it has business in, its own currency first."""
    ids = [c.id for c in customers]
    invoiced = invoice_repo.exposure(session, org_id, ids, asof)
    unapplied = payment_repo.unapplied_by_customer(session, org_id, ids)
    out: dict[int, list[ExposureFigures]] = {}
    for customer in customers:
        currencies = {cur for (cid, cur) in invoiced if cid == customer.id}
        currencies |= {cur for (cid, cur) in unapplied if cid == customer.id}
        ordered = [customer.currency] + sorted(currencies - {customer.currency})
        figures = []
        for currency in ordered:
            open_minor, overdue, credits = invoiced.get((customer.id, currency), (0, 0, 0))
            figures.append(
                ExposureFigures(
                    currency=currency,
                    open_minor=open_minor,
                    overdue_minor=overdue,
                    unapplied_minor=unapplied.get((customer.id, currency), 0),
                    open_credits_minor=credits,
                    credit_limit_minor=customer.credit_limit_minor
                    if currency == customer.currency
                    else None,
                )
            )
        out[customer.id] = figures
    return out
