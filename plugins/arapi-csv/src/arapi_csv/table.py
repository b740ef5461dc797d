"""Bytes to a header and rows: encoding, separator and CSV quoting.

Excel and ERP exports differ in three ways that matter here: the encoding
(UTF-8 with or without BOM, cp1252 from French Windows, UTF-16 from Excel's
"Unicode text"), the separator (``;`` where the decimal mark is a comma, else
``,``, ``|`` or tab) and an optional ``sep=;`` first line written for Excel.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from dataclasses import dataclass

from arapi.plugin.types import ParseError, ParseErrorCode

SEPARATORS = (";", ",", "\t", "|")


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based physical line where the record starts
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    separator: str
    header_line: int
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding name; a BOM is trusted, else UTF-8, else cp1252."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise ParseError(
                    ParseErrorCode.ENCODING,
                    f"the file starts with a {name} byte-order mark but is not {name}: {exc.reason}",
                ) from None
    for name in ("utf-8", "cp1252"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise ParseError(
        ParseErrorCode.ENCODING, "the file is neither UTF-8 nor Windows-1252 (cp1252) text"
    )


def split_lines(text: str) -> list[str]:
    """Physical lines; a file with only CR line ends (classic Mac) is split on CR."""
    return text.split("\n") if "\n" in text else text.split("\r")


def first_lines(text: str) -> tuple[str | None, int, str]:
    """(separator forced by a ``sep=`` line, line number of the header, header line text)."""
    lines = split_lines(text)
    forced: str | None = None
    for index, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if (
            forced is None
            and line.lower().startswith("sep=")
            and len(line) == 5
            and line[4] in SEPARATORS
        ):
            forced = line[4]
            continue
        return forced, index + 1, line
    return forced, 0, ""


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def candidate_separators(header_line: str) -> list[str]:
    """Separators present in the header line, most frequent first."""
    counts = {sep: _count_outside_quotes(header_line, sep) for sep in SEPARATORS}
    return [sep for sep in sorted(SEPARATORS, key=lambda s: -counts[s]) if counts[sep] > 0]


def split_header(header_line: str, separator: str) -> tuple[str, ...]:
    try:
        cells = next(csv.reader([header_line], delimiter=separator, quotechar='"'), [])
    except csv.Error:
        return ()
    return tuple(cell.strip() for cell in cells)


def read_table(text: str, choose_separator: Callable[[str, list[str]], str]) -> Table:
    """Split ``text`` into a header and rows.

    ``choose_separator(header_line, candidates)`` picks among the separators
    found in the header line (the caller knows which split maps its columns).
    """
    forced, header_line_no, header_line = first_lines(text)
    if not header_line:
        raise ParseError(ParseErrorCode.NO_CONTENT, "the file is empty")
    candidates = [forced] if forced else candidate_separators(header_line)
    if not candidates:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            "no column separator (, ; | or tab) in the header line",
            line=header_line_no,
        )
    separator = choose_separator(header_line, candidates)
    lines = split_lines(text)[header_line_no - 1 :]
    # csv wants the line ends back; it handles quoted fields spanning lines itself.
    reader = csv.reader(
        (line + "\n" for line in lines), delimiter=separator, quotechar='"', strict=True
    )
    rows: list[Row] = []
    header: tuple[str, ...] = ()
    consumed = 0
    try:
        for cells in reader:
            start = header_line_no + consumed
            consumed = reader.line_num
            if not header:
                header = tuple(cell.strip() for cell in cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank line, or a row of empty cells Excel leaves behind
            rows.append(Row(start, tuple(cells)))
    except csv.Error as exc:
        raise ParseError(
            ParseErrorCode.MALFORMED,
            f"unreadable CSV: {exc}",
            line=header_line_no + reader.line_num - 1,
        ) from None
    return Table(separator, header_line_no, header, tuple(rows))
