"""Contract tests for parser plugins.

A plugin's test suite subclasses these and sets ``parser`` (and ``samples``:
small valid files written by the plugin's authors). Every parser then meets
the same rules as arapi's own: a string format key, a ``sniff`` that never
raises, ``ParseError`` and nothing else on bad input, and frozen results.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arapi.plugin.providers import InvoiceParser, StatementParser
from arapi.plugin.types import InvoiceFile, ParseError, StatementFile

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
    protocol: ClassVar[type]
    result_type: ClassVar[type]

    def check_result(self, result: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def test_is_a_provider(self):
        assert isinstance(self.parser, self.protocol)
        assert isinstance(self.parser.format, str) and self.parser.format
        assert isinstance(self.parser.label, str) and self.parser.label

    def test_sniff_never_raises(self):
        for blob in _GARBAGE:
            assert self.parser.sniff(blob) in (True, False)

    def test_garbage_raises_parse_error(self):
        for blob in _GARBAGE:
            try:
                result = self.parser.parse(blob)
            except ParseError:
                continue
            self.check_result(result)

    def test_samples_parse_and_sniff(self):
        for blob in self.samples:
            assert self.parser.sniff(blob[: 64 * 1024]) is True
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
        try:
            result = self.parser.parse(blob)
        except ParseError:
            return
        self.check_result(result)


def _assert_frozen_tree(obj: Any) -> None:
    if dataclasses.is_dataclass(obj):
        assert obj.__dataclass_params__.frozen, f"{type(obj).__name__} is not frozen"
        for f in dataclasses.fields(obj):
            _assert_frozen_tree(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            _assert_frozen_tree(item)
    else:
        assert not isinstance(obj, float), "floats never cross the plugin boundary"


class StatementParserContract(_ParserContract):
    protocol = StatementParser

    def check_result(self, result: Any) -> None:
        assert isinstance(result, StatementFile)
        _assert_frozen_tree(result)
        for statement in result.statements:
            for line in statement.lines:
                assert isinstance(line.amount, Decimal)
                assert isinstance(line.currency, str) and len(line.currency) == 3


class InvoiceParserContract(_ParserContract):
    protocol = InvoiceParser

    def check_result(self, result: Any) -> None:
        assert isinstance(result, InvoiceFile)
        _assert_frozen_tree(result)
        for invoice in result.invoices:
            assert isinstance(invoice.total_with_tax, Decimal)
            assert invoice.kind in ("invoice", "credit_note")
