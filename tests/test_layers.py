"""The package rules of DESIGN.md, read from the source with ast: who may import whom, no cycles.

Imports inside functions count (they run too); those under ``if TYPE_CHECKING:`` do not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("crawler", "storage", "scheduler", "spiders")
SCRAPY = ("scrapy", "scrapy_playwright", "twisted")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported name, resolved to one of our modules when it is ours
    where: str  # path:line

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} ({self.where})"


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Finder(ast.NodeVisitor):
    """Every name a module imports, at any depth, with ``import``, ``from``, or
    ``importlib.import_module("...")``; relative imports resolved against ``package``."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.found: list[tuple[str, int]] = []

    def visit_If(self, node: ast.If) -> None:
        if _type_checking(node.test):
            for statement in node.orelse:  # the else branch runs
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, node.lineno) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        # `from a import b`: b may be a module (a.b) or a name in a; resolved later
        self.found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if name in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self.found.append((first.value, node.lineno))
        self.generic_visit(node)


def imported_names(source: str, module: str, is_package: bool = False) -> list[tuple[str, int]]:
    """(dotted name, line) of every import in ``source``, the module named ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    finder = _Finder(package)
    finder.visit(ast.parse(source))
    return finder.found


def our_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of ``name`` that is one of our modules, else ``name`` itself."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return name


def all_imports(modules: dict[str, Path]) -> Iterator[Import]:
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        source = path.read_text(encoding="utf-8")
        for name, line in imported_names(source, module, is_package):
            target = resolve(name, modules)
            yield Import(module, target, f"{path.relative_to(ROOT)}:{line}")


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return list(all_imports(our_modules()))


def top(name: str) -> str:
    return name.split(".")[0]


def violations(imports: list[Import], package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        str(i) for i in imports if top(i.source) == package and top(i.target) in forbidden
    )


def cycles(imports: list[Import]) -> list[list[str]]:
    """One cycle (a path back to its start) per strongly connected group of our modules."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if top(i.target) in OURS and i.target != i.source:
            graph.setdefault(i.source, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    found = []
    for group in groups:
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:  # the shortest way from start back to start, inside the group
            node = queue.pop(0)
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    found.append(paths[node] + [start])
                    queue.clear()
                    break
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    queue.append(nxt)
    return sorted(found)


# -- the finder itself ---------------------------------------------------------------------


def test_the_finder_sees_function_level_imports_and_skips_type_checking_ones():
    source = (
        "from __future__ import annotations\n"
        "import typing\n"
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from ..other import thing\n"
        "if TYPE_CHECKING:\n"
        "    from crawler.portals import Portal\n"
        "if typing.TYPE_CHECKING:\n"
        "    import scrapy\n"
        "else:\n"
        "    import twisted\n"
        "def later():\n"
        "    from scheduler.daemon import Daemon\n"
        "    importlib.import_module('spiders.base')\n"
    )
    names = [name for name, _ in imported_names(source, "storage.sub.mod")]
    assert "storage.sub.sibling" in names and "storage.other.thing" in names
    assert "scheduler.daemon.Daemon" in names and "spiders.base" in names
    assert "twisted" in names
    assert not [n for n in names if n.startswith(("crawler", "scrapy"))]


def test_cycles_are_found_with_a_path():
    def edge(a: str, b: str) -> Import:
        return Import(a, b, "x.py:1")

    found = cycles([edge("crawler.a", "crawler.b"), edge("crawler.b", "crawler.a")])
    assert found == [["crawler.a", "crawler.b", "crawler.a"]]
    assert cycles([edge("crawler.a", "crawler.b"), edge("crawler.b", "storage.c")]) == []


def test_every_package_is_read(imports):
    sources = {top(i.source) for i in imports}
    assert sources == set(OURS)
    assert any(
        i.source == "scheduler.triggers" and i.target == "storage.durations" for i in imports
    )


# -- the rules (DESIGN.md) ------------------------------------------------------------------


def test_storage_imports_nothing_of_ours_and_no_scrapy(imports):
    found = violations(imports, "storage", ("crawler", "scheduler", "spiders", *SCRAPY))
    assert not found, "\n".join(found)


def test_scheduler_imports_only_storage_and_no_scrapy(imports):
    found = violations(imports, "scheduler", ("crawler", "spiders", *SCRAPY))
    assert not found, "\n".join(found)


def test_crawler_does_not_import_spiders(imports):
    found = violations(imports, "crawler", ("spiders",))
    assert not found, "\n".join(found)


def test_no_import_cycle_among_our_modules(imports):
    found = [" → ".join(cycle) for cycle in cycles(imports)]
    assert not found, "import cycles:\n" + "\n".join(found)
