"""HTTP notify end to end: the camera calls camhub's hook URL when it sees motion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from camhub.capabilities import Capability
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
    await cam.handle_hook({"event": "io"}, b"")  # the alarm input
    assert [e.type for e in events] == ["motion", "sound", "alarm"]
    assert "token" not in events[1].data and "window" not in events[1].data
    assert events[2].data["vendor_type"] == "io"
    assert {e.type for e in events} <= cam.event_types()


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


def notify_writes(emu: SercommEmulator) -> int:
    return sum("HTTP_NOTIFY settings changed" in line for line in emu.log_lines)


def warnings_about(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= 30 and text in r.getMessage()]


async def test_without_a_hook_url_there_are_no_events_and_one_warning(
    emu: SercommEmulator, make_camera: MakeCamera, caplog: pytest.LogCaptureFixture
) -> None:
    cam = make_camera(emu)  # hub without server.hook_base_url
    assert Capability.EVENTS not in cam.capabilities
    await cam.connect()
    await cam.connect()  # a reconnect
    assert Capability.EVENTS not in cam.capabilities
    assert Capability.ARM in cam.capabilities
    assert len(warnings_about(caplog, "server.hook_base_url")) == 1
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == ""
    with_hook = make_camera(emu, hook_url="http://127.0.0.1:9/hooks/porch/" + "ab" * 16)
    await with_hook.connect()
    assert Capability.EVENTS in with_hook.capabilities


async def test_reconnect_rewrites_nothing(
    emu: SercommEmulator, make_camera: MakeCamera, receiver: HookReceiver
) -> None:
    cam = make_camera(emu, hook_url=receiver.url)
    await cam.connect()
    assert notify_writes(emu) == 1
    mt = emu.groups["EVENT"]["event_mt"]
    for _ in range(3):
        await cam.connect()
    assert notify_writes(emu) == 1  # the camera's flash is not rewritten on each reconnect
    assert emu.groups["EVENT"]["event_mt"] == mt
    emu.groups["HTTP_NOTIFY"]["event_data_flag"] = "0"  # someone changed one key
    await cam.connect()
    assert notify_writes(emu) == 2 and emu.groups["HTTP_NOTIFY"]["event_data_flag"] == "1"
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == receiver.url


async def test_the_owners_notify_target_is_kept_with_notify_keep(
    emu: SercommEmulator, make_camera: MakeCamera, caplog: pytest.LogCaptureFixture
) -> None:
    emu.groups["HTTP_NOTIFY"]["http_url"] = "http://192.0.2.7/alarm"
    cam = make_camera(emu, hook_url="http://127.0.0.1:9/hooks/porch/" + "cd" * 16,
                      options={"notify": "keep"})  # fmt: skip
    await cam.connect()
    await cam.connect()
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == "http://192.0.2.7/alarm"
    assert notify_writes(emu) == 0
    assert Capability.EVENTS not in cam.capabilities  # camhub would wait in vain
    kept = warnings_about(caplog, "options.notify: keep")
    assert len(kept) == 1 and "192.0.2.7" in kept[0]


async def test_the_owners_notify_target_is_replaced_by_default_with_a_warning(
    emu: SercommEmulator, make_camera: MakeCamera, caplog: pytest.LogCaptureFixture
) -> None:
    emu.groups["HTTP_NOTIFY"]["http_url"] = "http://192.0.2.7/alarm"
    hook = "http://127.0.0.1:9/hooks/porch/" + "ef" * 16
    cam = make_camera(emu, hook_url=hook)
    await cam.connect()
    await cam.connect()
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == hook
    assert Capability.EVENTS in cam.capabilities
    replaced = warnings_about(caplog, "notifies camhub instead")
    assert len(replaced) == 1 and "192.0.2.7" in replaced[0]
    assert hook not in replaced[0]


async def test_an_old_camhub_hook_is_replaced_quietly(
    emu: SercommEmulator, make_camera: MakeCamera, caplog: pytest.LogCaptureFixture
) -> None:
    emu.groups["HTTP_NOTIFY"]["http_url"] = "http://10.0.0.2:8080/hooks/porch/" + "01" * 16
    hook = "http://127.0.0.1:9/hooks/porch/" + "ef" * 16
    cam = make_camera(emu, hook_url=hook, options={"notify": "keep"})
    await cam.connect()
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == hook
    assert warnings_about(caplog, "porch:") == []
