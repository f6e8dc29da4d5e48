"""Events a device pushes survive ``kill -9`` of the hub once the hub has shown them.

The IP Camera app pushes its detections over a WebSocket; camhub's driver reads them
and the hub stores them. While the phone keeps detecting, the hub's event list is read
(what a user has seen: every event it lists is acknowledged), then the hub is killed
with SIGKILL, mid-stream. Restarted on the same data directory, it must still list
every one of them, and take the phone's new events again. (Hook events, pushed to
camhub's own routes, are covered with the hooks.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from camhub.sim import SimOptions
from camhub.sim.ipcamera import IpCameraEmulator
from tests.faults.process import ADMIN_PASSWORD, HubProcess, hub_config
from tests.helpers.wait import until


class Events:
    """The hub's event list, as a signed-in user reads it."""

    def __init__(self, hub: HubProcess) -> None:
        self.client = httpx.AsyncClient(base_url=hub.url, timeout=10)
        self.headers: dict[str, str] = {}

    async def __aenter__(self) -> Events:
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        r = await self.client.post("/api/auth", json=login)
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def listed(self) -> dict[int, dict[str, Any]]:
        """The phone's events the hub lists now, by id."""
        params: dict[str, str | int] = {"device": "phone", "limit": 10_000}
        r = await self.client.get("/api/events", params=params, headers=self.headers)
        assert r.status_code == 200, r.text
        return {e["id"]: e for e in r.json()["events"]}

    async def at_least(self, count: int, within: float = 20) -> dict[int, dict[str, Any]]:
        """The listed events, once there are ``count`` of them."""
        events: dict[int, dict[str, Any]] = {}

        async def enough() -> bool:
            nonlocal events
            events = await self.listed()
            return len(events) >= count

        await until(enough, within, f"{count} events listed")
        return events


async def test_no_listed_event_is_lost_across_kill_9(tmp_path: Path) -> None:
    opts = SimOptions(username="admin", password="phone-pw", extra={"scene": "quiet"})
    phone = IpCameraEmulator(opts)
    async with phone:
        device = {
            "name": "phone",
            "kind": "ipcamera",
            "host": "127.0.0.1",
            "port": phone.port,
            "username": "admin",
            "password": "phone-pw",
            "timeout": 2,
        }
        config = hub_config(tmp_path / "data", [device])

        async def detect_forever() -> None:
            for i in range(10**6):
                await phone.record_event(("MOTION", "ANY_SOUND", "OBJECT_PERSON")[i % 3])
                await asyncio.sleep(0.005)

        hub = await HubProcess(config, tmp_path).start()
        detector: asyncio.Task[None] | None = None
        try:
            async with Events(hub) as events:
                await phone.record_event("MOTION")
                await events.at_least(1)  # the driver's socket is up
                detector = asyncio.create_task(detect_forever())
                seen = await events.at_least(50)
            await hub.kill9()  # while the phone keeps pushing
            assert not detector.done(), detector  # (it did keep pushing)
        finally:
            if detector is not None:
                detector.cancel()
            await hub.stop()

        async with HubProcess(config, tmp_path) as again, Events(again) as events:
            after = await events.listed()
            lost = {i: e for i, e in seen.items() if after.get(i) != e}
            assert lost == {}, f"{len(lost)} of {len(seen)} listed events lost or changed"
            await phone.record_event("OBJECT_PERSON")
            await events.at_least(len(after) + 1)  # and the phone's events come again
