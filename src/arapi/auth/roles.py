"""Roles of API keys and what each may do, in one table."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including keys and organization settings
    COLLECTOR = "collector"  # credit managers: read all, write ledger operations
    INTEGRATOR = "integrator"  # connectors and scripts: read all, imports and ledger writes
    PARTNER = "partner"  # read-only; only granted customers, their exposure and invoices


class Permission(StrEnum):
    READ_ALL = "read_all"
    READ_GRANTED = "read_granted"
    WRITE_LEDGER = "write_ledger"
    IMPORT = "import"
    MATCH = "match"
    MANAGE_KEYS = "manage_keys"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - {Permission.READ_GRANTED},
    Role.COLLECTOR: frozenset({Permission.READ_ALL, Permission.WRITE_LEDGER, Permission.MATCH}),
    Role.INTEGRATOR: frozenset(
        {Permission.READ_ALL, Permission.WRITE_LEDGER, Permission.IMPORT, Permission.MATCH}
    ),
    Role.PARTNER: frozenset({Permission.READ_GRANTED}),
}
