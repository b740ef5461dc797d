"""The two statement parsers this plugin registers."""

from __future__ import annotations

from arapi.plugin.types import StatementFile
from arapi_camt.reader import read_document
from arapi_camt.sniffing import message_format


class Camt053Parser:
    """End-of-day statements (camt.053); intraday reports (camt.052) are read alike."""

    format = "camt.053"
    label = "ISO 20022 camt.053 statement"
    _accepted = ("camt.053", "camt.052")

    def sniff(self, head: bytes) -> bool:
        return message_format(head) in self._accepted

    def parse(self, data: bytes) -> StatementFile:
        return read_document(data, self._accepted)


class Camt054Parser:
    """Debit/credit notifications (camt.054): no balances, often batch bookings and returns."""

    format = "camt.054"
    label = "camt.054 debit/credit notification"
    _accepted = ("camt.054",)

    def sniff(self, head: bytes) -> bool:
        return message_format(head) in self._accepted

    def parse(self, data: bytes) -> StatementFile:
        return read_document(data, self._accepted)
