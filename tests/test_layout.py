"""The package's shape: no import cycle, no private attributes of other code, no pygame outside the app.

These read the source (with :mod:`ast`), so they hold for every import,
whether at module level or inside a function, and fail with the offending
file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import lifegame

PACKAGE = Path(lifegame.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    """``{"lifegame.engines.fast": path, "lifegame.engines": path/__init__.py, ...}``."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every import in the file, wherever it is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                # ``from . import worker`` imports a module; ``from .board import Board`` a name in one.
                candidate = f"{origin}.{alias.name}"
                yield (candidate if candidate in MODULES else origin), node.lineno


def _graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in _imports(name, path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_is_known() -> None:
    graph = _graph()
    # A sanity check that the walk sees imports inside functions too.
    assert "lifegame.app" in graph["lifegame.cli"]
    assert "lifegame.board" in graph["lifegame.start"]


def test_no_import_cycle_anywhere_in_the_package() -> None:
    assert _cycles(_graph()) == []


def test_only_the_app_imports_pygame() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for name, path in MODULES.items()
        if not name.startswith("lifegame.app")
        for target, line in _imports(name, path)
        if target.split(".")[0] == "pygame"
    ]
    assert offenders == []


_DOCUMENTED = {("os", "_exit")}
"""Names with a leading underscore that are documented, public API."""


def _private_uses(path: Path) -> Iterator[str]:
    """``obj._name`` where ``obj`` is not ``self``/``cls``, and imports of private modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(PACKAGE.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            attr = node.attr
            if attr.startswith("_") and not attr.startswith("__"):
                owner = node.value
                mine = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                documented = isinstance(owner, ast.Name) and (owner.id, attr) in _DOCUMENTED
                if not (mine or documented):
                    yield f"{where}:{node.lineno}: .{attr}"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if any(part.startswith("_") and not part.startswith("__") for part in name.split(".")):
                    yield f"{where}:{node.lineno}: import {name}"


def test_no_private_attribute_of_another_object_or_library() -> None:
    """No reaching into other objects' private state (the standard library's executors included)."""
    offenders = [use for path in MODULES.values() for use in _private_uses(path)]
    assert offenders == []


def test_every_package_is_installed() -> None:
    """pyproject.toml lists every package of the source tree: a package missing there is missing after `pip install .`."""
    import tomllib

    root = Path(lifegame.__file__).resolve().parent
    pyproject = root.parent / "pyproject.toml"
    if not pyproject.exists():  # an installed copy, not a checkout
        return
    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(("lifegame", *init.parent.relative_to(root).parts)) for init in root.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
