"""docs/plugin-hooks.md against the code: hooks, Protocols, boundary types, error codes.

The doc's format is deliberately simple: a reference item is a ``### Name``
heading whose first ```python block holds the exact definition (a hook's
``def`` line, a Protocol's or dataclass's ``class`` with its members), and
error codes are table rows starting with ``| `CODE` |``.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from arapi.plugin import hookspecs, providers
from arapi.plugin import types as boundary
from arapi.plugin.host import PluginErrorCode
from arapi.plugin.types import ParseError, ParseErrorCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugin-hooks.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Section:
    level: int
    prose: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (language, code)


def parse_sections(markdown: str) -> dict[str, Section]:
    """``### Title`` -> its prose and fenced blocks, up to the next heading of any level."""
    sections: dict[str, Section] = {}
    current: Section | None = None
    fence: tuple[str, list[str]] | None = None
    for line in markdown.splitlines():
        if fence is not None:
            if line.strip() == "```":
                if current is not None:
                    current.blocks.append((fence[0], "\n".join(fence[1])))
                fence = None
            else:
                fence[1].append(line)
            continue
        if m := _FENCE.match(line):
            fence = (m.group(1), [])
            continue
        if m := _HEADING.match(line):
            title = m.group(2)
            assert title not in sections, f"heading {title!r} appears twice"
            current = sections[title] = Section(level=len(m.group(1)))
            continue
        if current is not None:
            current.prose.append(line)
    assert fence is None, "unclosed code fence"
    return sections


def first_python(sections: dict[str, Section], title: str) -> ast.Module:
    section = sections.get(title)
    assert section is not None, f"docs/plugin-hooks.md has no '### {title}' section"
    assert section.level == 3, f"'{title}' should be a level-3 heading"
    code = next((c for lang, c in section.blocks if lang == "python"), None)
    assert code is not None, f"section {title!r} has no ```python block"
    return ast.parse(code)


# ---------------------------------------------------------------- hooks


def hook_names() -> set[str]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name
        for name, value in vars(hookspecs).items()
        if name.startswith("arapi_") and callable(value) and hasattr(value, marker)
    }


def _norm(expr: str) -> str:
    return ast.unparse(ast.parse(expr, mode="eval"))


def spec_signature(fn) -> tuple:
    """(params, return) from inspect.signature; annotations are strings (postponed)."""
    sig = inspect.signature(fn)

    def annotation(value) -> str | None:
        if value is inspect.Parameter.empty:
            return None
        return _norm(value if isinstance(value, str) else inspect.formatannotation(value))

    params = tuple(
        (
            p.name,
            p.kind.name,
            annotation(p.annotation),
            None if p.default is inspect.Parameter.empty else _norm(repr(p.default)),
        )
        for p in sig.parameters.values()
    )
    return params, annotation(sig.return_annotation)


def doc_signature(node: ast.FunctionDef) -> tuple:
    """The same shape as :func:`spec_signature`, read from the documented ``def``."""
    a = node.args
    positional = [(arg, "POSITIONAL_ONLY") for arg in a.posonlyargs]
    positional += [(arg, "POSITIONAL_OR_KEYWORD") for arg in a.args]
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    rows = [(arg, kind, default) for (arg, kind), default in zip(positional, defaults, strict=True)]
    if a.vararg:
        rows.append((a.vararg, "VAR_POSITIONAL", None))
    rows += [(arg, "KEYWORD_ONLY", d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    if a.kwarg:
        rows.append((a.kwarg, "VAR_KEYWORD", None))
    params = tuple(
        (
            arg.arg,
            kind,
            ast.unparse(arg.annotation) if arg.annotation else None,
            ast.unparse(default) if default is not None else None,
        )
        for arg, kind, default in rows
    )
    return params, ast.unparse(node.returns) if node.returns else None


def documented_hook(sections: dict[str, Section], name: str) -> ast.FunctionDef:
    module = first_python(sections, name)
    defs = [n for n in module.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert [d.name for d in defs] == [name], (
        f"the first python block of '### {name}' must hold exactly `def {name}(...) -> ...: ...`"
    )
    assert isinstance(defs[0], ast.FunctionDef), f"{name} is documented as async; hooks are sync"
    return defs[0]


def hook_mismatches(markdown: str, names: set[str], module) -> list[str]:
    sections = parse_sections(markdown)
    documented = {t for t, s in sections.items() if s.level == 3 and t.startswith("arapi_")}
    problems = [f"undocumented hook {n}" for n in sorted(names - documented)]
    problems += [f"documented hook {n} does not exist" for n in sorted(documented - names)]
    for name in sorted(names & documented):
        ours = doc_signature(documented_hook(sections, name))
        theirs = spec_signature(getattr(module, name))
        if ours != theirs:
            problems.append(f"{name}: documented {ours} but the hookspec is {theirs}")
    return problems


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections(doc_text) -> dict[str, Section]:
    return parse_sections(doc_text)


def test_there_are_hooks_to_document():
    assert {
        "arapi_statement_parsers",
        "arapi_invoice_parsers",
        "arapi_credit_info_providers",
        "arapi_notification_channels",
    } <= hook_names()


def test_every_hook_is_documented_with_its_exact_signature(doc_text):
    assert hook_mismatches(doc_text, hook_names(), hookspecs) == []


def test_the_check_catches_a_wrong_missing_or_extra_hook():
    names = {"arapi_statement_parsers", "arapi_invoice_parsers"}
    doc = (
        "### arapi_statement_parsers\n\n```python\n"
        "def arapi_statement_parsers(limit: int = 3) -> list[StatementParser]: ...\n```\n\n"
        "### arapi_gone\n\n```python\ndef arapi_gone() -> list: ...\n```\n"
    )
    problems = hook_mismatches(doc, names, hookspecs)
    assert "undocumented hook arapi_invoice_parsers" in problems
    assert "documented hook arapi_gone does not exist" in problems
    assert any(p.startswith("arapi_statement_parsers: documented") for p in problems)


def test_every_hookspec_is_a_prefixed_synchronous_typed_documented_registration():
    marker = f"{hookspecs.PROJECT}_spec"
    specs = {n for n, v in vars(hookspecs).items() if callable(v) and hasattr(v, marker)}
    assert specs == hook_names(), "every hookspec must be named arapi_*"
    protocols = {cls for _, cls in inspect.getmembers(providers, _is_protocol)}
    for name in sorted(specs):
        fn = getattr(hookspecs, name)
        assert not inspect.iscoroutinefunction(fn), f"{name}: hooks are synchronous"
        hints = typing.get_type_hints(fn)
        returned = hints.get("return")
        assert typing.get_origin(returned) is list, f"{name} must return list[<Protocol>]"
        (item,) = typing.get_args(returned)
        assert item in protocols, f"{name} returns {item}, not a Protocol of providers"
        doc = inspect.getdoc(fn) or ""
        assert len(doc.splitlines()) >= 3, f"{name} needs a full docstring"


# ---------------------------------------------------------------- classes


def _is_protocol(obj) -> bool:
    return (
        inspect.isclass(obj)
        and obj.__module__ == providers.__name__
        and getattr(obj, "_is_protocol", False)
    )


def _boundary_dataclasses() -> list[type]:
    return [
        cls
        for name, cls in inspect.getmembers(boundary, inspect.isclass)
        if cls.__module__ == boundary.__name__
        and not name.startswith("_")
        and dataclasses.is_dataclass(cls)
    ]


def class_members(node: ast.ClassDef) -> dict[str, str]:
    """Fields and method signatures of a class definition; bodies and docstrings ignored."""
    members = {"<class>": f"class {node.name}({', '.join(ast.unparse(b) for b in node.bases)})"}
    members["<decorators>"] = " ".join(f"@{ast.unparse(d)}" for d in node.decorator_list)
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            default = f" = {ast.unparse(item.value)}" if item.value is not None else ""
            members[item.target.id] = f"{ast.unparse(item.annotation)}{default}"
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            prefix = "async def" if isinstance(item, ast.AsyncFunctionDef) else "def"
            decorators = "".join(f"@{ast.unparse(d)} " for d in item.decorator_list)
            returns = f" -> {ast.unparse(item.returns)}" if item.returns else ""
            members[item.name] = f"{decorators}{prefix} ({ast.unparse(item.args)}){returns}"
    return members


def source_class(cls: type) -> ast.ClassDef:
    (node,) = ast.parse(textwrap.dedent(inspect.getsource(cls))).body
    assert isinstance(node, ast.ClassDef)
    return node


def documented_class(sections: dict[str, Section], name: str) -> ast.ClassDef:
    module = first_python(sections, name)
    classes = [n for n in module.body if isinstance(n, ast.ClassDef) and n.name == name]
    assert len(classes) == 1, f"the first python block of '### {name}' must define class {name}"
    return classes[0]


def class_mismatches(sections: dict[str, Section], cls: type) -> dict[str, tuple]:
    ours = class_members(documented_class(sections, cls.__name__))
    theirs = class_members(source_class(cls))
    problems = {
        key: (ours.get(key), theirs.get(key))
        for key in sorted(ours.keys() | theirs.keys())
        if ours.get(key) != theirs.get(key)
    }
    if not problems and list(ours) != list(theirs):  # field order is the positional order
        problems["<order>"] = (list(ours), list(theirs))
    return problems


PROTOCOLS = [cls for _, cls in inspect.getmembers(providers, _is_protocol)]
DATACLASSES = _boundary_dataclasses()


def test_the_five_protocols_and_the_boundary_types_are_found():
    assert {c.__name__ for c in PROTOCOLS} == {
        "StatementParser",
        "InvoiceParser",
        "InvoiceSource",
        "CreditInfoProvider",
        "NotificationChannel",
    }
    assert {"StatementFile", "StatementLine", "InvoiceDocument", "CreditReport"} <= {
        c.__name__ for c in DATACLASSES
    }


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda c: c.__name__)
def test_protocol_documented_member_for_member(sections, protocol):
    assert class_mismatches(sections, protocol) == {}


@pytest.mark.parametrize("cls", DATACLASSES, ids=lambda c: c.__name__)
def test_boundary_dataclass_documented_field_for_field(sections, cls):
    assert class_mismatches(sections, cls) == {}


def test_every_public_boundary_dataclass_is_mentioned(doc_text):
    missing = [c.__name__ for c in DATACLASSES if f"class {c.__name__}" not in doc_text]
    assert missing == []


def test_the_class_check_catches_a_missing_field_and_a_wrong_signature():
    doc = (
        "### StatementParser\n\n```python\n@runtime_checkable\n"
        "class StatementParser(Protocol):\n    format: str\n\n"
        "    def sniff(self, head: str) -> bool: ...\n\n"
        "    def parse(self, data: bytes) -> StatementFile: ...\n```\n"
    )
    problems = class_mismatches(parse_sections(doc), providers.StatementParser)
    assert set(problems) == {"label", "sniff"}


def test_parse_error_constructor_is_documented(sections):
    ours = class_members(documented_class(sections, "ParseError"))
    theirs = class_members(source_class(ParseError))
    assert ours == theirs


def _table_codes(section: Section) -> set[str]:
    return {
        m.group(1) for line in section.prose if (m := re.match(r"^\|\s*`([A-Z_]+)`\s*\|", line))
    }


@pytest.mark.parametrize("enum", [ParseErrorCode, PluginErrorCode], ids=lambda e: e.__name__)
def test_every_error_code_is_in_its_table(sections, enum):
    assert enum.__name__ in sections, f"no '### {enum.__name__}' section"
    assert _table_codes(sections[enum.__name__]) == {code.value for code in enum}


def test_headings_inside_code_blocks_are_not_sections():
    doc = "### A\n\n```python\n# not a heading\nx: int\n```\n\ntext\n"
    parsed = parse_sections(doc)
    assert list(parsed) == ["A"]
    assert parsed["A"].blocks == [("python", "# not a heading\nx: int")]
