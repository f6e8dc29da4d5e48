"""The layer rules hold, and the check that says so can fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import camhub
from camhub import drivers, sim
from tests.helpers.layers import check

ROOT = Path(camhub.__file__).parent


def vendor_homes() -> dict[str, list[str]]:
    """Each vendor kind -> the folders allowed to name it (its driver's and emulator's).

    Generic kinds whose driver is a single module (``mjpeg``, ``rtsp``) are words any
    layer may use."""
    homes: dict[str, list[str]] = {}
    for kind in drivers.kinds():
        parts = drivers.driver_for(kind).__module__.split(".")
        if len(parts) < 4:  # camhub.drivers.<module>: generic, not a vendor package
            continue
        homes[kind] = [f"drivers/{parts[2]}/"]
    for kind in sim.kinds():
        parts = sim.emulator_class(kind).__module__.split(".")
        if kind in homes:
            homes[kind].append(f"sim/{parts[2]}/")
    return homes


def test_the_package_keeps_its_layers() -> None:
    assert check(ROOT, vendor_homes()) == []


def test_the_check_fails_when_sim_imports_a_driver(tmp_path: Path) -> None:
    copy = tmp_path / "camhub"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "web"))
    target = copy / "sim" / "base.py"
    target.write_text(target.read_text() + "\nfrom camhub.drivers.base import Device\n")
    problems = check(copy, vendor_homes())
    assert any("camhub.sim.base -> camhub.drivers.base" in p for p in problems)


def test_the_check_finds_cycles_and_kind_leaks(tmp_path: Path) -> None:
    copy = tmp_path / "camhub"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "web"))
    (copy / "errors.py").write_text(
        (copy / "errors.py").read_text() + "\nfrom camhub.config import ConfigError as _C\n"
    )
    (copy / "demo.py").write_text(
        (copy / "demo.py").read_text() + f"\nK = {next(iter(vendor_homes()))!r}\n"
    )
    problems = check(copy, vendor_homes())
    assert any(p.startswith("import cycle:") and "camhub.errors" in p for p in problems)
    assert any(p.startswith("vendor kind outside its folders: demo.py") for p in problems)
