"""ExampleErpSource: an invoice source (ERP connector) reading an ERP's JSON export of invoices.

Real connectors call the ERP's API; this one reads the same kind of answer
from a JSON file, so that the incremental pattern every connector follows is
real and runs:

* each invoice carries the ERP's id and its change counter (``seq``, which grows on
  every change: a write_date, a row version, a change-feed offset);
* the cursor is the highest counter already handed to arapi, as text;
* ``fetch(cursor, organization)`` returns the invoices changed after it, oldest first, at
  most ``page_size`` at a time, with ``more=True`` while others are left.

The file: ``{"invoices": [{"id": 7, "seq": 1, "number": "F-1", "issue_date": "2025-01-10",
"due_date": "2025-02-09", "currency": "EUR", "total": "120.00", "due": "120.00",
"buyer": {"name": "Dupont SA", "siren": "552120222"}}, ...]}``. Its path comes
from the constructor or from ``ARAPI_EXAMPLE_ERP_FILE``, read when a sync runs
(never when the plugin loads), as a real connector reads its URL and token.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from arapi.plugin.types import InvoiceBatch, InvoiceDocument, Party

SELLER = Party(name="Example Company")  # the ERP's own company, the seller of every invoice


class ExampleErpSource:
    """The ``example-erp`` invoice source."""

    name = "example-erp"
    label = "Example ERP (JSON export; arapi plugin template)"

    def __init__(self, path: str | Path | None = None, page_size: int = 100) -> None:
        self.path = path
        self.page_size = page_size

    async def fetch(self, cursor: str | None, organization: str) -> InvoiceBatch:
        # One export for every organization the installation enables this source for; a
        # connector serving several would pick each one's credentials by `organization`.
        after = int(cursor) if cursor else 0
        changed = sorted(
            (row for row in self._rows() if row["seq"] > after), key=lambda row: row["seq"]
        )
        page = changed[: self.page_size]
        return InvoiceBatch(
            invoices=tuple(_document(row) for row in page),
            cursor=str(page[-1]["seq"]) if page else cursor,
            more=len(changed) > len(page),
        )

    def _rows(self) -> list[dict]:
        path = self.path or os.environ.get("ARAPI_EXAMPLE_ERP_FILE")
        if not path:
            raise RuntimeError("set ARAPI_EXAMPLE_ERP_FILE to the ERP export's path")
        # Amounts may be JSON numbers: read them as Decimal, never through a float.
        text = Path(path).read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal)["invoices"]


def _document(row: dict) -> InvoiceDocument:
    buyer = row["buyer"]
    return InvoiceDocument(
        number=row["number"],
        kind=row.get("kind", "invoice"),
        issue_date=date.fromisoformat(row["issue_date"]),
        due_date=date.fromisoformat(row["due_date"]) if row.get("due_date") else None,
        currency=row["currency"].upper(),
        total_without_tax=None,
        tax_total=None,
        total_with_tax=Decimal(row["total"]),
        amount_due=Decimal(row.get("due", row["total"])),
        seller=SELLER,
        buyer=Party(name=buyer.get("name"), siren=buyer.get("siren")),
        external_ref=f"example-erp:{row['id']}",  # the ERP's own id, stable across changes
    )
