"""Where the third-party sample corpus lives, and its EXPECTED.json facts.

The corpus is never copied into the project: tests read it from
``$ARAPI_CORPUS`` or ``../shared/corpus`` next to the checkout and skip with a
clear message when it is absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from arapi.plugin.types import StatementLine

_REPO = Path(__file__).resolve().parents[3]


def corpus_dir() -> Path | None:
    env = os.environ.get("ARAPI_CORPUS")
    candidates = [Path(env)] if env else []
    candidates += [_REPO.parent / "shared" / "corpus", Path.cwd().parent / "shared" / "corpus"]
    for candidate in candidates:
        if (candidate / "MANIFEST.tsv").is_file():
            return candidate
    return None


def require_corpus() -> Path:
    found = corpus_dir()
    if found is None:
        pytest.skip("sample corpus not found: set ARAPI_CORPUS or put it at ../shared/corpus")
    return found


def read(rel: str) -> bytes:
    """The bytes of the corpus file ``rel`` (a path relative to the corpus root).

    Skips the test when the corpus is absent, like ``require_corpus``; a file missing
    from a corpus that is there raises ``FileNotFoundError`` rather than skipping.
    """
    return (require_corpus() / rel).read_bytes()


def credit_total(lines: Iterable[StatementLine]) -> Decimal:
    """The sum of the positive amounts of ``lines`` (``Decimal(0)`` when there are none)."""
    return sum((line.amount for line in lines if line.amount > 0), Decimal(0))


def debit_total(lines: Iterable[StatementLine]) -> Decimal:
    """The magnitude of the negative amounts of ``lines``: a sum >= 0, like ``credit_total``."""
    return sum((-line.amount for line in lines if line.amount < 0), Decimal(0))


@lru_cache(maxsize=1)
def expected() -> dict[str, dict]:
    found = corpus_dir()
    if found is None:
        return {}
    return json.loads((found / "EXPECTED.json").read_text(encoding="utf-8"))


def corpus_files(folder: str, *, bad: bool = False) -> list[str]:
    """Relative paths of the corpus files in ``folder`` (or its ``bad/`` subfolder), sorted.

    Returns an empty list when the corpus is absent; use with ``require_corpus``.
    """
    root = corpus_dir()
    if root is None:
        return []
    base = root / folder / "bad" if bad else root / folder
    if not base.is_dir():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in base.iterdir()
        if p.is_file() and not p.name.startswith(".")
    )
