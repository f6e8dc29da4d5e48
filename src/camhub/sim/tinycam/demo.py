"""The tinyCam Monitor server of ``camhub demo`` (its cameras become child devices)."""

from __future__ import annotations

from camhub.sim.registry import DemoDevice


def demo_devices(password: str) -> list[DemoDevice]:
    return [DemoDevice("tinycam", "tinycam", "admin")]
