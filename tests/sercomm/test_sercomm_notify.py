"""HTTP notify end to end: the camera calls camhub's hook URL when it sees motion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from camhub.drivers.base import EventIn
from camhub.drivers.sercomm.device import SercommCamera
from camhub.sim.sercomm import SercommEmulator

from .conftest import options

MakeCamera = Callable[..., SercommCamera]
HOOK_SECRET = "hook-token-123"


class HookReceiver:
    """A tiny stand-in for camhub's hook route: hands each call to the device."""

    def __init__(self) -> None:
        self.device: SercommCamera | None = None
        self.called = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_route("*", "/hooks/porch", self.hook)
        self.app.router.add_post("/upload", self.upload)
        self.posted: list[bytes] = []
        self.uploaded = asyncio.Event()
        self.runner = web.AppRunner(self.app)
        self.url = ""

    async def hook(self, request: web.Request) -> web.Response:
        if request.query.get("token") != HOOK_SECRET or self.device is None:
            return web.Response(status=403)
        await self.device.handle_hook(dict(request.query), await request.read())
        self.called.set()
        return web.Response(text="OK")

    async def upload(self, request: web.Request) -> web.Response:
        self.posted.append(await request.read())
        self.uploaded.set()
        return web.Response(text="OK")

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hooks/porch?token={HOOK_SECRET}"


@pytest.fixture
async def receiver() -> AsyncIterator[HookReceiver]:
    r = HookReceiver()
    await r.start()
    yield r
    await r.runner.cleanup()


async def test_motion_reaches_the_hook_and_becomes_an_event(
    receiver: HookReceiver, make_camera: MakeCamera, events: list[EventIn]
) -> None:
    async with SercommEmulator(options(scene="motion")) as emu:
        cam = make_camera(emu, hook_url=receiver.url)
        receiver.device = cam
        await cam.connect()
        assert emu.groups["HTTP_NOTIFY"]["http_url"] == receiver.url
        assert "httpn:1" in emu.groups["EVENT"]["event_mt"]
        assert emu.notify_calls == 0  # not armed yet
        await cam.set_armed(True)
        await asyncio.wait_for(receiver.called.wait(), timeout=10)
        assert emu.notify_calls >= 1
    assert events, "handle_hook emitted nothing"
    event = events[0]
    assert event.type == "motion"
    assert event.data["window"] == 1 and event.data["source"] == "http_notify"
    assert HOOK_SECRET not in repr(event.data)


async def test_hook_query_without_details_is_still_motion(
    emu: SercommEmulator, make_camera: MakeCamera, events: list[EventIn]
) -> None:
    cam = make_camera(emu)
    await cam.handle_hook({}, b"")
    await cam.handle_hook({"event": "audio", "window": "x", "token": "zzz"}, b"")
    assert [e.type for e in events] == ["motion", "sound"]
    assert "token" not in events[1].data and "window" not in events[1].data


async def test_http_event_posts_a_picture(receiver: HookReceiver, make_camera: MakeCamera) -> None:
    async with SercommEmulator(options(scene="motion")) as emu:
        cam = make_camera(emu)
        upload = receiver.url.split("/hooks")[0] + "/upload"
        await cam.update_settings(
            {
                "HTTP_EVENT": {"http_event_en": 1, "http_post_en": 1, "http_post_url": upload},
                "EVENT": {"event_mt": "email:0;ftpu:0;httpn:0;httppost:1;smbc:0"},
            }
        )
        await cam.set_armed(True)
        await asyncio.wait_for(receiver.uploaded.wait(), timeout=10)
    assert receiver.posted[0][:2] == b"\xff\xd8"
    assert emu.post_calls >= 1 and emu.notify_calls == 0
