"""Text normalisation for matching: invoice-number keys, remittance candidates, names.

Invoice numbers are compared through three keys, from strict to loose, so that
"FA-2025-000123" is still found as "FA2025000123", "2025-000123" or "2025 123":

* ``compact``: letters and digits only, upper case ("FA2025000123");
* ``digits``: the digits only ("2025000123"), for a missing or mangled prefix;
* ``loose``: each digit group without its leading zeros ("2025.123").

A remittance text is cut into words; every run of up to four neighbouring words
joined by light punctuation yields the same three keys, so a number is found
wherever it sits in the text. Dates, amounts and IBANs are blanked first: they
are long digit strings that would otherwise look like invoice numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from stdnum import iban as stdnum_iban

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_DIGIT_RUN = re.compile(r"[0-9]+")
_WORD = re.compile(r"[0-9A-Z]+")
# What may sit between two words of one reference: "FA-2025-000123", "INV/25/1234",
# "FA 2025 000123", "N° 123". Commas, semicolons and "+" end a reference.
_JOINER = re.compile(r"[\s\-/._:#°]{1,3}")

_DATE = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:19|20)?[0-9]{2}|(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2})(?![0-9])"
)
_AMOUNT = re.compile(
    r"(?<![0-9A-Z.,])[0-9]{1,3}(?:[ .'][0-9]{3})*,[0-9]{2}(?![0-9])"  # 1 234,50  1.234,50
    r"|(?<![0-9A-Z.,])[0-9]{1,7},[0-9]{2}(?![0-9])"  # 1234,50
    r"|(?<![0-9A-Z.,])[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]{2}(?![0-9])"  # 1,234.50
    r"|(?:EUR|USD|GBP|CHF|€|\$|£|MONTANT|AMOUNT|BETRAG|TOTAL)\s?:?\s?[0-9]{1,7}\.[0-9]{2}(?![0-9])"
    r"|(?<![0-9A-Z.,])[0-9]{1,7}\.[0-9]{2}\s?(?:EUR|USD|GBP|CHF|€|\$|£)"
)
_IBAN_LIKE = re.compile(
    r"(?<![0-9A-Z])[A-Z]{2}[0-9]{2}(?:\s?[0-9A-Z]{4}){2,7}(?:\s?[0-9A-Z]{1,4})?"
)

_RF_PREFIX = re.compile(r"RF[0-9]{2}")

MAX_WORDS_PER_REFERENCE = 4
# Longest letters-only word that may begin an invoice number ("FACT", "INV").
_MAX_PREFIX_LETTERS = 5


def fold(text: str | None) -> str:
    """Upper case without accents ("Société Générale" -> "SOCIETE GENERALE")."""
    if not text:
        return ""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def compact(text: str | None) -> str:
    """Letters and digits only, upper case."""
    return _NON_ALNUM.sub("", fold(text))


def digits_of(text: str) -> str:
    return "".join(_DIGIT_RUN.findall(text))


@dataclass(frozen=True, slots=True)
class NumberKeys:
    compact: str
    digits: str
    loose: str
    # Trailing digit group without leading zeros ("123" for FA-2025-000123):
    # how people abbreviate a number when listing several ("FA 123, 124, 130").
    tail: str


def number_keys(number: str) -> NumberKeys:
    folded = fold(number)
    runs = _DIGIT_RUN.findall(folded)
    tail = str(int(runs[-1])) if runs else ""
    return NumberKeys(compact(folded), "".join(runs), ".".join(str(int(r)) for r in runs), tail)


@dataclass(frozen=True, slots=True)
class TextKeys:
    """Everything in a remittance text that could be (part of) an invoice number."""

    compacts: frozenset[str]
    # digits key -> the compact runs of words it came from ("2025000123" ->
    # {"FA2025000123", "2025000123"}), so a match can be checked against how
    # the number was actually written.
    digits: dict[str, set[str]]
    loose: dict[str, set[str]]
    # Every digit group without leading zeros: weak evidence, only used inside
    # the open items of a customer already identified.
    numbers: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.compacts or self.digits or self.numbers)


EMPTY_KEYS = TextKeys(frozenset(), {}, {}, frozenset())


def blank_noise(folded: str) -> str:
    """Replace dates, amounts and valid IBANs by a comma (which also ends a reference)."""
    text = _DATE.sub(",", folded)
    text = _AMOUNT.sub(",", text)

    def _iban(match: re.Match[str]) -> str:
        return "," if stdnum_iban.is_valid(match.group(0)) else match.group(0)

    return _IBAN_LIKE.sub(_iban, text)


# Letters typed for the digits they look like, when they touch a digit ("2O25", "INV/2S/").
_LOOKALIKE = str.maketrans("OQDILSBZG", "000115826")
_LOOKALIKE_NEAR_DIGIT = re.compile(r"(?<=[0-9])[OQDILSBZG]|[OQDILSBZG](?=[0-9])")


def lookalike_fixed(text: str | None) -> str | None:
    """The text with digit look-alikes next to digits read as digits, or None if unchanged."""
    folded = fold(text)
    fixed = folded
    for _ in range(4):  # "OOO123": each pass turns the letters touching a digit
        again = _LOOKALIKE_NEAR_DIGIT.sub(lambda m: m.group(0).translate(_LOOKALIKE), fixed)
        if again == fixed:
            break
        fixed = again
    return fixed if fixed != folded else None


def text_keys(*texts: str | None) -> TextKeys:
    """Candidate keys of every reference-like run of words in the texts.

    A run starts on any word but a long plain word ("PAIEMENT"), grows over
    light punctuation up to four words, and stops before a long plain word:
    invoice numbers carry short prefixes, never words.
    """
    compacts: set[str] = set()
    digits: dict[str, set[str]] = {}
    loose: dict[str, set[str]] = {}
    numbers: set[str] = set()
    for raw in texts:
        if not raw:
            continue
        text = blank_noise(fold(raw))
        matches = list(_WORD.finditer(text))
        count = len(matches)
        words = [m.group(0) for m in matches]
        runs = [_DIGIT_RUN.findall(w) for w in words]
        plain = [not r and len(w) > _MAX_PREFIX_LETTERS for w, r in zip(words, runs, strict=True)]
        joined_to_next = [
            bool(_JOINER.fullmatch(text, matches[i].end(), matches[i + 1].start()))
            for i in range(count - 1)
        ]
        for i in range(count):
            for run in runs[i]:
                numbers.add(str(int(run)))
            if plain[i]:
                continue
            joined = ""
            window_runs: list[str] = []
            for j in range(i, min(i + MAX_WORDS_PER_REFERENCE, count)):
                if j > i and (not joined_to_next[j - 1] or plain[j]):
                    break
                joined += words[j]
                window_runs += runs[j]
                if not window_runs:
                    continue
                compacts.add(joined)
                digits.setdefault("".join(window_runs), set()).add(joined)
                loose.setdefault(".".join(str(int(r)) for r in window_runs), set()).add(joined)
                if len(joined) > 6 and _RF_PREFIX.match(joined):
                    # An RF reference that failed its checksum: its body may still
                    # be (a typo of) one of our invoice numbers.
                    body = joined[4:]
                    compacts.add(body)
                    digits.setdefault(digits_of(body), set()).add(body)
    return TextKeys(frozenset(compacts), digits, loose, frozenset(numbers))


# ---------------------------------------------------------------- names

# Legal forms and fillers that say nothing about who the company is.
_LEGAL_FORMS = frozenset(
    """SARL SAS SASU SA EURL SCI SNC SCP SCOP SCA SELARL SELAS GIE EI EIRL SCM
    GMBH AG KG OHG UG GBR EV KGAA MBH CO COKG
    BV NV BVBA SPRL SRL SRLS SPA SAPA SNC SL SLU SLL SE LTD LIMITED PLC LLC LLP INC CORP
    CORPORATION COMPANY CIE STE SOC SOCIETE ETS ETABLISSEMENT ETABLISSEMENTS
    M MR MME MLLE MM MONSIEUR MADAME""".split()
)
_STOPWORDS = frozenset(
    "DE DU DES LA LE LES L D ET EN AU AUX THE OF AND UND DER DIE DAS Y E".split()
)


@lru_cache(maxsize=65536)
def normalize_name(name: str | None) -> str:
    """Comparable company name: folded, no punctuation, legal forms and articles dropped.

    Initials written with dots ("S.A.R.L.") are glued back before the legal
    forms are removed.
    """
    words = _NON_ALNUM.sub(" ", fold(name).replace("&", " ")).split()
    glued: list[str] = []
    run: list[str] = []
    for word in words + [""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            glued.append("".join(run))
            run = []
        if word:
            glued.append(word)
    kept = [w for w in glued if w not in _LEGAL_FORMS and w not in _STOPWORDS]
    return " ".join(kept if kept else glued)


def name_tokens(normalized: str) -> list[str]:
    return [token for token in normalized.split() if len(token) >= 2]


def normalize_iban(iban: str | None) -> str:
    return compact(iban)
