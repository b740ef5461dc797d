"""The CSV invoice-list parser: one row per invoice or credit note.

An import is all or nothing: the first bad row refuses the whole file with a
``ParseError`` naming its line and column. Column meanings are in README.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from arapi.plugin.types import InvoiceDocument, InvoiceFile, ParseError, ParseErrorCode, Party
from arapi_csv import values
from arapi_csv.amounts import AmbiguousAmount, AmountError, decimal_mark_evidence, parse_amount
from arapi_csv.columns import AMOUNT_FIELDS, REQUIRED, ColumnMap, map_header
from arapi_csv.table import (
    Row,
    Table,
    candidate_separators,
    decode,
    first_lines,
    read_table,
    split_header,
)

FORMAT = "csv"
T = TypeVar("T")
# NUL and other C0 controls are never text; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _best_split(header_line: str, candidates: list[str]) -> tuple[str, ColumnMap]:
    """The separator whose split maps the most required, then the most known, columns."""
    best: tuple[tuple[int, int], str, ColumnMap] | None = None
    for separator in candidates:
        columns = map_header(split_header(header_line, separator))
        score = (len(REQUIRED) - len(columns.missing), len(columns.index))
        if best is None or score > best[0]:
            best = (score, separator, columns)
    assert best is not None  # candidates is never empty
    return best[1], best[2]


def _check_header(columns: ColumnMap, line: int) -> None:
    if columns.duplicates:
        field, first, second = columns.duplicates[0]
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f"columns {first!r} and {second!r} both mean {field}",
            line=line,
        )
    if columns.missing:
        raise ParseError(
            ParseErrorCode.MISSING_FIELD,
            f"no column for {', '.join(columns.missing)} (see the arapi-csv README for the accepted headers)",
            line=line,
        )


def _sniff_text(head: bytes) -> str:
    """The head decoded like the whole file would be, cut at a line end so no character is split."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    cut = head.rfind(b"\n")
    return decode(head[: cut + 1] if cut > 0 else head)[0]


def sniff(head: bytes) -> bool:
    """True when the header line maps every required column. Never raises."""
    try:
        forced, _, header_line = first_lines(_sniff_text(head))
        candidates = [forced] if forced else candidate_separators(header_line)
        if not candidates:
            return False
        columns = _best_split(header_line, candidates)[1]
        return not columns.missing and not columns.duplicates
    except Exception:  # sniff must answer, never raise
        return False


class _RowReader:
    """Turns one row into an InvoiceDocument; knows the column map and the file's decimal mark."""

    def __init__(self, columns: ColumnMap, header_width: int, decimal_mark: str | None):
        self.columns = columns
        self.header_width = header_width
        self.decimal_mark = decimal_mark
        self.warnings: list[str] = []

    def _fail(self, row: Row, field: str, code: ParseErrorCode, problem: str) -> ParseError:
        label = self.columns.label.get(field, field)
        return ParseError(code, f"column {label!r}: {problem}", line=row.line)

    def cell(self, row: Row, field: str) -> str:
        position = self.columns.index.get(field)
        if position is None or position >= len(row.cells):
            return ""
        return row.cells[position].strip()

    def required(self, row: Row, field: str) -> str:
        value = self.cell(row, field)
        if not value:
            raise self._fail(row, field, ParseErrorCode.MISSING_FIELD, "empty")
        return value

    def amount(self, row: Row, field: str, currency_decimals: int, currency: str) -> Decimal | None:
        text = self.cell(row, field)
        if not text:
            return None
        try:
            value = parse_amount(
                text, decimal_mark=self.decimal_mark, currency_decimals=currency_decimals
            )
        except AmbiguousAmount as exc:
            raise self._fail(
                row, field, ParseErrorCode.INVALID_AMOUNT, f"{exc}; write it with two decimals"
            ) from None
        except AmountError as exc:
            raise self._fail(
                row, field, ParseErrorCode.INVALID_AMOUNT, f"{text!r} is not an amount ({exc})"
            ) from None
        if value != value.quantize(Decimal(1).scaleb(-currency_decimals)):
            raise self._fail(
                row,
                field,
                ParseErrorCode.INVALID_AMOUNT,
                f"{text!r} has more decimals than {currency} allows ({currency_decimals})",
            )
        return value

    def _value(
        self,
        row: Row,
        field: str,
        parse: Callable[[str], T],
        code: ParseErrorCode,
        *,
        required: bool = False,
    ) -> T | None:
        text = self.required(row, field) if required else self.cell(row, field)
        if not text:
            return None
        try:
            return parse(text)
        except values.ValueProblem as exc:
            raise self._fail(row, field, code, str(exc)) from None

    def _required_value(
        self, row: Row, field: str, parse: Callable[[str], T], code: ParseErrorCode
    ) -> T:
        value = self._value(row, field, parse, code, required=True)
        assert value is not None  # required() raised on an empty cell
        return value

    def read(self, row: Row) -> InvoiceDocument:
        extra = row.cells[self.header_width :]
        if any(cell.strip() for cell in extra):
            raise ParseError(
                ParseErrorCode.MALFORMED,
                f"{len(row.cells)} fields but the header has {self.header_width} (a separator inside an unquoted value?)",
                line=row.line,
            )
        if _CONTROL.search("".join(row.cells)):  # rare: find the column only then
            for field in self.columns.index:
                if _CONTROL.search(self.cell(row, field)):
                    raise self._fail(
                        row, field, ParseErrorCode.MALFORMED, "contains a control character"
                    )
        number = self.required(row, "number")
        customer_name = self.required(row, "customer_name")
        issue_date = self._required_value(
            row, "issue_date", values.parse_date, ParseErrorCode.INVALID_DATE
        )
        due_date = self._required_value(
            row, "due_date", values.parse_date, ParseErrorCode.INVALID_DATE
        )
        currency, decimals = self._required_value(
            row, "currency", values.parse_currency, ParseErrorCode.INVALID_CURRENCY
        )
        kind = self._value(row, "kind", values.parse_kind, ParseErrorCode.MALFORMED)
        self.required(row, "total_with_tax")
        amounts = {f: self.amount(row, f, decimals, currency) for f in AMOUNT_FIELDS}
        kind, amounts = self._sign(row, kind, amounts)
        total = amounts["total_with_tax"]
        assert total is not None  # required above
        due = amounts["amount_due"] if amounts["amount_due"] is not None else total
        if due < 0 or due > total:
            raise self._fail(
                row,
                "amount_due",
                ParseErrorCode.INVALID_AMOUNT,
                f"{due} is not between 0 and the total {total}",
            )
        self._check_totals(row, amounts)
        return InvoiceDocument(
            number=number,
            kind=kind,
            issue_date=issue_date,
            due_date=due_date,
            currency=currency,
            total_without_tax=amounts["total_without_tax"],
            tax_total=amounts["tax_total"],
            total_with_tax=total,
            amount_due=due,
            seller=Party(name=None),
            buyer=self._buyer(row, customer_name),
            payment_reference=self.cell(row, "payment_reference") or None,
            type_code="381" if kind == "credit_note" else "380",
            external_ref=self.cell(row, "external_ref") or None,
        )

    def _sign(
        self, row: Row, kind: str | None, amounts: dict[str, Decimal | None]
    ) -> tuple[str, dict[str, Decimal | None]]:
        """Credit notes carry positive totals; a negative total with no kind is a credit note."""
        total = amounts["total_with_tax"]
        assert total is not None
        if total >= 0:
            return kind or "invoice", amounts
        if kind == "invoice":
            raise self._fail(
                row,
                "total_with_tax",
                ParseErrorCode.INVALID_AMOUNT,
                f"negative total {total} on an invoice (give kind credit_note, or leave kind empty)",
            )
        return "credit_note", {f: (-v if v is not None else None) for f, v in amounts.items()}

    def _check_totals(self, row: Row, amounts: dict[str, Decimal | None]) -> None:
        net, tax, total = (
            amounts["total_without_tax"],
            amounts["tax_total"],
            amounts["total_with_tax"],
        )
        if net is not None and tax is not None and total is not None and net + tax != total:
            self.warnings.append(
                f"line {row.line}: total without tax {net} + tax {tax} = {net + tax}, not the total {total}"
            )

    def _buyer(self, row: Row, name: str) -> Party:
        siren = self._value(row, "customer_siren", values.parse_siren, ParseErrorCode.MALFORMED)
        siret = self._value(row, "customer_siret", values.parse_siret, ParseErrorCode.MALFORMED)
        if siren is None and siret is not None:
            siren = siret[:9]
        elif siren is not None and siret is not None and siret[:9] != siren:
            raise self._fail(
                row,
                "customer_siret",
                ParseErrorCode.MALFORMED,
                f"SIRET {siret} is not an establishment of SIREN {siren}",
            )
        ref = self.cell(row, "customer_ref")
        return Party(
            name=name,
            siren=siren,
            siret=siret,
            vat_id=self._value(row, "customer_vat", values.parse_vat_id, ParseErrorCode.MALFORMED),
            other_ids=(("customer_ref", ref),) if ref else (),
            country=self._value(
                row, "customer_country", values.parse_country, ParseErrorCode.MALFORMED
            ),
        )


# Spreadsheets write ";" where the comma is the decimal mark, and "," where it cannot be.
_DECIMAL_MARK_OF_SEPARATOR = {";": ",", ",": "."}


def _file_decimal_mark(table: Table, columns: ColumnMap) -> str | None:
    """The decimal mark the amounts prove, else the one the separator implies; None if they disagree."""
    seen: set[str] = set()
    positions = [columns.index[f] for f in AMOUNT_FIELDS if f in columns.index]
    for row in table.rows:
        for position in positions:
            if position < len(row.cells) and (mark := decimal_mark_evidence(row.cells[position])):
                seen.add(mark)
    if not seen:
        return _DECIMAL_MARK_OF_SEPARATOR.get(table.separator)
    return seen.pop() if len(seen) == 1 else None


def parse(data: bytes) -> InvoiceFile:
    text, _ = decode(data)
    table = read_table(
        text, lambda header_line, candidates: _best_split(header_line, candidates)[0]
    )
    columns = map_header(table.header)
    _check_header(columns, table.header_line)
    if not table.rows:
        raise ParseError(ParseErrorCode.NO_CONTENT, "the file has a header but no invoice rows")
    reader = _RowReader(columns, len(table.header), _file_decimal_mark(table, columns))
    invoices: list[InvoiceDocument] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in table.rows:
        invoice = reader.read(row)
        key = (invoice.kind, invoice.number)
        if key in first_line:
            raise ParseError(
                ParseErrorCode.MALFORMED,
                f"{invoice.kind.replace('_', ' ')} {invoice.number!r} is already on line {first_line[key]}",
                line=row.line,
            )
        first_line[key] = row.line
        invoices.append(invoice)
    warnings = list(reader.warnings)
    if columns.ignored:
        warnings.insert(
            0, f"columns ignored (not in the arapi-csv mapping): {', '.join(columns.ignored)}"
        )
    return InvoiceFile(format=FORMAT, invoices=tuple(invoices), warnings=tuple(warnings))
