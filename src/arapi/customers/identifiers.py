"""Legal identifiers (SIREN, SIRET, EU VAT) and bank accounts, validated by python-stdnum and schwifty."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren, siret

from arapi.customers.errors import CustomerErrorCode
from arapi.errors import ArapiError

LEGAL_ID_TYPES = ("siren", "siret", "vat")


def normalize_legal_id(value: str, kind: str | None = None) -> tuple[str, str]:
    """Return (compact id, type). The type is detected when not given."""
    raw = value.strip()
    compact = raw.replace(" ", "").replace(".", "").replace("-", "").upper()
    if kind is None:
        if compact.isdigit() and len(compact) == 9:
            kind = "siren"
        elif compact.isdigit() and len(compact) == 14:
            kind = "siret"
        elif len(compact) > 2 and compact[:2].isalpha():
            kind = "vat"
        else:
            raise ArapiError(
                CustomerErrorCode.INVALID_LEGAL_ID,
                f"{value!r} is not a SIREN, SIRET or VAT number",
                ["legalId"],
            )
    validators = {"siren": siren.validate, "siret": siret.validate, "vat": vat.validate}
    if kind not in validators:
        raise ArapiError(
            CustomerErrorCode.INVALID_LEGAL_ID, f"unknown legal id type {kind!r}", ["legalIdType"]
        )
    try:
        return validators[kind](compact), kind
    except stdnum_errors.ValidationError as exc:
        raise ArapiError(
            CustomerErrorCode.INVALID_LEGAL_ID,
            f"invalid {kind.upper()} {value!r}: {exc}",
            ["legalId"],
        ) from None


def normalize_iban(value: str, field: str = "ibans") -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ArapiError(
            CustomerErrorCode.INVALID_IBAN, f"invalid IBAN {value!r}: {exc}", [field]
        ) from None


def compact_iban(value: str | None) -> str | None:
    """The IBAN without any whitespace, upper case, when it is valid; None otherwise."""
    if not value:
        return None
    try:
        return IBAN(value).compact
    except SchwiftyException:
        return None


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def normalize_country(value: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise ArapiError(
            CustomerErrorCode.INVALID_COUNTRY, f"unknown country code {value!r}", ["country"]
        )
    return code
