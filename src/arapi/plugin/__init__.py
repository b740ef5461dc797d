"""Plugin host for connectors: see :mod:`arapi.plugin.hookspecs`."""

from arapi.plugin.hookspecs import hookimpl, hookspec
from arapi.plugin.host import PluginError, PluginHost

__all__ = ["PluginError", "PluginHost", "hookimpl", "hookspec"]
