"""The arapi schema, assembled from each domain's types, queries and mutations."""

from __future__ import annotations

from functools import lru_cache

from strawberry.tools import merge_types

from arapi.config import Settings
from arapi.graphql.imports import ImportFile, ImportMutation, ImportQuery, SourceMutation
from arapi.graphql.limits import build_schema
from arapi.graphql.matching import MatchingMutation, MatchingQuery, MatchProposal
from arapi.graphql.mutations import Mutation as LedgerMutation
from arapi.graphql.nodes import Allocation, Customer, Installment, Invoice, Payment, Schedule
from arapi.graphql.queries import Query as LedgerQuery
from arapi.graphql.scalars import TextCheckingExecutionContext
from arapi.graphql.statements import BankStatement, StatementMutation, StatementQuery

Query = merge_types("Query", (LedgerQuery, StatementQuery, MatchingQuery, ImportQuery))
Mutation = merge_types(
    "Mutation",
    (LedgerMutation, StatementMutation, MatchingMutation, ImportMutation, SourceMutation),
)
NODE_TYPES = (
    Customer,
    Invoice,
    Payment,
    Allocation,
    Schedule,
    Installment,
    BankStatement,
    ImportFile,
    MatchProposal,
)


def schema_for(settings: Settings):
    return build_schema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        settings=settings,
        # Text no database can store is refused before execution (arapi.inputs).
        execution_context_class=TextCheckingExecutionContext,
    )


@lru_cache(maxsize=1)
def _export_schema():
    return schema_for(Settings())


def export_sdl() -> str:
    """The SDL checked in as schema.graphql (a test fails when it is stale)."""
    return _export_schema().as_str() + "\n"
