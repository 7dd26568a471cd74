"""No import circle in explain/: the graph of every import (module level or inside a function; not those under
``if TYPE_CHECKING:``, which never run) between the package's modules has no cycle."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explain"


def _modules(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package __init__) for every .py file under ``package``."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _runtime_imports(tree: ast.AST):
    """Import nodes that can run: everything but the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (``from pkg import sub`` counts as importing ``pkg.sub``)."""
    modules = _modules(package)
    root = package.name
    graph: dict[str, set[str]] = {name: set() for name in modules}

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for name, (path, is_package) in modules.items():
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
            for target in targets:
                if target == root or target.startswith(root + "."):
                    found = known(target)
                    if found is not None and found != name:
                        graph[name].add(found)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle [a, b, …, a] of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_explain_has_no_import_circle():
    graph = import_graph(PACKAGE)
    assert len(graph) > 50 and graph["explain.studies.codec_study.files"] >= {"explain.figures.studies"}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " → ".join(cycle)


def test_figures_import_no_study():
    graph = import_graph(PACKAGE)
    assert not {m for m in graph["explain.figures.studies"] if m.startswith("explain.studies")}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "explain"


@pytest.mark.parametrize("b_text", ["from .a import f\n", "def g():\n    from ..pkg import a\n",
                                    "import explain.pkg.a as a\n"])
def test_the_check_finds_a_circle_even_through_a_lazy_import(tmp_path, b_text):
    package = _write(tmp_path, {"explain/__init__.py": "", "explain/pkg/__init__.py": "",
                                "explain/pkg/a.py": "from . import b\n", "explain/pkg/b.py": b_text})
    cycle = find_cycle(import_graph(package))
    assert cycle is not None and set(cycle) == {"explain.pkg.a", "explain.pkg.b"}


def test_the_check_ignores_type_checking_imports(tmp_path):
    package = _write(tmp_path, {"explain/__init__.py": "", "explain/a.py": "from .b import g\n",
                                "explain/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                                "    from .a import f\n"})
    assert find_cycle(import_graph(package)) is None
