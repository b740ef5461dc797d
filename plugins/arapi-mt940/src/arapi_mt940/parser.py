"""SWIFT MT940 customer statements -> :class:`arapi.plugin.types.StatementFile`.

One :class:`Statement` per ``:20:`` message (several per file, FIN envelopes or
not). Amounts are signed as SWIFT defines the debit/credit mark: C and RD
(reversal of a debit) are credits, D and RC (reversal of a credit) debits.

``natural_key`` stays None: no MT940 field is unique by definition (ING's bank
references restart in every file), so arapi hashes the line's content.

MT942 interim reports (told apart by their :34F: floor limit, or a FIN
envelope of type 942) are read too, as statements usually without balances;
their currency comes from :34F:. Their entries come again in the evening's
MT940: because keys are content hashes in the same account, the lines it
repeats unchanged are skipped there as duplicates, so the money is counted once.
:90C:/:90D: control totals, in any message, are checked against the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile, StatementLine
from arapi_mt940.details import Details, gvc_return_reason, iban_shaped, is_iban, parse_details
from arapi_mt940.fields import (
    Balance,
    EntryTotal,
    RawLine,
    parse_balance,
    parse_entry_total,
    parse_floor_limit_currency,
    parse_statement_line,
)
from arapi_mt940.lexer import End, Field, Lexed, decode, lex

FORMAT = "mt940"
NO_CURRENCY = "XXX"  # ISO 4217 "no currency": a statement without any balance names none

_SNIFF_START = re.compile(r"(?m)^(?:\{1:[^\n]*?)?(?:\{4:\s*)?:20:")
_SNIFF_ACCOUNT = re.compile(r"(?m)^:25P?:")
_SNIFF_CONTENT = re.compile(r"(?m)^:(?:60[FM]|61|34F):")  # :34F: opens an MT942, even empty
# A fragment (no :20:) that starts right away with a balance or movement tag is MT940 too.
_SNIFF_FRAGMENT = re.compile(r"^:(?:25P?|28C?|60[FM]|61|62[FM]):")
_SNIFF_WINDOW = 4096
_STATEMENT_TYPES = frozenset({"940", "942", "950"})
_CURRENCY_SUFFIX = re.compile(r"^(?P<account>.*[\d\s])(?P<currency>[A-Z]{3})$")


class Mt940Parser:
    format = FORMAT
    label = "SWIFT MT940"

    def sniff(self, head: bytes) -> bool:
        try:
            text = decode(head[: 64 * 1024]).lstrip("\ufeff\x00\x01\r\n\t ")
        except Exception:  # pragma: no cover - decode never raises, sniff must not either
            return False
        if text.startswith("<"):
            return False
        start = _SNIFF_START.search(text[:_SNIFF_WINDOW])
        if start is None:
            return bool(_SNIFF_FRAGMENT.match(text))
        body = text[start.start() :]
        return bool(_SNIFF_ACCOUNT.search(body) and _SNIFF_CONTENT.search(body))

    def parse(self, data: bytes) -> StatementFile:
        if not isinstance(data, bytes | bytearray):
            raise ParseError(ParseErrorCode.MALFORMED, "expected bytes")
        lexed = lex(decode(bytes(data)))
        return _assemble(lexed)


# ---------------------------------------------------------------- assembly


@dataclass
class _Builder:
    """Collects the fields of one statement message."""

    line_no: int
    reference: str | None = None
    explicit: bool = True  # opened by :20:, not by a stray tag
    account: str | None = None
    number: str | None = None
    opening: Balance | None = None
    closing: Balance | None = None
    raw_lines: list[tuple[RawLine, list[list[str]]]] = field(default_factory=list)
    floor_limit_currencies: list[str] = field(default_factory=list)  # MT942 :34F: (mandatory)
    entry_totals: dict[str, tuple[EntryTotal, int]] = field(default_factory=dict)  # :90C:/:90D:
    after_balance: bool = False  # a :62:/:64:/:65: was seen: later :86: is statement-level

    def add(self, item: Field, warnings: list[str]) -> None:
        tag = item.tag
        if tag == "25":
            if self.account is not None:
                raise ParseError(
                    ParseErrorCode.MALFORMED,
                    f"second :25: account field in one statement ({item.value[:30]!r})",
                    line=item.line_no,
                )
            self.account = item.value
        elif tag in ("28", "28C"):
            self.number = item.value or None
        elif tag in ("60F", "60M"):
            if self.opening is not None:
                warnings.append(
                    f"line {item.line_no}: second opening balance in one statement; the last one is kept"
                )
            self.opening = parse_balance(item, warnings)
        elif tag == "61":
            if self.after_balance:
                warnings.append(f"line {item.line_no}: :61: after the closing balance")
            self.raw_lines.append((parse_statement_line(item, warnings), []))
        elif tag == "86":
            if self.raw_lines and not self.after_balance:
                self.raw_lines[-1][1].append(item.lines)
        elif tag in ("62F", "62M"):
            self.closing = parse_balance(item, warnings)
            self.after_balance = True
        elif tag in ("64", "65"):
            parse_balance(item, warnings)  # validated, not kept: arapi has no place for them
            self.after_balance = True
        elif tag == "34F":
            currency = _optional(parse_floor_limit_currency, item, warnings)
            if currency is not None:
                self.floor_limit_currencies.append(currency)
        elif tag in ("90C", "90D"):
            total = _optional(parse_entry_total, item, warnings)
            if total is not None:
                self.entry_totals[tag] = (total, item.line_no)
            self.after_balance = True  # what follows the totals is about the whole report
        # :21: related reference, :13D: report time and :NS: (non-SWIFT) fields carry
        # nothing arapi uses.

    @property
    def interim(self) -> bool:
        return bool(self.floor_limit_currencies)

    @property
    def empty(self) -> bool:
        return (
            self.account is None
            and self.opening is None
            and self.closing is None
            and not self.raw_lines
        )


def _optional(read, item: Field, warnings: list[str]):
    """A field arapi can do without (:34F:, :90C:, :90D:) read by ``read``; one not understood
    is a warning, not a refusal of a statement that imported before arapi read these fields."""
    try:
        return read(item)
    except ParseError as exc:
        warnings.append(f"{exc.message}; ignored")  # the message names the line
        return None


def _assemble(lexed: Lexed) -> StatementFile:
    if lexed.message_types - _STATEMENT_TYPES:
        _refuse_message_types(lexed.message_types - _STATEMENT_TYPES)
    warnings: list[str] = []
    if lexed.ignored:
        line_no, text = lexed.ignored[0]
        warnings.append(
            f"ignored {len(lexed.ignored)} line(s) outside any MT940 field (line {line_no}: {text[:30]!r})"
        )
    if not any(isinstance(item, Field) for item in lexed.items):
        raise ParseError(
            ParseErrorCode.UNKNOWN_FORMAT, "no MT940 field (:20:, :25:, :61: ...) found"
        )

    builders: list[_Builder] = []
    current: _Builder | None = None
    for item in lexed.items:
        if isinstance(item, End):
            current = None
            continue
        if item.tag == "20":
            current = _Builder(item.line_no, reference=item.value or None)
            builders.append(current)
            continue
        if current is None:
            current = _Builder(item.line_no, explicit=False)
            builders.append(current)
            warnings.append(
                f"line {item.line_no}: tag :{item.tag}: outside a message started by :20:"
            )
        current.add(item, warnings)

    statements = []
    for builder in builders:
        if builder.empty:
            if builder.explicit:
                warnings.append(
                    f"line {builder.line_no}: statement without account, balance or lines skipped"
                )
            continue
        missing = [
            name
            for name, b in (("opening", builder.opening), ("closing", builder.closing))
            if b is None
        ]
        if builder.interim or lexed.message_types == {"942"}:
            warnings.append(
                f"line {builder.line_no}: MT942 interim report; the end-of-day MT940 will skip "
                "the lines it repeats unchanged as duplicates (a line whose text changed in "
                "between is counted again)"
            )
        elif missing:
            warnings.append(
                f"line {builder.line_no}: statement without {' and '.join(missing)} balance"
            )
        warnings.extend(_control_total_problems(builder))
        statements.append(_statement(builder, warnings))
    if not statements:
        raise ParseError(
            ParseErrorCode.MALFORMED, "no statement with an account, a balance or a :61: line"
        )
    return StatementFile(statements=tuple(statements), warnings=tuple(warnings))


def _control_total_problems(builder: _Builder) -> list[str]:
    """:90C:/:90D: against the lines: a difference means lines were lost or misread.

    As SWIFT counts them, C and RD lines are credits, D and RC lines debits.
    """
    problems = []
    for tag, side, credit in (("90C", "credit", True), ("90D", "debit", False)):
        if tag not in builder.entry_totals:
            continue
        total, line_no = builder.entry_totals[tag]
        held = [abs(raw.amount) for raw, _ in builder.raw_lines if raw.credit is credit]
        count, amount = len(held), sum(held, Decimal(0))
        if (total.count, total.amount) != (count, amount):
            problems.append(
                f"line {line_no}: :{tag}: says {_entries(total.count, side)} for {total.amount} "
                f"{total.currency}; the lines hold {_entries(count, side)} for {amount}"
            )
    return problems


def _entries(count: int, side: str) -> str:
    return f"{count} {side} {'entry' if count == 1 else 'entries'}"


def _refuse_message_types(types: set[str]) -> None:
    names = ", ".join(f"MT{t}" for t in sorted(types))
    raise ParseError(ParseErrorCode.UNSUPPORTED_VERSION, f"{names} is not an MT940 statement")


def _statement(builder: _Builder, warnings: list[str]) -> Statement:
    stated = [b.currency for b in (builder.opening, builder.closing) if b is not None]
    stated += builder.floor_limit_currencies
    stated += [total.currency for total, _ in builder.entry_totals.values()]
    named = list(dict.fromkeys(c for c in stated if c))  # distinct, first one first
    currency = named[0] if named else None
    if len(named) > 1:
        warnings.append(
            f"line {builder.line_no}: the statement names several currencies ({', '.join(named)}); "
            f"its lines carry {currency}"
        )
    if currency is None and builder.raw_lines:
        warnings.append(
            f"line {builder.line_no}: statement names no currency (no balance, :34F: or :90C:/:90D:); "
            f"lines carry {NO_CURRENCY}"
        )
    lines = tuple(
        _line(raw, parse_details(details, raw.line_no, warnings), currency or NO_CURRENCY)
        for raw, details in builder.raw_lines
    )
    return Statement(
        format=FORMAT,
        account=_account(builder.account, currency),
        currency=currency,
        lines=lines,
        statement_id=builder.number or builder.reference,
        opening_balance=_amount(builder.opening),
        closing_balance=_amount(builder.closing),
        opening_date=_day(builder.opening),
        closing_date=_day(builder.closing),
    )


def _line(raw: RawLine, details: Details, currency: str) -> StatementLine:
    counterparty_iban = details.counterparty_iban
    owner_reference = raw.owner_reference
    # Rabobank puts the counterparty's IBAN in the supplementary details, SNS and ASN
    # in the owner reference (where it is no reference, even with wrong check digits).
    for candidate in (raw.supplementary, raw.owner_reference):
        compact = candidate.replace(" ", "").upper() if candidate else None
        if is_iban(compact):
            counterparty_iban = counterparty_iban or compact
        if candidate == raw.owner_reference and iban_shaped(compact):
            owner_reference = None
    return StatementLine(
        amount=raw.amount,
        currency=currency,
        booking_date=raw.entry_date,
        value_date=raw.value_date,
        natural_key=None,
        reversal=raw.reversal,
        counterparty_name=details.counterparty_name,
        counterparty_iban=counterparty_iban,
        remittance=details.remittance,
        creditor_reference=details.creditor_reference,
        end_to_end_id=details.end_to_end_id,
        bank_reference=raw.bank_reference or owner_reference,
        bank_transaction_code=details.transaction_code or raw.type_code,
        return_reason=details.return_reason
        or gvc_return_reason(details.transaction_code, raw.amount > 0),
    )


def _account(raw: str | None, currency: str | None) -> str | None:
    """:25: as written, without blanks around it or a trailing currency code ("NL..EUR", "1291.99.348EUR")."""
    if not raw:
        return None
    account = raw.strip()
    match = _CURRENCY_SUFFIX.match(account)
    if match and currency and match["currency"] == currency:
        account = match["account"].strip()
    compact = account.replace(" ", "")
    if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return compact  # an IBAN, with or without valid check digits: the bank's own id
    return account


def _amount(balance: Balance | None) -> Decimal | None:
    return balance.amount if balance is not None else None


def _day(balance: Balance | None) -> date | None:
    return balance.day if balance is not None else None
