"""Fixtures of the cash-application tests."""

from __future__ import annotations

import pytest

from tests.matching.builders import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
