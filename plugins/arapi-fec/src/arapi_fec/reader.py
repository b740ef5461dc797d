"""Line reader for the FEC (Fichier des Écritures Comptables, LPF art. A47 A-1).

One header line naming the columns, then one line per accounting line,
separated by ``|`` or tab. Amounts use a decimal comma; dates are
``YYYYMMDD``. Real exports add quirks this reader accepts: space padding
inside fields, zero-padded amounts, a trailing separator, column names in
another case (``MontantDevise``), a UTF-8 BOM, and 8-bit text that is not
UTF-8. Columns are found by name, so extra columns (the 22-column BA/BNC
layout) are ignored. Debit/Credit may be replaced by Montant + Sens, as the
text allows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arapi.errors import ArapiError
from arapi.money import normalize_currency
from arapi.plugin.types import ParseError, ParseErrorCode

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
# Montant + Sens may stand for Debit + Credit (A47 A-1); Sens is D/C or +1/-1.
SEPARATOR_NAMES = {"|": "pipe", "\t": "tab"}

MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 4  # keeps every sum exact in Decimal's 28 digits
# ASCII digits only: \d also takes other scripts' digits, which Decimal and int() read.
_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:[,.]([0-9]*))?")
_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")


@dataclass(frozen=True, slots=True)
class FecLine:
    """One accounting line. Text fields are stripped of their padding."""

    line: int  # physical line number in the file (the header is line 1)
    journal_code: str
    journal_lib: str
    ecriture_num: str
    ecriture_date: date
    compte_num: str
    compte_lib: str
    comp_aux_num: str
    comp_aux_lib: str
    piece_ref: str
    piece_date: date | None
    ecriture_lib: str
    debit: Decimal
    credit: Decimal
    ecriture_let: str
    date_let: str
    valid_date: str
    montant_devise: Decimal | None
    idevise: str  # upper-case ISO 4217 code, or "" when absent

    @property
    def entry(self) -> tuple[str, str]:
        """The accounting entry (écriture) this line belongs to."""
        return (self.journal_code, self.ecriture_num)

    @property
    def signed(self) -> Decimal:
        """Debit minus credit."""
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class FecLedger:
    columns: tuple[str, ...]  # header names as written, trailing empty cells dropped
    separator: str  # "|" or "\t"
    encoding: str
    lines: tuple[FecLine, ...]

    @property
    def debit_total(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def credit_total(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))

    @property
    def entry_count(self) -> int:
        return len({line.entry for line in self.lines})

    @property
    def lines_per_journal(self) -> dict[str, int]:
        return dict(Counter(line.journal_code for line in self.lines))


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM optional) first; else the 8-bit code page the bytes point to.

    The DGFiP's own text names ISO 8859-15; Windows exports write cp1252,
    whose letters in 0x80-0x9F would be control codes in ISO 8859-15.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ParseError(
                ParseErrorCode.ENCODING,
                f"the file has a UTF-8 byte-order mark but is not UTF-8: {exc.reason}",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _CP1252_ONLY.search(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise ParseError(
                ParseErrorCode.ENCODING,
                "the file is neither UTF-8, ISO 8859-15 nor Windows-1252 text",
            ) from None
    return data.decode("iso-8859-15"), "iso-8859-15"


def split_header(first_line: str) -> tuple[str, tuple[str, ...]] | None:
    """(separator, column names) when ``first_line`` is a FEC header, else None."""
    best = max(SEPARATOR_NAMES, key=first_line.count)
    if first_line.count(best) < 10:
        return None
    names = [cell.strip() for cell in first_line.split(best)]
    while names and not names[-1]:
        names.pop()  # trailing separator
    folded = {name.casefold() for name in names}
    needed = [c for c in COLUMNS if c not in ("Debit", "Credit")]
    if any(c.casefold() not in folded for c in needed):
        return None
    amounts_by_side = {"debit", "credit"} <= folded
    amounts_signed = {"montant", "sens"} <= folded
    if not (amounts_by_side or amounts_signed):
        return None
    return best, tuple(names)


def parse_amount(text: str) -> Decimal:
    """FEC amount: decimal comma (a point is tolerated), optional sign, zero padding."""
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an amount")
    sign, integer, fraction = match.groups()
    fraction = fraction or ""
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction.rstrip("0")) > MAX_DECIMALS:
        raise ValueError(f"{text!r} is out of range")
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    return -value if sign == "-" and value else value


def parse_date(text: str) -> date:
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a date (YYYYMMDD)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


class _LineReader:
    def __init__(self, names: tuple[str, ...]):
        self.width = len(names)
        self.position = {name.casefold(): index for index, name in enumerate(names)}
        self.label = {name.casefold(): name for name in names}
        # Debit + Credit when both are there, else Montant + Sens (the header check saw one pair)
        self.signed = not {"debit", "credit"} <= self.position.keys()

    def fail(self, line: int, column: str, code: ParseErrorCode, problem: str) -> ParseError:
        return ParseError(
            code, f"column {self.label.get(column.casefold(), column)}: {problem}", line=line
        )

    def text(self, cells: list[str], line: int, column: str, *, required: bool = False) -> str:
        value = cells[self.position[column.casefold()]].strip()
        if required and not value:
            raise self.fail(line, column, ParseErrorCode.MISSING_FIELD, "empty")
        return value

    def check_controls(self, cells: list[str], line: int) -> None:
        """NUL and other C0 controls are never text (PostgreSQL refuses NUL outright)."""
        if _CONTROL.search("".join(cells)):
            for name, index in self.position.items():
                if _CONTROL.search(cells[index]):
                    raise self.fail(
                        line, name, ParseErrorCode.MALFORMED, "contains a control character"
                    )

    def amount(self, cells: list[str], line: int, column: str) -> Decimal:
        value = self.text(cells, line, column)
        if not value:
            return Decimal(0)
        try:
            return parse_amount(value)
        except ValueError as exc:
            raise self.fail(line, column, ParseErrorCode.INVALID_AMOUNT, str(exc)) from None

    def date(
        self, cells: list[str], line: int, column: str, *, required: bool = False
    ) -> date | None:
        value = self.text(cells, line, column, required=required)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            raise self.fail(line, column, ParseErrorCode.INVALID_DATE, str(exc)) from None

    def required_date(self, cells: list[str], line: int, column: str) -> date:
        value = self.date(cells, line, column, required=True)
        assert value is not None  # text() raised on an empty field
        return value

    def sides(self, cells: list[str], line: int) -> tuple[Decimal, Decimal]:
        if not self.signed:
            return self.amount(cells, line, "Debit"), self.amount(cells, line, "Credit")
        amount = self.amount(cells, line, "Montant")
        sens = self.text(cells, line, "Sens", required=True).upper()
        if sens in ("D", "+1", "1"):
            return amount, Decimal(0)
        if sens in ("C", "-1"):
            return Decimal(0), amount
        raise self.fail(line, "Sens", ParseErrorCode.MALFORMED, f"{sens!r} is not D, C, +1 or -1")

    def currency(self, cells: list[str], line: int) -> str:
        value = self.text(cells, line, "Idevise")
        if not value:
            return ""
        try:
            return normalize_currency(value)
        except ArapiError:
            raise self.fail(
                line,
                "Idevise",
                ParseErrorCode.INVALID_CURRENCY,
                f"{value!r} is not an ISO 4217 code",
            ) from None

    def read(self, cells: list[str], line: int) -> FecLine:
        if len(cells) < self.width or any(c.strip() for c in cells[self.width :]):
            raise ParseError(
                ParseErrorCode.MALFORMED,
                f"{len(cells)} fields where the header has {self.width}",
                line=line,
            )
        self.check_controls(cells, line)
        debit, credit = self.sides(cells, line)
        montant_devise = self.text(cells, line, "Montantdevise")
        return FecLine(
            line=line,
            journal_code=self.text(cells, line, "JournalCode", required=True),
            journal_lib=self.text(cells, line, "JournalLib"),
            ecriture_num=self.text(cells, line, "EcritureNum", required=True),
            ecriture_date=self.required_date(cells, line, "EcritureDate"),
            compte_num=self.text(cells, line, "CompteNum", required=True),
            compte_lib=self.text(cells, line, "CompteLib"),
            comp_aux_num=self.text(cells, line, "CompAuxNum"),
            comp_aux_lib=self.text(cells, line, "CompAuxLib"),
            piece_ref=self.text(cells, line, "PieceRef"),
            piece_date=self.date(cells, line, "PieceDate"),
            ecriture_lib=self.text(cells, line, "EcritureLib"),
            debit=debit,
            credit=credit,
            ecriture_let=self.text(cells, line, "EcritureLet"),
            date_let=self.text(cells, line, "DateLet"),
            valid_date=self.text(cells, line, "ValidDate"),
            montant_devise=self.amount(cells, line, "Montantdevise") if montant_devise else None,
            idevise=self.currency(cells, line),
        )


def read_fec(data: bytes) -> FecLedger:
    """Every line of a FEC file; raises ParseError naming the line and column of a bad field."""
    text, encoding = decode(data)
    lines = text.split("\n") if "\n" in text else text.split("\r")
    header = split_header(lines[0].rstrip("\r")) if lines else None
    if header is None:
        raise ParseError(
            ParseErrorCode.UNKNOWN_FORMAT,
            "the first line is not a FEC header (JournalCode|JournalLib|EcritureNum|...)",
            line=1,
        )
    separator, names = header
    reader = _LineReader(names)
    out = [
        reader.read(raw.rstrip("\r").split(separator), number)
        for number, raw in enumerate(lines[1:], start=2)
        if raw.strip()
    ]
    return FecLedger(names, separator, encoding, tuple(out))
