"""The plugin host: a typed facade over pluggy.

Plugins come from the ``arapi`` entry-point group, first-party ones included.
``ARAPI_DISABLED_PLUGINS`` (comma-separated entry-point names) turns any of
them off. Every failure names the plugin at fault.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from arapi.errors import ArapiError, ErrorCode
from arapi.plugin import hookspecs
from arapi.plugin.providers import (
    CreditInfoProvider,
    InvoiceParser,
    NotificationChannel,
    StatementParser,
)
from arapi.plugin.types import ParseError, ParseErrorCode

ENTRY_POINT_GROUP = "arapi"


class PluginErrorCode(ErrorCode):
    PLUGIN_LOAD_FAILED = "PLUGIN_LOAD_FAILED"
    DUPLICATE_FORMAT = "DUPLICATE_FORMAT"
    BAD_PROVIDER = "BAD_PROVIDER"


class PluginError(ArapiError):
    pass


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    distribution: str | None
    version: str | None


class PluginHost:
    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self.loaded: list[LoadedPlugin] = []
        self._statement: dict[str, tuple[str, StatementParser]] | None = None
        self._invoice: dict[str, tuple[str, InvoiceParser]] | None = None

    # ------------------------------------------------------------ loading

    @classmethod
    def from_entry_points(cls, disabled: Iterable[str] = ()) -> PluginHost:
        host = cls()
        off = set(disabled)
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if ep.name in off:
                continue
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must say who it is
                raise PluginError(
                    PluginErrorCode.PLUGIN_LOAD_FAILED,
                    f"plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}",
                ) from exc
            dist = ep.dist
            host.register(
                module, ep.name, dist.name if dist else None, dist.version if dist else None
            )
        return host

    def register(
        self,
        plugin: ModuleType | object,
        name: str,
        distribution: str | None = None,
        version: str | None = None,
    ) -> None:
        try:
            self._pm.register(plugin, name=name)
        except Exception as exc:
            raise PluginError(
                PluginErrorCode.PLUGIN_LOAD_FAILED, f"plugin {name!r} failed to register: {exc}"
            ) from exc
        self.loaded.append(LoadedPlugin(name, distribution, version))
        self._statement = self._invoice = None

    # ------------------------------------------------------------ providers

    def _collect(self, hook_name: str, protocol: type) -> list[tuple[str, Any]]:
        hook = getattr(self._pm.hook, hook_name)
        out: list[tuple[str, Any]] = []
        for impl in hook.get_hookimpls():
            try:
                providers = impl.function() or []
            except Exception as exc:
                raise PluginError(
                    PluginErrorCode.PLUGIN_LOAD_FAILED,
                    f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}",
                ) from exc
            for provider in providers:
                if not isinstance(provider, protocol):
                    raise PluginError(
                        PluginErrorCode.BAD_PROVIDER,
                        f"plugin {impl.plugin_name!r} returned {provider!r} from {hook_name}, "
                        f"which is not a {protocol.__name__}",
                    )
                out.append((impl.plugin_name, provider))
        return out

    def _by_format(self, hook_name: str, protocol: type) -> dict[str, tuple[str, Any]]:
        table: dict[str, tuple[str, Any]] = {}
        for plugin_name, provider in self._collect(hook_name, protocol):
            key = provider.format
            if key in table:
                raise PluginError(
                    PluginErrorCode.DUPLICATE_FORMAT,
                    f"format {key!r} is provided by both plugin {table[key][0]!r} and plugin {plugin_name!r}",
                )
            table[key] = (plugin_name, provider)
        return table

    def statement_parsers(self) -> dict[str, StatementParser]:
        if self._statement is None:
            self._statement = self._by_format("arapi_statement_parsers", StatementParser)
        return {k: v[1] for k, v in self._statement.items()}

    def invoice_parsers(self) -> dict[str, InvoiceParser]:
        if self._invoice is None:
            self._invoice = self._by_format("arapi_invoice_parsers", InvoiceParser)
        return {k: v[1] for k, v in self._invoice.items()}

    def credit_info_providers(self) -> list[CreditInfoProvider]:
        return [p for _, p in self._collect("arapi_credit_info_providers", CreditInfoProvider)]

    def notification_channels(self) -> list[NotificationChannel]:
        return [p for _, p in self._collect("arapi_notification_channels", NotificationChannel)]

    def provider_owner(self, kind: str, fmt: str) -> str | None:
        table = self._statement if kind == "statement" else self._invoice
        if table is None:
            (self.statement_parsers if kind == "statement" else self.invoice_parsers)()
            table = self._statement if kind == "statement" else self._invoice
        entry = (table or {}).get(fmt)
        return entry[0] if entry else None

    # ------------------------------------------------------------ detection

    @staticmethod
    def pick(parsers: dict[str, Any], data: bytes, explicit: str | None) -> Any:
        """The parser for ``data``: the explicit format wins; else exactly one must sniff it."""
        if explicit:
            try:
                return parsers[explicit]
            except KeyError:
                raise ParseError(
                    ParseErrorCode.UNKNOWN_FORMAT,
                    f"unknown format {explicit!r}; known: {', '.join(sorted(parsers)) or 'none'}",
                ) from None
        head = data[: 64 * 1024]
        hits = []
        for key, parser in parsers.items():
            try:
                if parser.sniff(head):
                    hits.append(key)
            except Exception:  # a sniff that raises is a no
                continue
        if not hits:
            raise ParseError(ParseErrorCode.UNKNOWN_FORMAT, "the file's format was not recognised")
        if len(hits) > 1:
            raise ParseError(
                ParseErrorCode.AMBIGUOUS_FORMAT,
                f"the file looks like several formats ({', '.join(sorted(hits))}); give the format explicitly",
            )
        return parsers[hits[0]]
