"""The running hub facing hostile devices: every answer in time, no 500, recovery.

Three devices sit on :class:`~tests.faults.hostile.Hostile` servers: ``cam`` (an
``mjpeg`` camera with a stream and a snapshot URL), ``still`` (an ``mjpeg`` camera whose
stream URL answers single pictures, read by the stream hub) and ``porch`` (a Sercomm
camera behind a hostile proxy in front of the Sercomm emulator, read through
``fetch``). For each hostile mode, the hub is asked for everything those devices give;
every answer must come within the device's deadline, be 200 or the documented 502/504
with the JSON error shape, never follow a redirect elsewhere, and leave no connection
to the device open; once the device behaves again, so does everything.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from camhub.drivers.multipart import MultipartParser, boundary_from_content_type
from camhub.sim import SimOptions
from camhub.sim.sercomm.emulator import SercommEmulator
from tests.conftest import LiveHub, live_hub, make_settings
from tests.faults.hostile import MODES, Hostile, Sink
from tests.helpers.wait import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 0.5  # each device's timeout
# The longest a route may take: a refresh connects (2 x timeout) then polls (2 x timeout).
DEADLINE = 4 * TIMEOUT + 1.5


@dataclass
class Answer:
    status: int
    error: dict[str, Any] | None = None
    jpeg: bytes | None = None
    state: dict[str, Any] | None = None


@dataclass
class Rig:
    hub: LiveHub
    cams: Hostile
    porch: Hostile
    sink: Sink
    http: aiohttp.ClientSession
    headers: dict[str, str]

    def set_mode(self, mode: str) -> None:
        self.cams.mode = self.porch.mode = mode

    async def ask(self, method: str, path: str) -> Answer:
        """One request; fails the test if it is not answered within DEADLINE."""
        try:
            async with asyncio.timeout(DEADLINE):
                return await self._ask(method, path)
        except TimeoutError:
            raise AssertionError(f"{method} {path} hung past {DEADLINE} s") from None

    async def _ask(self, method: str, path: str) -> Answer:
        url = self.hub.url + path
        async with self.http.request(method, url, headers=self.headers) as r:
            ctype = r.headers.get("Content-Type", "")
            if r.status == 200 and ctype.startswith("multipart/"):
                parser = MultipartParser(boundary_from_content_type(ctype))
                async for chunk in r.content.iter_any():
                    if frames := parser.feed(chunk):
                        return Answer(200, jpeg=frames[0])
                raise AssertionError(f"{path}: the stream ended before a frame")
            body = await r.read()
            if r.status == 200 and ctype == "image/jpeg":
                return Answer(200, jpeg=body)
            data = json.loads(body)
            assert isinstance(data, dict), body[:200]
            return Answer(r.status, error=data if r.status != 200 else None, state=data)

    async def everything(self) -> dict[str, Answer]:
        """All the hub gives of the three devices, asked at once."""
        asks = {
            "cam snapshot": ("GET", "/api/devices/cam/snapshot"),
            "cam stream": ("GET", "/api/devices/cam/stream.mjpeg"),
            "still stream": ("GET", "/api/devices/still/stream.mjpeg"),
            "porch refresh": ("POST", "/api/devices/porch/refresh"),
            "porch snapshot": ("GET", "/api/devices/porch/snapshot"),
        }
        answers = await asyncio.gather(*(self.ask(m, p) for m, p in asks.values()))
        return dict(zip(asks, answers, strict=True))


def device(name: str, **cfg: Any) -> dict[str, Any]:
    return {"name": name, "timeout": TIMEOUT, "poll_interval": 0.3, **cfg}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    opts = SimOptions(username="admin", password="porch-pw", extra={"scene": "quiet"})
    async with (
        SercommEmulator(opts) as emu,
        Sink() as sink,
        Hostile(sink) as cams,
        Hostile(sink, upstream=emu.url) as porch,
    ):
        devices = [
            device(
                "cam",
                kind="mjpeg",
                stream_url=f"{cams.url}/video.mjpeg",
                snapshot_url=f"{cams.url}/still.jpg",
            ),
            device("still", kind="mjpeg", stream_url=f"{cams.url}/still.jpg"),
            device(
                "porch",
                kind="sercomm",
                host="127.0.0.1",
                port=porch.port,
                username="admin",
                password="porch-pw",
            ),
        ]
        settings = make_settings(tmp_path_factory.mktemp("hub"), devices=devices)
        async with live_hub(settings) as hub:
            hub.state.streams.grace = 0.1  # let go of a camera as soon as its viewer does
            connector = aiohttp.TCPConnector(ssl=False)
            async with aiohttp.ClientSession(connector=connector) as http:
                headers = {"Authorization": f"Bearer {await hub.login()}"}
                yield Rig(hub, cams, porch, sink, http, headers)


async def healthy(rig: Rig) -> bool:
    answers = await rig.everything()
    return (
        all(
            a.status == 200 and (a.jpeg is None or a.jpeg[:2] == b"\xff\xd8")
            for a in answers.values()
        )
        and (answers["porch refresh"].state or {}).get("online") is True
    )


async def test_all_is_well_while_the_devices_behave(rig: Rig) -> None:
    await until(lambda: healthy(rig), 10, "the devices to be usable")


@pytest.mark.parametrize("mode", MODES)
async def test_a_hostile_device_gets_clear_errors_in_time_then_recovers(
    rig: Rig, mode: str
) -> None:
    streams = rig.hub.state.streams
    await until(lambda: streams.upstream_count == 0, 5, "idle streams")

    rig.set_mode(mode)
    answers = await rig.everything()
    for what, answer in answers.items():
        name = what.split()[0]
        if what == "porch refresh":
            assert answer.status == 200 and answer.state is not None
            assert answer.state["online"] is False, f"{mode}: porch still online"
            continue
        # every device request fails, with the documented status and shape
        assert answer.status in (502, 504), f"{mode}: {what} answered {answer.status}"
        assert answer.error is not None and answer.error["device"] == name
        assert isinstance(answer.error["error"], str) and answer.error["error"]
    if mode == "trickle":
        assert answers["cam snapshot"].status == 504
    if mode == "redirect":
        assert answers["porch snapshot"].error == {
            "error": "porch: redirected to another host (not followed)",
            "device": "porch",
            "code": 302,
        }
    if mode in ("huge", "endless"):
        assert "reply too large" in answers["cam snapshot"].error["error"]  # type: ignore[index]
    assert rig.sink.hits == 0  # no redirect was followed

    async def hung_up() -> bool:
        return rig.cams.hostile_connections == rig.porch.hostile_connections == 0

    await until(hung_up, 3, "camhub to close every hostile connection")

    rig.set_mode("ok")
    await until(lambda: healthy(rig), 10, f"recovery after {mode}")
