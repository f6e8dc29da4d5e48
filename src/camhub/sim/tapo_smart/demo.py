"""The Tapo smart devices of ``camhub demo``: a bulb, a plug, a light strip, a power strip."""

from __future__ import annotations

from camhub.sim.registry import DemoDevice

EMAIL = "demo@example.com"


def demo_devices(password: str) -> list[DemoDevice]:
    return [
        DemoDevice("bulb", "tapo-bulb", EMAIL, "L530"),
        DemoDevice("plug", "tapo-plug", EMAIL, "P110"),
        DemoDevice("strip", "tapo-strip", EMAIL, "L930"),
        DemoDevice("power-strip", "tapo-power-strip", EMAIL, "P300"),
    ]
