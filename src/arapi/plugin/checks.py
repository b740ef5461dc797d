"""Does a boundary object hold what its annotations say? For results arapi cannot trust.

A plugin's result is typed by :mod:`arapi.plugin.types`, but Python does not
enforce annotations: an ERP connector may hand over ``number=12`` or
``buyer=None``. :func:`type_problem` walks a frozen dataclass against its type
hints (``str``, ``int``, ``bool``, ``Decimal``, ``date``, ``None``, unions,
``tuple[X, ...]``, ``tuple[A, B]``, nested dataclasses and enums) and says
where the first mismatch is, so the caller can refuse it with a coded error
instead of failing deep inside with an AttributeError.

The ``*_problem`` functions below are the checks the importers run on every
provider result, and the contract tests in :mod:`arapi.testing.contracts` run
the same ones: a plugin that passes its contract is not refused later.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from arapi.inputs import text_problem
from arapi.plugin.types import KEY_MAX_LENGTH, InvoiceBatch, InvoiceFile, StatementFile


def statement_file_problem(result: Any) -> str | None:
    """What is wrong with a statement parser's result (None when it is a proper StatementFile)."""
    problem = _result_problem(result, StatementFile)
    if problem is not None:
        return problem
    for index, statement in enumerate(result.statements):
        if not 0 < len(statement.format) <= KEY_MAX_LENGTH:
            return (
                f"statements[{index}].format must be a format key of 1 to {KEY_MAX_LENGTH} "
                f"characters, not {statement.format[:40]!r}"
            )
    return None


def invoice_file_problem(result: Any) -> str | None:
    """What is wrong with an invoice parser's result (None when it is a proper InvoiceFile)."""
    return _result_problem(result, InvoiceFile)


def invoice_batch_problem(batch: Any) -> str | None:
    """What is wrong with an invoice source's batch (None when it is a proper InvoiceBatch)."""
    problem = _result_problem(batch, InvoiceBatch)
    if problem is None and batch.cursor is not None:
        cursor_problem = text_problem(batch.cursor)
        if cursor_problem is not None:
            return f"its cursor {cursor_problem}"
    return problem


def _result_problem(result: Any, expected: type) -> str | None:
    if not isinstance(result, expected):
        return f"it returned {type(result).__name__}, not the {expected.__name__} it must return"
    return type_problem(result)


def type_problem(value: Any, path: str = "") -> str | None:
    """None when ``value`` (a boundary dataclass) matches its annotations, else what and where."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return f"{path or 'the value'} is {_a_value(value)}, not a dataclass"
    for name, hint in _hints(type(value)):
        problem = _check(getattr(value, name), hint, f"{path}.{name}" if path else name)
        if problem:
            return problem
    return None


@lru_cache(maxsize=64)
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _check(value: Any, hint: Any, path: str) -> str | None:
    origin = get_origin(hint)
    if origin in (Union, UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        problems = [_check(value, option, path) for option in options if option is not type(None)]
        return None if None in problems else problems[0]
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"{path} is {_a_value(value)}, not a tuple"
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            if _rows_match(value, args[0]):  # the usual case, checked a field at a time
                return None
            items = [(item, args[0]) for item in value]
        elif len(args) != len(value):
            return f"{path} has {len(value)} items, not {len(args)}"
        else:
            items = list(zip(value, args, strict=True))
        for index, (item, item_hint) in enumerate(items):
            problem = _check(item, item_hint, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if hint is Any:
        return None
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return f"{path} is {_a_value(value)}, not {with_article(hint.__name__)}"
        return type_problem(value, path)
    if hint is Decimal:
        if not isinstance(value, Decimal) or not value.is_finite():
            return f"{path} is {value!r}, not a finite Decimal"
        return None
    if isinstance(hint, type) and (issubclass(hint, Enum) or hint in (str, int, bool)):
        if not isinstance(value, hint):
            return f"{path} is {_a_value(value)}, not {with_article(hint.__name__)}"
        return None
    if hint is date and isinstance(value, datetime):  # a datetime is a date to isinstance only
        return f"{path} is a datetime, not a date"
    if isinstance(hint, type) and not isinstance(value, hint):  # date and the like
        return f"{path} is {_a_value(value)}, not {with_article(hint.__name__)}"
    return None


def _a_value(value: Any) -> str:
    """How a wrong value is named in a message: "None", "an int", "a str"."""
    return "None" if value is None else with_article(type(value).__name__)


def with_article(name: str) -> str:
    """ "an int", "an InvoiceSource", "a str": type names read as English in messages."""
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


# ---------------------------------------------------------------- fast path
#
# A statement holds up to hundreds of thousands of lines: checking them one by one
# through the hints above would cost seconds. When every item is exactly the
# hinted dataclass, each field is checked for all items at once; only a mismatch
# falls back to the item-by-item walk, which says where it is.

_PLAIN = (str, int, bool, Decimal, date, NoneType)


def _rows_match(items: tuple, hint: Any) -> bool:
    """True when every item is exactly ``hint`` (a dataclass) and matches it; False means look closer."""
    if not isinstance(hint, type) or not dataclasses.is_dataclass(hint):
        return False
    if any(type(item) is not hint for item in items):
        return False
    plan = _row_plan(hint)
    if plan is None:
        return False
    for values_of, kinds, nested in plan:
        if nested is not None:
            values = list(chain.from_iterable(map(values_of, items)))
            if any(type(value) is not tuple for value in values):
                return False
            if not _rows_match(tuple(chain.from_iterable(values)), nested):
                return False
            continue
        found = set(map(type, chain.from_iterable(map(values_of, items))))
        if not found <= kinds:
            return False  # a subclass (datetime, a str subclass) or a wrong type: the walk decides
        if Decimal in found:
            decimals = (v for v in chain.from_iterable(map(values_of, items)) if type(v) is Decimal)
            if not all(map(Decimal.is_finite, decimals)):
                return False
    return True


@lru_cache(maxsize=64)
def _row_plan(cls: type) -> tuple | None:
    """Fields grouped by the plain types they allow: (values getter, types, None), one pass per
    group; a ``tuple[X, ...]`` field of dataclasses is (its getter, None, X)."""
    groups: dict[frozenset, list[str]] = {}
    nested = []
    for name, hint in _hints(cls):
        kinds = _plain_kinds(hint)
        args = get_args(hint)
        if kinds is not None:
            groups.setdefault(kinds, []).append(name)
        elif get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
            nested.append((tuple_getter([name]), None, args[0]))
        else:
            return None  # a hint the fast path does not read: the walk checks it
    return tuple((tuple_getter(names), kinds, None) for kinds, names in groups.items()) + tuple(
        nested
    )


def tuple_getter(names: list[str]):
    """The values of ``names`` as a tuple, even for one name (``attrgetter`` then gives the bare value)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda item: (one(item),)
    return attrgetter(*names)


def _plain_kinds(hint: Any) -> frozenset | None:
    """The plain types a hint admits (``str | None`` -> {str, NoneType}), None if any is not plain."""
    options = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    if all(o in _PLAIN or (isinstance(o, type) and issubclass(o, Enum)) for o in options):
        return frozenset(options)
    return None
