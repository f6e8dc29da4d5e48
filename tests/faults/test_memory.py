"""The hub's memory stays bounded while devices send it 400 MB replies.

The audit that found the problem: a stream URL answering ``image/jpeg`` with 400 MB
took the hub from 124 MB to 4 GB; an API reply of 200 MB added 345 MB. Here
``camhub serve`` runs in a subprocess with three devices on a hostile server that
answers every request with 400 MiB (generated as it is sent): a stream read by the
stream hub, a snapshot, and a Sercomm camera's API and snapshot (``fetch``). While
the hub is asked for all of them, its resident memory is read from
``/proc/PID/status`` (VmRSS): it must stay under 300 MB. A bound check, not a timing one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.faults.hostile import hostile
from tests.faults.process import ADMIN_PASSWORD, HubProcess, hub_config

MiB = 1 << 20
LIMIT_MB = 300
ROUNDS = 4


async def test_rss_stays_under_300_mb_facing_400_mb_replies(tmp_path: Path) -> None:
    async with hostile() as device:
        device.mode = "huge"
        devices: list[dict[str, Any]] = [
            {"name": "still", "kind": "mjpeg", "stream_url": f"{device.url}/still.jpg"},
            {"name": "cam", "kind": "mjpeg", "snapshot_url": f"{device.url}/snap.jpg"},
            {"name": "porch", "kind": "sercomm", "host": "127.0.0.1", "port": device.port},
        ]
        for d in devices:
            d.update(timeout=5, poll_interval=1)
        config = hub_config(tmp_path / "data", devices)
        async with HubProcess(config, tmp_path) as hub:
            start_mb = peak_mb = hub.rss_mb()

            async def sample() -> None:  # until the limit is passed, if ever
                nonlocal peak_mb
                while peak_mb < LIMIT_MB:
                    peak_mb = max(peak_mb, hub.rss_mb())
                    await asyncio.sleep(0.01)

            statuses: set[int] = set()

            async def load() -> None:
                async with httpx.AsyncClient(base_url=hub.url, timeout=30) as c:
                    login = {"username": "admin", "password": ADMIN_PASSWORD}
                    r = await c.post("/api/auth", json=login)
                    h = {"Authorization": f"Bearer {r.json()['token']}"}
                    for _ in range(ROUNDS):
                        answers = await asyncio.gather(
                            c.get("/api/devices/still/stream.mjpeg", headers=h),
                            c.get("/api/devices/cam/snapshot", headers=h),
                            c.get("/api/devices/porch/snapshot", headers=h),
                            c.post("/api/devices/porch/refresh", headers=h),
                        )
                        statuses.update(a.status_code for a in answers[:3])

            tasks = [asyncio.create_task(load()), asyncio.create_task(sample())]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if tasks[0].done():
                tasks[0].result()  # the load's own failure, if any
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    assert peak_mb < LIMIT_MB, f"RSS went from {start_mb:.0f} MB to {peak_mb:.0f} MB"
    # the hub did face the floods (more than a still's worth each round), and refused them
    assert device.sent > ROUNDS * 20 * MiB
    assert statuses == {502}
