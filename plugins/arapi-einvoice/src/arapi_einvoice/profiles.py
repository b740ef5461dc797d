"""Sanity checks on the specification identifier (CII guideline ID, UBL CustomizationID)."""

from __future__ import annotations

import re

# EN 16931 (BT-24) separates the core URN from a CIUS/extension with '#':
# "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic". A ':' there
# is a known generator bug (e.g. Mustang's invalid samples).
_COLON_FOR_HASH = re.compile(r"urn:cen\.eu:en16931:2017:(compliant|conformant|extension):")


def profile_warnings(profile: str | None) -> list[str]:
    if profile is None:
        return []
    if _COLON_FOR_HASH.match(profile):
        return [f"malformed specification identifier {profile!r} (':' where '#' expected)"]
    return []
