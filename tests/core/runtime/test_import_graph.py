"""The modules of core.runtime import each other without a cycle, and in any order.

The graph is read from the source with ``ast``: every import a module makes at run
time, at its top or inside a function (a lazy import hides a cycle, it does not break
it). Imports under ``if TYPE_CHECKING:`` never run, so they are no edges. Python imports
the package before any of its modules; only a name taken from the package's namespace
(``from core.runtime import Chan``) is an edge to ``core/runtime/__init__.py``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "core.runtime"
SOURCES = ROOT / "core" / "runtime"
RUNTIME_MODULE = f"{PACKAGE}._runtime"  # the module that holds Runtime


def module_name(path: Path) -> str:
    return PACKAGE if path.name == "__init__.py" else f"{PACKAGE}.{path.stem}"


MODULES = {module_name(p): p for p in sorted(SOURCES.glob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_time_imports(path: Path) -> list[tuple[str, bool]]:
    """The core.runtime modules *path* imports at run time, each with whether at its top."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, top) for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            if node.module == PACKAGE:  # ``from core.runtime import _waitq``: a submodule
                for a in node.names:
                    sub = f"{PACKAGE}.{a.name}"
                    found.append((sub if sub in MODULES else PACKAGE, top))
            elif node.module in MODULES:
                found.append((node.module, top))
        inner = top and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


GRAPH = {m: {dep for dep, _top in run_time_imports(p) if dep != m} for m, p in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of *graph* as a path that ends where it began, or None."""
    done: set[str] = set()
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        if m in path:
            return [*path[path.index(m) :], m]
        if m in done:
            return None
        path.append(m)
        for dep in sorted(graph.get(m, ())):
            cycle = walk(dep)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(m)
        return None

    for m in sorted(graph):
        cycle = walk(m)
        if cycle is not None:
            return cycle
    return None


def test_the_graph_sees_the_runtime_modules():
    assert {RUNTIME_MODULE, f"{PACKAGE}.context", f"{PACKAGE}._goroutine"} <= set(MODULES)
    assert f"{PACKAGE}.context" in GRAPH[RUNTIME_MODULE]


def test_find_cycle_finds_a_cycle_through_a_lazy_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_runtime_modules_import_each_other_without_a_cycle():
    assert find_cycle(GRAPH) is None


def test_no_runtime_module_imports_another_lazily():
    lazy = [(m, dep) for m, p in MODULES.items() for dep, top in run_time_imports(p) if not top]
    assert lazy == []


@pytest.mark.parametrize("low", ["context", "_chan", "_goroutine"])
def test_context_chan_and_goroutine_never_reach_the_module_holding_runtime(low):
    seen: set[str] = set()
    todo = [f"{PACKAGE}.{low}"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(GRAPH[m])
    assert RUNTIME_MODULE not in seen


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_runtime_module_imports_first_in_a_fresh_interpreter(module):
    code = (
        f"import {module}\n"
        "from core.runtime import current_runtime, default_runtime\n"
        "assert current_runtime() is default_runtime()\n"
        "assert current_runtime().root_context().err() is None\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
