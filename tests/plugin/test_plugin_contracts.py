"""The contract tests themselves: a good parser passes, each kind of bad parser fails.

Subclasses here do not start with ``Test`` so pytest does not collect the
deliberately broken ones; their inherited test methods are called by hand.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest

from arapi.plugin.types import (
    InvoiceDocument,
    InvoiceFile,
    ParseError,
    ParseErrorCode,
    Party,
    Statement,
    StatementFile,
    StatementLine,
)
from arapi.testing.contracts import InvoiceParserContract, StatementParserContract

SAMPLE = b"GOOD\n1.00\n"
_AMOUNT = re.compile(rb"-?[0-9]{1,12}(?:\.[0-9]{1,6})?")


def _statement(*lines: StatementLine, currency: str | None = "EUR") -> StatementFile:
    return StatementFile(
        statements=(Statement(format="toy", account=None, currency=currency, lines=lines),)
    )


class ToyParser:
    """Reads b"GOOD" followed by amounts, one a line; refuses anything else."""

    format = "toy"
    label = "Toy"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"GOOD")

    def parse(self, data: bytes) -> StatementFile:
        if not data.startswith(b"GOOD\n"):
            raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, "not toy")
        lines = []
        for number, raw in enumerate(data.split(b"\n")[1:], start=2):
            if not raw:
                continue
            if not _AMOUNT.fullmatch(raw):
                raise ParseError(ParseErrorCode.INVALID_AMOUNT, "bad amount", line=number)
            lines.append(self.line(Decimal(raw.decode())))
        return _statement(*lines)

    def line(self, amount: Decimal) -> StatementLine:
        return StatementLine(amount=amount, currency="EUR", booking_date=date(2024, 1, 1))


class GoodContract(StatementParserContract):
    parser = ToyParser()
    samples = [SAMPLE, b"GOOD\n-2.5\n3\n"]


CONTRACT_TESTS = [
    "test_is_a_provider",
    "test_has_samples",
    "test_sniff_never_raises",
    "test_sniff_says_no_to_garbage",
    "test_garbage_raises_parse_error",
    "test_samples_parse_and_sniff",
    "test_fuzz_returns_model_or_parse_error",
]


@pytest.mark.parametrize("name", CONTRACT_TESTS)
def test_a_good_parser_passes_every_contract_test(name):
    getattr(GoodContract(), name)()


def _fails(contract: StatementParserContract, name: str) -> None:
    with pytest.raises(AssertionError):
        getattr(contract, name)()


def _contract_for(parser, samples=(SAMPLE,)) -> StatementParserContract:
    class Contract(StatementParserContract):
        pass

    Contract.parser = parser
    Contract.samples = list(samples)
    return Contract()


def _returning(result) -> ToyParser:
    class Parser(ToyParser):
        def parse(self, data: bytes):
            return result

    return Parser()


@dataclasses.dataclass(frozen=True)
class LookAlikeLine:
    amount: Decimal
    currency: str


@pytest.mark.parametrize(
    "result",
    [
        _statement(StatementLine(amount=1.5, currency="EUR", booking_date=None)),  # float
        _statement(StatementLine(amount=Decimal("NaN"), currency="EUR", booking_date=None)),
        _statement(StatementLine(amount=Decimal("Infinity"), currency="EUR", booking_date=None)),
        _statement(StatementLine(amount=Decimal(1), currency="eur", booking_date=None)),
        _statement(StatementLine(amount=Decimal(1), currency="€UR", booking_date=None)),
        _statement(currency="euro"),
        StatementFile(statements=[]),  # a list is mutable
        StatementFile(statements=(), warnings=("ok", ["not", "a", "str"])),
        StatementFile(statements=(LookAlikeLine(Decimal(1), "EUR"),)),  # not a boundary type
        {"statements": ()},
        # Each of these crashed an import deep inside before the imports checked results:
        _statement(StatementLine(amount=Decimal(1), currency="EUR", booking_date="2024-01-01")),
        _statement(
            StatementLine(amount=Decimal(1), currency="EUR", booking_date=None, natural_key=12345)
        ),
        _statement(
            StatementLine(amount=Decimal(1), currency="EUR", booking_date=None, reversal="false")
        ),
    ],
    ids=[
        "float",
        "nan",
        "infinity",
        "lower-currency",
        "symbol-currency",
        "statement-currency",
        "list",
        "list-warning",
        "foreign-dataclass",
        "dict",
        "date-as-text",
        "key-as-number",
        "reversal-as-text",
    ],
)
def test_results_outside_the_boundary_types_fail_the_contract(result):
    contract = _contract_for(_returning(result))
    _fails(contract, "test_samples_parse_and_sniff")


def test_a_parser_leaking_a_value_error_fails():
    class Leaky(ToyParser):
        def parse(self, data: bytes):
            if b"\x00" in data:
                raise ValueError("unexpected NUL")
            return super().parse(data)

    contract = _contract_for(Leaky())
    with pytest.raises(ValueError):
        contract.test_garbage_raises_parse_error()


def test_fuzzing_finds_an_exception_other_than_parse_error():
    class IndexLeak(ToyParser):
        def parse(self, data: bytes):
            if len(data) > 3 and data[3] == ord("D"):
                return super().parse(data)
            return [][0]  # IndexError on almost everything

    contract = _contract_for(IndexLeak())
    with pytest.raises(IndexError):
        contract.test_fuzz_returns_model_or_parse_error()


@pytest.mark.parametrize("sniffed", [1, "yes", None])
def test_sniff_must_return_a_bool(sniffed):
    class Vague(ToyParser):
        def sniff(self, head: bytes):
            return sniffed

    _fails(_contract_for(Vague()), "test_sniff_never_raises")


def test_a_sniff_that_claims_everything_fails():
    """It would make every other format's files ambiguous."""

    class Greedy(ToyParser):
        def sniff(self, head: bytes) -> bool:
            return True

    _fails(_contract_for(Greedy()), "test_sniff_says_no_to_garbage")


def test_a_format_key_the_host_refuses_fails():
    class Wordy(ToyParser):
        format = "a-format-key-longer-than-thirty-characters"

    _fails(_contract_for(Wordy()), "test_is_a_provider")


def test_sniff_must_claim_the_samples():
    class Shy(ToyParser):
        def sniff(self, head: bytes) -> bool:
            return False

    _fails(_contract_for(Shy()), "test_samples_parse_and_sniff")


def test_samples_are_required():
    _fails(_contract_for(ToyParser(), samples=()), "test_has_samples")


def test_a_provider_needs_a_format_and_a_label():
    class Nameless(ToyParser):
        label = ""

    _fails(_contract_for(Nameless()), "test_is_a_provider")


def _invoice(**changes) -> InvoiceFile:
    document = InvoiceDocument(
        number="F-1",
        kind="invoice",
        issue_date=date(2024, 1, 1),
        due_date=None,
        currency="EUR",
        total_without_tax=Decimal("10.00"),
        tax_total=Decimal("2.00"),
        total_with_tax=Decimal("12.00"),
        amount_due=Decimal("12.00"),
        seller=Party(name="Seller"),
        buyer=Party(name="Buyer"),
    )
    return InvoiceFile(format="toy", invoices=(dataclasses.replace(document, **changes),))


@pytest.mark.parametrize(
    ("changes", "passes"),
    [
        ({}, True),
        ({"kind": "receipt"}, False),
        ({"currency": "Eur"}, False),
        ({"amount_due": 12.0}, False),
        ({"total_with_tax": Decimal("sNaN")}, False),
        ({"number": 7}, False),  # an import refuses both: so must the contract
        ({"buyer": None}, False),
    ],
)
def test_invoice_contract_checks_kind_currency_and_amounts(changes, passes):
    contract = InvoiceParserContract()
    if passes:
        contract.check_result(_invoice(**changes))
    else:
        with pytest.raises(AssertionError):
            contract.check_result(_invoice(**changes))
