"""``camhub demo``: one emulator of every kind on loopback, the hub in front.

The emulators run on their own event loop in a background thread, so their
synthetic video never competes with the hub's loop.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from camhub.sim import Emulator, SimOptions, available_kinds, emulator_class

T = TypeVar("T")


@dataclass
class DemoDevice:
    name: str
    kind: str
    username: str
    password: str
    model: str | None = None
    login: str = "secure"
    extra: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)  # extra device config keys


def demo_devices() -> list[DemoDevice]:
    pw = "demo-" + secrets.token_hex(4)
    email = "demo@example.com"
    return [
        DemoDevice("tapo-cam", "tapo-camera", "admin", pw, "C200", "secure"),
        DemoDevice(
            "tapo-cam-legacy",
            "tapo-camera",
            "admin",
            pw,
            "C100",
            "legacy",
            device={"login": "legacy"},
        ),
        DemoDevice("bulb", "tapo-bulb", email, pw, "L530"),
        DemoDevice("plug", "tapo-plug", email, pw, "P110"),
        DemoDevice("strip", "tapo-strip", email, pw, "L930"),
        DemoDevice("power-strip", "tapo-power-strip", email, pw, "P300"),
        DemoDevice("porch", "sercomm", "admin", pw, "RC8230"),
        DemoDevice("tinycam", "tinycam", "admin", pw),
        DemoDevice("phone", "ipcamera", "admin", pw, extra={"http_port": 0}),
    ]


class EmulatorThread:
    """Emulators on a private event loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="emulators", daemon=True)
        self.thread.start()
        self.emulators: dict[str, Emulator] = {}

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def start(self, name: str, kind: str, opts: SimOptions) -> Emulator:
        async def make() -> Emulator:
            emu = emulator_class(kind)(opts)
            await emu.start()
            return emu

        emu = self.run(make())
        self.emulators[name] = emu
        return emu

    def restart(self, name: str) -> Emulator:
        """Stop an emulator and start a fresh one on the same port (a camera reboot)."""
        old = self.emulators[name]
        self.run(old.stop())
        opts = SimOptions(**{**vars(old.opts), "port": old.port})
        return self.start(name, old.kind, opts)

    def stop(self) -> None:
        async def stop_all() -> None:
            await asyncio.gather(
                *(e.stop() for e in self.emulators.values()), return_exceptions=True
            )

        try:
            self.run(stop_all())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)


def start_emulators(emus: EmulatorThread) -> list[dict[str, Any]]:
    """Start every available emulator; return the device entries pointing at them."""
    kinds = set(available_kinds())
    devices: list[dict[str, Any]] = []
    for d in demo_devices():
        if d.kind not in kinds:
            continue
        opts = SimOptions(
            username=d.username,
            password=d.password,
            model=d.model,
            login=d.login,
            extra=dict(d.extra),
        )
        emu = emus.start(d.name, d.kind, opts)
        if d.kind == "sercomm":  # the demo's porch camera comes armed, so motion notifies
            emu.groups["EVENT"]["event_trigger"] = "1"  # type: ignore[attr-defined]
        entry: dict[str, Any] = {
            "name": d.name,
            "kind": d.kind,
            "host": "127.0.0.1",
            "port": emu.port,
            "username": d.username,
            "password": d.password,
            **d.device,
        }
        if d.model:
            entry["model"] = d.model
        devices.append(entry)
    if "sercomm" in kinds:
        devices.append(_generic_camera(emus))
    return devices


def _generic_camera(emus: EmulatorThread) -> dict[str, Any]:
    """A plain MJPEG camera (a Sercomm emulator's URLs) watched by camhub's own motion
    detection, as for any camera that detects nothing itself."""
    pw = "demo-" + secrets.token_hex(4)
    emu = emus.start("garage", "sercomm", SimOptions(username="admin", password=pw, model="OC821D"))
    return {
        "name": "garage",
        "kind": "mjpeg",
        "model": "generic MJPEG",
        "stream_url": f"{emu.url}/img/video.mjpeg",
        "snapshot_url": f"{emu.url}/img/snapshot.cgi",
        "username": "admin",
        "password": pw,
        "motion": {"enabled": True, "fps": 3, "cooldown": 5},
    }


def demo_config(
    data_dir: Path, admin_password: str, devices: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "server": {"host": "127.0.0.1", "data_dir": str(data_dir)},
        "users": [
            {"username": "admin", "password": admin_password, "role": "admin"},
        ],
        "devices": devices,
    }
