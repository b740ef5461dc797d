"""The :86: "information to account owner" field, in its three common shapes.

* German GVC (DFÜ-Abkommen, Anlage 3): ``166?00GUTSCHRIFT?10931?20EREF+..?30BIC?31IBAN?32NAME``.
  A three-digit business transaction code, then subfields introduced by a
  separator (usually "?", Triodos uses ">") and two digits. ?20-?29 and ?60-?63
  hold the purpose, itself split by SEPA keywords (EREF+, MREF+, SVWZ+ ...).
* Dutch structured (ING, Rabobank, ABN AMRO): ``/EREF/..//CNTP/iban/bic/name/city//REMI/USTD//text/``.
* Free text otherwise.

Lines are wrapped at 65 characters without regard for words, so the structured
shapes are joined without separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from arapi import rf
from arapi.plugin.types import UNSPECIFIED_RETURN_REASON

# "?" per the DK spec; Triodos uses ">". Other punctuation would misread "123.45 EUR".
_GVC_HEAD = re.compile(r"^(?P<code>\d{3})(?P<sep>[?>])\d{2}")
_SEPA_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
# Longest value of each DK keyword (SEPA field lengths).
_KEYWORD_LENGTH = {
    "EREF": 35, "KREF": 35, "MREF": 35, "CRED": 35, "DEBT": 35, "SVWZ": 140,
    "ABWA": 70, "ABWE": 70, "IBAN": 34, "BIC": 11, "COAM": 26, "OAMT": 26,
}  # fmt: skip
_SEPA_CODE = re.compile(r"^[A-Z]{2}\d{2}$|^[A-Z]{4}$")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_DUTCH_TAGS = (
    "EREF|PREF|KREF|MARF|CSID|CNTP|REMI|RTRN|PURP|ORDP|BENM|NAME|ADDR|IBAN|BIC|ISDT|TRCD|SUM|"
    "ULTC|ULTD|ULTB|EXCH|OCMT|CHGS|IREF|ACCW|BUSP|TRTP|CREF"
)
_DUTCH_TAG = re.compile(rf"/({_DUTCH_TAGS})/")
_DUTCH_HEAD = re.compile(rf"^/({_DUTCH_TAGS})/")
_SPACES = re.compile(r"\s+")
_FULL_LINE = 65  # SWIFT line width: a full line was wrapped mid-word
_MAX_LINES = 6  # SWIFT 6*65x
_MAX_CHARS = _MAX_LINES * _FULL_LINE

# DK "Textschlüsselergänzung" (?34) for SEPA returns: a 9xx number per ISO reason.
# Only the pairs that several bank guides agree on (and that the corpus text
# confirms for 901 "IBAN ungültig" and 903 "Konto gesperrt"); others stay unmapped.
_DK_RETURN_CODES = {
    "901": "AC01",
    "902": "AC04",
    "903": "AC06",
    "904": "AG01",
    "906": "AM04",
    "908": "BE04",
    "909": "MD01",
    "910": "MD02",
    "912": "MD06",
    "913": "MD07",
    "915": "RC01",
}
# GVCs of R-transactions (DK Anlage 3), returns even without a ?34 code: debits of
# SEPA direct debits charged back (108 B2B, 109 Core) or reversed (193); credits of
# direct debits credited back to the debtor (181, 184) and of credit transfers
# returned (159, 160 instant).
_DK_DEBIT_RETURN_GVCS = frozenset({"108", "109", "193"})
_DK_CREDIT_RETURN_GVCS = frozenset({"159", "160", "181", "184"})
_NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class Details:
    remittance: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    end_to_end_id: str | None = None
    creditor_reference: str | None = None
    return_reason: str | None = None
    transaction_code: str | None = None  # the GVC, when the field has one


def parse_details(fields: list[list[str]], line_no: int, warnings: list[str]) -> Details:
    """Read one transaction's :86: field(s); Rabobank repeats the tag for each line."""
    lines = [line for lines in fields for line in lines]
    if not lines:
        return Details()
    _check_size(fields, line_no, warnings)
    joined = "".join(lines).strip()
    head = _GVC_HEAD.match(joined)
    if head is not None:
        return _gvc(joined, head["code"], head["sep"], line_no, warnings)
    if _DUTCH_HEAD.match(joined):
        return _dutch(joined)
    return _free_text(lines)


def gvc_return_reason(code: str | None, credit: bool) -> str | None:
    """MS03 ("not specified") for a line whose GVC alone makes it a return in its direction."""
    returns = _DK_CREDIT_RETURN_GVCS if credit else _DK_DEBIT_RETURN_GVCS
    return UNSPECIFIED_RETURN_REASON if code in returns else None


def iban_shaped(value: str | None) -> bool:
    """Written as an IBAN (compact), whether or not its check digits are right."""
    return bool(value) and _IBAN_SHAPE.match(value) is not None


@lru_cache(maxsize=4096)
def is_iban(value: str | None) -> bool:
    """Shape and ISO 13616 check digits (through schwifty); cached, files repeat counterparties."""
    if not iban_shaped(value):
        return False
    try:
        IBAN(value)
    except SchwiftyException:
        return False
    return True


def _check_size(fields: list[list[str]], line_no: int, warnings: list[str]) -> None:
    for lines in fields:
        content = [line for line in lines if line.strip()]
        if len(content) > _MAX_LINES or sum(len(line.rstrip()) for line in content) > _MAX_CHARS:
            warnings.append(
                f"line {line_no}: :86: holds {len(content)} lines, more than SWIFT's 6 lines of 65 characters"
            )
            return


# ---------------------------------------------------------------- German GVC


def _gvc(text: str, code: str, sep: str, line_no: int, warnings: list[str]) -> Details:
    parts = re.split(re.escape(sep) + r"(\d{2})", text[3:])
    subfields: dict[str, list[str]] = {}
    for number, content in zip(parts[1::2], parts[2::2], strict=True):
        if sep in content:
            warnings.append(
                f"line {line_no}: :86: has a {sep!r} not followed by a two-digit subfield number"
            )
            content = content.replace(sep, "")
        subfields.setdefault(number, []).append(content)

    def joined(*numbers: str) -> str:
        return "".join(part for n in numbers for part in subfields.get(n, []))

    purpose_numbers = [f"{n:02d}" for n in [*range(20, 30), *range(60, 64)]]
    pieces = [(n, part) for n in purpose_numbers for part in subfields.get(n, [])]
    purpose, starts = "", set()
    for _, part in pieces:
        starts.add(len(purpose))
        purpose += part
    keywords, unlabelled = _sepa_keywords(purpose, starts)
    remittance = _tidy(keywords.get("SVWZ")) or _tidy(unlabelled) or _tidy(joined("00"))

    iban = next(
        (c for c in (_compact(joined("31")), _compact(keywords.get("IBAN"))) if is_iban(c)),
        None,
    )

    return Details(
        remittance=remittance,
        counterparty_name=_tidy(joined("32", "33")),
        counterparty_iban=iban,
        end_to_end_id=_reference(keywords.get("EREF")),
        creditor_reference=_creditor_reference(remittance, purpose),
        return_reason=_DK_RETURN_CODES.get(_tidy(joined("34")) or ""),
        transaction_code=code,
    )


def _sepa_keywords(purpose: str, starts: set[int]) -> tuple[dict[str, str], str]:
    """EREF+/SVWZ+/... values, and the purpose text outside any keyword.

    A keyword counts at a subfield start or after a blank. A value continues
    into the next subfields only while it fits its SEPA length (EREF 35, SVWZ
    140 ...): a subfield that would overflow it is unlabelled text, as in
    "?20EREF+TFNR 40005?21MTLG:Grund nicht spezifiziert".
    """
    found = [
        m
        for m in _SEPA_KEYWORD.finditer(purpose)
        if m.start() == 0 or m.start() in starts or purpose[m.start() - 1].isspace()
    ]
    values: dict[str, str] = {}
    free = [purpose[: found[0].start()] if found else purpose]
    for index, m in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(purpose)
        cuts = [m.end(), *sorted(s for s in starts if m.end() < s < end), end]
        pieces = [purpose[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
        value, limit = pieces[0], _KEYWORD_LENGTH.get(m.group(1), 140)
        for number, piece in enumerate(pieces[1:], start=1):
            if len(value + piece) > limit:
                free.extend(pieces[number:])
                break
            value += piece
        values.setdefault(m.group(1), value.strip())
    return values, "".join(free)


# ---------------------------------------------------------------- Dutch /TAG/value/


def _dutch(text: str) -> Details:
    tags = list(_DUTCH_TAG.finditer(text))
    values: dict[str, str] = {}
    for index, m in enumerate(tags):
        end = tags[index + 1].start() if index + 1 < len(tags) else len(text)
        value = text[m.end() : end]
        values.setdefault(m.group(1), value[:-1] if value.endswith("/") else value)

    name = iban = None
    if "CNTP" in values:  # account/BIC/name/city
        parts = values["CNTP"].split("/")
        iban = _compact(parts[0])
        name = parts[2] if len(parts) > 2 else None
    iban = iban if is_iban(iban) else _compact(values.get("IBAN"))
    name = _tidy(name) or _tidy(values.get("NAME"))

    remittance = _dutch_remittance(values.get("REMI"))
    reference = _creditor_reference(remittance, text)
    if reference is None and (values.get("REMI") or "").startswith("STRD/"):
        reference = remittance  # a structured reference (the Dutch betalingskenmerk), as sent
    return_reason = (_tidy((values.get("RTRN") or "").split("/")[0]) or "").upper()
    if not _SEPA_CODE.match(return_reason):  # /RTRN/ marks a return, whatever follows it
        return_reason = UNSPECIFIED_RETURN_REASON if "RTRN" in values else None
    return Details(
        remittance=remittance,
        counterparty_name=name,
        counterparty_iban=iban if is_iban(iban) else None,
        end_to_end_id=_reference(values.get("EREF")),
        creditor_reference=reference,
        return_reason=return_reason,
    )


def _dutch_remittance(value: str | None) -> str | None:
    """REMI is "USTD//free text", "STRD/CUR/reference" (issuer, then reference) or plain text."""
    if not value:
        return None
    if value.startswith("USTD/"):
        value = value[len("USTD/") :].lstrip("/")
    elif value.startswith("STRD/"):
        parts = value[len("STRD/") :].split("/", 1)
        value = parts[1] if len(parts) == 2 else parts[0]
    return _tidy(value.strip("/"))


# ---------------------------------------------------------------- free text


def _free_text(lines: list[str]) -> Details:
    remittance = _tidy(_join_wrapped(lines))
    first = _tidy(lines[0]) or ""
    token, _, rest = first.partition(" ")
    # SNS/ASN start the text with the counterparty's IBAN and name. The name is
    # kept even when the IBAN's check digits fail (anonymised or mistyped).
    account = _compact(token)
    return Details(
        remittance=remittance,
        counterparty_iban=account if is_iban(account) else None,
        counterparty_name=_tidy(rest) if iban_shaped(account) else None,
        creditor_reference=_creditor_reference(remittance),
    )


def _join_wrapped(lines: list[str]) -> str:
    """A full 65-character line was cut mid-word; a shorter one ended a phrase."""
    text = ""
    previous: str | None = None
    for line in lines:
        if previous is not None and not (
            len(previous) >= _FULL_LINE and not previous.endswith(" ")
        ):
            text += " "
        text += line
        previous = line
    return text


# ---------------------------------------------------------------- helpers


def _tidy(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", text).strip()
    return cleaned or None


def _compact(text: str | None) -> str | None:
    if not text:
        return None
    return text.replace(" ", "").upper() or None


def _reference(value: str | None) -> str | None:
    cleaned = _tidy(value)
    if cleaned is None or cleaned.upper() == _NOT_PROVIDED:
        return None
    return cleaned


def _creditor_reference(*texts: str | None) -> str | None:
    for text in texts:
        found = rf.find_in_text(text)
        if found:
            return found[0]
    return None
