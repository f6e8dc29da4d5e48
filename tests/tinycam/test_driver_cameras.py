"""The tinycam driver's cameras: addressing, HTTPS, offline with the server, presets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext
from camhub.drivers.tinycam.camera import TinyCamCamera
from camhub.drivers.tinycam.device import TinyCamServer
from camhub.errors import DeviceUnreachable
from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator, TinyCamTlsEmulator

from .conftest import DOORBELL, FRONT_YARD, read_mjpeg_part

LIGHT = 0x8000


async def camera(server: TinyCamServer, name: str) -> TinyCamCamera:
    for c in await server.list_children():
        if c.name == name:
            assert isinstance(c, TinyCamCamera)
            return c
    raise AssertionError(f"no child {name}")


async def test_cameras_follow_their_place_in_the_list(emu, make_server, http):
    garage = emu.add_camera("Garage", camera_id=77, ptz_capabilities=LIGHT)
    server = make_server()
    await server.connect()
    door = await camera(server, "phone.doorbell")
    light_garage = await camera(server, "phone.garage")
    await door.set_light(True, None)
    assert emu.camera_by_id(DOORBELL).light == "on"
    assert emu.camera_by_id(FRONT_YARD).light == "off"

    emu.remove_camera(FRONT_YARD)  # every camera after it moves up one place
    await server.poll()
    await light_garage.set_light(True, None)
    assert garage.light == "on"
    await door.set_light(False, None)
    assert emu.camera_by_id(DOORBELL).light == "off" and garage.light == "on"
    source = await light_garage.stream_source()
    assert "camera=2" in source.url
    async with http.get(source.url, headers=source.headers) as r:
        assert r.status == 200 and (await read_mjpeg_part(r)).startswith(b"\xff\xd8")


async def test_an_https_server_with_its_self_signed_certificate(http, tmp_path):
    async with TinyCamTlsEmulator(SimOptions(extra={"scene": "quiet"})) as emu:
        assert emu.url.startswith("https://")
        ctx = DeviceContext(
            http=http, emit=lambda e: None, data_dir=tmp_path, username="admin", password="admin"
        )
        cfg = DeviceConfig(name="phone", kind="tinycam", host="127.0.0.1", port=emu.port, tls=True)
        server = TinyCamServer(cfg, ctx)
        await server.connect()
        assert len((await server.poll()).vendor["cameras"]) == 2
        front = await camera(server, "phone.front-yard")
        assert (await front.snapshot()).startswith(b"\xff\xd8")
        source = await front.stream_source()
        assert source.url.startswith("https://") and not source.verify_tls


async def test_cameras_are_offline_while_their_server_is(emu, make_server):
    server = make_server(timeout=0.5)
    await server.connect()
    front = await camera(server, "phone.front-yard")
    assert (await front.poll()).vendor["cameraId"] == FRONT_YARD

    port = emu.port
    await emu.stop()
    with pytest.raises(DeviceUnreachable):
        await server.poll()
    with pytest.raises(DeviceUnreachable) as info:
        await front.poll()
    assert "phone" in info.value.message

    async with TinyCamEmulator(SimOptions(port=port, extra={"scene": "quiet"})):
        await server.poll()
        assert (await front.poll()).vendor["cameraId"] == FRONT_YARD


async def test_a_failed_reconnect_also_takes_the_cameras_offline(emu, make_server):
    server = make_server(timeout=0.5)
    await server.connect()
    front = await camera(server, "phone.front-yard")
    await emu.stop()
    with pytest.raises(DeviceUnreachable):
        await server.connect()  # what the coordinator calls after repeated failures
    with pytest.raises(DeviceUnreachable):
        await front.poll()


async def test_presets_saved_at_once_get_their_own_numbers(emu, make_server, tmp_path):
    server = make_server(ptz_move_seconds=0)
    await server.connect()
    front = await camera(server, "phone.front-yard")
    ids = await asyncio.gather(*(front.save_preset(f"spot {i}") for i in range(4)))
    assert sorted(ids) == ["1", "2", "3", "4"]
    assert sorted(p.name for p in await front.list_presets()) == [
        "spot 0",
        "spot 1",
        "spot 2",
        "spot 3",
    ]
    assert sorted(emu.camera_by_id(FRONT_YARD).presets) == [1, 2, 3, 4]
    assert [p.name for p in tmp_path.iterdir()] == ["tinycam-presets-phone.json"]


async def test_a_failed_write_keeps_the_preset_names(emu, make_server, tmp_path, monkeypatch):
    server = make_server(ptz_move_seconds=0)
    await server.connect()
    front = await camera(server, "phone.front-yard")
    gate = await front.save_preset("gate")

    real_write = Path.write_text

    def disk_full(self: Path, data: str, *args: object, **kw: object) -> int:
        real_write(self, data[: len(data) // 2], encoding="utf-8")  # half, then fail
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError):
        await front.save_preset("pool")
    monkeypatch.undo()

    assert [(p.id, p.name) for p in await front.list_presets()] == [(gate, "gate")]
    saved = json.loads((tmp_path / "tinycam-presets-phone.json").read_text(encoding="utf-8"))
    assert saved == {str(FRONT_YARD): {gate: "gate"}}
    assert [p.name for p in tmp_path.iterdir()] == ["tinycam-presets-phone.json"]
