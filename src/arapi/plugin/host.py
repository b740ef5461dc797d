"""The plugin host: a typed facade over pluggy.

Plugins come from the ``arapi`` entry-point group, first-party ones included.
``ARAPI_DISABLED_PLUGINS`` (comma-separated entry-point names, read into
``Settings.disabled_plugins`` and passed to :meth:`PluginHost.from_entry_points`)
turns any of them off. Every failure names the plugin at fault.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from arapi.errors import ArapiError, ErrorCode
from arapi.plugin import hookspecs
from arapi.plugin.checks import with_article
from arapi.plugin.providers import (
    CreditInfoProvider,
    InvoiceParser,
    InvoiceSource,
    NotificationChannel,
    StatementParser,
)
from arapi.plugin.types import KEY_MAX_LENGTH, ParseError, ParseErrorCode

ENTRY_POINT_GROUP = "arapi"
HOOK_PREFIX = "arapi_"
# Every hook the host knows; a plugin function with this prefix must be one of them.
HOOK_NAMES = frozenset(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith(HOOK_PREFIX) and hasattr(value, f"{hookspecs.PROJECT}_spec")
)
_DISABLE_HINT = "(set ARAPI_DISABLED_PLUGINS={name} to skip it)"
_DUPLICATE_HINT = "(disable one with ARAPI_DISABLED_PLUGINS)"
# What a clashing key names, in the DUPLICATE_FORMAT message.
_KINDS = {StatementParser: "statement", InvoiceParser: "invoice", InvoiceSource: "invoice source"}


#: How much of a file the host hands to each parser's sniff().
SNIFF_BYTES = 64 * 1024


class PluginErrorCode(ErrorCode):
    PLUGIN_LOAD_FAILED = "PLUGIN_LOAD_FAILED"  # import, registration or hook call failed
    DUPLICATE_FORMAT = (
        "DUPLICATE_FORMAT"  # two parsers claim one format key (or two sources one name)
    )
    BAD_PROVIDER = "BAD_PROVIDER"  # a hook returned something that is not a provider
    PLUGIN_FAILED = "PLUGIN_FAILED"  # a provider raised, or returned what its types forbid


class PluginError(ArapiError):
    """A plugin could not be loaded or used; the message names the plugin."""


def plugin_error(code: PluginErrorCode, plugin: str, problem: str) -> PluginError:
    """The error for a fault of one plugin: ``plugin 'NAME' PROBLEM (set ARAPI_DISABLED_PLUGINS=NAME ...)``.

    Every PluginError about one plugin is built here, so that each names the
    plugin first and ends with how to skip it.
    """
    return PluginError(code, f"plugin {plugin!r} {problem} " + _DISABLE_HINT.format(name=plugin))


@dataclass(frozen=True)
class LoadedPlugin:
    """One registered plugin, as listed by ``arapi plugins``."""

    name: str  # entry-point name: what ARAPI_DISABLED_PLUGINS takes
    distribution: str | None
    version: str | None


class PluginHost:
    """Registers plugins and hands out their providers, checked against the Protocols."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self.loaded: list[LoadedPlugin] = []
        self._statement: dict[str, tuple[str, StatementParser]] | None = None
        self._invoice: dict[str, tuple[str, InvoiceParser]] | None = None
        self._sources: dict[str, tuple[str, InvoiceSource]] | None = None

    # ------------------------------------------------------------ loading

    @staticmethod
    def installed_names() -> set[str]:
        """The names of the installed plugins (entry points of the ``arapi`` group), disabled ones too."""
        return {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}

    @classmethod
    def from_entry_points(cls, disabled: Iterable[str] = (), *, check: bool = True) -> PluginHost:
        """Load every plugin of the ``arapi`` entry-point group, in name order.

        ``disabled`` lists entry-point names to skip, first-party plugins
        included; the CLI and the app pass ``Settings.disabled_plugins``
        (``ARAPI_DISABLED_PLUGINS``). A plugin that cannot be imported or
        registered raises :class:`PluginError` ``PLUGIN_LOAD_FAILED`` naming it.
        Every provider is then loaded once (:meth:`check`), so that a clash or
        a bad provider fails here, at startup, and not at the first import;
        ``check=False`` leaves that to the caller (``arapi plugins`` lists the
        plugins first, to help find the one at fault).
        """
        host = cls()
        off = set(disabled)
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if ep.name in off:
                continue
            try:
                module = ep.load()
            # SystemExit too: a plugin calling sys.exit() on import must still be named
            except (Exception, SystemExit) as exc:  # a broken plugin must say who it is
                raise plugin_error(
                    PluginErrorCode.PLUGIN_LOAD_FAILED,
                    ep.name,
                    f"({ep.value}) failed to load: {type(exc).__name__}: {exc}",
                ) from exc
            dist = ep.dist
            host.register(
                module, ep.name, dist.name if dist else None, dist.version if dist else None
            )
        if check:
            host.check()
        return host

    def check(self) -> None:
        """Load every kind of provider once: any :class:`PluginError` is raised now.

        Hooks that raise, non-providers, keys that clash (``DUPLICATE_FORMAT``)
        all show up here rather than on first use.
        """
        self.statement_parsers()
        self.invoice_parsers()
        self.invoice_sources()
        self.credit_info_providers()
        self.notification_channels()

    def register(
        self,
        plugin: ModuleType | object,
        name: str,
        distribution: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register ``plugin`` (usually a module) under the entry-point ``name``."""
        for other in self.loaded:
            if other.name == name:
                raise plugin_error(
                    PluginErrorCode.PLUGIN_LOAD_FAILED,
                    name,
                    f"is the name of two plugins, from distribution "
                    f"{other.distribution or '-'!r} and distribution {distribution or '-'!r}",
                )
        self._check_hook_functions(plugin, name)
        try:
            self._pm.register(plugin, name=name)
        except Exception as exc:
            raise plugin_error(
                PluginErrorCode.PLUGIN_LOAD_FAILED, name, f"failed to register: {exc}"
            ) from exc
        self.loaded.append(LoadedPlugin(name, distribution, version))
        self._statement = self._invoice = self._sources = None  # providers are read again

    def _check_hook_functions(self, plugin: object, name: str) -> None:
        """Catch the silent mistakes: a misspelt hook, a missing @hookimpl, an async hook."""
        for attr in dir(plugin):
            if not attr.startswith(HOOK_PREFIX):
                continue
            value = inspect.getattr_static(plugin, attr, None)
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            if not callable(value):
                continue
            opts = self._pm.parse_hookimpl_opts(plugin, attr)
            hook = (opts or {}).get("specname") or attr  # @hookimpl(specname=...) renames
            problem = None
            if opts is None and attr in HOOK_NAMES:
                problem = f"defines {attr} without the @hookimpl decorator (from arapi.plugin)"
            elif opts is not None and hook not in HOOK_NAMES and not opts.get("optionalhook"):
                close = difflib.get_close_matches(attr, sorted(HOOK_NAMES), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                problem = f"implements unknown hook {attr}{hint}"
            elif opts is not None and inspect.iscoroutinefunction(value):
                problem = f"implements {attr} as async; hooks are synchronous"
            if problem:
                raise plugin_error(PluginErrorCode.PLUGIN_LOAD_FAILED, name, problem)

    # ------------------------------------------------------------ providers

    def _collect(self, hook_name: str, protocol: type) -> list[tuple[str, Any]]:
        hook = getattr(self._pm.hook, hook_name)
        out: list[tuple[str, Any]] = []
        for impl in hook.get_hookimpls():
            try:
                providers = impl.function()
            except (Exception, SystemExit) as exc:
                raise plugin_error(
                    PluginErrorCode.PLUGIN_LOAD_FAILED,
                    impl.plugin_name,
                    f"failed in {hook_name}: {type(exc).__name__}: {exc}",
                ) from exc
            if providers is None:  # a forgotten `return`
                raise plugin_error(
                    PluginErrorCode.BAD_PROVIDER,
                    impl.plugin_name,
                    f"returned None from {hook_name}; the hook must return a list of "
                    f"{protocol.__name__} (an empty list is fine)",
                )
            if not isinstance(providers, list | tuple):
                raise plugin_error(
                    PluginErrorCode.BAD_PROVIDER,
                    impl.plugin_name,
                    f"returned {providers!r} from {hook_name}, "
                    f"which is not a list of {protocol.__name__}",
                )
            for provider in providers:
                if not isinstance(provider, protocol):
                    raise plugin_error(
                        PluginErrorCode.BAD_PROVIDER,
                        impl.plugin_name,
                        f"returned {provider!r} from {hook_name}, "
                        f"which is not {with_article(protocol.__name__)}"
                        f"{_missing_members(provider, protocol)}",
                    )
                out.append((impl.plugin_name, provider))
        return out

    def _by_key(
        self, hook_name: str, protocol: type, attribute: str = "format"
    ) -> dict[str, tuple[str, Any]]:
        """Providers by their key (``format``, or a source's ``name``), which must be unique."""
        table: dict[str, tuple[str, Any]] = {}
        for plugin_name, provider in self._collect(hook_name, protocol):
            key = getattr(provider, attribute)
            if not isinstance(key, str) or not 0 < len(key) <= KEY_MAX_LENGTH:
                raise plugin_error(
                    PluginErrorCode.BAD_PROVIDER,
                    plugin_name,
                    f"returned {provider!r} from {hook_name} "
                    f"with {attribute} {key!r}; the {attribute} must be a string of 1 to "
                    f"{KEY_MAX_LENGTH} characters",
                )
            if key in table:  # two plugins at fault: either may be the one to skip
                raise PluginError(
                    PluginErrorCode.DUPLICATE_FORMAT,
                    f"{_KINDS[protocol]} {attribute} {key!r} is provided by both plugin "
                    f"{table[key][0]!r} and plugin "
                    f"{plugin_name!r} {_DUPLICATE_HINT}",
                )
            table[key] = (plugin_name, provider)
        return table

    def statement_parsers(self) -> dict[str, StatementParser]:
        """Every registered statement parser by format key (DUPLICATE_FORMAT on a clash)."""
        if self._statement is None:
            self._statement = self._by_key("arapi_statement_parsers", StatementParser)
        return {k: v[1] for k, v in self._statement.items()}

    def invoice_parsers(self) -> dict[str, InvoiceParser]:
        """Every registered invoice parser by format key (DUPLICATE_FORMAT on a clash)."""
        if self._invoice is None:
            self._invoice = self._by_key("arapi_invoice_parsers", InvoiceParser)
        return {k: v[1] for k, v in self._invoice.items()}

    def invoice_sources(self) -> dict[str, InvoiceSource]:
        """Every registered invoice source (ERP connector) by name (DUPLICATE_FORMAT on a clash)."""
        if self._sources is None:
            self._sources = self._by_key("arapi_invoice_sources", InvoiceSource, "name")
        return {k: v[1] for k, v in self._sources.items()}

    def credit_info_providers(self) -> list[CreditInfoProvider]:
        """Every registered credit-information provider, in plugin order."""
        return [p for _, p in self._collect("arapi_credit_info_providers", CreditInfoProvider)]

    def notification_channels(self) -> list[NotificationChannel]:
        """Every registered notification channel, in plugin order."""
        return [p for _, p in self._collect("arapi_notification_channels", NotificationChannel)]

    def provider_owner(self, kind: str, key: str) -> str | None:
        """The plugin name that provides ``key``: a "statement" or "invoices" format, or a "source"."""
        load, attribute = {
            "statement": (self.statement_parsers, "_statement"),
            "source": (self.invoice_sources, "_sources"),
        }.get(kind, (self.invoice_parsers, "_invoice"))
        load()
        entry = (getattr(self, attribute) or {}).get(key)
        return entry[0] if entry else None

    # ------------------------------------------------------------ detection

    @staticmethod
    def pick(parsers: dict[str, Any], data: bytes, explicit: str | None) -> Any:
        """The parser for ``data``: the explicit format wins; else exactly one must sniff it."""
        known = f"known: {', '.join(sorted(parsers)) or 'none'}"
        if explicit:
            try:
                return parsers[explicit]
            except KeyError:
                raise ParseError(
                    ParseErrorCode.UNKNOWN_FORMAT, f"unknown format {explicit!r}; {known}"
                ) from None
        head = data[:SNIFF_BYTES]
        hits = []
        for key, parser in parsers.items():
            try:
                if parser.sniff(head):
                    hits.append(key)
            except Exception:  # a sniff that raises is a no
                continue
        if not hits:
            raise ParseError(
                ParseErrorCode.UNKNOWN_FORMAT, f"the file's format was not recognised; {known}"
            )
        if len(hits) > 1:
            raise ParseError(
                ParseErrorCode.AMBIGUOUS_FORMAT,
                f"the file looks like several formats ({', '.join(sorted(hits))}); give the format explicitly",
            )
        return parsers[hits[0]]


def _missing_members(provider: Any, protocol: type) -> str:
    """ ": it has no parse, sniff" -- what the provider lacks of its protocol, for the message."""
    members = set(getattr(protocol, "__annotations__", {})) | {
        name for name, value in vars(protocol).items() if callable(value)
    }
    missing = sorted(
        name for name in members if not name.startswith("_") and not hasattr(provider, name)
    )
    return f": it has no {', '.join(missing)}" if missing else ""
