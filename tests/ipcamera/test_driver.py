"""The ``ipcamera`` driver against the emulator, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest

from camhub.capabilities import Capability, LightState, MotionDetectionState, implemented
from camhub.drivers import driver_for
from camhub.drivers.base import EventIn
from camhub.drivers.ipcamera.device import IpCameraDevice
from camhub.errors import (
    DeviceAuthError,
    DeviceError,
    DeviceLockedOut,
    DeviceTimeout,
    DeviceUnreachable,
    InvalidArgument,
)
from camhub.sim.ipcamera import IpCameraEmulator
from camhub.sim.video import jpeg_size
from tests.helpers.wait import until
from tests.ipcamera.conftest import PASSWORD, connected, make_device, options


def torch(dev: IpCameraDevice) -> bool | None:
    """The torch as the device state shows it (pushed by the WebSocket between polls)."""
    light = dev.state.get(LightState)
    return light.on if light is not None else None


def hardware(dev: IpCameraDevice) -> Any:
    return dev.state.vendor["hardware"]


@pytest.fixture
async def device(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[tuple[IpCameraDevice, list[EventIn]]]:
    events: list[EventIn] = []
    async with connected(make_device(http, emu.port, events, tmp_path)) as dev:
        yield dev, events


@pytest.fixture
async def pushing(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[tuple[IpCameraDevice, list[int]]]:
    """A driver with its WebSocket up, and a list that grows each time it pushes state."""
    pushed: list[int] = []
    dev = make_device(http, emu.port, [], tmp_path, on_state=lambda: pushed.append(1))
    async with connected(dev):
        await until(dev.feed.connected.is_set)
        yield dev, pushed


async def test_registered_with_its_capabilities() -> None:
    cls = driver_for("ipcamera")
    assert cls is IpCameraDevice
    caps = implemented(cls)
    assert {Capability.SNAPSHOT, Capability.STREAM, Capability.LIGHT, Capability.EVENTS} <= caps
    assert Capability.AUDIO not in caps  # the app has no HTTP audio endpoint
    assert Capability.REBOOT not in caps


async def test_connect_and_poll(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, _ = device
    state = await dev.poll()
    assert state.get(LightState) == LightState(on=False, mode="torch", modes=["torch"])
    assert state.get(MotionDetectionState) == MotionDetectionState(enabled=True, sensitivity=50)
    assert state.vendor["cameraRunning"] is True and state.vendor["pro"] is True
    assert state.vendor["settings"]["resolution"] == "1280x720"
    assert "torchEnabled" not in state.vendor["settings"]  # it is the light's state
    assert state.vendor["hardware"]["maxFrameRate"] == 60
    assert PASSWORD not in repr(dev) and PASSWORD not in repr(dev.transport)


async def test_snapshot_size_follows_settings(device: tuple[IpCameraDevice, list[EventIn]]) -> None:
    dev, _ = device
    assert jpeg_size(await dev.snapshot()) == (1280, 720)
    new = await dev.update_settings({"resolution": "640x480"})
    assert new["resolution"] == "640x480"
    assert jpeg_size(await dev.snapshot()) == (640, 480)


async def test_settings_validation_errors_pass_through(
    device: tuple[IpCameraDevice, list[EventIn]],
) -> None:
    dev, _ = device
    with pytest.raises(InvalidArgument) as caught:
        await dev.update_settings({"frameRate": 0, "nope": True})
    assert caught.value.errors == [
        "frameRate: Value must be between 1 and 60",
        "nope: Unknown setting",
    ]
    assert (await dev.get_settings())["frameRate"] == 30


async def test_settings_schema_describes_the_settings(
    device: tuple[IpCameraDevice, list[EventIn]],
) -> None:
    dev, _ = device
    settings = await dev.get_settings()
    schema = dev.settings_schema()
    jsonschema.validate(settings, schema)
    props = schema["properties"]
    assert props["resolution"]["enum"] == ["640x480", "1280x720", "1920x1080"]  # the lens's
    assert props["motionSensitivity"]["maximum"] == 10 and props["rtspHasPassword"]["readOnly"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**settings, "resolution": "800x600"}, schema)
    await dev.update_settings({"useFrontCamera": True})
    await until(lambda: dev.settings_schema()["properties"]["frameRate"]["maximum"] == 30)


async def test_torch(emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]) -> None:
    dev, _ = device
    await dev.set_light(True)
    assert emu.settings["torchEnabled"] is True
    await dev.set_light(True)  # already on: must not toggle it off
    assert emu.settings["torchEnabled"] is True
    await dev.set_light(False)
    assert emu.settings["torchEnabled"] is False


async def test_concurrent_torch_commands_agree(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, _ = device
    await asyncio.gather(dev.set_light(True), dev.set_light(True))  # two taps on "on"
    assert emu.settings["torchEnabled"] is True and torch(dev) is True
    await asyncio.gather(dev.set_light(False, "torch"), dev.set_light(False, None))
    assert emu.settings["torchEnabled"] is False and torch(dev) is False
    with pytest.raises(InvalidArgument):
        await dev.set_light(True, "strobe")


async def test_motion_detection(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, _ = device
    await dev.set_motion_detection(False, 80)
    assert emu.settings["motionSensitivity"] == 8 and emu.settings["motionEnabled"] is False
    got = (await dev.poll()).get(MotionDetectionState)
    assert got == MotionDetectionState(enabled=False, sensitivity=80)
    await dev.set_motion_detection(None, 1)  # the lowest percent: the app's lowest
    assert emu.settings["motionSensitivity"] == 1 and emu.settings["motionEnabled"] is False
    await dev.set_motion_detection(True, 100)
    assert emu.settings["motionSensitivity"] == 10 and emu.settings["motionEnabled"] is True
    with pytest.raises(InvalidArgument):
        await dev.set_motion_detection(None, 0)


async def test_stream_source_plays(
    device: tuple[IpCameraDevice, list[EventIn]], http: aiohttp.ClientSession
) -> None:
    dev, _ = device
    source = await dev.stream_source()
    async with http.get(source.url, ssl=source.verify_tls) as r:
        assert r.status == 200 and r.content_type == "multipart/x-mixed-replace"


async def test_raw(device: tuple[IpCameraDevice, list[EventIn]]) -> None:
    dev, _ = device
    caps = await dev.raw({"method": "GET", "path": "/capabilities"})
    assert caps["cameraIds"] == ["0", "1"]


async def test_bad_password_then_lockout(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    dev = make_device(http, emu.port, [], tmp_path, password="wrong-one")
    for _ in range(4):
        with pytest.raises(DeviceAuthError) as caught:
            await dev.connect()
        assert not isinstance(caught.value, DeviceLockedOut)
        assert "wrong-one" not in str(caught.value)
    with pytest.raises(DeviceLockedOut) as locked:
        await dev.connect()
    assert 0 < locked.value.seconds_left <= 30
    attempts = emu.auth.failures
    with pytest.raises(DeviceLockedOut):  # no new attempt while locked out
        await dev.connect()
    assert emu.auth.failures == attempts
    await dev.close()


async def test_events_arrive_over_the_websocket(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, events = device
    await until(dev.feed.connected.is_set)
    for kind in ("MOTION", "ANY_SOUND", "OBJECT_PERSON", "OBJECT_DOG", "DOG_BARK"):
        await emu.record_event(kind)
    await until(lambda: len(events) == 5)
    assert [e.type for e in events] == ["motion", "sound", "person", "pet", "sound"]
    assert [e.data["vendor_type"] for e in events] == [
        "MOTION", "ANY_SOUND", "OBJECT_PERSON", "OBJECT_DOG", "DOG_BARK",
    ]  # fmt: skip
    assert {e.type for e in events} <= dev.event_types()
    assert events[0].data["changedPercent"] > 0 and events[0].timestamp > 10**12
    assert events[2].data["confidence"] == 85


async def test_settings_broadcasts_update_state(
    emu: IpCameraEmulator, pushing: tuple[IpCameraDevice, list[int]]
) -> None:
    dev, pushed = pushing
    await emu.apply_settings({"torchEnabled": True, "frameRate": 15})  # e.g. from the phone
    await until(lambda: torch(dev) is True)
    assert dev.state.vendor["settings"]["frameRate"] == 15 and pushed


async def test_ws_drop_reconnects_and_events_resume(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, events = device
    await until(dev.feed.connected.is_set)
    await emu.record_event("MOTION")
    await until(lambda: len(events) == 1)
    emu.set_fault("ws-drop")
    await until(lambda: not dev.feed.connected.is_set())
    await emu.record_event("ANY_SOUND")  # happens while the socket is down
    emu.set_fault("ws-drop", on=False)
    await until(lambda: dev.feed.connections >= 2)
    await emu.record_event("OBJECT_PERSON")
    await until(lambda: len(events) >= 3)
    # the missed event is caught up from the history, nothing is duplicated
    assert sorted(e.type for e in events) == ["motion", "person", "sound"]
    assert events[0].type == "motion"


async def test_camera_disappears_and_returns(http: aiohttp.ClientSession, tmp_path: Path) -> None:
    first = IpCameraEmulator(options())
    await first.start()
    port = first.port
    events: list[EventIn] = []
    dev = make_device(http, port, events, tmp_path)
    try:
        await dev.connect()
        await until(dev.feed.connected.is_set)
        await first.stop()
        with pytest.raises(DeviceUnreachable):
            await dev.poll()
        async with IpCameraEmulator(options(port=port)) as again:
            assert again.port == port
            await until(lambda: dev.feed.connections >= 2)  # logged in afresh
            assert (await dev.poll()).vendor["cameraRunning"] is True
            assert isinstance(again, IpCameraEmulator)
            await again.record_event("MOTION")
            await until(lambda: [e.type for e in events] == ["motion"])
    finally:
        await dev.close()


async def test_free_license_is_a_clear_device_error(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async with IpCameraEmulator(options(pro=False)) as emu:
        dev = make_device(http, emu.port, [], tmp_path)
        with pytest.raises(DeviceError) as caught:
            await dev.connect()
        assert caught.value.code == 403 and "Pro license required" in caught.value.message
        await dev.close()


@pytest.mark.parametrize(
    ("fault", "error"),
    [("hang", DeviceTimeout), ("slow", DeviceTimeout), ("drop", DeviceUnreachable)],
)
async def test_faults_become_device_errors(
    emu: IpCameraEmulator,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    fault: str,
    error: type[Exception],
) -> None:
    dev = make_device(http, emu.port, [], tmp_path, timeout=0.5)
    emu.set_fault(fault)
    with pytest.raises(error):
        await dev.connect()
    await dev.close()


async def test_a_failing_event_handler_does_not_end_the_feed(
    emu: IpCameraEmulator,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[EventIn] = []
    failures = [RuntimeError("sink down"), RuntimeError("sink still down")]

    def emit(event: EventIn) -> None:  # the hub's event sink, broken twice
        if failures:
            raise failures.pop(0)
        got.append(event)

    async with connected(make_device(http, emu.port, emit, tmp_path)) as dev:
        for connections in (1, 2):
            await until(lambda n=connections: dev.feed.connections >= n)  # type: ignore[misc]
            await emu.record_event("MOTION")
        await until(lambda: dev.feed.connections >= 3)
        await emu.record_event("ANY_SOUND")
        await until(lambda: [e.type for e in got] == ["sound"], timeout=5)
        warned = [r for r in caplog.records if "RuntimeError" in r.getMessage()]
        assert len([r for r in warned if r.levelname == "WARNING"]) == 1  # once per kind


async def test_camera_switch_refreshes_the_hardware(
    emu: IpCameraEmulator, pushing: tuple[IpCameraDevice, list[int]]
) -> None:
    dev, pushed = pushing
    assert hardware(dev)["maxFrameRate"] == 60
    await dev.update_settings({"useFrontCamera": True})
    await until(lambda: hardware(dev)["maxFrameRate"] == 30)
    assert hardware(dev)["resolutions"] == ["640x480", "1280x720"] and pushed
    # a bare announcement (no hardware in it): the driver asks for the hardware
    emu.settings.apply({"cameraId": "0"})
    await emu.ws.broadcast({"type": "capabilitiesChanged"})
    await until(lambda: hardware(dev)["maxFrameRate"] == 60)


async def test_license_change_updates_the_pro_flag(
    emu: IpCameraEmulator, device: tuple[IpCameraDevice, list[EventIn]]
) -> None:
    dev, _ = device
    await until(dev.feed.connected.is_set)
    assert dev.state.vendor["pro"] is True
    await emu.set_pro(False)
    await until(lambda: dev.state.vendor["pro"] is False)
    with pytest.raises(DeviceError) as refused:  # and polls now say why
        await dev.poll()
    assert refused.value.code == 403 and "Pro license required" in refused.value.message
    await emu.set_pro(True)
    await until(lambda: dev.state.vendor["pro"] is True)
