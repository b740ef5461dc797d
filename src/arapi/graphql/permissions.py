"""Who may call what: helpers for resolvers and strawberry permission classes.

In a resolver::

    viewer = require(info, Permission.WRITE_LEDGER)   # UNAUTHENTICATED / FORBIDDEN

or on a field::

    @strawberry.field(extensions=[permission_extension(Permission.IMPORT)])

A missing or invalid key raises a GraphQL error with ``extensions.code``
``UNAUTHENTICATED``; a role without the permission raises
``ArapiError(FORBIDDEN)``, reported with code ``FORBIDDEN`` (mutations may
also turn it into a userError).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from arapi.auth.roles import Permission
from arapi.auth.viewer import Viewer
from arapi.errors import CommonErrorCode

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = CommonErrorCode.FORBIDDEN.value


class Unauthenticated(GraphQLError):
    def __init__(self, reason: str | None = None):
        message = "authentication required: send 'Authorization: Bearer <api key>'"
        if reason:
            message = f"{reason}; {message}"
        super().__init__(message, extensions={"code": UNAUTHENTICATED})


def viewer_of(info: Info) -> Viewer | None:
    return getattr(info.context, "viewer", None)


def require_viewer(info: Info) -> Viewer:
    """The authenticated caller, or an UNAUTHENTICATED error."""
    viewer = viewer_of(info)
    if viewer is None:
        raise Unauthenticated(getattr(info.context, "auth_problem", None))
    return viewer


def require(info: Info, permission: Permission) -> Viewer:
    """The caller if its role grants ``permission``; else UNAUTHENTICATED / FORBIDDEN."""
    viewer = require_viewer(info)
    viewer.require(permission)
    return viewer


class IsAuthenticated(BasePermission):
    message = "authentication required: send 'Authorization: Bearer <api key>'"
    error_extensions = {"code": UNAUTHENTICATED}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return viewer_of(info) is not None


class HasPermission(BasePermission):
    """Grants access when the viewer's role has ``permission``."""

    error_extensions = {"code": FORBIDDEN}

    def __init__(self, permission: Permission):
        self.permission = permission
        self.message = f"this API key's role may not {permission.value.replace('_', ' ')}"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return require_viewer(info).can(self.permission)


def permission_extension(*permissions: Permission) -> PermissionExtension:
    """A field extension requiring an authenticated viewer with every permission given."""
    checks: list[BasePermission] = [IsAuthenticated()]
    checks.extend(HasPermission(permission) for permission in permissions)
    return PermissionExtension(permissions=checks, use_directives=False)


__all__ = [
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "HasPermission",
    "IsAuthenticated",
    "Unauthenticated",
    "permission_extension",
    "require",
    "require_viewer",
    "viewer_of",
]
