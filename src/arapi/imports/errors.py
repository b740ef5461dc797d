"""Why an import was refused. Parse errors keep their own codes (arapi.plugin.types.ParseErrorCode)."""

from __future__ import annotations

from arapi.errors import ErrorCode


class ImportErrorCode(ErrorCode):
    EMPTY_FILE = "EMPTY_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    # Another transaction is importing the same bytes right now, or another sync of the same
    # invoice source moved its cursor while this one fetched: try again.
    IMPORT_IN_PROGRESS = "IMPORT_IN_PROGRESS"
    # No invoice source (ERP connector) of that name is registered.
    UNKNOWN_SOURCE = "UNKNOWN_SOURCE"
    # The installation does not enable this invoice source for the organization (ARAPI_INVOICE_SOURCES).
    SOURCE_NOT_ENABLED = "SOURCE_NOT_ENABLED"
    # The invoice source failed (unreachable, refused, or returned something else than a batch).
    SOURCE_FAILED = "SOURCE_FAILED"
    # The buyer has no name and none of its identifiers names a known customer.
    BUYER_UNKNOWN = "BUYER_UNKNOWN"
    # An invoice number already used in the organization for another customer, kind, total or currency.
    INVOICE_CONFLICT = "INVOICE_CONFLICT"
