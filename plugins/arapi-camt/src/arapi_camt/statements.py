"""The header of one ``Stmt`` / ``Rpt`` / ``Ntfctn`` and the :class:`Statement` it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementLine
from arapi_camt.elements import child, code_choice, date_choice, path_text
from arapi_camt.entries import EntryReader
from arapi_camt.runs import MARKER_TAG
from arapi_camt.values import amount, calendar_date, currency, iban, identifier

OPENING_TYPES = ("OPBD", "PRCD")  # opening booked, else the previous day's closing booked
CLOSING_TYPE = "CLBD"


@dataclass(frozen=True, slots=True)
class Balance:
    kind: str
    amount: Decimal  # signed: a debit balance is negative
    currency: str
    on: date | None


@dataclass(slots=True)
class StatementBuilder:
    """Collects one statement's entries while the rest of the file streams by."""

    container: etree._Element  # the Stmt / Rpt / Ntfctn being read
    format: str
    statement_id: str | None
    account: str | None
    account_currency: str | None
    balances: dict[str, Balance]
    reader: EntryReader
    lines: list[StatementLine] = field(default_factory=list)

    def add(self, ntry: etree._Element, reader: EntryReader | None = None) -> None:
        """Read one entry (with ``reader`` when its tags carry another prefix than the statement's)."""
        try:
            self.lines.append((reader or self.reader).read(ntry))
        except ParseError as exc:
            raise ParseError(
                exc.code, f"{self._where()}, entry {len(self.lines) + 1}: {exc.message}"
            ) from None

    def read_trailing(self, container: etree._Element, cut: int) -> None:
        """Balances written after the entries (out of schema order) still count."""
        for item in container:
            if item.tag[cut:] == "Bal":
                balance = _balance(item, cut, self.statement_id)
                if balance is not None and balance.kind not in self.balances:
                    self.balances[balance.kind] = balance

    def build(self, warnings: list[str]) -> Statement:
        opening = next((self.balances[k] for k in OPENING_TYPES if k in self.balances), None)
        closing = self.balances.get(CLOSING_TYPE)
        ccy = self.account_currency
        if ccy is None and self.lines:
            ccy = self.lines[0].currency
        if ccy is None:
            ccy = next((b.currency for b in (opening, closing) if b is not None), None)
        for balance in (opening, closing):
            if balance is not None and ccy is not None and balance.currency != ccy:
                warnings.append(
                    f"{self._where()}: {balance.kind} balance is in {balance.currency}, "
                    f"the account in {ccy}"
                )
        self._warn_duplicate_keys(warnings)
        return Statement(
            format=self.format,
            account=self.account,
            currency=ccy,
            lines=tuple(self.lines),
            statement_id=self.statement_id,
            opening_balance=opening.amount if opening else None,
            closing_balance=closing.amount if closing else None,
            opening_date=opening.on if opening else None,
            closing_date=closing.on if closing else None,
            balance_statuses=("BOOK",),
        )

    def _warn_duplicate_keys(self, warnings: list[str]) -> None:
        seen: set[str] = set()
        repeated: set[str] = set()
        for line in self.lines:
            key = line.natural_key
            if key is not None:
                if key in seen:
                    repeated.add(key)
                seen.add(key)
        if repeated:
            sample = ", ".join(sorted(repeated)[:3])
            warnings.append(
                f"{self._where()}: {len(repeated)} entry reference(s) appear more than once ({sample})"
            )

    def _where(self) -> str:
        return f"statement {self.statement_id!r}" if self.statement_id else "statement"


def start_statement(container: etree._Element, cut: int, fmt: str) -> StatementBuilder:
    """Read the header children of a Stmt/Rpt/Ntfctn: they all come before its first Ntry."""
    statement_id = account = account_currency = own_iban = None
    balances: dict[str, Balance] = {}
    for item in container:
        name = item.tag[cut:]
        if name == "Ntry" or item.tag == MARKER_TAG:  # a marker stands for a run of entries
            break
        if name == "Id":
            statement_id = identifier(item.text)
        elif name == "Acct":
            own_iban, other_id, ccy_text = _account(item, cut)
            account = own_iban or other_id
            where = f"statement {statement_id!r} account" if statement_id else "account"
            account_currency = _checked(currency, ccy_text, where) if ccy_text else None
        elif name == "Bal":
            balance = _balance(item, cut, statement_id)
            if balance is not None and balance.kind not in balances:
                balances[balance.kind] = balance
    reader = EntryReader(container.tag[:cut], own_iban, account_currency)
    return StatementBuilder(
        container, fmt, statement_id, account, account_currency, balances, reader
    )


def _account(element: etree._Element, cut: int) -> tuple[str | None, str | None, str | None]:
    """(IBAN, other id, currency) of ``Acct``."""
    ident = child(element, cut, "Id")
    own_iban = iban(path_text(ident, cut, "IBAN"))
    other = identifier(path_text(ident, cut, "Othr", "Id"))
    return own_iban, other, identifier(path_text(element, cut, "Ccy"))


def _balance(element: etree._Element, cut: int, statement_id: str | None) -> Balance | None:
    kind = amount_element = direction = on = None
    for item in element:
        name = item.tag[cut:]
        if name == "Tp":
            choice = child(item, cut, "CdOrPrtry")
            kind = identifier(code_choice(choice, cut)) if choice is not None else None
        elif name == "Amt":
            amount_element = item
        elif name == "CdtDbtInd":
            direction = identifier(item.text)
        elif name == "Dt":
            on = date_choice(item, cut)
    where = f"statement {statement_id!r} balance {kind}" if statement_id else f"balance {kind}"
    if kind is None or amount_element is None:
        return None
    value = _checked(amount, amount_element.text, where)
    ccy = _checked(currency, amount_element.get("Ccy"), where)
    if direction not in ("CRDT", "DBIT"):
        raise ParseError(
            ParseErrorCode.MALFORMED, f"{where}: CdtDbtInd must be CRDT or DBIT, not {direction!r}"
        )
    if direction == "DBIT" and value:
        value = -value
    return Balance(kind, value, ccy, _checked(calendar_date, on, where))


def _checked(read, text, where: str):
    try:
        return read(text)
    except ParseError as exc:
        raise ParseError(exc.code, f"{where}: {exc.message}") from None
