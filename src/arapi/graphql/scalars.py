"""Custom scalars of the public schema and the Money types built on them.

Strawberry maps Python types to scalars through ``StrawberryConfig.scalar_map``
(the recommended way since strawberry 0.28x); :data:`SCALAR_MAP` is that map.
Domain types annotate with plain Python types::

    from datetime import date
    from decimal import Decimal
    from arapi.graphql.scalars import CurrencyCode

    @strawberry.type
    class Installment:
        due_date: date          # Date      "2024-05-31"
        amount: Decimal         # Decimal   "1234.50" (a string on the wire)
        currency: CurrencyCode  # CurrencyCode "EUR"

and the schema must be built with ``config=schema_config(settings)`` (done by
:func:`arapi.graphql.limits.build_schema`), otherwise strawberry's own lenient
Decimal (which accepts JSON numbers) would be used; ``create_app`` refuses such
a schema.

Every input error is a ``GraphQLError`` with ``extensions.code`` so that the
error formatter passes it through to the client unmasked.

Text that no database can store (a NUL, an unpaired surrogate) is refused
before execution by :class:`TextCheckingExecutionContext`; dates outside
1900-2199 by the Date scalar. The rules themselves live in :mod:`arapi.inputs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NewType

import strawberry
from graphql import GraphQLError
from graphql.language import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    Visitor,
    visit,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.scalar import ScalarDefinition

from arapi import money as money_domain
from arapi.errors import ArapiError, CommonErrorCode, MoneyErrorCode
from arapi.inputs import check_date, text_problem

CurrencyCode = NewType("CurrencyCode", str)
"""An ISO 4217 alphabetic code ("EUR"); annotate fields with it to get the scalar."""

DECIMAL_HINT = 'Decimal values are strings, e.g. "12.30"'
# Plain decimal notation only: no exponent, no spaces, no thousands separators.
_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Far beyond any real amount; keeps a hostile 1 MB digit string out of Decimal.
_MAX_DECIMAL_CHARS = 40
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Extended ISO 8601 with a mandatory offset ("Z" or +hh:mm).
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)


def input_error(
    message: str, code: str = CommonErrorCode.INVALID_INPUT.value, node: ValueNode | None = None
) -> GraphQLError:
    """A client-facing coercion error carrying a code (never masked)."""
    return GraphQLError(message, nodes=node, extensions={"code": code})


def _literal_kind(node: ValueNode) -> str:
    kinds = {
        IntValueNode: "a number",
        FloatValueNode: "a number",
        BooleanValueNode: "a boolean",
        NullValueNode: "null",
        EnumValueNode: "an enum value",
        ListValueNode: "a list",
        ObjectValueNode: "an object",
    }
    return kinds.get(type(node), "a non-string value")


def _at(node: ValueNode, parse: Callable[[object], Any], value: str) -> Any:
    """Run a value parser for a literal, locating its error at the literal."""
    try:
        return parse(value)
    except GraphQLError as exc:
        raise GraphQLError(exc.message, nodes=node, extensions=exc.extensions) from None


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ------------------------------------------------------------------ Decimal


def parse_decimal_value(value: object) -> Decimal:
    """Input coercion of Decimal: a string in plain decimal notation, nothing else."""
    if not isinstance(value, str):
        raise input_error(f"{DECIMAL_HINT}; got {_describe(value)}", MoneyErrorCode.INVALID_AMOUNT)
    text = value
    if len(text) > _MAX_DECIMAL_CHARS:
        raise input_error(
            f"Decimal value is too long (more than {_MAX_DECIMAL_CHARS} characters)",
            MoneyErrorCode.INVALID_AMOUNT,
        )
    if not _DECIMAL_RE.fullmatch(text):
        if text.strip().lower().lstrip("+-") in {"nan", "snan", "inf", "infinity"}:
            raise input_error(
                f"{text!r} is not a finite decimal; {DECIMAL_HINT}", MoneyErrorCode.INVALID_AMOUNT
            )
        raise input_error(
            f"{text!r} is not a decimal number: use digits, an optional leading '-' and "
            f"'.' as decimal separator, e.g. \"12.30\"",
            MoneyErrorCode.INVALID_AMOUNT,
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # unreachable after the regex; kept for safety
        raise input_error(
            f"{text!r} is not a decimal number", MoneyErrorCode.INVALID_AMOUNT
        ) from None


def parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    if isinstance(node, StringValueNode):
        return _at(node, parse_decimal_value, node.value)
    raise input_error(
        f"{DECIMAL_HINT}; got {_literal_kind(node)}", MoneyErrorCode.INVALID_AMOUNT, node
    )


def serialize_decimal(value: object) -> str:
    """Output coercion: keeps the scale ("1234.50"), never an exponent, never a float."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        # A float here is a bug upstream: money is never a float.
        raise TypeError(
            f"Decimal fields must resolve to decimal.Decimal, got {type(value).__name__}"
        )
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise TypeError(f"Decimal fields cannot serialize {value}")
    return format(value, "f")


DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number, as a string in plain notation: "1234.50", "-3", "0.125".',
    serialize=serialize_decimal,
    parse_value=parse_decimal_value,
    parse_literal=parse_decimal_literal,
)


# ------------------------------------------------------------- CurrencyCode


def parse_currency_value(value: object) -> str:
    if not isinstance(value, str):
        raise input_error(
            f'CurrencyCode values are ISO 4217 codes as strings, e.g. "EUR"; got {_describe(value)}',
            MoneyErrorCode.UNKNOWN_CURRENCY,
        )
    try:
        return money_domain.normalize_currency(value)
    except ArapiError:
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise input_error(
            f'unknown currency {shown!r}: CurrencyCode values are ISO 4217 alphabetic codes, e.g. "EUR"',
            MoneyErrorCode.UNKNOWN_CURRENCY,
        ) from None


def parse_currency_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    if isinstance(node, StringValueNode):
        return _at(node, parse_currency_value, node.value)
    raise input_error(
        f'CurrencyCode values are strings, e.g. "EUR"; got {_literal_kind(node)}',
        MoneyErrorCode.UNKNOWN_CURRENCY,
        node,
    )


def serialize_currency(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"CurrencyCode fields must resolve to str, got {type(value).__name__}")
    return value


CurrencyCodeScalar: ScalarDefinition = strawberry.scalar(
    name="CurrencyCode",
    description='An ISO 4217 alphabetic currency code, e.g. "EUR".',
    specified_by_url="https://www.iso.org/iso-4217-currency-codes.html",
    serialize=serialize_currency,
    parse_value=parse_currency_value,
    parse_literal=parse_currency_literal,
)


# ---------------------------------------------------------- Date, DateTime


def parse_date_value(value: object) -> date:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else _describe(value)
        raise input_error(f'Date values are strings "YYYY-MM-DD", e.g. "2024-05-31"; got {shown}')
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise input_error(f"{value!r} is not a calendar date") from None
    return _in_range(parsed, "Date")


def _in_range(value: date, what: str) -> date:
    """``value`` when arapi accepts it as a date (arapi.inputs.check_date); else a coded error."""
    try:
        check_date(value if not isinstance(value, datetime) else value.date(), what)
    except ArapiError as exc:
        raise input_error(exc.message, exc.code.value) from None
    return value


def parse_date_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> date:
    if isinstance(node, StringValueNode):
        return _at(node, parse_date_value, node.value)
    raise input_error(f'Date values are strings "YYYY-MM-DD"; got {_literal_kind(node)}', node=node)


def serialize_date(value: object) -> str:
    # datetime is a date subclass: refuse it so an instant is never cut to a day silently.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"Date fields must resolve to datetime.date, got {type(value).__name__}")
    return value.isoformat()


DateScalar: ScalarDefinition = strawberry.scalar(
    name="Date",
    description='A calendar date, "YYYY-MM-DD", from 1900-01-01 to 2199-12-31.',
    serialize=serialize_date,
    parse_value=parse_date_value,
    parse_literal=parse_date_literal,
)


def parse_datetime_value(value: object) -> datetime:
    if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else _describe(value)
        raise input_error(
            "DateTime values are ISO 8601 strings with an offset, "
            f'e.g. "2024-05-31T14:30:00+02:00" or "2024-05-31T12:30:00Z"; got {shown}'
        )
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise input_error(f"{value!r} is not a valid instant") from None
    # The same range as Date: an instant's day would feed the same date arithmetic.
    return _in_range(instant, "DateTime")


def parse_datetime_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> datetime:
    if isinstance(node, StringValueNode):
        return _at(node, parse_datetime_value, node.value)
    raise input_error(f"DateTime values are ISO 8601 strings; got {_literal_kind(node)}", node=node)


def serialize_datetime(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"DateTime fields must resolve to datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise TypeError("DateTime fields must resolve to timezone-aware datetimes")
    return value.isoformat()


DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description='An instant, ISO 8601 with an offset: "2024-05-31T12:30:00+00:00".',
    serialize=serialize_datetime,
    parse_value=parse_datetime_value,
    parse_literal=parse_datetime_literal,
)


# -------------------------------------------------------------- Text inputs
# graphql-core refuses to redefine its built-in String scalar ("Redefinition
# of reserved type"), so String coercion cannot carry the rule. Instead every
# text of an operation is checked once, as its execution starts: the variables
# as sent (all of them, at any depth) and the string literals of the document.


def text_input_errors(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    """INVALID_INPUT errors for the texts of an operation no database can store."""
    errors = []
    for name, value in (variables or {}).items():
        found = _unstorable_text(value)
        if found is not None:
            trail, problem = found
            where = f" at '{name}{trail}'" if trail else ""
            errors.append(input_error(f"Variable '${name}'{where} {problem}"))
    literals = _UnstorableLiterals()
    visit(document, literals)
    return errors + literals.errors


def _unstorable_text(value: object) -> tuple[str, str] | None:
    """(path, problem) of the first text in a JSON value that cannot be stored.

    Iterative, with each entry linking to its parent, so deeply nested or huge
    values cost neither recursion nor a path copy per item.
    """
    stack: list[tuple[object, tuple | None]] = [(value, None)]
    while stack:
        item, link = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return _trail(link), problem
        elif isinstance(item, dict):
            stack.extend((child, (link, f".{key}")) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (link, f"[{i}]")) for i, child in enumerate(item))
    return None


def _trail(link: tuple | None) -> str:
    parts = []
    while link is not None:
        link, part = link
        parts.append(part)
    return "".join(reversed(parts))


class _UnstorableLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[GraphQLError] = []

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        problem = text_problem(node.value)
        if problem is not None:
            self.errors.append(input_error(f"String literal {problem}", node=node))


class TextCheckingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, refusing unstorable text before anything runs.

    Pass it as ``execution_context_class`` to the schema (``schema_for`` does).
    """

    @classmethod
    def build(  # type: ignore[override]
        cls,
        schema: Any,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        errors = text_input_errors(document, raw_variable_values)
        if errors:
            return errors
        return super().build(
            schema, document, root_value, context_value, raw_variable_values, *args, **kwargs
        )


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    CurrencyCode: CurrencyCodeScalar,
    date: DateScalar,
    datetime: DateTimeScalar,
}


def schema_config(*, introspection: bool = True, **kwargs: Any) -> StrawberryConfig:
    """The StrawberryConfig every arapi schema uses.

    Field suggestions ("Did you mean ...?") reveal the schema, so they go
    with introspection.
    """
    kwargs.setdefault("disable_field_suggestions", not introspection)
    return StrawberryConfig(scalar_map=dict(SCALAR_MAP), **kwargs)


def uses_arapi_scalars(schema: strawberry.Schema) -> bool:
    """True when the schema's Decimal (if any) is ours, not strawberry's lenient one."""
    decimal_type = schema._schema.type_map.get("Decimal")
    return decimal_type is None or decimal_type.parse_value is parse_decimal_value


# -------------------------------------------------------------------- Money


@strawberry.type(name="Money", description="An exact amount in one currency.")
class Money:
    amount: Decimal
    currency: CurrencyCode

    @classmethod
    def from_domain(cls, value: money_domain.Money) -> Money:
        """From arapi.money.Money; the amount keeps the currency's scale ("12.30")."""
        return cls(amount=value.amount, currency=CurrencyCode(value.currency))


@strawberry.input(name="MoneyInput", description="An amount and its currency.")
class MoneyInput:
    amount: Decimal
    currency: CurrencyCode

    def to_domain(self, *field: str) -> money_domain.Money:
        """Exact arapi.money.Money, or an ArapiError pointing at the input field.

        ``field`` is the path of this input in the mutation input, e.g.
        ``money_input.to_domain("total")`` reports precision errors at
        ``["total", "amount"]``.
        """
        try:
            currency = money_domain.normalize_currency(self.currency)
        except ArapiError as exc:
            raise exc.with_field(*field, "currency") from None
        try:
            return money_domain.Money.of(self.amount, currency)
        except ArapiError as exc:
            raise exc.with_field(*field, "amount") from None


__all__ = [
    "DECIMAL_HINT",
    "SCALAR_MAP",
    "CurrencyCode",
    "CurrencyCodeScalar",
    "DateScalar",
    "DateTimeScalar",
    "DecimalScalar",
    "Money",
    "MoneyInput",
    "TextCheckingExecutionContext",
    "input_error",
    "schema_config",
    "text_input_errors",
    "uses_arapi_scalars",
]
