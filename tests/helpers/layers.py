"""The layer rules of docs/architecture.md, read from the code with ``ast``.

- ``camhub.sim`` imports nothing from ``camhub.drivers`` (an emulator must never agree
  with a driver by sharing its bugs);
- ``camhub.drivers`` imports nothing from the layers above it (api, streams, compat,
  mqtt, service, web, hub);
- no import cycles inside the package (``if TYPE_CHECKING`` imports count; a package's
  ``__init__`` re-exporting its own submodules does not);
- a vendor's kind names appear only in its own folders (and the compat layers, which
  speak vendor protocols on purpose).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

UPPER = re.compile(r"camhub\.(api|streams|compat|mqtt|service|web|hub|recordings|rtsp)\b")


def modules(root: Path) -> dict[str, Path]:
    """``camhub.x.y`` -> file, for every module under ``root`` (the ``camhub`` folder)."""
    out: dict[str, Path] = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                names = [name, *(f"{name}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            graph[mod].update(n for n in names if n in mods and n != mod)
    return graph


def layer_breaks(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, targets in graph.items():
        for t in sorted(targets):
            if mod.startswith("camhub.sim") and t.startswith("camhub.drivers"):
                bad.append(f"{mod} -> {t}")
            if mod.startswith("camhub.drivers") and UPPER.match(t):
                bad.append(f"{mod} -> {t}")
    return bad


def cycles(graph: dict[str, set[str]], mods: dict[str, Path]) -> list[list[str]]:
    edges = {
        m: {t for t in ts if not (mods[m].name == "__init__.py" and t.startswith(m + "."))}
        for m, ts in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def kind_leaks(root: Path, homes: dict[str, Iterable[str]]) -> list[str]:
    """String constants equal to a vendor kind outside that vendor's folders."""
    leaks = []
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).as_posix()
        if rel.startswith("compat/"):
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                folders = homes.get(node.value)
                if folders is not None and not any(rel.startswith(p) for p in folders):
                    leaks.append(f"{rel}:{node.lineno} {node.value!r}")
    return leaks


def check(root: Path, homes: dict[str, Iterable[str]]) -> list[str]:
    """Every broken rule, one line each (empty: all rules hold)."""
    mods = modules(root)
    graph = imports(mods)
    problems = layer_breaks(graph)
    problems += ["import cycle: " + " <-> ".join(c) for c in cycles(graph, mods)]
    problems += ["vendor kind outside its folders: " + x for x in kind_leaks(root, homes)]
    return problems
