"""Python's cyclic garbage collector, paused while a statement file is parsed and written.

A 100 000-line statement is about a million objects (lines, amounts, dates,
row tuples) that all live until the import ends and hold no reference cycles.
The collector would walk them again and again without freeing anything: about
a fifth of the import's time at that size (``make bench``, ``bench_import``).
Reference counting still frees everything as usual; only the search for
cycles waits, and catches up on its next run once the import is over.

The switch is process-wide: other requests served meanwhile have their cyclic
garbage collected a few seconds later, not leaked. Nested or concurrent
imports leave the collector on if it was on before the first of them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # imports inside paused() right now
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
