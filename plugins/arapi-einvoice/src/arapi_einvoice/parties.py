"""Turning the identifiers found on a trade party into :class:`Party`.

French ids: ISO 6523 scheme 0002 is the SIRENE register (a 9-digit SIREN, some
issuers put the 14-digit SIRET there too), 0009 is SIRET. A French VAT number
is "FR" + two check characters + the SIREN, so it yields the SIREN when no
register id is given. Legal-registration ids win over other ids. Ids with
another scheme go to ``other_ids`` as (scheme, value); an id without a scheme
(a seller-assigned customer number, say) gets the scheme "".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from arapi.inputs import ascii_digits
from arapi.plugin.types import Party
from arapi_einvoice.values import compact

SIRENE = "0002"
SIRET = "0009"
_FRENCH_VAT = re.compile(r"FR[0-9A-Z]{2}(\d{9})")


@dataclass
class PartyIds:
    """What a reader collects about one party before it becomes a frozen :class:`Party`."""

    name: str | None = None
    country: str | None = None
    vat_ids: list[str] = field(default_factory=list)
    legal_ids: list[tuple[str, str]] = field(default_factory=list)  # (scheme, value)
    other_ids: list[tuple[str, str]] = field(default_factory=list)
    iban: str | None = None

    def add_legal(self, scheme: str | None, value: str | None) -> None:
        if value:
            self.legal_ids.append((scheme or "", value))

    def add_other(self, scheme: str | None, value: str | None) -> None:
        if value:
            self.other_ids.append((scheme or "", value))

    def add_vat(self, value: str | None) -> None:
        vat = compact(value)
        if vat:
            self.vat_ids.append(vat)


def _french_number(scheme: str, value: str, country: str | None) -> tuple[str, str] | None:
    """("siren"|"siret", digits) when the id is a French register number."""
    digits = re.sub(r"[\s.]", "", value)
    french_scheme = scheme in (SIRENE, SIRET) or (scheme == "" and country == "FR")
    if not french_scheme or not ascii_digits(digits):
        return None
    if len(digits) == 9:
        return "siren", digits
    if len(digits) == 14:
        return "siret", digits
    return None


def build_party(ids: PartyIds, warnings: list[str], role: str) -> Party:
    country = compact(ids.country)
    siren: str | None = None
    siret: str | None = None
    others: list[tuple[str, str]] = []
    # Legal ids first so they win over a SIRET found among global ids.
    for scheme, value in ids.legal_ids + ids.other_ids:
        found = _french_number(scheme, value, country)
        if found is not None:
            kind, digits = found
            current = siren if kind == "siren" else siret
            if current is None:
                if kind == "siren":
                    siren = digits
                else:
                    siret = digits
                continue
            if current == digits:
                continue
        if (scheme, value) not in others:
            others.append((scheme, value))
    if siren is None and siret is not None:
        siren = siret[:9]
    vat_id = ids.vat_ids[0] if ids.vat_ids else None
    if siren is None and vat_id is not None:
        match = _FRENCH_VAT.fullmatch(vat_id)
        siren = match[1] if match else None
    if siren is not None and siret is not None and not siret.startswith(siren):
        warnings.append(f"{role}: SIRET {siret} does not belong to SIREN {siren}")
    if ids.name is None:
        warnings.append(f"{role} has no name")
    return Party(
        name=ids.name,
        siren=siren,
        siret=siret,
        vat_id=vat_id,
        other_ids=tuple(others),
        country=country,
        iban=ids.iban,
    )
