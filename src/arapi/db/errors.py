"""Codes of a database the CLI or the app cannot work on."""

from __future__ import annotations

from arapi.errors import ErrorCode


class DatabaseErrorCode(ErrorCode):
    DATABASE_NOT_MIGRATED = "DATABASE_NOT_MIGRATED"  # not at the latest migration: run the upgrade
    DATABASE_UNREACHABLE = "DATABASE_UNREACHABLE"  # the server refused or did not answer
