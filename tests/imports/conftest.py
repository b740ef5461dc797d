"""Fixtures shared by the import tests."""

from __future__ import annotations

import pytest

from arapi.plugin import PluginHost


@pytest.fixture(scope="module")
def plugins() -> PluginHost:
    """The installed plugins, found through their entry points as the app finds them."""
    return PluginHost.from_entry_points()
