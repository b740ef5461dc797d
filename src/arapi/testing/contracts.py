"""Contract tests for parser and invoice-source plugins.

A plugin's test suite subclasses these and sets ``parser`` and ``samples``
(at least one small valid file written by the plugin's authors), or, for an
invoice source, ``source`` (connected to a fake or recorded system). Every parser
then meets the same rules as arapi's own: a format key the host accepts, a
``sniff`` that returns a bool, never raises and says no to garbage,
``ParseError`` and nothing else on bad input, and results built only from the
frozen dataclasses of :mod:`arapi.plugin.types` holding what their annotations
say (checked by :mod:`arapi.plugin.checks`, the very checks the imports run),
with finite ``Decimal`` amounts (never floats) and ISO 4217-shaped currency
codes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arapi.plugin import types as boundary
from arapi.plugin.checks import (
    invoice_batch_problem,
    invoice_file_problem,
    statement_file_problem,
)
from arapi.plugin.host import SNIFF_BYTES
from arapi.plugin.providers import InvoiceParser, InvoiceSource, StatementParser
from arapi.plugin.types import KEY_MAX_LENGTH, InvoiceBatch, ParseError, ParseErrorCode
from arapi.testing import corpus

_CURRENCY = re.compile(r"[A-Z]{3}")

_GARBAGE = [
    b"",
    b"\x00\x01\x02\xff" * 50,
    b"hello world\n",
    b"<a>" * 10,
    "é".encode("latin-1") * 20,
]


class _ParserContract:
    parser: ClassVar[Any]
    samples: ClassVar[list[bytes]] = []
    #: Folders of the public sample corpus (``camt053``, ``ofx``, ...) holding this
    #: parser's own format: its ``sniff`` must say no to every other corpus file.
    corpus_folders: ClassVar[tuple[str, ...]] = ()
    protocol: ClassVar[type]
    result_type: ClassVar[type]

    def check_result(self, result: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def test_is_a_provider(self):
        assert isinstance(self.parser, self.protocol)
        assert isinstance(self.parser.format, str) and 0 < len(self.parser.format) <= KEY_MAX_LENGTH
        assert isinstance(self.parser.label, str) and self.parser.label

    def test_has_samples(self):
        assert self.samples, "set samples to at least one small valid file in this format"

    def test_sniff_never_raises(self):
        for blob in _GARBAGE:
            assert isinstance(self.parser.sniff(blob), bool)

    def test_sniff_says_no_to_garbage(self):
        # A sniff that says yes too easily makes every other format ambiguous.
        for blob in _GARBAGE:
            assert self.parser.sniff(blob) is False, f"sniff claims {blob[:20]!r}"

    def test_sniff_says_no_to_the_other_formats_of_the_corpus(self):
        # Two parsers saying yes to one file make it ambiguous for every user.
        root = corpus.require_corpus()  # skips, saying why, when the corpus is absent
        claimed = [
            str(path.relative_to(root))
            for path in sorted(root.rglob("*"))
            if path.is_file()
            and len(path.relative_to(root).parts) > 1  # the corpus' own README and facts
            and path.relative_to(root).parts[0] not in self.corpus_folders
            and self.parser.sniff(path.read_bytes()[:SNIFF_BYTES])
        ]
        assert claimed == [], f"sniff claims files of other formats: {claimed[:5]}"

    def test_garbage_raises_parse_error(self):
        for blob in _GARBAGE:
            try:
                result = self.parser.parse(blob)
            except ParseError as exc:
                _assert_coded(exc)
                continue
            self.check_result(result)

    def test_samples_parse_and_sniff(self):
        for blob in self.samples:
            assert self.parser.sniff(blob[:SNIFF_BYTES]) is True
            self.check_result(self.parser.parse(blob))

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_fuzz_returns_model_or_parse_error(self, data):
        if self.samples:
            base = data.draw(st.sampled_from(self.samples))
            mutation = data.draw(st.sampled_from(["truncate", "flip", "insert", "raw"]))
            if mutation == "truncate":
                blob = base[: data.draw(st.integers(0, len(base)))]
            elif mutation == "flip":
                pos = data.draw(st.integers(0, max(len(base) - 1, 0)))
                blob = base[:pos] + bytes([data.draw(st.integers(0, 255))]) + base[pos + 1 :]
            elif mutation == "insert":
                pos = data.draw(st.integers(0, len(base)))
                blob = base[:pos] + data.draw(st.binary(max_size=20)) + base[pos:]
            else:
                blob = data.draw(st.binary(max_size=400))
        else:
            blob = data.draw(st.binary(max_size=400))
        assert isinstance(self.parser.sniff(blob[:SNIFF_BYTES]), bool)
        try:
            result = self.parser.parse(blob)
        except ParseError as exc:
            _assert_coded(exc)
            return
        self.check_result(result)


def _assert_coded(exc: ParseError) -> None:
    assert isinstance(exc.code, ParseErrorCode), (
        f"ParseError code {exc.code!r} is not a ParseErrorCode"
    )


# bool is an int and datetime a date here: statement_file_problem refuses datetimes.
_LEAVES = (str, int, Decimal, date, Enum, type(None))


def _assert_frozen_tree(obj: Any) -> None:
    """Only arapi.plugin.types dataclasses, tuples and immutable scalars; no float, no NaN."""
    if dataclasses.is_dataclass(obj):
        kind = type(obj)
        assert kind.__module__ == boundary.__name__, (
            f"{kind.__qualname__} is not a dataclass of {boundary.__name__}"
        )
        assert obj.__dataclass_params__.frozen, f"{kind.__name__} is not frozen"
        for f in dataclasses.fields(obj):
            _assert_frozen_tree(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            _assert_frozen_tree(item)
    else:
        assert not isinstance(obj, float), "floats never cross the plugin boundary"
        assert isinstance(obj, _LEAVES), f"{type(obj).__name__} {obj!r} may not cross the boundary"
        if isinstance(obj, Decimal):
            assert obj.is_finite(), f"amount {obj} is not a finite number"


def _assert_currency(code: Any, nullable: bool = False) -> None:
    if code is None and nullable:
        return
    assert isinstance(code, str) and _CURRENCY.fullmatch(code), (
        f"currency {code!r} is not an upper-case ISO 4217 code"
    )


class StatementParserContract(_ParserContract):
    protocol = StatementParser

    def check_result(self, result: Any) -> None:
        problem = statement_file_problem(result)
        assert problem is None, f"arapi would refuse this result: {problem}"
        _assert_frozen_tree(result)
        for statement in result.statements:
            _assert_currency(statement.currency, nullable=True)
            for line in statement.lines:
                assert isinstance(line.amount, Decimal)
                _assert_currency(line.currency)
                for detail in line.details:
                    _assert_currency(detail.currency, nullable=True)


def _check_invoices(invoices: Any) -> None:
    for invoice in invoices:
        assert isinstance(invoice.total_with_tax, Decimal)
        assert isinstance(invoice.amount_due, Decimal)
        assert invoice.kind in ("invoice", "credit_note")
        _assert_currency(invoice.currency)


class InvoiceParserContract(_ParserContract):
    protocol = InvoiceParser

    def check_result(self, result: Any) -> None:
        problem = invoice_file_problem(result)
        assert problem is None, f"arapi would refuse this result: {problem}"
        _assert_frozen_tree(result)
        _check_invoices(result.invoices)


class InvoiceSourceContract:
    """For an invoice source (ERP connector): set ``source``, connected to a system with invoices.

    Checks that it is an :class:`InvoiceSource` with a name and a label, that a
    first sync (cursor None) returns batches of boundary types only, that
    ``more`` always comes with a new cursor, and that fetching again from the
    last cursor returns nothing new: the cursor really is a bookmark.
    """

    source: ClassVar[Any]
    #: The organization name handed to ``fetch``.
    organization: ClassVar[str] = "contract-test"
    #: Fetches allowed for the first sync before the test gives up on ``more``.
    max_fetches: ClassVar[int] = 100

    def check_batch(self, batch: Any) -> None:
        problem = invoice_batch_problem(batch)
        assert problem is None, f"arapi would refuse this batch: {problem}"
        _assert_frozen_tree(batch)
        _check_invoices(batch.invoices)

    def sync(self, cursor: str | None) -> tuple[list[InvoiceBatch], str | None]:
        """Fetch as arapi does (again while ``more``); the batches and the cursor to keep."""
        batches = []
        for _ in range(self.max_fetches):
            batch = asyncio.run(self.source.fetch(cursor, self.organization))
            self.check_batch(batch)
            batches.append(batch)
            if not batch.more:
                return batches, batch.cursor if batch.cursor is not None else cursor
            assert batch.cursor not in (None, cursor), "more=True needs a new cursor"
            cursor = batch.cursor
        raise AssertionError(f"still more after {self.max_fetches} fetches")

    def test_is_a_provider(self):
        assert isinstance(self.source, InvoiceSource)
        assert isinstance(self.source.name, str) and 0 < len(self.source.name) <= KEY_MAX_LENGTH
        assert isinstance(self.source.label, str) and self.source.label

    def test_first_sync_returns_invoices(self):
        batches, _ = self.sync(None)
        assert any(batch.invoices for batch in batches), "give the source a system with invoices"

    def test_nothing_new_after_the_last_cursor(self):
        _, cursor = self.sync(None)
        again, _ = self.sync(cursor)
        assert not any(batch.invoices for batch in again)
