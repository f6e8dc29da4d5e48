"""The Tapo cameras of ``camhub demo``: a C200 with the secure login, a C100 legacy."""

from __future__ import annotations

from camhub.sim.registry import DemoDevice


def demo_devices(password: str) -> list[DemoDevice]:
    return [
        DemoDevice("tapo-cam", "tapo-camera", "admin", "C200", "secure"),
        DemoDevice(
            "tapo-cam-legacy", "tapo-camera", "admin", "C100", "legacy", device={"login": "legacy"}
        ),
    ]
