"""A parser's text must be storable: no NUL character and no unpaired surrogate anywhere in what it returns.

PostgreSQL cannot store U+0000 in a text or JSON column, and no bank statement
or invoice has a reason to hold one: it means a damaged file, binary data read
as text, or UTF-16 read as a one-byte charset. An unpaired surrogate
("\\ud83d", half an emoji, as JSON from an ERP cut in the middle gives it) is
not Unicode text at all: it cannot be encoded to UTF-8, to hash a line or to
send it to the database. Rather than trust every plugin to check, each import
checks the parser's result here, before anything is written, and refuses the
file with a coded error (``ENCODING``) that names the field. The check is one
pass over the result's strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

from arapi.inputs import text_problem
from arapi.plugin.checks import tuple_getter
from arapi.plugin.types import ParseError, ParseErrorCode

NUL = "\x00"
_PROBLEMS = {
    "nul": "holds a NUL character: the file is damaged, binary, or in another encoding",
    "surrogate": "holds an unpaired surrogate (half of a character): it is not Unicode text",
}


def refuse_unstorable_text(value: object) -> None:
    """Raise ``ENCODING`` when a string inside ``value`` (dataclasses, tuples, lists, dicts) holds
    NUL or an unpaired surrogate.

    The message names the place, e.g. ``statements[0].lines[12].remittance``.
    """
    found = _find(value)
    if found is not None:
        steps, text = found
        path = "".join(reversed(steps)).lstrip(".") or "the text"
        problem = _PROBLEMS["nul" if NUL in text else "surrogate"]
        raise ParseError(ParseErrorCode.ENCODING, f"{path} {problem}")


def _unstorable(text: str) -> bool:
    return text_problem(text) is not None  # one rule for every text arapi stores


def _find(value: object) -> tuple[list[str], str] | None:
    """(the steps from ``value`` down to the bad string, innermost first; that string), or None."""
    kind = type(value)
    if isinstance(value, str):
        return ([], value) if _unstorable(value) else None
    if value is None:
        return None
    if isinstance(value, set | frozenset):
        value = sorted(value, key=repr)  # an order, for the message
    if isinstance(value, tuple | list):
        if _clean_rows(value):
            return None
        for index, item in enumerate(value):
            found = _find(item)
            if found is not None:
                return [*found[0], f"[{index}]"], found[1]
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find(key)
            if found is not None:
                return [" (a key)", f".{key!r}"], found[1]
            found = _find(item)
            if found is not None:
                return [*found[0], f".{key}"], found[1]
        return None
    if hasattr(kind, "__dataclass_fields__"):
        plan = _plan(kind)
        if plan.texts is not None:
            texts = plan.texts(value)
            try:
                joined = "".join(filter(None, texts))
            except TypeError:  # a plugin put something else than text in a text field
                joined = "".join(t for t in texts if isinstance(t, str))
            if _unstorable(joined):
                index, text = next(
                    (i, t) for i, t in enumerate(texts) if isinstance(t, str) and _unstorable(t)
                )
                return [f".{plan.text_names[index]}"], text
        for name in plan.nested_names:
            item = getattr(value, name)
            if item:
                found = _find(item)
                if found is not None:
                    return [*found[0], f".{name}"], found[1]
    return None


def _clean_rows(items: tuple | list) -> bool:
    """True when ``items`` are dataclasses of one type and none holds bad text (a statement's lines).

    Thousands of lines are checked with one join over all their text fields;
    False means "look item by item", which also finds where the NUL is.
    """
    if not items or not hasattr(type(items[0]), "__dataclass_fields__"):
        return False
    kind = type(items[0])
    if any(type(item) is not kind for item in items):
        return False
    plan = _plan(kind)
    if plan.texts is not None:
        try:
            if _unstorable("".join(filter(None, chain.from_iterable(map(plan.texts, items))))):
                return False
        except TypeError:  # something else than text in a text field
            return False
    for name in plan.nested_names:
        for item in map(attrgetter(name), items):
            if item and _find(item) is not None:
                return False
    return True


@dataclasses.dataclass(frozen=True)
class _Plan:
    """Which fields of a dataclass hold text, and which may hold more values to look into."""

    text_names: tuple[str, ...]
    texts: Callable[[object], tuple] | None
    nested_names: tuple[str, ...]


@lru_cache(maxsize=64)
def _plan(cls: type) -> _Plan:
    """Read once from the type hints; a field whose hint cannot be read is looked into."""
    try:
        hints = get_type_hints(cls)
    except Exception:  # an unresolvable annotation: check the values themselves
        hints = {}
    text_names, nested_names = [], []
    for f in dataclasses.fields(cls):
        kinds = _flatten(hints.get(f.name, object))
        if str in kinds:
            text_names.append(f.name)
        if any(k not in _LEAVES for k in kinds):
            nested_names.append(f.name)
    getter = tuple_getter(text_names) if text_names else None
    return _Plan(tuple(text_names), getter, tuple(nested_names))


def _flatten(hint: object) -> set:
    """The plain types a hint admits: ``str | None`` -> {str, NoneType}; ``tuple[X, ...]`` -> {tuple}."""
    if get_origin(hint) in (Union, UnionType):
        return {k for arg in get_args(hint) for k in _flatten(arg)}
    origin = get_origin(hint)
    return {origin if origin is not None else hint}


# Types that never hold a string (a str field is checked as text, not looked into).
_LEAVES = frozenset((str, type(None), int, float, bool, Decimal, date, datetime))
