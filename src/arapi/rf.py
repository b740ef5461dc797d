"""ISO 11649 structured creditor references ("RF" references).

A reference is ``RF`` + two check digits + 1..21 alphanumerics (25 characters at
most). It validates when the first four characters moved to the end, with letters
read as A=10 .. Z=35, leave 1 modulo 97. arapi prints one on every invoice, so a
payment that carries it matches that invoice exactly.

Checksums come from python-stdnum (``stdnum.iso11649`` and ``iso7064.mod_97_10``).
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from arapi.errors import ArapiError, CommonErrorCode
from arapi.inputs import ascii_digits

MAX_LENGTH = 25
MAX_BASE_LENGTH = 21

_BASE_CHARS = re.compile(rf"[0-9A-Z]{{1,{MAX_BASE_LENGTH}}}")
_COMPACT = re.compile(r"[0-9A-Z]*")
# Where a reference may start: "RF" + 2 check digits, not inside a longer word.
_START = re.compile(r"(?<![0-9A-Z])RF[\s\-]?[0-9]{2}")
# What may follow, in printed groups ("RF18 5390 0754 7034").
_GROUPS = re.compile(r"[0-9A-Z]+")
_GAP = re.compile(r"[\s\-]?")


def normalize(text: str) -> str:
    """Upper-case and strip the separators people print (spaces, dashes, dots, slashes)."""
    if _COMPACT.fullmatch(text or ""):  # most references arrive compact: skip stdnum's cleaning
        return text
    return iso11649.compact(text or "")


def is_valid(ref: str | None) -> bool:
    """True when ``ref`` is a well-formed RF reference with correct check digits."""
    if not ref or not isinstance(ref, str):
        return False
    compact = normalize(ref)
    check = compact[2:4]
    if not compact.startswith("RF") or not ascii_digits(check):
        return False
    if not _BASE_CHARS.fullmatch(compact[4:]):
        return False
    # ISO 7064 check digits run from 02 to 98; 00, 01 and 99 pass the modulus
    # but are never generated.
    if not 2 <= int(check) <= 98:
        return False
    # iso11649.is_valid would compact again: its check is this one, on the rotated text.
    return mod_97_10.is_valid(compact[4:] + compact[:4])


def is_base(text: str) -> bool:
    """True when ``text`` can be the part of a reference after its check digits (1..21 of A-Z, 0-9)."""
    return _BASE_CHARS.fullmatch(text) is not None


def generate(base: str) -> str:
    """The RF reference for ``base`` ("2348231" -> "RF712348231").

    ``base`` may carry separators ("INV-2025-001"); they are dropped. It must
    leave 1..21 letters or digits, else INVALID_INPUT is raised.
    """
    compact = normalize(base) if isinstance(base, str) else ""
    if not _BASE_CHARS.fullmatch(compact):
        raise ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"an RF reference needs 1 to 21 letters or digits, got {base!r}",
        )
    check = mod_97_10.calc_check_digits(compact + "RF")
    return f"RF{check}{compact}"


def base_of(ref: str) -> str:
    """The part after the check digits ("RF712348231" -> "2348231")."""
    return normalize(ref)[4:]


def format_printed(ref: str) -> str:
    """Groups of four for printing on an invoice ("RF18 5390 0754 7034")."""
    return iso11649.format(normalize(ref))


def find_in_text(text: str | None) -> list[str]:
    """Valid RF references found in free text, compact, in order of appearance.

    Tolerates spaces and dashes inside the reference. Since a reference printed
    in groups can run into the next word ("RF18 5390 0754 7034 FACT 12"), the
    longest run of groups (25 characters at most) that validates is kept.
    """
    if not text:
        return []
    upper = text.upper()
    found: list[str] = []
    position = 0
    while True:
        start = _START.search(upper, position)
        if start is None:
            return found
        ref, end = _longest_valid_run(upper, start.start())
        if ref is None:
            position = start.start() + 2
            continue
        if ref not in found:
            found.append(ref)
        position = end


def _longest_valid_run(text: str, start: int) -> tuple[str | None, int]:
    """The reference made of whole groups from ``start``, and where it ends.

    Several runs of groups may validate (one in 97 does by chance), so a run
    printed the standard way (groups of four, the last one shorter, or no
    spaces at all) is preferred, the longest first.
    """
    runs: list[tuple[str, int, list[int]]] = []
    joined = ""
    sizes: list[int] = []
    position = start
    while len(joined) <= MAX_LENGTH:
        group = _GROUPS.match(text, position)
        if group is None:
            break
        joined += group.group(0)
        sizes.append(len(group.group(0)))
        position = group.end()
        runs.append((joined, position, list(sizes)))
        gap = _GAP.match(text, position)
        position = gap.end() if gap else position
    valid = [
        (candidate, end, sizes)
        for candidate, end, sizes in reversed(runs)
        if len(candidate) <= MAX_LENGTH and is_valid(candidate)
    ]
    for candidate, end, sizes in valid:
        if _printed_in_groups(sizes):
            return candidate, end
    if valid:
        return valid[0][0], valid[0][1]
    return None, start


def _printed_in_groups(sizes: list[int]) -> bool:
    # "RF18" "5390" "0754" "7034" (sizes 4, 4, 4, 4) or "RF" "18" "5390"... once
    # the check digits are glued back; a single glued group counts too.
    if sizes[:2] == [2, 2]:
        sizes = [4] + sizes[2:]
    if len(sizes) == 1:
        return True
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4
