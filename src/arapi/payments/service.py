"""Recording payments received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit, idempotency
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.customers.identifiers import normalize_iban
from arapi.errors import ArapiError, MoneyErrorCode, NotFound
from arapi.inputs import check_date
from arapi.models import Payment
from arapi.money import Money
from arapi.repositories import customers as customer_repo
from arapi.repositories import payments as repo


@dataclass
class PaymentInput:
    amount: Decimal | str
    currency: str
    received_on: date
    customer_id: int | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    reference: str | None = None
    end_to_end_id: str | None = None


def create(
    session: Session,
    viewer: Viewer,
    data: PaymentInput,
    *,
    idempotency_key: str | None = None,
    source: str = "api",
    statement_entry_id: int | None = None,
) -> Payment:
    viewer.require(Permission.WRITE_LEDGER)
    request = dict(data.__dict__)
    replayed = idempotency.replay(session, viewer, "paymentCreate", idempotency_key, request)
    if replayed is not None:
        return repo.get_row(session, viewer.organization_id, replayed).payment
    try:
        money = Money.of(data.amount, data.currency)
    except ArapiError as exc:
        raise exc.with_field("amount") from None
    if money.minor <= 0:
        raise ArapiError(
            MoneyErrorCode.AMOUNT_NOT_POSITIVE, "a payment amount must be positive", ["amount"]
        )
    check_date(data.received_on, "the date received", ["receivedOn"])
    if (
        data.customer_id is not None
        and customer_repo.get(session, viewer.organization_id, data.customer_id) is None
    ):
        raise NotFound("customer", ["customerId"])
    iban = normalize_iban(data.payer_iban, "payerIban") if data.payer_iban else None
    payment = repo.add(
        session,
        Payment(
            organization_id=viewer.organization_id,
            customer_id=data.customer_id,
            amount_minor=money.minor,
            currency=money.currency,
            received_on=data.received_on,
            payer_name=(data.payer_name or None),
            payer_iban=iban,
            reference=data.reference or None,
            end_to_end_id=data.end_to_end_id or None,
            source=source,
            statement_entry_id=statement_entry_id,
        ),
    )
    audit.record(
        session,
        viewer,
        "payment.created",
        "payment",
        payment.id,
        amount=money.amount,
        currency=money.currency,
        source=source,
    )
    idempotency.remember(session, viewer, "paymentCreate", idempotency_key, request, payment.id)
    return payment
