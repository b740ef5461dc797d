"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from arapi.auth.service import authenticate
from arapi.auth.viewer import Viewer
from arapi.config import Settings
from arapi.db import Database
from arapi.plugin import PluginHost

BEARER = "bearer"


@dataclass
class Context:
    settings: Settings
    db: Database
    plugins: PluginHost | None
    viewer: Viewer | None
    request_id: str
    request: HTTPConnection | None = None
    response: Any = None  # strawberry's sub-response: set headers/cookies/status on it
    # Why there is no viewer when a key was presented ("unknown or revoked API key").
    auth_problem: str | None = None
    # DataLoaders live for one request: see ``loader``.
    loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def loader(
        self,
        key: Hashable,
        load_fn: Callable[[list[Any]], Awaitable[Sequence[Any]]],
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, created on first use.

        ``load_fn`` receives the batched keys and returns one result per key,
        in the same order (None or an exception for a missing one).
        """
        existing = self.loaders.get(key)
        if existing is None:
            existing = self.loaders[key] = DataLoader(load_fn=load_fn)
        return existing


def bearer_token(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token or " " in token:
        return None
    return token


def authenticate_header(
    db: Database, authorization: str | None
) -> tuple[Viewer | None, str | None]:
    """(viewer, problem) for a request's Authorization header; blocking (runs SQL).

    No header gives (None, None); a header that names no valid key gives
    (None, "why") so that the UNAUTHENTICATED error can say it.
    """
    if not authorization:
        return None, None
    token = bearer_token(authorization)
    if token is None:
        return None, "the Authorization header must be 'Bearer <api key>'"
    with db.read() as session:
        viewer = authenticate(session, token)
    if viewer is None:
        return None, "unknown or revoked API key"
    return viewer, None


__all__ = ["Context", "authenticate_header", "bearer_token"]
