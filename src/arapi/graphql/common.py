"""Helpers every domain's GraphQL module uses: threads for SQL, money, mutations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql.errors import UserError, user_errors_from
from arapi.graphql.permissions import require
from arapi.graphql.relay import Connection, PageRequest, build_connection, from_global_id
from arapi.graphql.scalars import CurrencyCode, Money
from arapi.money import from_minor
from arapi.plugin.types import ParseError, ParseErrorCode

T = TypeVar("T")


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def money(minor: int, currency: str) -> Money:
    return Money(amount=from_minor(minor, currency), currency=CurrencyCode(currency))


def page_request(info: Info, first, after, last=None, before=None) -> PageRequest:
    """The page a connection field was asked for, within the configured page size."""
    return PageRequest.from_args(first, after, last, before, info.context.settings.max_page_size)


def today() -> date:
    return date.today()


async def read(info: Info, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(session, *args)`` in a worker thread on a read-only session."""
    db = info.context.db

    def work() -> T:
        with db.read() as session:
            return fn(session, *args)

    return await run_in_threadpool(work)


def pk_of(gid: strawberry.ID | str | None, type_name: str, *field: str) -> int | None:
    """The row id behind a global ID of the given type (userError INVALID_ID otherwise)."""
    if gid is None:
        return None
    try:
        return from_global_id(gid, type_name)[1]
    except ArapiError as exc:
        raise exc.with_field(*field) from None


async def rows_by_id(
    info: Info,
    pages: tuple[int | None, str | None, int | None, str | None],
    fetch: Callable[..., tuple[list, bool]],
    to_node: Callable[[Any], Any],
) -> Connection:
    """A connection over rows walked by id: ``fetch(session, limit=, after=, before=, forward=)``
    is the repository's keyset page; ``pages`` is the field's (first, after, last, before)."""
    page = page_request(info, *pages)
    rows, has_more = await read(
        info,
        lambda s: fetch(
            s, limit=page.size, after=page.after, before=page.before, forward=not page.backward
        ),
    )
    return build_connection(
        rows, page, key_of=lambda r: (r.id,), to_node=to_node, has_more=has_more
    )


async def uploaded_file(file: Any) -> tuple[bytes, str | None]:
    """The bytes and name of an ``Upload`` input.

    Clients can put anything in that variable: a string (a JSON body, or a
    multipart part without a filename) is refused on ``file``, not an internal error.
    """
    if not isinstance(file, UploadFile):
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            "file must be an uploaded file: send a multipart request (GraphQL multipart "
            f"request spec) whose file part has a filename, not a {type(file).__name__}",
            ["file"],
        )
    return await file.read(), file.filename


def pointed_at_upload(exc: ArapiError, fmt: str | None) -> ArapiError:
    """A parser's refusal, pointed at the upload input it is about: the format a client
    named when no parser has it, else the file (a UI shows it next to that field)."""
    if exc.field or not isinstance(exc, ParseError):
        return exc
    if fmt and exc.code is ParseErrorCode.UNKNOWN_FORMAT:
        return exc.with_field("format")
    return exc.with_field("file")


async def mutate(
    info: Info,
    permission: Permission,
    write: Callable[[Any, Viewer], T],
    present: Callable[[Any, Viewer, T], Any],
) -> tuple[Any, list[UserError]]:
    """Run ``write`` in one transaction, then ``present`` the result in a fresh read.

    A refused input (ArapiError) rolls everything back and becomes userErrors;
    a missing or insufficient key is a top-level UNAUTHENTICATED/FORBIDDEN error.
    """
    viewer = require(info, permission)
    db = info.context.db

    def work():
        try:
            with db.write() as session:
                result = write(session, viewer)
        except ArapiError as exc:
            return None, user_errors_from(exc)
        with db.read() as session:
            return present(session, viewer, result), []

    return await run_in_threadpool(work)
