"""The Sercomm cameras of ``camhub demo``: the porch camera (armed, so motion notifies)
and, from a second Sercomm emulator's URLs, a generic MJPEG camera watched by camhub's
own motion detection, as for any camera that detects nothing itself."""

from __future__ import annotations

from typing import Any

from camhub.sim.registry import DemoDevice


def _armed(emu: Any) -> None:
    emu.groups["EVENT"]["event_trigger"] = "1"


def _generic(emu: Any, password: str) -> dict[str, Any]:
    return {
        "name": "garage",
        "kind": "mjpeg",
        "model": "generic MJPEG",
        "stream_url": f"{emu.url}/img/video.mjpeg",
        "snapshot_url": f"{emu.url}/img/snapshot.cgi",
        "username": "admin",
        "password": password,
        "motion": {"enabled": True, "fps": 3, "cooldown": 5},
    }


def demo_devices(password: str) -> list[DemoDevice]:
    return [
        DemoDevice("porch", "sercomm", "admin", "RC8230", prepare=_armed),
        DemoDevice("garage", "sercomm", "admin", "OC821D", entry=_generic),
    ]
