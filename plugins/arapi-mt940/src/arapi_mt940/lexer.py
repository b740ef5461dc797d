"""Bytes to a flat list of MT940 fields (``:tag:`` plus its continuation lines).

Real files are rarely clean: SWIFT FIN envelopes (``{1:..}{2:..}{4:`` ... ``-}``),
SOH/ETX bytes around messages, bank headers before ``:20:`` (ABN AMRO, ING),
CRLF or LF, and fields wrapped at 65 characters. This module only cuts the text
into fields; it never interprets a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# SWIFT tags are two digits and an optional letter; "NS" is the German
# "non-SWIFT" extension. A line that looks like a tag but names none of these
# is text (":26:" in a wrapped time stamp "T16:26:37", ":12:" in "13:12:11").
KNOWN_TAGS = frozenset(
    {
        "13", "13D", "20", "21", "25", "25P", "28", "28C", "34F",
        "60F", "60M", "61", "62F", "62M", "64", "65", "86", "90C", "90D", "NS",
    }
)  # fmt: skip

_LINES = re.compile(r"\r\n|\r|\n")
_TAG = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):(?P<value>.*)$")
# A tag broken after its first colon (":\n86:..."), seen in Sparkasse exports.
_SPLIT_TAG = re.compile(r"^(?P<tag>\d{2}[A-Z]?|NS):(?P<value>.*)$")
# Control bytes (SOH/ETX around FIN messages, NULs) carry nothing; tabs become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lines that announce the message type before ":20:" (Rabobank ":940:").
_TYPE_HEADERS = frozenset({":940:", "940", ":942:", "942"})


@dataclass
class Field:
    tag: str
    lines: list[str]
    line_no: int

    @property
    def value(self) -> str:
        """The value with its lines joined and outer blanks removed (for short fields)."""
        return "".join(line.strip() for line in self.lines).strip()


@dataclass
class End:
    """A message terminator ("-" or "-}"): the open statement is complete."""

    line_no: int


@dataclass
class Lexed:
    items: list[Field | End] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # text outside any field
    message_types: set[str] = field(default_factory=set)  # from FIN block 2 ("940", "942")


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 when valid, else Windows-1252, else Latin-1 (never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\t", " "))


def lex(text: str) -> Lexed:
    out = Lexed()
    lines = _LINES.split(clean(text))
    current: Field | None = None
    i = 0
    while i < len(lines):
        raw = lines[i]
        line_no = i + 1
        stripped = raw.strip()
        i += 1

        if stripped.startswith("-}"):
            # End of FIN block 4; PostFinance starts the next envelope on the same line.
            if current is not None:
                out.items.append(End(line_no))
            current = None
            raw = stripped[2:]
            stripped = raw.strip()
            if not raw.startswith("{"):
                continue

        if raw.startswith("{"):
            rest, types = _strip_envelope(raw)
            out.message_types |= types
            if current is not None or types:
                out.items.append(End(line_no))
                current = None
            if not rest:
                continue
            raw, stripped = rest, rest.strip()

        if stripped == "}":
            if current is not None:
                out.items.append(End(line_no))
            current = None
            continue

        match = _TAG.match(raw)
        if match is None and stripped == ":" and i < len(lines):
            split = _SPLIT_TAG.match(lines[i])
            if split is not None and split["tag"] in KNOWN_TAGS:
                match = split
                i += 1
        if match is not None and match["tag"] in KNOWN_TAGS:
            current = Field(match["tag"], [match["value"]], line_no)
            out.items.append(current)
            continue

        if stripped == "-":
            # A lone "-" ends a message, except inside a wrapped :86: where the
            # text itself holds a dash (ING wraps "MND-EV01" as "MND", "-", "EV01").
            following = lines[i] if i < len(lines) else ""
            if current is not None and current.tag == "86" and _plain_text(following):
                current.lines.append(raw)
            else:
                out.items.append(End(line_no))
                current = None
            continue

        if current is not None:
            current.lines.append(raw)
        elif stripped and stripped not in _TYPE_HEADERS:
            out.ignored.append((line_no, stripped))
    return out


def _plain_text(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("{", "-", ":"))


def _strip_envelope(line: str) -> tuple[str, set[str]]:
    """Remove FIN blocks from a line; return what follows "{4:" and the message types seen."""
    types: set[str] = set()
    rest = line
    while rest.startswith("{"):
        if rest.startswith("{4:"):
            return rest[3:], types
        end = _closing_brace(rest)
        if end is None:
            return "", types
        block = rest[1:end]
        if block.startswith("2:") and len(block) >= 6:
            types.add(block[3:6])  # "I940..." or "O940..."
        rest = rest[end + 1 :]
    return rest, types


def _closing_brace(text: str) -> int | None:
    depth = 0
    for pos, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return pos
    return None
