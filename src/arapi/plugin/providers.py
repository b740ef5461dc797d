"""Provider protocols: the objects plugins register through the hooks."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from arapi.plugin.types import (
    CreditReport,
    InvoiceBatch,
    InvoiceFile,
    Notification,
    StatementFile,
)


@runtime_checkable
class StatementParser(Protocol):
    """Reads one bank-statement format. ``parse`` is a pure function of the bytes."""

    #: Unique format key ("ofx", "camt", "mt940", "cfonb120", ...).
    format: str
    #: Human label for ``arapi plugins``.
    label: str

    def sniff(self, head: bytes) -> bool:
        """True when the first bytes (up to 64 KiB) look like this format. Must not raise."""
        ...

    def parse(self, data: bytes) -> StatementFile:
        """Parse a whole file; raise :class:`arapi.plugin.types.ParseError` on bad input."""
        ...


@runtime_checkable
class InvoiceParser(Protocol):
    """Reads one invoice format (e-invoice, CSV export, FEC)."""

    format: str
    label: str

    def sniff(self, head: bytes) -> bool: ...

    def parse(self, data: bytes) -> InvoiceFile: ...


@runtime_checkable
class InvoiceSource(Protocol):
    """Pulls invoices from a system (an ERP, an invoicing service). May do network I/O."""

    #: Unique source name, what ``arapi sync invoices NAME`` takes ("odoo", "sage", ...).
    name: str
    label: str

    async def fetch(self, cursor: str | None, organization: str) -> InvoiceBatch:
        """The documents new or changed since ``cursor`` (None: the first sync).

        ``organization`` is the name of the arapi organization syncing, for a
        connector that serves several, each with its own ERP credentials. Never
        block the event loop: use an async client, or ``asyncio.to_thread`` for a
        blocking one (arapi's timeout can only interrupt an ``await``).
        """
        ...


@runtime_checkable
class CreditInfoProvider(Protocol):
    """Looks companies up at a credit-information source. May do network I/O."""

    name: str

    async def lookup(self, siren: str) -> CreditReport | None: ...


@runtime_checkable
class NotificationChannel(Protocol):
    """Delivers dunning letters and alerts (e-mail, SMS, letter service)."""

    name: str

    async def send(self, notification: Notification) -> str:
        """Deliver and return the channel's message id."""
        ...
