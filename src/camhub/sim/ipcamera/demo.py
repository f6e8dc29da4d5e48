"""The Android IP Camera phone of ``camhub demo``."""

from __future__ import annotations

from camhub.sim.registry import DemoDevice


def demo_devices(password: str) -> list[DemoDevice]:
    return [DemoDevice("phone", "ipcamera", "admin", extra={"http_port": 0})]
