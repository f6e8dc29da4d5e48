"""Device information, the event log, driver options and a sparse firmware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import jsonschema
import pytest
from aiohttp import web

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import check_devices
from camhub.drivers.http import Reply
from camhub.drivers.sercomm.device import SercommCamera
from camhub.errors import ConfigError, DeviceError, InvalidArgument
from camhub.sim.base import SimOptions
from camhub.sim.sercomm import SercommEmulator

MakeCamera = Callable[..., SercommCamera]


async def test_poll_shows_device_information(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.connect()
    state = (await cam.poll()).vendor
    assert state["info"] == {
        "model": "RC8230",
        "firmware": "V1.0.15R00",
        "firmware_date": "Mar 01,2013",
        "serial_number": "12345",
        "mac": "00:0e:8f:92:ff:f7",
        "maker": "Xanboo",
        "host_name": "MyCamera",
        "ip_address": "192.168.0.42",
        "http_port": str(emu.port),
        "rtsp_port": "554",
    }
    assert "wps_pin_code" not in str(state)  # the WPS PIN opens the WiFi
    assert state["ir_filter"] is False
    emu.groups["VIDEO"]["night_mode"] = "1"
    assert (await cam.poll()).vendor["ir_filter"] is True


async def test_viewer_gets_information_without_sysinfo(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    viewer = make_camera(emu, username="demo", password="demo")
    await viewer.connect()
    info = (await viewer.poll()).vendor["info"]
    assert info["firmware"] == "V1.0.15R00" and "serial_number" not in info


async def test_event_log_is_beside_the_settings_and_read_only(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu)
    await cam.reboot()
    settings = await cam.get_settings()
    log = settings["event_log"]
    assert "System: Reboot by user." in log[0] and "System: Boot up." in log[-1]
    with pytest.raises(InvalidArgument) as err:
        await cam.update_settings({"event_log": ["x"]})
    assert err.value.errors == ["event_log: read-only (the camera's event log)"]


async def test_settings_schema_describes_the_settings(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu)
    await cam.connect()
    settings = await cam.get_settings()
    schema = cam.settings_schema()
    jsonschema.validate(settings, schema)
    assert set(schema["properties"]) == set(settings)  # every group, windows, log
    assert schema["properties"]["USER"]["properties"]["admin_password"]["format"] == "password"
    assert schema["properties"]["event_log"]["readOnly"] is True
    window = {**settings["motion_windows"][0], "threshold": 300}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**settings, "motion_windows": [window]}, schema)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"options": {"ptz_step": "abc"}}, "devices.0.options.ptz_step: "),
        ({"options": {"ptz_step": 0}}, "devices.0.options.ptz_step: "),
        ({"options": {"ptz_step": True}}, "devices.0.options.ptz_step: "),
        ({"options": {"notify": "always"}}, "devices.0.options.notify: "),
        ({"options": {"ptz_stpe": 5}}, "devices.0.options.ptz_stpe: "),
        ({"notify": "always"}, "devices.0.notify: "),  # at the top level
        ({"username": "a:b"}, "devices.porch.username: must not contain ':'"),
    ],
)
def test_bad_options_are_config_errors(entry: dict[str, Any], problem: str) -> None:
    cfg = DeviceConfig.model_validate({"name": "porch", "kind": "sercomm", "host": "h", **entry})
    with pytest.raises(ConfigError) as err:
        check_devices([cfg])
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith(problem)


async def test_ptz_step_option_sets_the_step(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu, options={"ptz_step": "25"})  # ${ENV} values arrive as text
    await cam.connect()
    await cam.ptz_step("right")
    assert emu.pan == 25


async def test_utf8_password(make_camera: MakeCamera) -> None:
    opts = SimOptions(password="pässwörd", model="RC8230", extra={"scene": "quiet"})
    async with SercommEmulator(opts) as emu:
        cam = make_camera(emu, password="pässwörd")
        reply = await cam.transport.get("/util/query.cgi")
        assert isinstance(reply, Reply) and reply.status == 200
        await cam.connect()
        assert cam.model == "RC8230"


# A partner firmware that offers little: no extension page, no sysinfo, no model.
SPARSE_PAGES = {
    "/util/query.cgi": "hostname=Garage\nptctrl=off\nmac=00:0e:8f:00:00:01\n",
    "/img/query.cgi": "mic_in=on\nptctrl=off\n",
    "/adm/get_group.cgi": "[SYSTEM]\nhost_name=Garage\n",
}


@pytest.fixture
async def sparse_camera() -> AsyncIterator[int]:
    async def page(request: web.Request) -> web.Response:
        if request.query.get("extension") or request.path not in SPARSE_PAGES:
            raise web.HTTPNotFound()
        return web.Response(text=SPARSE_PAGES[request.path])

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


async def test_sparse_firmware_still_connects(
    sparse_camera: int, emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu, port=sparse_camera)
    await cam.connect()
    assert cam.model == "" and cam.firmware == ""
    assert cam.info == {"mac": "00:0e:8f:00:00:01", "host_name": "Garage"}
    assert Capability.PTZ not in cam.capabilities and Capability.SNAPSHOT in cam.capabilities


async def test_a_reply_camhub_cannot_read_is_a_device_error(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    async def empty(request: web.Request) -> web.Response:
        return web.Response(text="<html>not a camera</html>")

    app = web.Application()
    app.router.add_get("/{tail:.*}", empty)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        cam = make_camera(emu, port=runner.addresses[0][1])
        with pytest.raises(DeviceError) as err:
            await cam.connect()
        assert err.value.payload() == {
            "error": "porch: malformed reply: /util/query.cgi",
            "device": "porch",
        }
    finally:
        await runner.cleanup()
