"""The packages' import graph: no cycles (imports inside functions included) and no private name
imported from another module. Read from the source with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flows", "cleaners")


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package` under `root`."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(imported module, imported name or "") for every import statement in the module, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from pkg import sub` imports the module pkg.sub when there is one.
                sub = f"{base}.{alias.name}"
                found.append((sub, "") if sub in known else (base, alias.name))
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (module level and inside functions)."""
    known = modules(root, package)
    return {
        name: {mod for mod, _ in _imports(name, path, known) if mod in known and mod != name}
        for name, path in known.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] when there is none (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def private_imports(root: Path, package: str) -> list[str]:
    """ "module: from other import _name" for every private name a module takes from another one."""
    known = modules(root, package)
    return [
        f"{name}: from {mod} import {imported}"
        for name, path in known.items()
        for mod, imported in _imports(name, path, known)
        if imported.startswith("_") and not imported.startswith("__") and mod != name
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package):
    cycle = find_cycle(import_graph(ROOT, package))
    assert not cycle, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_private_names_imported_across_modules(package):
    assert private_imports(ROOT, package) == []


def test_the_checks_find_what_they_look_for(tmp_path):
    # A cycle through an import inside a function, a relative import and a private name: all seen.
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import _helper\n")
    (pkg / "c.py").write_text("import pkg.a\n\ndef _helper():\n    pass\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    assert private_imports(tmp_path, "pkg") == ["pkg.sub.b: from pkg.c import _helper"]
    (pkg / "c.py").write_text("def helper():\n    pass\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import helper\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) == [] and private_imports(tmp_path, "pkg") == []
