"""The import graph of assessment/: no cycles, the library never imports a front end, and every
import inside a function says why it is not at the top of its module.

The graph is read with ``ast`` (nothing is imported), so a cycle that only shows at run time in
one code path is still found.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "assessment"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
FRONT_ENDS = ("assessment.cli", "assessment.ui")
REASON_MARKERS = ("# heavy:", "# cycle:", "# optional:")  # what a function-level import must say


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported assessment module
    line: int
    function_level: bool
    reason: str | None  # the trailing comment of a function-level import


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(node: ast.ImportFrom, source: str, is_package: bool, modules: set[str]) -> list[str]:
    """The assessment modules an ``from X import a, b`` names (a name may be a submodule)."""
    if node.level:
        base = source.split(".") if is_package else source.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    if not stem.startswith(PACKAGE):
        return []
    found = [f"{stem}.{alias.name}" for alias in node.names if f"{stem}.{alias.name}" in modules]
    if stem in modules and len(found) < len(node.names):
        found.append(stem)
    return found or ([stem] if stem in modules else [])


def _trailing_comment(lines: list[str], node: ast.stmt) -> str | None:
    end = getattr(node, "end_lineno", node.lineno) or node.lineno
    for lineno in range(node.lineno, end + 1):
        text = lines[lineno - 1]
        if "#" in text:
            return text[text.index("#"):].strip()
    return None


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(source: str, path: Path, modules: set[str]) -> list[Import]:
    """Every import in the module: at module level (not under TYPE_CHECKING) and inside functions."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _under_type_checking(child):
                continue  # annotations only: never executed
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import | ast.ImportFrom):
                reason = _trailing_comment(lines, child) if in_function else None
                if isinstance(child, ast.Import):
                    targets = [a.name for a in child.names]
                else:
                    targets = _resolve(child, source, path.name == "__init__.py", modules)
                    if not targets and in_function:  # a third-party import inside a function
                        targets = [f"external:{child.module}"]
                for target in targets:
                    found.append(Import(source, target, child.lineno, in_function, reason))
            visit(child, inside)

    visit(ast.parse(text, filename=str(path)), False)
    return found


@cache
def import_graph() -> tuple[dict[str, set[str]], list[Import]]:
    modules = all_modules()
    names = set(modules)
    every: list[Import] = []
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in modules.items():
        for imp in imports_of(name, path, names):
            every.append(imp)
            target = _known(imp.target, names)
            if target is not None and target != name:
                graph[name].add(target)
                # importing a.b.c runs a/__init__ and a/b/__init__ first
                parent = target.rpartition(".")[0]
                while parent and parent != name and parent in names:
                    if not name.startswith(parent + "."):
                        graph[name].add(parent)
                    parent = parent.rpartition(".")[0]
    return graph, every


def _known(target: str, names: set[str]) -> str | None:
    while target:
        if target in names:
            return target
        target = target.rpartition(".")[0]
    return None


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component with more than one module (or a self-loop), as a cycle path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:  # Tarjan's algorithm, iterative over edges via recursion depth < modules
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return [_cycle_path(graph, set(c)) for c in components]


def _cycle_path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One concrete loop through a strongly connected component: a → b → … → a."""
    start = min(component)
    path, seen = [start], {start}
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:  # breadth-first back to start within the component
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w == start:
                    loop = [v]
                    while loop[-1] != start:
                        loop.append(parents[loop[-1]])
                    return list(reversed(loop)) + [start]
                if w in component and w not in seen:
                    seen.add(w)
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    return path


def is_front_end(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FRONT_ENDS)


# --- the checks of the real package ------------------------------------------------------------

def test_no_import_cycles():
    graph, _ = import_graph()
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_library_never_imports_a_front_end():
    _, imports = import_graph()
    bad = [f"{i.source}:{i.line} imports {i.target}" for i in imports
           if not is_front_end(i.source) and is_front_end(i.target) and i.source != "assessment.__main__"]
    assert not bad, "the library imports the CLI or the wizard:\n" + "\n".join(bad)


def test_function_level_imports_say_why():
    _, imports = import_graph()
    silent = sorted({f"{i.source}:{i.line} {i.target}" for i in imports
                     if i.function_level and not (i.reason and i.reason.startswith(REASON_MARKERS))})
    assert not silent, ("imports inside functions need a reason comment starting with one of "
                        f"{', '.join(REASON_MARKERS)} (or move them to the top of the module):\n" + "\n".join(silent))


# modules that own a table may query it; everything else asks the Store by name
SQL_OWNERS = {"assessment.run.store", "assessment.judges.cache", "assessment.audit.records"}


def conn_uses(path: Path) -> list[int]:
    """Lines where the module reaches for a raw database connection (``something.conn``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "conn"]


def test_only_the_store_runs_sql():
    bad = [f"{name}:{line}" for name, path in all_modules().items() if name not in SQL_OWNERS
           for line in conn_uses(path)]
    assert not bad, "raw SQL on store.conn outside the store (add a named Store method):\n" + "\n".join(bad)


def test_conn_finder_sees_raw_sql(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("def f(store):\n    return store.conn.execute('SELECT 1')\n")
    assert conn_uses(path) == [2]


def test_the_graph_sees_the_package():
    graph, imports = import_graph()
    assert "assessment.pipeline" in graph and "assessment.cli.main" in graph
    assert "assessment.pipeline" in graph["assessment.cli.main"] or any(
        "assessment.pipeline" in graph[m] for m in graph["assessment.cli.main"])
    assert len(imports) > 100


# --- the checker itself can fail --------------------------------------------------------------

def test_cycle_finder_reports_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_cycle_finder_sees_a_self_loop_and_accepts_a_tree():
    assert find_cycles({"a": {"a"}}) == [["a", "a"]]
    assert find_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("code, expect_silent", [
    ("def f():\n    import assessment.config\n", True),
    ("def f():\n    import assessment.config  # heavy: pulls in litellm\n", False),
    ("def f():\n    from assessment import config  # cycle: config imports this module\n", False),
    ("import assessment.config\n", False),
])
def test_reason_check_on_a_synthetic_module(tmp_path, code, expect_silent):
    path = tmp_path / "mod.py"
    path.write_text(code)
    found = imports_of("assessment.mod", path, {"assessment", "assessment.config"})
    assert found and found[0].target == "assessment.config"
    silent = [i for i in found if i.function_level and not (i.reason and i.reason.startswith(REASON_MARKERS))]
    assert bool(silent) == expect_silent


def test_relative_import_resolves(tmp_path):
    path = tmp_path / "b.py"
    path.write_text("from . import a\nfrom .a import thing\n")
    found = imports_of("assessment.pkg.b", path, {"assessment", "assessment.pkg", "assessment.pkg.a"})
    assert [i.target for i in found] == ["assessment.pkg.a", "assessment.pkg.a"]
