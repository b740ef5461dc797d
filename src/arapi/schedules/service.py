"""Payment schedules (installment plans) over one or more open invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError, CommonErrorCode, MoneyErrorCode, NotFound
from arapi.inputs import check_date
from arapi.models import Installment, PaymentSchedule
from arapi.money import from_minor, to_minor
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import schedules as repo
from arapi.schedules.errors import ScheduleErrorCode

# Far above any real plan (ten years of weekly installments is 520), and it keeps
# every query under PostgreSQL's 65 535 bound parameters.
MAX_INVOICES = 1000
MAX_INSTALLMENTS = 1000


@dataclass
class InstallmentInput:
    due_date: date
    amount: Decimal | str


def create(
    session: Session,
    viewer: Viewer,
    customer_id: int,
    invoice_ids: list[int],
    installments: list[InstallmentInput],
) -> PaymentSchedule:
    viewer.require(Permission.WRITE_LEDGER)
    if customer_repo.get(session, viewer.organization_id, customer_id) is None:
        raise NotFound("customer", ["customerId"])
    if not invoice_ids:
        raise ArapiError(
            ScheduleErrorCode.NO_INVOICES, "a schedule covers at least one invoice", ["invoiceIds"]
        )
    if not installments:
        raise ArapiError(
            ScheduleErrorCode.NO_INSTALLMENTS, "a schedule needs installments", ["installments"]
        )
    if len(set(invoice_ids)) != len(invoice_ids):
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT, "an invoice is listed twice", ["invoiceIds"]
        )
    if len(invoice_ids) > MAX_INVOICES or len(installments) > MAX_INSTALLMENTS:
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"a schedule covers at most {MAX_INVOICES} invoices in at most "
            f"{MAX_INSTALLMENTS} installments",
            ["invoiceIds" if len(invoice_ids) > MAX_INVOICES else "installments"],
        )
    for i, item in enumerate(installments):
        check_date(item.due_date, "an installment's due date", ["installments", str(i), "dueDate"])
    invoice_repo.lock(session, viewer.organization_id, invoice_ids)
    rows = invoice_repo.get_rows(session, viewer.organization_id, invoice_ids)
    for invoice_id in invoice_ids:
        row = rows.get(invoice_id)
        if row is None:
            raise NotFound("invoice", ["invoiceIds"])
        if row.invoice.customer_id != customer_id:
            raise ArapiError(
                ScheduleErrorCode.WRONG_CUSTOMER,
                f"invoice {row.invoice.number} belongs to another customer",
                ["invoiceIds"],
            )
        if row.invoice.kind != "invoice" or row.open_minor <= 0:
            raise ArapiError(
                ScheduleErrorCode.INVOICE_NOT_OPEN,
                f"invoice {row.invoice.number} has nothing open",
                ["invoiceIds"],
            )
    currencies = {rows[i].invoice.currency for i in invoice_ids}
    if len(currencies) != 1:
        raise ArapiError(
            ScheduleErrorCode.MIXED_CURRENCIES,
            "a schedule's invoices share one currency",
            ["invoiceIds"],
        )
    currency = currencies.pop()
    if repo.active_schedule_invoice_ids(session, invoice_ids):
        raise ArapiError(
            ScheduleErrorCode.ALREADY_SCHEDULED,
            "an invoice is already in an active schedule",
            ["invoiceIds"],
        )
    amounts = []
    for i, item in enumerate(installments):
        minor = to_minor(item.amount, currency, field=["installments", str(i), "amount"])
        if minor <= 0:
            raise ArapiError(
                MoneyErrorCode.AMOUNT_NOT_POSITIVE,
                "installment amounts must be positive",
                ["installments", str(i), "amount"],
            )
        amounts.append(minor)
    covered = sum(rows[i].open_minor for i in invoice_ids)
    if sum(amounts) != covered:
        raise ArapiError(
            ScheduleErrorCode.INSTALLMENTS_DO_NOT_ADD_UP,
            f"installments add up to {from_minor(sum(amounts), currency)} {currency} but the invoices have "
            f"{from_minor(covered, currency)} {currency} open",
            ["installments"],
        )
    ordered = sorted(zip(installments, amounts, strict=True), key=lambda pair: pair[0].due_date)
    schedule = repo.add(
        session,
        PaymentSchedule(
            organization_id=viewer.organization_id, customer_id=customer_id, currency=currency
        ),
        list(dict.fromkeys(invoice_ids)),
        [
            Installment(
                organization_id=viewer.organization_id,
                seq=n + 1,
                due_date=item.due_date,
                amount_minor=minor,
            )
            for n, (item, minor) in enumerate(ordered)
        ],
    )
    audit.record(
        session,
        viewer,
        "schedule.created",
        "schedule",
        schedule.id,
        invoices=invoice_ids,
        installments=[[i.due_date, i.amount] for i, _ in ordered],
    )
    return schedule
