"""Emulators of Tapo smart plugs, bulbs, light strips and power strips (KLAP v2)."""

from camhub.sim.tapo_smart.emulator import (
    TapoBulbEmulator,
    TapoPlugEmulator,
    TapoPowerStripEmulator,
    TapoSmartEmulator,
    TapoStripEmulator,
)

__all__ = [
    "TapoBulbEmulator",
    "TapoPlugEmulator",
    "TapoPowerStripEmulator",
    "TapoSmartEmulator",
    "TapoStripEmulator",
]
