"""The ASGI application: GraphQL at /graphql, /health, request ids, body limits and CORS."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from typing import Any

import strawberry
from cross_web import HTTPException as ViewHTTPException
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.parse_content_type import parse_content_type

from arapi.config import Settings
from arapi.db import Database
from arapi.db.errors import DatabaseErrorCode
from arapi.db.migrate import require_migrated
from arapi.errors import ArapiError, CommonErrorCode
from arapi.graphql.context import Context, authenticate_header
from arapi.graphql.errors import missing_error_codes
from arapi.graphql.limits import INTERNAL, INTERNAL_MESSAGE, format_errors
from arapi.graphql.scalars import uses_arapi_scalars
from arapi.inputs import ascii_digits, text_problem
from arapi.plugin import PluginHost
from arapi.repositories import organizations as organization_repo

logger = logging.getLogger("arapi.app")

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# A browser cannot send these on a "simple" cross-site request without a CORS
# preflight, so requiring one on multipart bodies stops CSRF through uploads.
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight", "graphql-preflight")

# CORS (only with ARAPI_CORS_ORIGINS): what a browser UI on a listed origin may send.
# No credentials: the API key travels in Authorization, never in a cookie.
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = ("authorization", "content-type", REQUEST_ID_HEADER, *PREFLIGHT_HEADERS)
CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight answer

BAD_REQUEST = "BAD_REQUEST"
CSRF_PREFLIGHT_REQUIRED = "CSRF_PREFLIGHT_REQUIRED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
_CODES_BY_STATUS = {
    400: BAD_REQUEST,
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: PAYLOAD_TOO_LARGE,
}

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "arapi_request_id", default=None
)


def current_request_id() -> str | None:
    """The id of the request being served (for log records), if any."""
    return _request_id.get()


def error_response(status: int, code: str, message: str, request_id: str | None) -> JSONResponse:
    """A transport-level failure, shaped like a GraphQL error response."""
    # A message may quote the request (an operation name); JSONResponse encodes
    # strict UTF-8, where a lone surrogate would fail the error response itself.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    extensions: dict[str, Any] = {"code": code}
    if request_id:
        extensions["requestId"] = request_id
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]}, status_code=status
    )


def _request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


# ------------------------------------------------------------- middleware


class RequestIdMiddleware:
    """Gives each request an id (the caller's X-Request-Id when sane) and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER)
        request_id = (
            incoming if incoming and _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode("latin-1"), request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, by Content-Length and while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_of(scope)
        declared = _header(scope, "content-length")
        if declared is not None:
            if not ascii_digits(declared.strip()):
                await error_response(400, BAD_REQUEST, "invalid Content-Length", request_id)(
                    scope, receive, send
                )
                return
            if int(declared) > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:  # pragma: no cover - bodies are read before responding
                raise
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body larger than {self.max_bytes} bytes"
        response = error_response(413, PAYLOAD_TOO_LARGE, message, _request_id_of(scope))
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


# --------------------------------------------------------------- GraphQL


class _CodedHTTPError(ViewHTTPException):
    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


async def _refuse_files_sharing_a_path(request_adapter: Any) -> None:
    """Two files mapped to one variable: strawberry keeps the last one, silently."""
    try:
        files_map = json.loads((await request_adapter.get_form_data()).form.get("map") or "{}")
    except ValueError:  # unreadable body or map: strawberry's own checks answer it
        return
    if not isinstance(files_map, dict):
        return
    paths = [
        p for ps in files_map.values() if isinstance(ps, list) for p in ps if isinstance(p, str)
    ]
    shared = sorted(p for p, n in Counter(paths).items() if n > 1)
    if shared:
        raise _CodedHTTPError(
            400,
            f"the multipart map sends several files to {', '.join(shared)}: one file per variable",
            BAD_REQUEST,
        )


class ArapiGraphQL(GraphQL):
    """strawberry's ASGI view with arapi's context, CSRF check and JSON transport errors."""

    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        settings: Settings,
        db: Database,
        plugins: PluginHost | None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.db = db
        self.plugins = plugins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # No subscriptions: refuse the handshake.
            await WebSocket(scope, receive=receive, send=send).close(code=1008)
            return
        request = Request(scope, receive=receive)
        request_id = _request_id_of(scope)
        try:
            response: Response = await self.run(request)
        except _CodedHTTPError as exc:
            response = error_response(exc.status_code, exc.code, exc.reason, request_id)
        except ViewHTTPException as exc:
            code = _CODES_BY_STATUS.get(exc.status_code, BAD_REQUEST)
            response = error_response(exc.status_code, code, exc.reason, request_id)
        except StarletteHTTPException as exc:  # e.g. a malformed multipart body
            code = _CODES_BY_STATUS.get(exc.status_code, BAD_REQUEST)
            response = error_response(exc.status_code, code, str(exc.detail), request_id)
        except _BodyTooLarge:
            raise
        except Exception:
            logger.exception("internal error outside execution (request %s)", request_id or "-")
            response = error_response(500, INTERNAL, INTERNAL_MESSAGE, request_id)
        finally:
            await request.close()  # uploaded files
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        authorization = request.headers.get("authorization")
        viewer, problem = (None, None)
        if authorization:
            viewer, problem = await run_in_threadpool(authenticate_header, self.db, authorization)
        return Context(
            settings=self.settings,
            db=self.db,
            plugins=self.plugins,
            viewer=viewer,
            request_id=_request_id_of(request.scope) or uuid.uuid4().hex,
            request=request,
            response=response,
            auth_problem=problem,
        )

    async def parse_http_body(self, request_adapter: Any) -> Any:
        content_type, _ = parse_content_type(request_adapter.content_type or "")
        if content_type == "multipart/form-data" and not _has_preflight_header(
            request_adapter.headers
        ):
            raise _CodedHTTPError(
                400,
                "multipart requests must carry one of the headers "
                + ", ".join(PREFLIGHT_HEADERS)
                + " (any non-empty value): it protects uploads against cross-site request forgery",
                CSRF_PREFLIGHT_REQUIRED,
            )
        request_data = await super().parse_http_body(request_adapter)
        _check_operation_name(getattr(request_data, "operation_name", None))
        return request_data

    async def parse_multipart(self, request_adapter: Any) -> Any:
        # strawberry walks the "map" paths into the operations as they come and
        # maps only a missing file to a 400; a map of another shape (a list, a
        # path through a number, a bad index) fails in Python instead.
        await _refuse_files_sharing_a_path(request_adapter)
        try:
            return await super().parse_multipart(request_adapter)
        except (AttributeError, TypeError, ValueError, IndexError, RecursionError):
            raise _CodedHTTPError(
                400, "the multipart map does not fit the operations", BAD_REQUEST
            ) from None

    def decode_json(self, data: str | bytes) -> object:
        # strawberry maps only JSONDecodeError to a 400; these would be 500s.
        try:
            value = super().decode_json(data)
        except UnicodeDecodeError:
            raise _CodedHTTPError(400, "the request body is not UTF-8", BAD_REQUEST) from None
        except RecursionError:
            raise _CodedHTTPError(
                400, "the request JSON is nested too deeply", BAD_REQUEST
            ) from None
        if not isinstance(value, (dict, list)):  # a list is a batch (refused by strawberry)
            raise _CodedHTTPError(400, "the request JSON must be an object", BAD_REQUEST)
        return value

    async def process_result(self, request: Request, result: Any) -> Any:
        # A safety net: errors raised outside the masking extension (or by a
        # schema built without it) are masked here too; idempotent otherwise.
        if getattr(result, "errors", None):
            result.errors = format_errors(result.errors, _request_id_of(request.scope))
        return await super().process_result(request, result)


def _check_operation_name(name: object) -> None:
    """operationName is text from the client like any other (see arapi.inputs)."""
    if name is None:
        return
    if not isinstance(name, str):
        raise _CodedHTTPError(400, "operationName must be a string or null", BAD_REQUEST)
    problem = text_problem(name)
    if problem is not None:
        raise _CodedHTTPError(400, f"operationName {problem}", CommonErrorCode.INVALID_INPUT.value)


def _has_preflight_header(headers: Mapping[str, str]) -> bool:
    return any((headers.get(name) or "").strip() for name in PREFLIGHT_HEADERS)


# ------------------------------------------------------------------- app


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    plugins: PluginHost | None = None,
    schema: strawberry.Schema | None = None,
) -> Starlette:
    """The arapi ASGI app.

    Without ``db`` one is opened on ``settings.database_url`` (and disposed at
    shutdown), refused with ``DATABASE_NOT_MIGRATED`` unless its schema is at
    the latest migration; without ``plugins`` they are loaded from the
    ``arapi`` entry points (a ``PluginError`` when one cannot be); without
    ``schema`` ``arapi.graphql.schema.schema_for(settings)`` builds it.
    """
    settings = settings or Settings.from_env()
    owns_db = db is None
    database = db if db is not None else Database(settings.database_url)
    if owns_db:
        try:
            require_migrated(database.engine)
        except ArapiError as exc:
            if exc.code is not DatabaseErrorCode.DATABASE_UNREACHABLE:
                database.dispose()
                raise
            # Started beside its database (compose, Kubernetes): serve, and let /health
            # answer 503 until the database does, rather than exit.
            logger.warning("%s: serving anyway; /health answers 503 until it is up", exc.message)
        except BaseException:
            database.dispose()
            raise
    if plugins is None:
        plugins = PluginHost.from_entry_points(disabled=settings.disabled_plugins)
    if schema is None:
        from arapi.graphql.schema import schema_for  # the domain schema (lead's module)

        schema = schema_for(settings)
    if not uses_arapi_scalars(schema):
        raise RuntimeError(
            "the schema uses strawberry's Decimal scalar; build it with "
            "arapi.graphql.limits.build_schema or config=arapi.graphql.scalars.schema_config()"
        )
    late_codes = missing_error_codes()
    if late_codes:
        logger.warning("error codes missing from UserErrorCode: %s", ", ".join(late_codes))

    graphql_app = ArapiGraphQL(schema, settings=settings, db=database, plugins=plugins)

    async def health(request: Request) -> Response:
        try:
            await run_in_threadpool(_ping, database)
        except Exception:
            logger.exception(
                "health check failed (request %s)", _request_id_of(request.scope) or "-"
            )
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_db:
                database.dispose()

    middleware = [Middleware(RequestIdMiddleware)]
    if settings.cors_origins:
        # Inside the request id (preflights get one too), outside the body limit (its
        # 413 carries the CORS headers, so a UI can read it). It answers preflights
        # itself and only adds headers to other responses: the multipart CSRF check
        # in ArapiGraphQL still runs on every upload.
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=CORS_ALLOW_METHODS,
                allow_headers=CORS_ALLOW_HEADERS,
                allow_credentials=False,
                max_age=CORS_MAX_AGE,
            )
        )
    middleware.append(Middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes))
    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.plugins = plugins
    app.state.schema = schema
    return app


def _ping(database: Database) -> None:
    with database.read() as session:
        organization_repo.ping(session)


__all__ = [
    "ArapiGraphQL",
    "BodyLimitMiddleware",
    "RequestIdMiddleware",
    "create_app",
    "current_request_id",
    "error_response",
]


def app_from_env() -> Starlette:
    """The app configured from ARAPI_* variables (``arapi serve``, uvicorn --factory)."""
    return create_app()
