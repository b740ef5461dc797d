"""Who is calling: the organization, the role and (for partners) the visible customers."""

from __future__ import annotations

from dataclasses import dataclass

from arapi.auth.roles import PERMISSIONS, Permission, Role
from arapi.errors import ArapiError, CommonErrorCode


@dataclass(frozen=True)
class Viewer:
    organization_id: int
    organization_name: str
    role: Role
    actor: str  # what the event log and allocations record as author
    api_key_id: int | None = None
    # Partner keys only: the customers they were granted. None means no restriction.
    customer_ids: frozenset[int] | None = None

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise ArapiError(
                CommonErrorCode.FORBIDDEN,
                f"the {self.role.value} role may not {permission.value.replace('_', ' ')}",
            )

    @property
    def read_only(self) -> bool:
        return self.role is Role.PARTNER

    def sees_customer(self, customer_id: int | None) -> bool:
        return self.customer_ids is None or (
            customer_id is not None and customer_id in self.customer_ids
        )

    @classmethod
    def system(cls, organization_id: int, organization_name: str, actor: str = "cli") -> Viewer:
        """The CLI and background jobs act as an admin of one organization."""
        return cls(organization_id, organization_name, Role.ADMIN, actor)
