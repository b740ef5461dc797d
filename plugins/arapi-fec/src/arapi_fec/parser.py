"""The FEC invoice parser: a FEC in, the customers' open receivables out."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from arapi.plugin.types import InvoiceFile
from arapi_fec.reader import FecLedger, decode, read_fec, split_header
from arapi_fec.receivables import open_receivables

FORMAT = "fec"
MAX_LISTED = 5


def balance_warnings(ledger: FecLedger) -> list[str]:
    """A FEC must balance, as a whole and entry by entry; say so when it does not."""
    warnings = []
    debit, credit = ledger.debit_total, ledger.credit_total
    if debit != credit:
        warnings.append(
            f"the file does not balance: debits {debit}, credits {credit} (difference {debit - credit})"
        )
    by_entry: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in ledger.lines:
        by_entry[line.entry] += line.signed
    unbalanced = [f"{j}-{n}" for (j, n), net in by_entry.items() if net]
    if unbalanced:
        listed = ", ".join(unbalanced[:MAX_LISTED]) + (
            ", ..." if len(unbalanced) > MAX_LISTED else ""
        )
        warnings.append(
            f"{len(unbalanced)} entr{'y does' if len(unbalanced) == 1 else 'ies do'} not balance: {listed}"
        )
    return warnings


def sniff(head: bytes) -> bool:
    """True when the first line is a FEC header (pipe or tab). Never raises."""
    try:
        end = head.find(b"\n")
        text, _ = decode(head[: end if end >= 0 else len(head)])
        return split_header(text.rstrip("\r")) is not None
    except Exception:  # sniff must answer, never raise
        return False


def parse(data: bytes) -> InvoiceFile:
    ledger = read_fec(data)
    receivables = open_receivables(ledger)
    return InvoiceFile(
        format=FORMAT,
        invoices=receivables.invoices,
        warnings=tuple(balance_warnings(ledger)) + receivables.warnings,
    )
