"""From the OFX tree to arapi's statements: what is read, where, and what is refused.

Both reading paths (the linear one and ofxparse's) end here, so they give the
same result for the same tree. Rules, in the order a file meets them:

* A sign-on error (``SONRS/STATUS/CODE`` not 0) and a statement response with
  an error status (``STMTTRNRS/STATUS``) become warnings carrying the server's
  code and message. A file with no statement at all gives an *empty result
  with a warning*, not an error: the corpus records sign-on failures and
  server errors as readable OFX with zero statements, and the caller can tell
  the user what the bank said.
* One :class:`Statement` per ``STMTRS`` (bank) and ``CCSTMTRS`` (credit card),
  in document order. ``INVSTMTRS`` (a brokerage account) is left out with a
  warning, cash lines included: receivables are collected on bank accounts,
  and the import's entry count is the bank and card ``STMTTRN`` count.
* Statement-level elements (account, ``CURDEF``, ``LEDGERBAL``) are looked up
  anywhere inside the statement, first in document order, because SGML files
  that never close ``BANKTRANLIST`` nest ``LEDGERBAL`` inside it. A
  statement with several ``BANKTRANLIST`` (OFX allows one) has the
  transactions of all of them, with a warning.
* A ``STMTTRN`` with no element at all (``<STMTTRN>*snipped*</STMTTRN>``)
  carries nothing and is skipped with a warning. One that has elements but no
  ``TRNAMT`` or no ``DTPOSTED`` is refused (``MISSING_FIELD``), as is a bad
  amount, date or currency. ``TRNAMT`` of ``null`` (some banks' way to report
  a rate change) is skipped with a warning.
* Line currency: ``CURRENCY/CURSYM`` when present, else ``CURDEF``. An
  ``ORIGCURRENCY`` aggregate does *not* change it: by the OFX specification
  (section 5.2) the amounts of such a transaction are already converted to
  ``CURDEF``; ``ORIGCURRENCY`` only says what the original currency was.
* Value date: ``DTAVAIL`` (when the funds are available, the banking meaning
  of a value date), else ``DTUSER``. An unreadable optional date is dropped
  with a warning; an unreadable ``DTPOSTED`` is an error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NoReturn

from arapi.plugin.types import ParseError, ParseErrorCode, Statement, StatementFile, StatementLine
from arapi_ofx._convert import (
    amount_or_none,
    date_or_none,
    french_rib_iban,
    iban_or_none,
    parse_amount,
    parse_currency,
    parse_date,
)
from arapi_ofx._markup import Node, find_first

FORMAT = "ofx"
STATEMENT_KINDS = {"STMTRS": "bank", "CCSTMTRS": "credit card", "INVSTMTRS": "investment"}
RESPONSE_WRAPPERS = {"STMTTRNRS": "STMTRS", "CCSTMTTRNRS": "CCSTMTRS", "INVSTMTTRNRS": "INVSTMTRS"}
_ACCOUNT_AGGREGATES = ("BANKACCTFROM", "CCACCTFROM", "INVACCTFROM")
_STATEMENT_AGGREGATES = frozenset((*_ACCOUNT_AGGREGATES, "LEDGERBAL"))
_LISTED = 8  # transaction numbers quoted in one grouped warning


def _status_text(status: Node | None) -> str | None:
    """``code N (SEVERITY): message`` when a STATUS reports something other than success."""
    if status is None:
        return None
    code = status.fields.get("CODE", "")
    if code in ("", "0"):
        return None
    severity = status.fields.get("SEVERITY") or "no severity"
    message = status.fields.get("MESSAGE")
    return f"code {code} ({severity})" + (f": {message}" if message else "")


class _Issues:
    """Per-statement problems grouped by kind, so 20 000 lines give one warning, not 20 000."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[int]] = {}

    def add(self, kind: str, number: int) -> None:
        self.by_kind.setdefault(kind, []).append(number)

    def messages(self, label: str) -> list[str]:
        out = []
        for kind, numbers in self.by_kind.items():
            listed = ", ".join(f"#{n}" for n in numbers[:_LISTED])
            more = f" and {len(numbers) - _LISTED} more" if len(numbers) > _LISTED else ""
            noun = "transaction" if len(numbers) == 1 else "transactions"
            out.append(f"{label}: {kind}: {len(numbers)} {noun} ({listed}{more})")
        return out


@dataclass
class _Scan:
    """What one statement aggregate holds (first account/balance aggregates, CURDEF, ...)."""

    found: dict[str, Node] = field(default_factory=dict)
    curdef: str | None = None
    transactions: list[Node] = field(default_factory=list)
    nested: list[Node] = field(default_factory=list)  # statements inside an unclosed one
    transaction_lists: int = 0  # BANKTRANLIST aggregates: OFX allows one per statement


def _scan_statement(statement: Node) -> _Scan:
    scan = _Scan()
    found, transactions, nested = scan.found, scan.transactions, scan.nested
    pending = [statement]
    while pending:
        node = pending.pop()
        name = node.name
        if name == "BANKTRANLIST":
            scan.transaction_lists += 1
        if name == "STMTTRN":
            transactions.append(node)
            # An unclosed STMTTRN swallows the next ones: they are still transactions.
            pending.extend(reversed([c for c in node.children if c.name == "STMTTRN"]))
            continue
        if node is not statement and name in STATEMENT_KINDS:
            nested.append(node)
            continue
        if name in _STATEMENT_AGGREGATES and name not in found:
            found[name] = node
        if scan.curdef is None and "CURDEF" in node.fields:
            scan.curdef = node.fields["CURDEF"]
        pending.extend(reversed(node.children))
    return scan


def _account(found: dict[str, Node]) -> tuple[str | None, str | None]:
    """(account as arapi keeps it, raw ACCTID)."""
    for name in _ACCOUNT_AGGREGATES:
        node = found.get(name)
        if node is not None:
            fields = node.fields
            acct_id = fields.get("ACCTID") or None
            if acct_id is None:
                return None, None
            account = iban_or_none(acct_id) or french_rib_iban(
                fields.get("BANKID"), fields.get("BRANCHID"), acct_id, fields.get("ACCTKEY")
            )
            return account or acct_id, acct_id
    return None, None


class _StatementReader:
    def __init__(self, node: Node, number: int, warnings: list[str]) -> None:
        self.node = node
        self.kind = STATEMENT_KINDS[node.name]
        self.number = number
        self.warnings = warnings

    def read(self) -> tuple[Statement | None, list[Node]]:
        scan = _scan_statement(self.node)
        account, acct_id = _account(scan.found)
        self.label = label = (
            f"statement {self.number} ({self.node.name} {acct_id or 'without account id'})"
        )
        if self.kind == "investment":
            self.warnings.append(
                f"{label}: investment statement left out (arapi imports bank and card statements)"
            )
            return None, scan.nested
        if acct_id is None:
            self.warnings.append(f"{label}: no account id (ACCTID)")
        if scan.transaction_lists > 1:
            self.warnings.append(
                f"{label}: {scan.transaction_lists} transaction lists (BANKTRANLIST) where OFX "
                "allows one; their transactions are read together"
            )
        currency = parse_currency(scan.curdef, f"{label}: CURDEF") if scan.curdef else None
        closing, closing_date = self._closing_balance(scan.found.get("LEDGERBAL"))
        lines = self._lines(scan.transactions, currency)
        if currency is None:
            line_currencies = {line.currency for line in lines}
            if len(line_currencies) == 1:
                currency = line_currencies.pop()
            self.warnings.append(f"{label}: no default currency (CURDEF)")
        statement = Statement(
            format=FORMAT,
            account=account,
            currency=currency,
            lines=tuple(lines),
            closing_balance=closing,
            closing_date=closing_date,
        )
        return statement, scan.nested

    def _closing_balance(self, ledger: Node | None):
        if ledger is None:
            self.warnings.append(f"{self.label}: no ledger balance (LEDGERBAL)")
            return None, None
        amount_text = ledger.fields.get("BALAMT", "")
        if not amount_text:
            self.warnings.append(f"{self.label}: the ledger balance (LEDGERBAL/BALAMT) is empty")
            return None, None
        amount = parse_amount(amount_text, f"{self.label}: LEDGERBAL/BALAMT")
        as_of = ledger.fields.get("DTASOF", "")
        return amount, parse_date(as_of, f"{self.label}: LEDGERBAL/DTASOF") if as_of else None

    def _lines(self, transactions: list[Node], currency: str | None) -> list[StatementLine]:
        issues = _Issues()
        lines: list[StatementLine] = []
        append = lines.append
        fitids: list[str] = []
        label = self.label
        for number, node in enumerate(transactions, 1):
            get = node.fields.get
            amount_text = get("TRNAMT")
            posted = get("DTPOSTED")
            amount = amount_or_none(amount_text) if amount_text else None
            booking_date = date_or_none(posted) if posted else None
            if amount is None or booking_date is None:
                if not node.fields and not any(c.name != "STMTTRN" for c in node.children):
                    issues.add("empty STMTTRN (no element at all), skipped", number)
                    continue
                if amount_text and amount_text.lower() in ("null", "-null"):
                    issues.add("TRNAMT null (no amount), skipped", number)
                    continue
                self._refuse(node, number, amount_text, posted)
            value_date = None
            for tag in ("DTAVAIL", "DTUSER"):
                text = get(tag)
                if text:
                    value_date = date_or_none(text)
                    if value_date is not None:
                        break
                    issues.add(f"unreadable {tag}, ignored", number)
            line_currency = currency
            counterparty_name = get("NAME") or None
            counterparty_iban = None
            for child in node.children:
                child_name = child.name
                if child_name == "CURRENCY":
                    symbol = child.fields.get("CURSYM")
                    if symbol:
                        line_currency = parse_currency(
                            symbol, f"{self._where(node, number)}: CURRENCY/CURSYM"
                        )
                elif child_name == "PAYEE":
                    counterparty_name = counterparty_name or child.fields.get("NAME") or None
                elif child_name in ("BANKACCTTO", "CCACCTTO"):
                    counterparty_iban = iban_or_none(child.fields.get("ACCTID"))
            if line_currency is None:
                raise ParseError(
                    ParseErrorCode.MISSING_FIELD,
                    f"{self._where(node, number)} has no currency: neither CURDEF nor CURRENCY/CURSYM",
                )
            fitid = get("FITID") or None
            if fitid is None:
                issues.add("no FITID (arapi will key them by content)", number)
            else:
                fitids.append(fitid)
            if get("CORRECTACTION") or get("CORRECTFITID"):
                issues.add("correction (CORRECTFITID/CORRECTACTION) imported as a new line", number)
            trntype = get("TRNTYPE")
            append(
                StatementLine(
                    amount=amount,
                    currency=line_currency,
                    booking_date=booking_date,
                    value_date=value_date,
                    natural_key=fitid,
                    counterparty_name=counterparty_name,
                    counterparty_iban=counterparty_iban,
                    remittance=get("MEMO") or None,
                    bank_reference=get("REFNUM") or get("CHECKNUM") or None,
                    bank_transaction_code=trntype.upper() if trntype else None,
                )
            )
        self.warnings.extend(issues.messages(label))
        if len(set(fitids)) != len(fitids):
            repeated = sorted(fitid for fitid, count in Counter(fitids).items() if count > 1)
            shown = ", ".join(repeated[:_LISTED]) + (" ..." if len(repeated) > _LISTED else "")
            self.warnings.append(
                f"{label}: {len(repeated)} FITIDs are used by several transactions ({shown}); "
                "arapi de-duplicates lines by FITID"
            )
        return lines

    def _where(self, node: Node, number: int) -> str:
        fitid = node.fields.get("FITID")
        return f"{self.label}: transaction #{number}" + (f" (FITID {fitid})" if fitid else "")

    def _refuse(
        self, node: Node, number: int, amount_text: str | None, posted: str | None
    ) -> NoReturn:
        """Raise the error that explains why a transaction has no usable amount or date."""
        where = self._where(node, number)
        if not amount_text:
            raise ParseError(ParseErrorCode.MISSING_FIELD, f"{where} has no amount (TRNAMT)")
        parse_amount(amount_text, f"{where}: TRNAMT")
        if not posted:
            raise ParseError(
                ParseErrorCode.MISSING_FIELD, f"{where} has no posting date (DTPOSTED)"
            )
        parse_date(posted, f"{where}: DTPOSTED")
        raise AssertionError("_refuse called for a readable transaction")  # pragma: no cover


def _signon_warning(root: Node) -> str | None:
    sonrs = find_first(root, "SONRS")
    status = _status_text(sonrs.child("STATUS")) if sonrs is not None else None
    if status is None:
        return None
    return f"the bank's server refused or flagged the sign-on: {status}"


def extract(root: Node, decode_warnings: tuple[str, ...] = ()) -> StatementFile:
    """The statements of an OFX tree (see the module docstring for the rules)."""
    if find_first(root, "OFX") is None:
        raise ParseError(ParseErrorCode.MALFORMED, "no <OFX> element: this is not an OFX file")
    warnings = list(decode_warnings)
    signon = _signon_warning(root)
    if signon:
        warnings.append(signon)
    statements: list[Statement] = []
    number = 0
    pending = [root]
    while pending:
        node = pending.pop()
        name = node.name
        if name in STATEMENT_KINDS:
            number += 1
            statement, nested = _StatementReader(node, number, warnings).read()
            if statement is not None:
                statements.append(statement)
            pending.extend(reversed(nested))
            continue
        if name in RESPONSE_WRAPPERS:
            status = _status_text(node.child("STATUS"))
            if status is not None:
                has_statement = node.child(RESPONSE_WRAPPERS[name]) is not None
                warnings.append(
                    f"{name} response {node.fields.get('TRNUID', '')!s}".rstrip()
                    + f": the bank's server reported {status}"
                    + ("" if has_statement else "; no statement was sent")
                )
        if name != "STMTTRN":
            pending.extend(reversed(node.children))
    if not statements:
        warnings.append("the file holds no bank or credit-card statement")
    return StatementFile(statements=tuple(statements), warnings=tuple(warnings))
