"""The ledger's invariants, checked here and nowhere else.

- a payment never allocates more than its amount;
- an invoice never goes below zero open;
- a credit note never gives more credit than it has;
- allocation currencies match;
- schedule installments add up to what they cover (see arapi.schedules.service).
Callers hold row locks on what they check (see arapi.ledger.service).
"""

from __future__ import annotations

from arapi.errors import ArapiError, MoneyErrorCode
from arapi.ledger.errors import LedgerErrorCode
from arapi.money import from_minor


def positive_parts(cash: int, discount: int, writeoff: int, field: list[str]) -> None:
    if cash < 0 or discount < 0 or writeoff < 0 or cash + discount + writeoff <= 0:
        raise ArapiError(
            MoneyErrorCode.AMOUNT_NOT_POSITIVE, "allocated amounts must be positive", field
        )


def same_currency(expected: str, actual: str, what: str, field: list[str]) -> None:
    if expected != actual:
        raise ArapiError(
            MoneyErrorCode.CURRENCY_MISMATCH, f"{what} is in {actual}, not {expected}", field
        )


def within_payment(requested: int, unapplied: int, currency: str) -> None:
    if requested > unapplied:
        raise ArapiError(
            LedgerErrorCode.EXCEEDS_PAYMENT,
            f"allocating {from_minor(requested, currency)} {currency} but the payment has only "
            f"{from_minor(unapplied, currency)} {currency} unapplied",
            ["allocations"],
        )


def within_open(
    requested: int, open_minor: int, number: str, currency: str, field: list[str]
) -> None:
    if requested > open_minor:
        raise ArapiError(
            LedgerErrorCode.EXCEEDS_OPEN_AMOUNT,
            f"settling {from_minor(requested, currency)} {currency} on invoice {number} "
            f"which has only {from_minor(open_minor, currency)} {currency} open",
            field,
        )


def within_credit(requested: int, remaining: int, number: str, currency: str) -> None:
    if requested > remaining:
        raise ArapiError(
            LedgerErrorCode.EXCEEDS_CREDIT,
            f"using {from_minor(requested, currency)} {currency} of credit note {number} "
            f"which has only {from_minor(remaining, currency)} {currency} left",
            ["amount"],
        )


def within_installment(requested: int, remaining: int, currency: str, field: list[str]) -> None:
    if requested > remaining:
        raise ArapiError(
            LedgerErrorCode.EXCEEDS_INSTALLMENT,
            f"paying {from_minor(requested, currency)} {currency} on an installment with "
            f"{from_minor(remaining, currency)} {currency} left",
            field,
        )
