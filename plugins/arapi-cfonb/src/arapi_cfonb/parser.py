"""French CFONB 120 account statements -> :class:`arapi.plugin.types.StatementFile`.

Each 01 (old balance) .. 07 (new balance) block is one :class:`Statement`; 04
records are its lines and the 05 records after a 04 complete it. The structure
is checked strictly, as pennylane-hq/cfonb does: a 07 without its 01, a new 01
before the previous 07, a 04 or 05 out of place and impossible dates are
coded errors naming the line.

A file with no 01/07 at all is a single-movement fragment (one 04 and its 05s,
pennylane's ``parse_operation``): it gives one statement without balances and
a warning; a second 04 in such a file is an error. Records whose entry number
(positions 82-88) is blank, which strict readers refuse (silarhi's non-strict
sample), are read with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from arapi import rf
from arapi.inputs import ascii_digits
from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile, StatementLine
from arapi_cfonb.account import account_id
from arapi_cfonb.records import (
    RECORD_CODES,
    RECORD_LENGTH,
    Record,
    parse_amount,
    parse_currency,
    parse_date,
    parse_decimals,
    split_records,
)

FORMAT = "cfonb120"
NO_CURRENCY = "XXX"  # ISO 4217 "no currency", when no record names one

_SPACES = re.compile(r"\s+")
_LABEL_QUALIFIERS = frozenset({"LIB", "LCC", "LC2"})
_SNIFF_AMOUNT = re.compile(r"^[0-9]{13}[{}A-R]$")


class CfonbParser:
    format = FORMAT
    label = "CFONB 120 (relevé de compte)"

    def sniff(self, head: bytes) -> bool:
        try:
            first = next((line for line in head.split(b"\n") if line.strip()), b"")
            text = first.rstrip(b"\r").decode("latin-1")
        except Exception:  # pragma: no cover - latin-1 decodes anything; sniff must not raise
            return False
        # A single-line file holds records back to back: the first 120 characters are one.
        record = text[:RECORD_LENGTH].ljust(RECORD_LENGTH)
        return (
            record[:2] in ("01", "04")
            and ascii_digits(record[2:7])
            and ascii_digits(record[11:16])
            and ascii_digits(record[34:40])
            and bool(_SNIFF_AMOUNT.match(record[90:104]))
        )

    def parse(self, data: bytes) -> StatementFile:
        if not isinstance(data, bytes | bytearray):
            raise ParseError(ParseErrorCode.MALFORMED, "expected bytes")
        records = split_records(bytes(data))
        if not records:
            raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, "empty file: no CFONB 120 record")
        first = records[0]
        if first.code not in RECORD_CODES:
            raise ParseError(
                ParseErrorCode.UNKNOWN_FORMAT,
                f"not a CFONB 120 statement: first record code {first.code!r} "
                "(01, 04, 05 or 07 expected; 31/34/39 are CFONB 240)",
                line=first.line_no,
            )
        warnings: list[str] = []
        if any(r.code in ("01", "07") for r in records):
            statements = _statements(records, warnings)
        else:
            statements = [_fragment(records, warnings)]
        return StatementFile(statements=tuple(statements), warnings=tuple(warnings))


# ---------------------------------------------------------------- structure


@dataclass
class _Movement:
    record: Record
    amount: Decimal
    currency: str | None
    booking_date: date
    value_date: date | None
    remittance: list[str] = field(default_factory=list)
    payer: str | None = None
    beneficiary: str | None = None
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    structured: list[str] = field(default_factory=list)


@dataclass
class _Open:
    record: Record
    balance: Decimal
    day: date
    currency: str | None
    movements: list[_Movement] = field(default_factory=list)


def _statements(records: list[Record], warnings: list[str]) -> list[Statement]:
    statements: list[Statement] = []
    current: _Open | None = None
    for record in records:
        code = record.code
        if code == "01":
            if current is not None:
                raise record.error(
                    ParseErrorCode.MALFORMED,
                    f"new statement (01) before the one opened at line {current.record.line_no} got its 07",
                )
            decimals = parse_decimals(record, warnings)
            current = _Open(
                record,
                parse_amount(record, decimals),
                parse_date(record, (35, 40), "old balance date"),
                _currency(record, warnings),
            )
        elif code == "04":
            if current is None:
                raise record.error(
                    ParseErrorCode.MALFORMED, "movement (04) outside a statement: no 01 before it"
                )
            current.movements.append(_movement(record, warnings))
        elif code == "05":
            if current is None or not current.movements:
                raise record.error(
                    ParseErrorCode.MALFORMED, "complement (05) without a preceding movement (04)"
                )
            _complement(current.movements[-1], record)
        elif code == "07":
            if current is None:
                raise record.error(
                    ParseErrorCode.MALFORMED, "new balance (07) without its old balance (01)"
                )
            statements.append(_close(current, record, warnings))
            current = None
        else:
            raise record.error(ParseErrorCode.MALFORMED, f"unknown record code {code!r}")
    if current is not None:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            "statement has no closing new balance (07)",
            line=current.record.line_no,
        )
    return statements


def _fragment(records: list[Record], warnings: list[str]) -> Statement:
    """A file of one 04 and its 05s, without 01/07 balances."""
    movement: _Movement | None = None
    for record in records:
        if record.code == "04":
            if movement is not None:
                raise record.error(
                    ParseErrorCode.MALFORMED,
                    f"second movement (04) in a file without 01/07 balances (first at line {movement.record.line_no})",
                )
            movement = _movement(record, warnings)
        elif record.code == "05":
            if movement is None:
                raise record.error(
                    ParseErrorCode.MALFORMED, "complement (05) without a preceding movement (04)"
                )
            _complement(movement, record)
        else:
            raise record.error(ParseErrorCode.MALFORMED, f"unknown record code {record.code!r}")
    if movement is None:  # pragma: no cover - a 05 before any 04 raised above
        raise ParseError(ParseErrorCode.MALFORMED, "no movement (04) record")
    warnings.append("no 01/07 balance records: read as a single-movement fragment without balances")
    currency = movement.currency
    if currency is None:
        warnings.append(
            f"line {movement.record.line_no}: no currency in the movement; it carries {NO_CURRENCY}"
        )
    record = movement.record
    return Statement(
        format=FORMAT,
        account=_account(record),
        currency=currency,
        lines=(_line(movement, currency or NO_CURRENCY),),
    )


def _close(opened: _Open, record: Record, warnings: list[str]) -> Statement:
    decimals = parse_decimals(record, warnings)
    closing = parse_amount(record, decimals)
    closing_date = parse_date(record, (35, 40), "new balance date")
    currency = opened.currency or next((m.currency for m in opened.movements if m.currency), None)
    currency = currency or _currency(record, [])
    if currency is None and opened.movements:
        warnings.append(
            f"line {opened.record.line_no}: no record of this statement names a currency; lines carry {NO_CURRENCY}"
        )
    head = opened.record
    account, closed = _account(head), _account(record)
    if closed != account:  # the closing balance may be another account's
        warnings.append(
            f"line {record.line_no}: new balance (07) of account {closed} closes the statement "
            f"of account {account} opened at line {head.line_no}"
        )
    return Statement(
        format=FORMAT,
        account=account,
        currency=currency,
        lines=tuple(_line(m, m.currency or currency or NO_CURRENCY) for m in opened.movements),
        opening_balance=_no_negative_zero(opened.balance),
        closing_balance=_no_negative_zero(closing),
        opening_date=opened.day,
        closing_date=closing_date,
    )


# ---------------------------------------------------------------- records 04 and 05


def _movement(record: Record, warnings: list[str]) -> _Movement:
    decimals = parse_decimals(record, warnings)
    entry_number = record[82, 88]
    if not entry_number.strip():
        warnings.append(
            f"line {record.line_no}: {record.where}movement with a blank entry number (positions 82-88)"
        )
    movement = _Movement(
        record=record,
        amount=_no_negative_zero(parse_amount(record, decimals)),
        currency=_currency(record, warnings),
        booking_date=parse_date(record, (35, 40), "booking date"),
        value_date=parse_date(record, (43, 48), "value date", optional=True),
    )
    movement.remittance.append(record[49, 79])
    return movement


def _complement(movement: _Movement, record: Record) -> None:
    """05 records: qualifier at 46-48, text at 49-118."""
    qualifier, text = record[46, 48], record[49, 118]
    if qualifier in _LABEL_QUALIFIERS:
        movement.remittance.append(text)
    elif qualifier == "NPY":  # payer name
        movement.payer = movement.payer or _tidy(text)
    elif qualifier == "NBE":  # beneficiary name
        movement.beneficiary = movement.beneficiary or _tidy(text)
    elif qualifier == "RCN":  # customer reference (the SEPA end-to-end id), then its purpose
        movement.end_to_end_id = movement.end_to_end_id or _tidy(text[:35])
    elif qualifier == "REF":  # the bank's reference
        movement.bank_reference = movement.bank_reference or _tidy(text)
    elif qualifier == "LCS":  # structured remittance (creditor reference)
        movement.structured.append(text[:36])
    # MMO (original amount), IPY/IBE (party ids), NPO/NBU (ultimate parties) and
    # bank-specific qualifiers carry nothing StatementLine holds.


def _line(movement: _Movement, currency: str) -> StatementLine:
    record = movement.record
    remittance = _tidy(" ".join(movement.remittance))
    structured = " ".join(movement.structured)
    # Money in: the other side paid (NPY); money out: it was paid (NBE).
    names = (movement.payer, movement.beneficiary)
    if movement.amount < 0:
        names = names[::-1]
    found = rf.find_in_text(structured) or rf.find_in_text(remittance)
    return StatementLine(
        amount=movement.amount,
        currency=currency,
        booking_date=movement.booking_date,
        value_date=movement.value_date,
        natural_key=None,  # the entry number is often 0000000: arapi hashes the content
        counterparty_name=names[0] or names[1],
        remittance=remittance,
        creditor_reference=found[0] if found else None,
        end_to_end_id=movement.end_to_end_id,
        bank_reference=_tidy(record[105, 120]) or movement.bank_reference,
        bank_transaction_code=_tidy(record[33, 34]),
        return_reason=_tidy(record[41, 42]),
    )


def _account(record: Record) -> str:
    """The account a 01/04/07 record names: bank (3-7), branch (12-16), number (22-32)."""
    return account_id(record[3, 7], record[12, 16], record[22, 32])


def _currency(record: Record, warnings: list[str]) -> str | None:
    currency = parse_currency(record)
    if currency is None and record.code in ("01", "04"):
        warnings.append(f"line {record.line_no}: {record.where}blank currency field")
    return currency


def _tidy(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", text).strip()
    return cleaned or None


def _no_negative_zero(amount: Decimal) -> Decimal:
    return abs(amount) if amount == 0 else amount
