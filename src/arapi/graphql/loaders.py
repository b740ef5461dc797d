"""Per-request DataLoaders: one SQL statement per kind of object per request tick.

Every loader is scoped to the caller's organization (and, for partners, to
their granted customers): an id from elsewhere loads as None.
"""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from arapi.customers.exposure import exposures as exposure_figures
from arapi.graphql.common import today
from arapi.repositories import allocations as allocation_repo
from arapi.repositories import customers as customer_repo
from arapi.repositories import import_files as import_file_repo
from arapi.repositories import invoices as invoice_repo
from arapi.repositories import matching as matching_repo
from arapi.repositories import payments as payment_repo
from arapi.repositories import schedules as schedule_repo
from arapi.repositories import statements as statement_repo


def _loader(info: Info, key, fetch) -> DataLoader:
    """A DataLoader whose batch function ``fetch(session, viewer, keys) -> list`` runs in a thread."""
    context = info.context

    async def load(keys: list) -> list:
        def work():
            with context.db.read() as session:
                return fetch(session, context.viewer, keys)

        return await run_in_threadpool(work)

    return context.loader(key, load)


def customers(info: Info) -> DataLoader:
    from arapi.graphql.nodes import Customer

    def fetch(session, viewer, keys):
        found = customer_repo.get_many(session, viewer.organization_id, keys)
        return [
            Customer.from_model(found[k]) if k in found and viewer.sees_customer(k) else None
            for k in keys
        ]

    return _loader(info, "customers", fetch)


def invoices(info: Info) -> DataLoader:
    from arapi.graphql.nodes import Invoice

    def fetch(session, viewer, keys):
        rows = invoice_repo.get_rows(session, viewer.organization_id, keys)
        return [
            Invoice.from_row(rows[k])
            if k in rows and viewer.sees_customer(rows[k].invoice.customer_id)
            else None
            for k in keys
        ]

    return _loader(info, "invoices", fetch)


def payments(info: Info) -> DataLoader:
    from arapi.graphql.nodes import Payment

    def fetch(session, viewer, keys):
        if viewer.read_only:
            return [None] * len(keys)
        rows = payment_repo.get_rows(session, viewer.organization_id, keys)
        return [Payment.from_row(rows[k]) if k in rows else None for k in keys]

    return _loader(info, "payments", fetch)


def allocations(info: Info) -> DataLoader:
    from arapi.graphql.nodes import Allocation

    def fetch(session, viewer, keys):
        if viewer.read_only:
            return [None] * len(keys)
        found = allocation_repo.get_many(session, viewer.organization_id, keys)
        reversals = allocation_repo.reversals_of(session, list(found))
        return [
            Allocation.from_row(found[k], reversals.get(k))
            if k in found and found[k].kind == "payment" and found[k].reverses_id is None
            else None
            for k in keys
        ]

    return _loader(info, "allocations", fetch)


def _with_reversals(by_parent: dict[int, list]) -> dict[int, list]:
    """Drop reversal rows; pair each original with its reversal (or None)."""
    rows = [a for group in by_parent.values() for a in group]
    reversals = {a.reverses_id: a for a in rows if a.reverses_id is not None}
    return {
        parent: [(a, reversals.get(a.id)) for a in group if a.reverses_id is None]
        for parent, group in by_parent.items()
    }


def allocations_by_payment(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        grouped = _with_reversals(
            allocation_repo.for_payments(session, viewer.organization_id, keys)
        )
        return [grouped.get(k, []) for k in keys]

    return _loader(info, "allocations_by_payment", fetch)


def allocations_by_invoice(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        grouped = _with_reversals(
            allocation_repo.for_invoices(session, viewer.organization_id, keys)
        )
        return [grouped.get(k, []) for k in keys]

    return _loader(info, "allocations_by_invoice", fetch)


def invoice_taxes(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        taxes = invoice_repo.taxes_for(session, keys)
        return [taxes.get(k, []) for k in keys]

    return _loader(info, "invoice_taxes", fetch)


def customer_ibans(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        ibans = customer_repo.ibans_for(session, viewer.organization_id, keys)
        return [ibans.get(k, []) for k in keys]

    return _loader(info, "customer_ibans", fetch)


def exposures(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        found = customer_repo.get_many(session, viewer.organization_id, keys)
        figures = exposure_figures(session, viewer.organization_id, list(found.values()), today())
        return [figures.get(k) for k in keys]

    return _loader(info, "exposures", fetch)


def aging(info: Info, asof: date, by_issue_date: bool) -> DataLoader:
    def fetch(session, viewer, keys):
        buckets = invoice_repo.aging(session, viewer.organization_id, keys, asof, by_issue_date)
        return [sorted((cur, b) for (cid, cur), b in buckets.items() if cid == k) for k in keys]

    return _loader(info, ("aging", asof, by_issue_date), fetch)


def installments(info: Info) -> DataLoader:
    from arapi.graphql.common import money
    from arapi.graphql.nodes import Installment
    from arapi.graphql.relay import to_global_id

    def fetch(session, viewer, keys):
        schedules = schedule_repo.get_many(session, viewer.organization_id, keys)
        by_schedule = schedule_repo.installments_for(session, list(schedules))
        paid = allocation_repo.paid_by_installment(
            session, [i.id for group in by_schedule.values() for i in group]
        )
        return [
            [
                Installment(
                    id=to_global_id("Installment", i.id),
                    seq=i.seq,
                    due_date=i.due_date,
                    amount=money(i.amount_minor, schedules[k].currency),
                    paid_amount=money(paid.get(i.id, 0), schedules[k].currency),
                    open_amount=money(i.amount_minor - paid.get(i.id, 0), schedules[k].currency),
                )
                for i in by_schedule.get(k, [])
            ]
            for k in keys
        ]

    return _loader(info, "installments", fetch)


def schedule_invoice_ids(info: Info) -> DataLoader:
    def fetch(session, viewer, keys):
        ids = schedule_repo.invoice_ids_for(session, keys)
        return [ids.get(k, []) for k in keys]

    return _loader(info, "schedule_invoice_ids", fetch)


def schedules(info: Info) -> DataLoader:
    from arapi.graphql.nodes import schedule_nodes

    def fetch(session, viewer, keys):
        if viewer.read_only:
            return [None] * len(keys)
        found = schedule_repo.get_many(session, viewer.organization_id, keys)
        nodes = {n.pk: n for n in schedule_nodes(session, list(found.values()))}
        return [nodes.get(k) for k in keys]

    return _loader(info, "schedules", fetch)


def _organization_own(info: Info, key: str, get_many, to_node) -> DataLoader:
    """Objects by id that only the organization's own keys see (null for partner keys):
    ``get_many(session, org_id, ids) -> {id: row}``, each row shown by ``to_node``."""

    def fetch(session, viewer, keys):
        if viewer.read_only:
            return [None] * len(keys)
        found = get_many(session, viewer.organization_id, keys)
        return [to_node(found[k]) if k in found else None for k in keys]

    return _loader(info, key, fetch)


def import_files(info: Info) -> DataLoader:
    from arapi.graphql.imports import ImportFile

    return _organization_own(info, "import_files", import_file_repo.get_many, ImportFile.from_model)


def statement_entries(info: Info) -> DataLoader:
    from arapi.graphql.statements import StatementEntry

    return _organization_own(
        info, "statement_entries", statement_repo.entries_by_id, StatementEntry.from_model
    )


def match_proposals(info: Info) -> DataLoader:
    from arapi.graphql.matching import MatchProposal

    return _organization_own(
        info,
        "match_proposals",
        matching_repo.proposals_by_id,
        lambda pair: MatchProposal.from_model(*pair),  # (proposal, its payment's currency)
    )


def statements(info: Info) -> DataLoader:
    from arapi.graphql.statements import BankStatement

    return _organization_own(info, "statements", statement_repo.get_many, BankStatement.from_model)


def proposals(info: Info, statuses: tuple[str, ...]) -> DataLoader:
    """Match proposals by payment id, with one of ``statuses``, best first."""

    def fetch(session, viewer, keys):
        found = matching_repo.proposals_for(session, viewer.organization_id, keys, statuses)
        return [found.get(k, []) for k in keys]

    return _loader(info, ("proposals", statuses), fetch)
