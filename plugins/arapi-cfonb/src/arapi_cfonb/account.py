"""The account of a CFONB statement, as a French IBAN when it can be built.

A French IBAN is "FR" + check digits + the 23-character RIB: bank (5), branch
(5), account (11) and the two-digit RIB key. The key is not in the CFONB
record, but it is a checksum of the other three (97 - (89 bank + 15 branch +
3 account) mod 97, letters mapped to digits), so the IBAN is exact: schwifty
computes both check digits. Monaco accounts share the RIB layout but carry an
"MC" IBAN; nothing in the record tells them apart, so they come out as "FR".
"""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

_DIGITS5 = re.compile(r"^[0-9]{5}$")  # not \d, which takes any script's digits
_ACCOUNT = re.compile(r"^[0-9A-Z]{11}$")


def account_id(bank: str, branch: str, account: str) -> str:
    """The IBAN, or "bank/branch/account" as written when the parts are not a RIB."""
    bank, branch, account = bank.strip(), branch.strip(), account.strip()
    if _DIGITS5.match(bank) and _DIGITS5.match(branch) and _ACCOUNT.match(account):
        try:
            return IBAN.generate(
                "FR", bank_code=bank, branch_code=branch, account_code=account
            ).compact
        except SchwiftyException:
            pass
    return "/".join(part for part in (bank, branch, account) if part) or account
