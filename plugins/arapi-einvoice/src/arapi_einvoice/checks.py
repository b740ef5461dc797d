"""EN 16931 arithmetic checks. A defect is a warning, never an error.

A received invoice with a wrong sum is still an invoice someone must deal
with: the reader returns it as printed and says what does not add up, in the
"arithmetic: ..." wording the corpus notes use. Rules checked (EN 16931 ids):

- each line: quantity x net price / price base quantity + line charges
  - line allowances = line net amount, within 0.01 (rounding happens per line);
- BR-CO-10: sum of line net amounts = line total;
- BR-CO-13: line total - allowances + charges = tax basis total;
- BR-CO-14: sum of the tax breakdown's tax amounts = tax total;
- each tax breakdown: base x rate / 100 = tax, within 0.01;
- BR-CO-15: tax basis total + tax total = grand total;
- BR-CO-16: grand total - prepaid + rounding = amount due.

Sums are compared exactly (as numbers: "850" equals "850.00"); a check whose
inputs are absent is skipped, so MINIMUM profiles are not flagged for lines
they do not carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from arapi.plugin.types import TaxAmount

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass
class Line:
    label: str
    net_amount: Decimal | None
    quantity: Decimal | None = None
    net_price: Decimal | None = None
    price_basis: Decimal | None = None
    allowances: Decimal = ZERO
    charges: Decimal = ZERO
    # Sub-lines and information-only lines of EXTENDED profiles are not summed.
    in_total: bool = True


@dataclass
class Totals:
    line_total: Decimal | None = None
    allowance_total: Decimal | None = None
    charge_total: Decimal | None = None
    tax_basis: Decimal | None = None
    tax_total: Decimal | None = None
    grand_total: Decimal | None = None
    prepaid: Decimal | None = None
    rounding: Decimal | None = None
    due_payable: Decimal | None = None
    lines: list[Line] = field(default_factory=list)
    taxes: list[TaxAmount] = field(default_factory=list)


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def _line_warnings(line: Line) -> list[str]:
    if line.net_amount is None or line.quantity is None or line.net_price is None:
        return []
    basis = line.price_basis if line.price_basis not in (None, ZERO) else Decimal(1)
    gross = line.quantity * line.net_price / basis
    expected = (gross + line.charges - line.allowances).quantize(CENT)
    if abs(expected - line.net_amount) <= CENT:
        return []
    adjust = ""
    if line.charges or line.allowances:
        adjust = f" + charges {_fmt(line.charges)} - allowances {_fmt(line.allowances)}"
    return [
        f"arithmetic: line {line.label} quantity {_fmt(line.quantity)} x net price "
        f"{_fmt(line.net_price)} / basis {_fmt(basis)}{adjust} = {_fmt(expected)} "
        f"!= line total {_fmt(line.net_amount)}"
    ]


def arithmetic_warnings(totals: Totals) -> list[str]:
    # Amounts have at most 18 + 12 digits (values.amount): 80 digits keep every
    # product and quantize exact, where the default 28 could raise InvalidOperation.
    with localcontext() as context:
        context.prec = 80
        return _warnings(totals)


def _warnings(totals: Totals) -> list[str]:
    warnings: list[str] = []
    for line in totals.lines:
        warnings += _line_warnings(line)

    summed = [line for line in totals.lines if line.in_total]
    if totals.line_total is not None and summed and all(x.net_amount is not None for x in summed):
        line_sum = sum((x.net_amount for x in summed), ZERO)
        if line_sum != totals.line_total:
            warnings.append(
                f"arithmetic: sum of line totals {_fmt(line_sum)} != line total "
                f"{_fmt(totals.line_total)}"
            )

    if totals.line_total is not None and totals.tax_basis is not None:
        allowances = totals.allowance_total or ZERO
        charges = totals.charge_total or ZERO
        if totals.line_total - allowances + charges != totals.tax_basis:
            warnings.append(
                f"arithmetic: line total {_fmt(totals.line_total)} - allowances "
                f"{_fmt(allowances)} + charges {_fmt(charges)} != tax basis "
                f"{_fmt(totals.tax_basis)}"
            )

    if totals.taxes and totals.tax_total is not None:
        tax_sum = sum((t.tax for t in totals.taxes), ZERO)
        if tax_sum != totals.tax_total:
            warnings.append(
                f"arithmetic: sum of tax breakdown {_fmt(tax_sum)} != tax total "
                f"{_fmt(totals.tax_total)}"
            )
    for tax in totals.taxes:
        if tax.rate is None:
            continue
        expected = (tax.base * tax.rate / 100).quantize(CENT)
        if abs(expected - tax.tax) > CENT:
            warnings.append(
                f"arithmetic: tax base {_fmt(tax.base)} x {_fmt(tax.rate)}% = {_fmt(expected)} "
                f"!= tax {_fmt(tax.tax)}"
            )

    if totals.tax_basis is not None and totals.grand_total is not None:
        tax = totals.tax_total or ZERO
        if totals.tax_basis + tax != totals.grand_total:
            warnings.append(
                f"arithmetic: tax basis {_fmt(totals.tax_basis)} + tax {_fmt(tax)} != grand "
                f"total {_fmt(totals.grand_total)}"
            )

    if totals.grand_total is not None and totals.due_payable is not None:
        prepaid = totals.prepaid or ZERO
        rounding = totals.rounding or ZERO
        if totals.grand_total - prepaid + rounding != totals.due_payable:
            warnings.append(
                f"arithmetic: grand total {_fmt(totals.grand_total)} - prepaid {_fmt(prepaid)} "
                f"+ rounding {_fmt(rounding)} != amount due {_fmt(totals.due_payable)}"
            )
    return warnings
