"""The garbage collector pause around statement imports: off inside, restored after, whatever happens."""

from __future__ import annotations

import gc
import threading

import pytest

from arapi.imports import collector


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_off_inside_and_back_on_after_even_on_error():
    with pytest.raises(RuntimeError):
        with collector.paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_overlapping_imports_turn_it_back_on_when_the_last_one_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector.paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector.paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def test_as_a_decorator_each_call_pauses_anew():
    @collector.paused()
    def state():
        return gc.isenabled()

    assert (state(), gc.isenabled(), state(), gc.isenabled()) == (False, True, False, True)
