"""``camhub demo``: one emulator of every kind on loopback, the hub in front.

The emulators run on their own event loop in a background thread, so their
synthetic video never competes with the hub's loop.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from camhub.sim import Emulator, SimOptions, demo_devices, emulator_class

T = TypeVar("T")


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
            if not self.thread.is_alive():
                self.loop.close()  # its self-pipe sockets too


def start_emulators(emus: EmulatorThread) -> list[dict[str, Any]]:
    """Start every registered vendor's demo emulators; return the device entries."""
    password = "demo-" + secrets.token_hex(4)
    devices: list[dict[str, Any]] = []
    for d in demo_devices(password):
        opts = SimOptions(
            username=d.username,
            password=password,
            model=d.model,
            login=d.login,
            extra=dict(d.extra),
            **d.options,
        )
        emu = emus.start(d.name, d.kind, opts)
        if d.prepare is not None:
            d.prepare(emu)
        if d.entry is not None:
            devices.append(d.entry(emu, password))
            continue
        entry: dict[str, Any] = {
            "name": d.name,
            "kind": d.kind,
            "host": "127.0.0.1",
            "port": emu.port,
            "username": d.username,
            "password": password,
            **d.device,
            **(d.more(emu) if d.more is not None else {}),
        }
        if d.model:
            entry["model"] = d.model
        devices.append(entry)
    return devices


# The demo records a clip around every event of each device that has video (a device
# without video is left alone by its recorder).
DEMO_RECORD = {"mode": "events", "pre_seconds": 3, "post_seconds": 5}


def demo_config(
    data_dir: Path, admin_password: str, devices: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "server": {"host": "127.0.0.1", "data_dir": str(data_dir)},
        "users": [
            {"username": "admin", "password": admin_password, "role": "admin"},
        ],
        "recording": {"retain_days": 1, "min_free_gb": 1},
        "devices": [{"record": dict(DEMO_RECORD), **d} for d in devices],
    }
