"""Coded errors shared by every layer.

Domain modules define their codes as ``StrEnum`` subclasses of :class:`ErrorCode`
and raise :class:`ArapiError` with one of them. Transport layers turn it into a
GraphQL ``userError`` or a CLI ``{"error": {...}}`` without knowing the domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class ErrorCode(StrEnum):
    """Base of every domain's error-code enum."""


class CommonErrorCode(ErrorCode):
    NOT_FOUND = "NOT_FOUND"
    INVALID_ID = "INVALID_ID"
    INVALID_INPUT = "INVALID_INPUT"
    FORBIDDEN = "FORBIDDEN"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"


class MoneyErrorCode(ErrorCode):
    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    AMOUNT_PRECISION = "AMOUNT_PRECISION"
    AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"


class ArapiError(Exception):
    """A failure the caller can act on; carries a stable code."""

    def __init__(self, code: ErrorCode, message: str, field: Sequence[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = tuple(field) if field else None

    def with_field(self, *field: str) -> ArapiError:
        """Return the same error pointing at an input field (for userErrors)."""
        return ArapiError(self.code, self.message, field)

    def __repr__(self) -> str:
        return f"ArapiError({self.code.value!s}, {self.message!r}, field={self.field!r})"


class NotFound(ArapiError):
    def __init__(self, what: str, field: Sequence[str] | None = None):
        super().__init__(CommonErrorCode.NOT_FOUND, f"{what} not found", field)


def all_error_codes() -> list[str]:
    """Every code of every ErrorCode subclass loaded so far, sorted."""
    codes: set[str] = set()
    stack = list(ErrorCode.__subclasses__())
    while stack:
        cls = stack.pop()
        codes.update(member.value for member in cls)
        stack.extend(cls.__subclasses__())
    return sorted(codes)
