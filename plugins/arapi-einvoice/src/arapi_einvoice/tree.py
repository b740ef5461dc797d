"""Walking parsed e-invoice trees by local element names.

CII 2.x and ZUGFeRD 1.0 use different namespace versions for the same
``ram:`` names, and UBL spreads names over ``cac:``/``cbc:``. The readers
check the root namespace once and then match children by local name only,
so one walker serves every generation. Only direct children are matched:
UBL nests whole parties (agents, service providers) inside the ones we read.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from arapi.plugin.safexml import localname

Names = str | tuple[str, ...]


def _matches(element: etree._Element, names: Names) -> bool:
    name = localname(element)
    return name == names if isinstance(names, str) else name in names


def children(element: etree._Element | None, names: Names) -> list[etree._Element]:
    """Direct child elements whose local name is ``names`` (or one of them)."""
    if element is None:
        return []
    return [c for c in element if isinstance(c.tag, str) and _matches(c, names)]


def child(element: etree._Element | None, *path: Names) -> etree._Element | None:
    """Follow ``path`` through first matching children; None as soon as a step is missing."""
    current = element
    for step in path:
        if current is None:
            return None
        current = next(iter(children(current, step)), None)
    return current


def descend(element: etree._Element | None, *path: Names) -> Iterator[etree._Element]:
    """Every element reached by ``path``, branching at each step (``a/b/c`` in XPath)."""
    if element is None:
        return
    if not path:
        yield element
        return
    for match in children(element, path[0]):
        yield from descend(match, *path[1:])


def text(element: etree._Element | None) -> str | None:
    """Stripped text content, None when absent or blank."""
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def child_text(element: etree._Element | None, *path: Names) -> str | None:
    return text(child(element, *path))


def attribute(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() or None if value is not None else None
