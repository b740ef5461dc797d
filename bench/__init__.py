"""Benchmarks: each ``bench/bench_<name>.py`` exposes ``run(quick: bool = False) -> None``.

``python -m bench [--quick] [--only NAME ...]`` runs them in turn (see README.md).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

PREFIX = "bench_"
_HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Names of the benchmark modules (``bench_ofx.py`` is "ofx"), sorted."""
    return sorted(
        info.name[len(PREFIX) :]
        for info in pkgutil.iter_modules([str(_HERE)])
        if info.name.startswith(PREFIX) and not info.ispkg
    )


def load(name: str) -> Callable[..., object]:
    """The ``run`` function of one benchmark module (imported only when asked for)."""
    module = importlib.import_module(f"{__name__}.{PREFIX}{name}")
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"{module.__name__} has no run(quick: bool = False) function")
    return run


def normalize(names: Iterable[str]) -> list[str]:
    """Accept "graphql", "bench_graphql" or "bench_graphql.py"; unknown names raise."""
    available = discover()
    chosen = []
    for raw in names:
        name = raw.removesuffix(".py").removeprefix(PREFIX)
        if name not in available:
            raise ValueError(f"no benchmark {raw!r}; available: {', '.join(available)}")
        if name not in chosen:
            chosen.append(name)
    return chosen


def run_all(names: Iterable[str] | None = None, *, quick: bool = False) -> None:
    """Run the chosen benchmarks (all by default) one after the other.

    Nothing is caught: a benchmark that fails fails the whole run.
    """
    chosen = discover() if names is None else normalize(names)
    mode = "quick" if quick else "full"
    for name in chosen:
        print(f"\n==================== {PREFIX}{name} ({mode}) ====================", flush=True)
        started = time.perf_counter()
        load(name)(quick=quick)
        print(f"---- {PREFIX}{name} done in {time.perf_counter() - started:.1f} s", flush=True)
