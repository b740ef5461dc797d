"""Hook specifications of the ``arapi`` plugin host.

Every hook is synchronous and only *registers* providers: it returns a list of
objects that satisfy a Protocol from :mod:`arapi.plugin.providers`. Plugins
implement them with ``@arapi.plugin.hookimpl`` and are loaded from the
``arapi`` entry-point group. ``docs/plugin-hooks.md`` documents each hook; a
test keeps the two in step.
"""

from __future__ import annotations

import pluggy

from arapi.plugin.providers import (
    CreditInfoProvider,
    InvoiceParser,
    InvoiceSource,
    NotificationChannel,
    StatementParser,
)

PROJECT = "arapi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def arapi_statement_parsers() -> list[StatementParser]:
    """Return the bank-statement parsers this plugin provides.

    Each parser has a unique ``format`` key; two plugins offering the same key
    is a load error naming both. ``sniff(head)`` is used for detection by
    content and must not raise; ``parse(data)`` returns a
    :class:`~arapi.plugin.types.StatementFile` or raises
    :class:`~arapi.plugin.types.ParseError`. ``parse`` runs in a worker thread
    and must not touch the network or the database.
    """


@hookspec
def arapi_invoice_parsers() -> list[InvoiceParser]:
    """Return the invoice parsers (e-invoices, CSV, FEC, ERP exports) this plugin provides.

    Same rules as :func:`arapi_statement_parsers`: unique ``format`` key,
    non-raising ``sniff(head)``, pure ``parse(data)`` returning an
    :class:`~arapi.plugin.types.InvoiceFile` or raising
    :class:`~arapi.plugin.types.ParseError`.
    """


@hookspec
def arapi_invoice_sources() -> list[InvoiceSource]:
    """Return the invoice sources (ERP connectors) this plugin provides.

    Each has a unique ``name`` (at most 30 characters). ``fetch(cursor,
    organization)`` is async, may use the network, and returns an
    :class:`~arapi.plugin.types.InvoiceBatch` of the documents new or changed
    since ``cursor``, with the cursor to give next time. arapi writes them like
    an imported file's invoices, for the organizations the installation
    enables the source for (``ARAPI_INVOICE_SOURCES``).
    """


@hookspec
def arapi_credit_info_providers() -> list[CreditInfoProvider]:
    """Return credit-information providers (company registries, scoring agencies).

    ``lookup(siren)`` is async, may use the network, and returns a
    :class:`~arapi.plugin.types.CreditReport` or None when the company is unknown.
    """


@hookspec
def arapi_notification_channels() -> list[NotificationChannel]:
    """Return notification channels used by dunning and alerts.

    ``send(notification)`` is async and returns the channel's message id.
    """
