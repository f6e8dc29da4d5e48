"""Emulator packages share one shape: the emulator is the entry point, its parts take
narrow ports (never the emulator), and the codes it answers with carry their meaning.

Covers every emulator package under ``camhub/sim`` (``test_every_emulator_is_covered``).
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from pathlib import Path

import pytest

import camhub
from camhub import sim
from camhub.errors import VendorCode
from tests.helpers.layers import cycles, imports, modules

ROOT = Path(camhub.__file__).parent
SHAPED = {  # kind: package
    "sercomm": "sercomm",
    "tinycam": "tinycam",
    "ipcamera": "ipcamera",
    "tapo-plug": "tapo_smart",
    "tapo-bulb": "tapo_smart",
    "tapo-strip": "tapo_smart",
    "tapo-power-strip": "tapo_smart",
    "tapo-camera": "tapo_camera",
}
# Modules of a package that may import its emulator: the facade, and nothing else.
MAY_IMPORT_EMULATOR = {"__init__"}


def problems(root: Path, package: str) -> list[str]:
    prefix = f"camhub.sim.{package}"
    mods = modules(root)
    graph = imports(mods)
    found = [
        "import cycle: " + " <-> ".join(c)
        for c in cycles(graph, mods)
        if any(m.startswith(prefix) for m in c)
    ]
    emulator = f"{prefix}.emulator"
    for mod, targets in sorted(graph.items()):
        name = mod.removeprefix(prefix + ".")
        if mod.startswith(prefix + ".") and emulator in targets and name not in MAY_IMPORT_EMULATOR:
            found.append(f"{mod} imports the emulator (give it a port from host.py)")
    return found


def test_every_emulator_is_covered() -> None:
    """A new emulator package under camhub/sim joins SHAPED (and so these checks)."""
    built_in = {
        kind
        for kind in sim.available_kinds()
        if sim.emulator_class(kind).__module__.startswith("camhub.sim.")
    }
    assert built_in - set(SHAPED) == set()


@pytest.mark.parametrize("package", sorted(set(SHAPED.values())))
def test_no_part_of_an_emulator_imports_it(package: str) -> None:
    assert problems(ROOT, package) == []


def test_the_check_catches_a_type_checking_import_of_the_emulator(tmp_path: Path) -> None:
    copy = tmp_path / "camhub"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "web"))
    routes = copy / "sim" / "tinycam" / "routes.py"
    routes.write_text(
        routes.read_text()
        + "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        + "    from camhub.sim.tinycam.emulator import TinyCamEmulator\n"
    )
    found = problems(copy, "tinycam")
    assert any(p.startswith("import cycle:") and "tinycam.routes" in p for p in found)
    assert "camhub.sim.tinycam.routes imports the emulator (give it a port from host.py)" in found


@pytest.mark.parametrize("kind", sorted(SHAPED))
def test_the_emulator_is_the_entry_point_of_its_package(kind: str) -> None:
    cls = sim.emulator_class(kind)
    assert cls.__module__ == f"camhub.sim.{SHAPED[kind]}.emulator"
    package = importlib.import_module(f"camhub.sim.{SHAPED[kind]}")
    assert cls in vars(package).values()


@pytest.mark.parametrize("package", sorted(set(SHAPED.values())))
def test_error_codes_are_vendor_code_tables_with_meanings(package: str) -> None:
    codes = importlib.import_module(f"camhub.sim.{package}.codes")
    tables = [
        obj
        for obj in vars(codes).values()
        if inspect.isclass(obj) and issubclass(obj, VendorCode) and obj is not VendorCode
    ]
    assert tables
    for table in tables:
        assert len(table) > 0
        for member in table:
            assert member.meaning.strip(), f"{table.__name__}.{member.name} has no meaning"
            assert table.lookup(int(member)) is member


@pytest.mark.parametrize("package", sorted(set(SHAPED.values())))
def test_routes_are_a_class_registered_on_the_app(package: str) -> None:
    routes = importlib.import_module(f"camhub.sim.{package}.routes")
    classes = [
        obj
        for obj in vars(routes).values()
        if inspect.isclass(obj) and obj.__module__ == routes.__name__ and hasattr(obj, "add")
    ]
    assert classes, f"camhub.sim.{package}.routes has no routes class"
