from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from arapi.models import Customer, CustomerIban, CustomerPayerName
from arapi.repositories import owned, paging


@dataclass(frozen=True)
class CustomerFilter:
    ids: Sequence[int] | None = None  # partners: their grants
    search: str | None = None  # name, external ref or legal id
    currency: str | None = None
    country: str | None = None


SORT_COLUMNS = {"NAME": Customer.name, "CREATED": Customer.id}


def page(
    session: Session,
    org_id: int,
    f: CustomerFilter,
    *,
    field: str,
    descending: bool,
    limit: int,
    after: Sequence | None,
    before: Sequence | None,
    forward: bool,
) -> tuple[list[Customer], bool]:
    stmt = select(Customer).where(Customer.organization_id == org_id)
    if f.ids is not None:
        stmt = stmt.where(Customer.id.in_(list(f.ids) or [-1]))
    if f.search:
        # autoescape: "%", "_" and the escape character are matched literally.
        needle = f.search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Customer.name).contains(needle, autoescape=True),
                func.lower(Customer.external_ref).contains(needle, autoescape=True),
                func.lower(Customer.legal_id).contains(needle, autoescape=True),
            )
        )
    if f.currency:
        stmt = stmt.where(Customer.currency == f.currency)
    if f.country:
        stmt = stmt.where(Customer.country == f.country)
    keys = [paging.SortKey(SORT_COLUMNS[field], descending)]
    if field != "CREATED":
        keys.append(paging.SortKey(Customer.id, descending))
    result = paging.fetch(
        session, stmt, keys, limit=limit, after=after, before=before, forward=forward
    )
    return [r[0] for r in result.rows], result.has_more


def key_of(customer: Customer, field: str) -> tuple:
    return (customer.id,) if field == "CREATED" else (customer.name, customer.id)


def get(session: Session, org_id: int, customer_id: int) -> Customer | None:
    customer = session.get(Customer, customer_id)
    return customer if customer is not None and customer.organization_id == org_id else None


def get_many(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, Customer]:
    return owned.by_ids(session, Customer, org_id, ids)


def by_external_ref(session: Session, org_id: int, ref: str) -> Customer | None:
    return session.scalar(
        select(Customer).where(Customer.organization_id == org_id, Customer.external_ref == ref)
    )


def by_legal_identity(
    session: Session, org_id: int, ids: Sequence[str], siren: str | None = None
) -> list[Customer]:
    """Customers whose legal id is one of ``ids``, or (given a SIREN) a SIRET or French VAT
    number of that company; oldest first. ``siren`` must be 9 validated digits."""
    conditions = []
    if ids:
        conditions.append(Customer.legal_id.in_(list(ids)))
    if siren:
        conditions.append(
            and_(Customer.legal_id_type == "siret", Customer.legal_id.like(f"{siren}_____"))
        )
        conditions.append(
            and_(Customer.legal_id_type == "vat", Customer.legal_id.like(f"FR__{siren}"))
        )
    if not conditions:
        return []
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.organization_id == org_id, or_(*conditions))
            .order_by(Customer.id)
            .limit(50)
        )
    )


def by_exact_name(session: Session, org_id: int, name: str) -> Customer | None:
    return session.scalar(
        select(Customer)
        .where(
            Customer.organization_id == org_id, func.lower(Customer.name) == name.strip().lower()
        )
        .order_by(Customer.id)
        .limit(1)
    )


def add(session: Session, customer: Customer) -> Customer:
    session.add(customer)
    session.flush()
    return customer


def ibans_for(session: Session, org_id: int, customer_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    ids = list(customer_ids)
    if not ids:
        return out
    stmt = (
        select(CustomerIban)
        .where(CustomerIban.organization_id == org_id, CustomerIban.customer_id.in_(ids))
        .order_by(CustomerIban.id)
    )
    for row in session.scalars(stmt):
        out.setdefault(row.customer_id, []).append(row.iban)
    return out


def add_iban(session: Session, org_id: int, customer_id: int, iban: str, source: str) -> bool:
    """Record an IBAN for a customer; False when it was already known."""
    exists = session.scalar(
        select(CustomerIban.id).where(
            CustomerIban.organization_id == org_id,
            CustomerIban.customer_id == customer_id,
            CustomerIban.iban == iban,
        )
    )
    if exists:
        return False
    session.add(
        CustomerIban(organization_id=org_id, customer_id=customer_id, iban=iban, source=source)
    )
    session.flush()
    return True


def payer_names_for(session: Session, org_id: int, customer_ids: Iterable[int] | None = None):
    stmt = select(CustomerPayerName).where(CustomerPayerName.organization_id == org_id)
    if customer_ids is not None:
        stmt = stmt.where(CustomerPayerName.customer_id.in_(list(customer_ids) or [-1]))
    out: dict[int, list[str]] = {}
    for row in session.scalars(stmt.order_by(CustomerPayerName.id)):
        out.setdefault(row.customer_id, []).append(row.name)
    return out


def add_payer_name(
    session: Session, org_id: int, customer_id: int, name: str, normalized: str
) -> bool:
    exists = session.scalar(
        select(CustomerPayerName.id).where(
            CustomerPayerName.organization_id == org_id,
            CustomerPayerName.customer_id == customer_id,
            CustomerPayerName.normalized == normalized,
        )
    )
    if exists:
        return False
    session.add(
        CustomerPayerName(
            organization_id=org_id, customer_id=customer_id, name=name, normalized=normalized
        )
    )
    session.flush()
    return True


def all_ibans(session: Session, org_id: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for row in session.scalars(select(CustomerIban).where(CustomerIban.organization_id == org_id)):
        out.setdefault(row.customer_id, []).append(row.iban)
    return out
