"""What the CII and UBL readers share once they have found an element."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lxml import etree

from arapi_einvoice import values
from arapi_einvoice.document import Draft
from arapi_einvoice.tree import attribute, text


class DraftReader:
    """Base of a syntax's reader: it fills ``draft`` and adds to its ``warnings``."""

    draft: Draft
    warnings: list[str]

    def _money(self, element: etree._Element | None, what: str) -> Decimal | None:
        value = values.amount(text(element), what)
        given = attribute(element, "currencyID")
        if value is not None and given is not None and given.upper() != self.draft.currency:
            self.warnings.append(
                f"{what} is given in {given}, not the invoice currency {self.draft.currency}"
            )
        return value

    def _first_iban(self, elements: Iterable[etree._Element]) -> str | None:
        """The first valid IBAN among the seller's accounts; the invalid ones are warned about."""
        for element in elements:
            raw = text(element)
            if raw is None:
                continue
            found = values.iban(raw)
            if found is not None:
                return found
            self.warnings.append(f"seller account {raw!r} is not a valid IBAN: not kept")
        return None
