"""Does a boundary object hold what its annotations say? For results arapi cannot trust.

A plugin's result is typed by :mod:`arapi.plugin.types`, but Python does not
enforce annotations: an ERP connector may hand over ``number=12`` or
``buyer=None``. :func:`type_problem` walks a frozen dataclass against its type
hints (``str``, ``int``, ``bool``, ``Decimal``, ``date``, ``None``, unions,
``tuple[X, ...]``, ``tuple[A, B]``, nested dataclasses and enums) and says
where the first mismatch is, so the caller can refuse it with a coded error
instead of failing deep inside with an AttributeError.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints


def type_problem(value: Any, path: str = "") -> str | None:
    """None when ``value`` (a boundary dataclass) matches its annotations, else what and where."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return f"{path or 'the value'} is a {type(value).__name__}, not a dataclass"
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
            return f"{path} is a {type(value).__name__}, not a tuple"
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
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
            return f"{path} is a {type(value).__name__}, not a {hint.__name__}"
        return type_problem(value, path)
    if hint is Decimal:
        if not isinstance(value, Decimal) or not value.is_finite():
            return f"{path} is {value!r}, not a finite Decimal"
        return None
    if isinstance(hint, type) and (issubclass(hint, Enum) or hint in (str, int, bool)):
        if not isinstance(value, hint):
            return f"{path} is a {type(value).__name__}, not a {hint.__name__}"
        return None
    if isinstance(hint, type) and not isinstance(value, hint):  # date and the like
        return f"{path} is a {type(value).__name__}, not a {hint.__name__}"
    return None
