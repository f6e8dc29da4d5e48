"""A Tapo camera emulator behind a live camhub (with its RTSP server), and HTTP viewers
of camhub's streams: the set-up of the end-to-end tests of a Tapo camera's video."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.conftest import LiveHub, live_hub, make_settings
from tests.helpers.wait import until

Camera = tuple[LiveHub, TapoCameraEmulator, int]


@asynccontextmanager
async def tapo_behind_camhub(
    tmp_path: Path, opts: SimOptions, device: Callable[[TapoCameraEmulator], dict[str, Any]]
) -> AsyncIterator[Camera]:
    """camhub, the emulated camera (``device(emulator)`` is its entry in camhub's
    config, named ``cam``) and the port of camhub's RTSP server. Skips without ffprobe."""
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed (apt-get install -y ffmpeg)")
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        settings = make_settings(tmp_path / "data", devices=[device(emu)])
        settings = dataclasses.replace(settings, rtsp_port=0)  # any free port
        async with live_hub(settings) as hub:
            assert hub.state.rtsp is not None, "camhub's RTSP server did not start"
            yield hub, emu, hub.state.rtsp.server.port
    finally:
        await emu.stop()


CLOUD = "cloud-secret-1"
CAM_USER, CAM_PASS = "camacct", "cam-secret-1"


def rtsp_account_device(emu: TapoCameraEmulator) -> dict[str, Any]:
    """The camera as camhub's config names it: its camera account opens its RTSP."""
    cam_port = int(str(emu.rtsp_url).rsplit(":", 1)[1])
    return {
        "name": "cam", "kind": "tapo-camera", "host": "127.0.0.1", "port": emu.port,
        "password": CLOUD,
        "stream": {"username": CAM_USER, "password": CAM_PASS, "rtsp_port": cam_port},
    }  # fmt: skip


@asynccontextmanager
async def c200_over_rtsp(tmp_path: Path) -> AsyncIterator[Camera]:
    """An emulated C200 (640x360, no detections of its own) behind camhub, streamed
    over RTSP with its camera account."""
    opts = SimOptions(
        password=CLOUD, model="C200", rtsp_port=0, stream_username=CAM_USER,
        stream_password=CAM_PASS, extra={"main_size": "640x360", "detection_period": 0},
    )  # fmt: skip
    async with tapo_behind_camhub(tmp_path, opts, rtsp_account_device) as found:
        yield found


async def online(c: httpx.AsyncClient) -> bool:
    """Whether camhub (``c`` signed in) has the camera online."""
    return bool((await c.get("/api/devices/cam")).json()["online"])


async def streaming(c: httpx.AsyncClient) -> bool:
    """Whether the camera is online and camhub has learnt that it streams."""
    d = (await c.get("/api/devices/cam")).json()
    return bool(d["online"] and "stream" in d["capabilities"])


class Viewers:
    """Players of camhub's HTTP streams, each with its own connection, counting the
    bytes each one gets (:attr:`counts`, by the key it was given)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.counts: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def watch(
        self, key: str, url: str, params: dict[str, str] | None = None, reconnect: bool = False
    ) -> None:
        """Play ``url``. A player that ``reconnect``s opens it again when it ends or
        fails, as a player does when the camera restarts; the others keep the one
        connection, and stop when it ends."""
        self.counts[key] = 0
        task = asyncio.create_task(self._play(key, url, params or {}, reconnect))
        self._tasks.append(task)

    async def _play(self, key: str, url: str, params: dict[str, str], reconnect: bool) -> None:
        while True:
            try:
                async with (
                    httpx.AsyncClient(verify=False, timeout=20) as client,
                    client.stream("GET", url, params={"token": self.token, **params}) as r,
                ):
                    async for chunk in r.aiter_bytes():
                        self.counts[key] += len(chunk)
            except httpx.HTTPError:
                if not reconnect:
                    raise
                await asyncio.sleep(0.5)  # a player's pause before it tries again
            else:
                if not reconnect:
                    return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@asynccontextmanager
async def viewers(token: str) -> AsyncIterator[Viewers]:
    """:class:`Viewers` with ``token``, every one stopped when the block ends."""
    players = Viewers(token)
    try:
        yield players
    finally:
        await players.stop()


@asynccontextmanager
async def admin_client(
    hub: LiveHub, ready: Callable[[httpx.AsyncClient], Awaitable[bool]] = online
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client of camhub signed in as admin, and its token, once ``ready`` says so of
    the camera (:func:`online`, :func:`streaming`)."""
    token = await hub.login()
    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:
        await until(lambda: ready(c), 30, f"the camera {ready.__name__}")
        yield c, token


@asynccontextmanager
async def watching(hub: LiveHub) -> AsyncIterator[tuple[httpx.AsyncClient, Viewers]]:
    """:func:`admin_client` and :class:`Viewers` with its token, once the camera is
    online."""
    async with admin_client(hub) as (c, token), viewers(token) as players:
        yield c, players


@asynccontextmanager
async def mp4_viewers(hub: LiveHub, n: int, each: int) -> AsyncIterator[dict[str, int]]:
    """``n`` viewers of the camera's fMP4 stream (no reconnecting), once every one has
    had ``each`` bytes: the bytes each has had so far."""
    async with watching(hub) as (_, players):
        for i in range(n):
            players.watch(f"mp4{i}", f"{hub.url}/api/devices/cam/stream.mp4")
        counts = players.counts
        await until(lambda: all(b > each for b in counts.values()), 30, "every viewer gets video")
        yield counts
