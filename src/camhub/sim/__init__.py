"""Emulators of the vendor devices camhub drives.

They import nothing from ``camhub.drivers``, so an emulator can never agree with a
driver by sharing its bugs. Each follows its seed document and the public client
libraries' observed behaviour.
"""

from __future__ import annotations

import importlib

from camhub.sim.base import Emulator, SimOptions

# KIND -> "module:Class"
EMULATORS: dict[str, str] = {
    "tapo-camera": "camhub.sim.tapo_camera:TapoCameraEmulator",
    "tapo-plug": "camhub.sim.tapo_smart:TapoPlugEmulator",
    "tapo-bulb": "camhub.sim.tapo_smart:TapoBulbEmulator",
    "tapo-strip": "camhub.sim.tapo_smart:TapoStripEmulator",
    "tapo-power-strip": "camhub.sim.tapo_smart:TapoPowerStripEmulator",
    "sercomm": "camhub.sim.sercomm:SercommEmulator",
    "tinycam": "camhub.sim.tinycam:TinyCamEmulator",
    "ipcamera": "camhub.sim.ipcamera:IpCameraEmulator",
}


def emulator_class(kind: str) -> type[Emulator]:
    module, _, cls = EMULATORS[kind].partition(":")
    found: type[Emulator] = getattr(importlib.import_module(module), cls)
    return found


def available_kinds() -> list[str]:
    """Kinds whose emulator module exists in this build."""
    kinds = []
    for kind, target in EMULATORS.items():
        try:
            importlib.import_module(target.partition(":")[0])
        except ModuleNotFoundError:
            continue
        kinds.append(kind)
    return kinds


__all__ = ["EMULATORS", "Emulator", "SimOptions", "available_kinds", "emulator_class"]
