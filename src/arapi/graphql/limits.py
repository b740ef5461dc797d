"""Schema hardening: query limits, caches, introspection switch, error masking.

Build the schema with :func:`build_schema` (or pass :func:`schema_extensions`
and :func:`arapi.graphql.scalars.schema_config` yourself)::

    schema = build_schema(query=Query, mutation=Mutation, types=[...], settings=settings)

What a client sees in ``errors``:

- syntax and validation errors, variable coercion errors: the message, with
  ``extensions.code`` (``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``,
  ``QUERY_TOO_COMPLEX`` for the depth/alias/token limits,
  ``INTROSPECTION_DISABLED``, ``OPERATION_NAME_REQUIRED`` when a document of
  several operations names none, or the scalar's own code such as ``INVALID_AMOUNT``);
- an :class:`arapi.errors.ArapiError` raised by a resolver: its message,
  ``extensions.code`` = its code and ``extensions.field`` when it has one;
- a GraphQLError raised on purpose with ``extensions.code`` (e.g.
  ``UNAUTHENTICATED``): as raised;
- anything else raised while executing (a bug, a database outage, a null in a
  non-null field): ``{"message": "Internal server error", "extensions":
  {"code": "INTERNAL", "requestId": ...}}``; the original is logged on the
  ``arapi.graphql`` logger with its traceback and the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.types import ExecutionContext

from arapi.config import Settings
from arapi.errors import ArapiError
from arapi.graphql.errors import build_user_error_code_enum, missing_error_codes
from arapi.graphql.node_limit import QUERY_TOO_COMPLEX, NodeLimit
from arapi.graphql.scalars import schema_config

logger = logging.getLogger("arapi.graphql")

INTERNAL = "INTERNAL"
INTERNAL_MESSAGE = "Internal server error"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_NAME_REQUIRED = "OPERATION_NAME_REQUIRED"
CACHE_SIZE = 256


# ------------------------------------------------------------------ rules


def _coded_rule(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    """The same validation rule, its errors tagged with ``extensions.code``.

    strawberry's limiters report through the validation context while they
    are constructed, so the context's ``report_error`` is wrapped meanwhile.
    """

    class Coded(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            original = context.report_error

            def report(error: GraphQLError) -> None:
                error.extensions = {**(error.extensions or {}), "code": code}
                original(error)

            context.report_error = report  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                del context.report_error

        def report_error(self, error: GraphQLError) -> None:
            error.extensions = {**(error.extensions or {}), "code": code}
            super().report_error(error)

    Coded.__name__ = Coded.__qualname__ = f"Coded{rule.__name__}"
    return Coded


def validation_rules(settings: Settings) -> tuple[type[ValidationRule], ...]:
    rules = [
        _coded_rule(depth_validator(settings.max_query_depth, None), QUERY_TOO_COMPLEX),
        _coded_rule(alias_validator(settings.max_aliases), QUERY_TOO_COMPLEX),
    ]
    if not settings.introspection:
        rules.append(_coded_rule(NoSchemaIntrospectionCustomRule, INTROSPECTION_DISABLED))
    return tuple(rules)


# ---------------------------------------------------------------- masking


def _root_cause(error: GraphQLError) -> BaseException:
    cause: BaseException = error
    seen = 0
    while isinstance(cause, GraphQLError) and cause.original_error is not None and seen < 20:
        cause = cause.original_error
        seen += 1
    return cause


def _fallback_code(error: GraphQLError, root: GraphQLError) -> str | None:
    """Code of a GraphQLError without one; None means it must be masked."""
    if isinstance(root, GraphQLSyntaxError):
        if "tokens. Parsing aborted" in root.message:
            return QUERY_TOO_COMPLEX
        return PARSE_FAILED
    if error.path is None:
        # Before execution: validation and variable coercion, all about the request.
        return VALIDATION_FAILED
    # During execution a GraphQLError without a code comes from graphql-core
    # (a null in a non-null field, an unserializable value): a server bug.
    return None


def format_error(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The client-facing version of one error (see the module doc); logs what it masks."""
    extensions = dict(error.extensions or {})
    if extensions.get("code") == INTERNAL and error.original_error is None:
        return error  # masked already
    root = _root_cause(error)
    if isinstance(root, ArapiError):
        extensions["code"] = root.code.value
        if root.field:
            extensions["field"] = list(root.field)
        error.extensions = extensions
        return error
    if isinstance(root, GraphQLError):
        code = (root.extensions or {}).get("code") or extensions.get("code")
        code = code or _fallback_code(error, root)
        if code is not None:
            extensions["code"] = code
            error.extensions = extensions
            return error
    _log_internal(error, root, request_id)
    masked_extensions: dict[str, Any] = {"code": INTERNAL}
    if request_id:
        masked_extensions["requestId"] = request_id
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=masked_extensions,
    )


def format_errors(errors: Sequence[GraphQLError], request_id: str | None) -> list[GraphQLError]:
    return [format_error(error, request_id) for error in errors]


def _log_internal(error: GraphQLError, root: BaseException, request_id: str | None) -> None:
    where = ".".join(str(part) for part in error.path) if error.path else "operation"
    exc_info = (type(root), root, root.__traceback__) if root is not error else None
    logger.error(
        "internal error at %s (request %s): %s",
        where,
        request_id or "-",
        root,
        exc_info=exc_info,
        extra={"request_id": request_id},
    )


def request_id_of(execution_context: ExecutionContext | None) -> str | None:
    context = getattr(execution_context, "context", None)
    return getattr(context, "request_id", None)


class MaskInternalErrors(SchemaExtension):
    """Replaces unexpected errors by a coded INTERNAL error, after everything else ran."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = format_errors(errors, request_id_of(self.execution_context))


# ---------------------------------------------------------------- schema


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Extension factories for ``strawberry.Schema(extensions=...)`` (fresh per request).

    The rule classes are built once here, so that the validation cache (keyed
    on the rules) hits across requests.
    """
    rules = list(validation_rules(settings))
    return [
        # First in the list, so its on_operation exits last and sees the final errors.
        MaskInternalErrors,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: NodeLimit(max_nodes=settings.max_nodes),
        OperationNameRequired,
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]


class OperationNameRequired(SchemaExtension):
    """A document of several operations must name the one to run (GraphQL spec, GetOperation).

    strawberry would run the first one, which hides a client's mistake.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # The name the client gave: strawberry's operation_name falls back to the first one.
        if document is not None and context._provided_operation_name is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "the document holds several operations: name the one to run "
                            "in operationName",
                            extensions={"code": OPERATION_NAME_REQUIRED},
                        )
                    ],
                )
        yield


class ArapiSchema(strawberry.Schema):
    """A strawberry Schema that leaves error logging to :class:`MaskInternalErrors`.

    strawberry logs every error (validation errors included) with a stack
    trace; arapi logs the unexpected ones only, once, with the request id.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    types: Iterable[type] = (),
    settings: Settings,
    **kwargs: Any,
) -> strawberry.Schema:
    """The arapi schema: custom scalars, limits, masking, the UserErrorCode enum.

    Import every module defining error codes before calling this.
    """
    build_user_error_code_enum()
    late = missing_error_codes()
    if late:
        raise RuntimeError(f"error codes defined after UserErrorCode was built: {', '.join(late)}")
    return ArapiSchema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=schema_extensions(settings),
        config=kwargs.pop("config", None) or schema_config(introspection=settings.introspection),
        **kwargs,
    )


__all__ = [
    "INTERNAL",
    "INTERNAL_MESSAGE",
    "ArapiSchema",
    "MaskInternalErrors",
    "build_schema",
    "format_error",
    "format_errors",
    "schema_extensions",
    "validation_rules",
]
