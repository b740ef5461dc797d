"""``userErrors`` of mutation payloads and the one enum of their codes.

``UserErrorCode`` holds every code of every :class:`arapi.errors.ErrorCode`
subclass. :func:`build_user_error_code_enum` first imports every
``arapi.<domain>.errors`` module (the convention for where codes live) and the
plugin boundary modules, so the enum does not depend on import order; codes
defined anywhere else must be imported before it first runs
(``arapi.graphql.limits.build_schema`` calls it and checks nothing is missing).
``UserError.code`` is annotated with the enum by name, which strawberry
resolves when the schema is built, not when this module is imported.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from enum import Enum, StrEnum

import strawberry
from strawberry.utils.str_converters import to_camel_case

import arapi

# The plugin boundary defines ParseErrorCode and PluginErrorCode: load them.
import arapi.plugin.host  # noqa: F401
import arapi.plugin.types  # noqa: F401
from arapi.errors import ArapiError, all_error_codes


def import_error_code_modules() -> list[str]:
    """Import every ``arapi.<package>.errors`` module; return their names."""
    imported = []
    for info in pkgutil.iter_modules(arapi.__path__):
        if not info.ispkg or info.name == "graphql":
            continue
        name = f"arapi.{info.name}.errors"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            imported.append(name)
    return imported


@functools.cache
def build_user_error_code_enum() -> type[Enum]:
    """The UserErrorCode enum, built once from every ErrorCode (see the module doc)."""
    import_error_code_modules()
    codes = all_error_codes()
    py_enum = StrEnum("UserErrorCode", [(code, code) for code in codes], module=__name__)
    strawberry.enum(
        py_enum,
        name="UserErrorCode",
        description="Why a mutation refused its input. Every domain's codes, in one enum.",
    )
    globals()["UserErrorCode"] = py_enum
    return py_enum


def missing_error_codes() -> list[str]:
    """Codes defined after the enum was built (should be empty; checked by create_app)."""
    built = {member.value for member in build_user_error_code_enum()}
    return [code for code in all_error_codes() if code not in built]


def __getattr__(name: str):
    # ``from arapi.graphql.errors import UserErrorCode`` builds the enum on demand.
    if name == "UserErrorCode":
        return build_user_error_code_enum()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@strawberry.type(description="A reason why a mutation did nothing.")
class UserError:
    field: list[str] | None = strawberry.field(
        description=(
            "Path to the field at fault inside the mutation's input, camelCased, "
            'e.g. ["total", "amount"] or ["file"]; null when no single field is.'
        )
    )
    message: str
    code: UserErrorCode  # noqa: F821  (resolved at schema build, see module doc)


def user_errors_from(exc: ArapiError) -> list[UserError]:
    """The userErrors for a refused mutation.

    The error's field path is relative to the mutation's input; its segments
    are camelCased to match the schema's input field names.
    """
    enum = build_user_error_code_enum()
    try:
        code = enum(exc.code.value)
    except ValueError:
        raise RuntimeError(
            f"error code {exc.code.value} was defined after UserErrorCode was built: "
            "import its module before building the schema"
        ) from None
    return [
        UserError(
            field=[to_camel_case(part) for part in exc.field] if exc.field else None,
            message=exc.message,
            code=code,
        )
    ]


__all__ = [
    "UserError",
    "build_user_error_code_enum",
    "missing_error_codes",
    "user_errors_from",
]
