"""Moving money between payments, credit notes and invoices.

Every operation here locks the rows it checks (payment, then invoices in id
order), checks the invariants in :mod:`arapi.ledger.invariants`, and writes
immutable allocation rows plus an event. An undo is a reversing row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from arapi import audit, idempotency
from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError, NotFound
from arapi.ledger import invariants
from arapi.ledger.errors import LedgerErrorCode
from arapi.models import Allocation, Invoice, Payment
from arapi.money import from_minor, to_minor
from arapi.repositories import allocations as allocation_repo
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import payments as payment_repo
from arapi.repositories import schedules as schedule_repo


@dataclass(frozen=True)
class AllocationLine:
    """One part of a payment: cash to an invoice (or an installment of a schedule).

    ``discount`` settles part of the invoice as an early-payment discount and
    ``writeoff`` as tolerated bank fees; neither takes cash from the payment.
    """

    invoice_id: int | None
    amount: Decimal | str | int
    installment_id: int | None = None
    discount: Decimal | str | int = 0
    writeoff: Decimal | str | int = 0


@dataclass(frozen=True)
class _Resolved:
    invoice_id: int
    installment_id: int | None
    cash: int
    discount: int
    writeoff: int
    field: tuple[str, ...]


def allocate(
    session: Session,
    viewer: Viewer,
    payment_id: int,
    lines: list[AllocationLine],
    *,
    explanation: str | None = None,
    idempotency_key: str | None = None,
    author: str | None = None,
) -> Payment:
    viewer.require(Permission.WRITE_LEDGER)
    request = {
        "payment": payment_id,
        "lines": [
            [ln.invoice_id, str(ln.amount), ln.installment_id, str(ln.discount), str(ln.writeoff)]
            for ln in lines
        ],
    }
    replayed = idempotency.replay(session, viewer, "paymentAllocate", idempotency_key, request)
    if replayed is not None:
        return payment_repo.get_row(session, viewer.organization_id, replayed).payment
    if not lines:
        raise ArapiError(LedgerErrorCode.NO_LINES, "nothing to allocate", ["allocations"])
    payment = payment_repo.lock(session, viewer.organization_id, payment_id)
    if payment is None:
        raise NotFound("payment", ["paymentId"])
    resolved = _resolve_lines(session, viewer, payment.currency, lines)
    invoices = invoice_repo.lock(session, viewer.organization_id, {r.invoice_id for r in resolved})
    rows = invoice_repo.get_rows(session, viewer.organization_id, invoices)

    unapplied = payment_repo.available_minor(session, payment)
    invariants.within_payment(sum(r.cash for r in resolved), unapplied, payment.currency)
    per_invoice: dict[int, int] = defaultdict(int)
    for r in resolved:
        invoice = invoices.get(r.invoice_id)
        if invoice is None:
            raise NotFound("invoice", list(r.field) + ["invoiceId"])
        _check_target(invoice, list(r.field))
        invariants.same_currency(
            payment.currency, invoice.currency, f"invoice {invoice.number}", list(r.field)
        )
        per_invoice[r.invoice_id] += r.cash + r.discount + r.writeoff
        invariants.within_open(
            per_invoice[r.invoice_id],
            rows[r.invoice_id].open_minor,
            invoice.number,
            invoice.currency,
            list(r.field),
        )
    _check_installments(session, viewer, resolved, payment.currency)

    for r in resolved:
        allocation_repo.add(
            session,
            Allocation(
                organization_id=viewer.organization_id,
                kind="payment",
                payment_id=payment.id,
                invoice_id=r.invoice_id,
                installment_id=r.installment_id,
                currency=payment.currency,
                amount_minor=r.cash,
                discount_minor=r.discount,
                writeoff_minor=r.writeoff,
                author=author or viewer.actor,
                explanation=explanation,
            ),
        )
    customers = {invoices[r.invoice_id].customer_id for r in resolved}
    if payment.customer_id is None and len(customers) == 1:
        payment.customer_id = customers.pop()
    audit.record(
        session,
        viewer,
        "payment.allocated",
        "payment",
        payment.id,
        author=author or viewer.actor,
        explanation=explanation,
        lines=[
            {
                "invoice": invoices[r.invoice_id].number,
                "amount": from_minor(r.cash, payment.currency),
                "discount": from_minor(r.discount, payment.currency),
                "writeoff": from_minor(r.writeoff, payment.currency),
            }
            for r in resolved
        ],
    )
    idempotency.remember(session, viewer, "paymentAllocate", idempotency_key, request, payment.id)
    return payment


def _check_target(invoice: Invoice, field: list[str]) -> None:
    if invoice.kind != "invoice":
        raise ArapiError(
            LedgerErrorCode.NOT_AN_INVOICE, f"{invoice.number} is a credit note", field
        )
    if invoice.cancelled_at is not None:
        raise ArapiError(
            LedgerErrorCode.INVOICE_CANCELLED, f"invoice {invoice.number} is cancelled", field
        )


def _resolve_lines(
    session: Session, viewer: Viewer, currency: str, lines: list[AllocationLine]
) -> list[_Resolved]:
    """Turn input lines into per-invoice parts; an installment-only line spreads over its invoices."""
    out: list[_Resolved] = []
    for i, line in enumerate(lines):
        field = ("allocations", str(i))
        cash = to_minor(line.amount, currency, field=[*field, "amount"])
        discount = to_minor(line.discount, currency, field=[*field, "discount"])
        writeoff = to_minor(line.writeoff, currency, field=[*field, "writeoff"])
        invariants.positive_parts(cash, discount, writeoff, [*field, "amount"])
        if line.installment_id is None:
            if line.invoice_id is None:
                raise ArapiError(
                    LedgerErrorCode.NO_LINES,
                    "a line needs an invoice or an installment",
                    list(field),
                )
            out.append(_Resolved(line.invoice_id, None, cash, discount, writeoff, field))
            continue
        installment = schedule_repo.get_installment(
            session, viewer.organization_id, line.installment_id
        )
        if installment is None:
            raise NotFound("installment", [*field, "installmentId"])
        covered = schedule_repo.invoice_ids_for(session, [installment.schedule_id])[
            installment.schedule_id
        ]
        if line.invoice_id is not None:
            if line.invoice_id not in covered:
                raise ArapiError(
                    LedgerErrorCode.INSTALLMENT_MISMATCH,
                    "the invoice is not covered by the installment's schedule",
                    [*field, "invoiceId"],
                )
            out.append(_Resolved(line.invoice_id, installment.id, cash, discount, writeoff, field))
            continue
        if discount or writeoff:
            raise ArapiError(
                LedgerErrorCode.INSTALLMENT_MISMATCH,
                "discounts and write-offs need an invoice, not only an installment",
                list(field),
            )
        # Spread the cash over the schedule's invoices, earliest due first.
        rows = sorted(
            invoice_repo.get_rows(session, viewer.organization_id, covered).values(),
            key=lambda r: (r.invoice.due_date, r.invoice.id),
        )
        remaining = cash
        for row in rows:
            if remaining == 0:
                break
            part = min(remaining, row.open_minor)
            if part > 0:
                out.append(_Resolved(row.invoice.id, installment.id, part, 0, 0, field))
                remaining -= part
        if remaining:
            raise ArapiError(
                LedgerErrorCode.EXCEEDS_OPEN_AMOUNT,
                f"the installment's invoices have {from_minor(cash - remaining, currency)} {currency} open, "
                f"less than the {from_minor(cash, currency)} {currency} allocated",
                [*field, "amount"],
            )
    return out


def _check_installments(
    session: Session, viewer: Viewer, resolved: list[_Resolved], currency: str
) -> None:
    wanted: dict[int, int] = defaultdict(int)
    fields: dict[int, list[str]] = {}
    for r in resolved:
        if r.installment_id is not None:
            wanted[r.installment_id] += r.cash + r.discount + r.writeoff
            fields[r.installment_id] = list(r.field)
    if not wanted:
        return
    paid = allocation_repo.paid_by_installment(session, wanted)
    for installment_id, amount in wanted.items():
        installment = schedule_repo.get_installment(session, viewer.organization_id, installment_id)
        invariants.within_installment(
            amount,
            installment.amount_minor - paid.get(installment_id, 0),
            currency,
            fields[installment_id],
        )


def reverse(
    session: Session, viewer: Viewer, allocation_id: int, reason: str | None = None
) -> Allocation:
    """Undo an allocation with a negated row; the original stays as it was."""
    viewer.require(Permission.WRITE_LEDGER)
    original = allocation_repo.lock(session, viewer.organization_id, allocation_id)
    if original is None:
        raise NotFound("allocation", ["allocationId"])
    if original.reverses_id is not None:
        raise ArapiError(
            LedgerErrorCode.CANNOT_REVERSE_REVERSAL,
            "a reversal cannot itself be reversed",
            ["allocationId"],
        )
    if allocation_repo.reversal_of(session, original.id) is not None:
        raise ArapiError(
            LedgerErrorCode.ALREADY_REVERSED,
            "this allocation was already reversed",
            ["allocationId"],
        )
    reversal = allocation_repo.add(
        session,
        Allocation(
            organization_id=original.organization_id,
            kind=original.kind,
            payment_id=original.payment_id,
            credit_note_id=original.credit_note_id,
            invoice_id=original.invoice_id,
            installment_id=original.installment_id,
            currency=original.currency,
            amount_minor=-original.amount_minor,
            discount_minor=-original.discount_minor,
            writeoff_minor=-original.writeoff_minor,
            reverses_id=original.id,
            author=viewer.actor,
            explanation=reason,
        ),
    )
    audit.record(
        session,
        viewer,
        "allocation.reversed",
        "allocation",
        original.id,
        reversal=reversal.id,
        reason=reason,
    )
    return reversal


def apply_credit_note(
    session: Session,
    viewer: Viewer,
    credit_note_id: int,
    invoice_id: int,
    amount: Decimal | str,
    *,
    idempotency_key: str | None = None,
) -> Allocation:
    viewer.require(Permission.WRITE_LEDGER)
    request = {"creditNote": credit_note_id, "invoice": invoice_id, "amount": str(amount)}
    replayed = idempotency.replay(session, viewer, "creditNoteApply", idempotency_key, request)
    if replayed is not None:
        return allocation_repo.get(session, viewer.organization_id, replayed)
    locked = invoice_repo.lock(session, viewer.organization_id, [credit_note_id, invoice_id])
    note, invoice = locked.get(credit_note_id), locked.get(invoice_id)
    if note is None:
        raise NotFound("credit note", ["creditNoteId"])
    if invoice is None:
        raise NotFound("invoice", ["invoiceId"])
    if note.kind != "credit_note":
        raise ArapiError(
            LedgerErrorCode.NOT_A_CREDIT_NOTE,
            f"{note.number} is not a credit note",
            ["creditNoteId"],
        )
    if note.cancelled_at is not None:
        raise ArapiError(
            LedgerErrorCode.INVOICE_CANCELLED,
            f"credit note {note.number} is cancelled",
            ["creditNoteId"],
        )
    _check_target(invoice, ["invoiceId"])
    if note.customer_id != invoice.customer_id:
        raise ArapiError(
            LedgerErrorCode.CUSTOMER_MISMATCH,
            "the credit note and the invoice belong to different customers",
            ["invoiceId"],
        )
    invariants.same_currency(
        note.currency, invoice.currency, f"invoice {invoice.number}", ["invoiceId"]
    )
    cash = to_minor(amount, note.currency, field=["amount"])
    invariants.positive_parts(cash, 0, 0, ["amount"])
    rows = invoice_repo.get_rows(session, viewer.organization_id, [note.id, invoice.id])
    invariants.within_credit(cash, rows[note.id].open_minor, note.number, note.currency)
    invariants.within_open(
        cash, rows[invoice.id].open_minor, invoice.number, invoice.currency, ["amount"]
    )
    allocation = allocation_repo.add(
        session,
        Allocation(
            organization_id=viewer.organization_id,
            kind="credit_note",
            credit_note_id=note.id,
            invoice_id=invoice.id,
            currency=note.currency,
            amount_minor=cash,
            author=viewer.actor,
        ),
    )
    audit.record(
        session,
        viewer,
        "credit_note.applied",
        "invoice",
        invoice.id,
        credit_note=note.number,
        amount=from_minor(cash, note.currency),
    )
    idempotency.remember(
        session, viewer, "creditNoteApply", idempotency_key, request, allocation.id
    )
    return allocation


def write_off(
    session: Session, viewer: Viewer, invoice_id: int, reason: str | None = None
) -> Allocation:
    """Settle what is still open on an invoice as a loss (a write-off allocation)."""
    viewer.require(Permission.WRITE_LEDGER)
    invoice = invoice_repo.lock(session, viewer.organization_id, [invoice_id]).get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", ["invoiceId"])
    _check_target(invoice, ["invoiceId"])
    open_minor = invoice_repo.get_row(session, viewer.organization_id, invoice_id).open_minor
    if open_minor <= 0:
        raise ArapiError(
            LedgerErrorCode.NOTHING_OPEN,
            f"invoice {invoice.number} has nothing open",
            ["invoiceId"],
        )
    allocation = allocation_repo.add(
        session,
        Allocation(
            organization_id=viewer.organization_id,
            kind="write_off",
            invoice_id=invoice.id,
            currency=invoice.currency,
            amount_minor=0,
            writeoff_minor=open_minor,
            author=viewer.actor,
            explanation=reason,
        ),
    )
    audit.record(
        session,
        viewer,
        "invoice.written_off",
        "invoice",
        invoice.id,
        amount=from_minor(open_minor, invoice.currency),
        reason=reason,
    )
    return allocation
