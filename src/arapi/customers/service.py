"""Creating and changing customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.customers.errors import CustomerErrorCode
from arapi.customers.identifiers import normalize_country, normalize_iban, normalize_legal_id
from arapi.errors import ArapiError, MoneyErrorCode, NotFound
from arapi.models import Customer
from arapi.money import Money, normalize_currency
from arapi.repositories import customers as repo
from arapi.repositories import locks

DEFAULT_CURRENCY = "EUR"


@dataclass
class CustomerInput:
    name: str
    external_ref: str | None = None
    legal_id: str | None = None
    legal_id_type: str | None = None
    country: str | None = None
    currency: str | None = None
    payment_terms_days: int | None = None
    credit_limit: tuple[Decimal | str, str] | None = None  # (amount, currency)
    ibans: list[str] = field(default_factory=list)
    parent_id: int | None = None


def create(
    session: Session, viewer: Viewer, data: CustomerInput, *, source: str = "api"
) -> Customer:
    viewer.require(Permission.WRITE_LEDGER)
    name = (data.name or "").strip()
    if not name:
        raise ArapiError(CustomerErrorCode.NAME_REQUIRED, "a customer needs a name", ["name"])
    try:
        currency = normalize_currency(data.currency or DEFAULT_CURRENCY)
    except ArapiError as exc:
        raise exc.with_field("currency") from None
    legal_id = legal_type = None
    if data.legal_id:
        legal_id, legal_type = normalize_legal_id(data.legal_id, data.legal_id_type)
    country = normalize_country(data.country) if data.country else None
    if country is None and legal_type in ("siren", "siret"):
        country = "FR"
    elif country is None and legal_type == "vat":
        country = "GR" if legal_id[:2] == "EL" else legal_id[:2]
    terms = 30 if data.payment_terms_days is None else data.payment_terms_days
    if not 0 <= terms <= 365:
        raise ArapiError(
            CustomerErrorCode.INVALID_PAYMENT_TERMS,
            "payment terms must be 0 to 365 days",
            ["paymentTermsDays"],
        )
    limit_minor = None
    if data.credit_limit is not None:
        try:
            limit = Money.of(*data.credit_limit)
        except ArapiError as exc:
            raise exc.with_field("creditLimit") from None
        if limit.currency != currency:
            raise ArapiError(
                MoneyErrorCode.CURRENCY_MISMATCH,
                f"the credit limit is in {limit.currency} but the customer's currency is {currency}",
                ["creditLimit"],
            )
        if limit.minor < 0:
            raise ArapiError(
                MoneyErrorCode.AMOUNT_NOT_POSITIVE,
                "a credit limit cannot be negative",
                ["creditLimit"],
            )
        limit_minor = limit.minor
    ibans = [normalize_iban(i) for i in data.ibans]
    # External refs are checked before they are inserted: creators of one organization take turns.
    locks.hold(session, locks.documents_of(viewer.organization_id))
    if data.external_ref and repo.by_external_ref(
        session, viewer.organization_id, data.external_ref
    ):
        raise ArapiError(
            CustomerErrorCode.DUPLICATE_EXTERNAL_REF,
            f"a customer with external reference {data.external_ref!r} already exists",
            ["externalRef"],
        )
    if (
        data.parent_id is not None
        and repo.get(session, viewer.organization_id, data.parent_id) is None
    ):
        raise NotFound("parent customer", ["parentId"])
    customer = repo.add(
        session,
        Customer(
            organization_id=viewer.organization_id,
            name=name,
            external_ref=data.external_ref or None,
            legal_id=legal_id,
            legal_id_type=legal_type,
            country=country,
            currency=currency,
            payment_terms_days=terms,
            credit_limit_minor=limit_minor,
            parent_id=data.parent_id,
        ),
    )
    for iban in dict.fromkeys(ibans):
        repo.add_iban(session, viewer.organization_id, customer.id, iban, "manual")
    audit.record(
        session, viewer, "customer.created", "customer", customer.id, name=name, source=source
    )
    return customer
