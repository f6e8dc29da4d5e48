"""camhub.media is the bottom layer; the emulators never borrow from the drivers."""

from __future__ import annotations

import ast
from pathlib import Path

import camhub

ROOT = Path(camhub.__file__).parent


def imports(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_media_imports_nothing_above_it() -> None:
    bad = {
        f: sorted(n for n in names if n.startswith("camhub") and not n.startswith(
            ("camhub.media", "camhub.errors")))
        for f, names in imports(ROOT / "media").items()
    }  # fmt: skip
    assert {f: n for f, n in bad.items() if n} == {}


def test_emulators_import_nothing_from_drivers() -> None:
    bad = {
        f: sorted(n for n in names if n.startswith("camhub.drivers"))
        for f, names in imports(ROOT / "sim").items()
    }
    assert {f: n for f, n in bad.items() if n} == {}
