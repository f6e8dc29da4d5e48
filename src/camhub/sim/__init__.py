"""Emulators of the vendor devices camhub drives.

They import nothing from ``camhub.drivers``, so an emulator can never agree with a
driver by sharing its bugs. Each follows its seed document and the public client
libraries' observed behaviour. Emulators register themselves (:mod:`.registry`).
"""

from __future__ import annotations

from camhub.sim import registry
from camhub.sim.base import Emulator, SimOptions
from camhub.sim.registry import DemoDevice, demo_devices, kinds


def emulator_class(kind: str) -> type[Emulator]:
    """The emulator of ``kind``; KeyError naming the known kinds."""
    cls: type[Emulator] = registry.emulator_class(kind)
    return cls


def available_kinds() -> list[str]:
    """Kinds with an emulator in this build."""
    return kinds()


__all__ = [
    "DemoDevice",
    "Emulator",
    "SimOptions",
    "available_kinds",
    "demo_devices",
    "emulator_class",
    "kinds",
]
