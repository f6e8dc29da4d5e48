"""Credentials refused, a camera that vanishes and returns, hangs and cut replies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from camhub.capabilities import ArmState, Capability, MotionDetectionState
from camhub.drivers.sercomm.device import SercommCamera
from camhub.errors import DeviceAuthError, DeviceTimeout, DeviceUnreachable
from camhub.sim.sercomm import SercommEmulator

from .conftest import PASSWORD, options

MakeCamera = Callable[..., SercommCamera]


async def test_bad_password_is_an_auth_error_without_the_secret(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu, password="wrong-password")
    with pytest.raises(DeviceAuthError) as err:
        await cam.connect()
    assert err.value.device == "porch"
    assert "wrong-password" not in str(err.value.payload())
    assert PASSWORD not in repr(cam) and PASSWORD not in repr(cam.transport)


async def test_bad_auth_fault_and_viewer_rights(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    emu.set_fault("bad-auth")
    with pytest.raises(DeviceAuthError):
        await make_camera(emu).poll()
    emu.set_fault("bad-auth", False)
    viewer = make_camera(emu, username="demo", password="demo", hook_url="http://127.0.0.1:9/h")
    await viewer.connect()  # a viewer may read what /util and /img show...
    assert viewer.model == "RC8230"
    assert Capability.ARM not in viewer.capabilities
    assert Capability.PTZ not in viewer.capabilities  # USER.pt_ctrl denies it by default
    assert (await viewer.poll()).vendor["host_name"] == "MyCamera"
    assert (await viewer.snapshot())[:2] == b"\xff\xd8"
    with pytest.raises(DeviceAuthError):  # ...but not arm the camera
        await viewer.set_armed(True)
    assert not emu.armed and emu.groups["HTTP_NOTIFY"]["http_url"] == ""


async def test_viewer_of_a_fixed_camera_is_read_only(make_camera: MakeCamera) -> None:
    async with SercommEmulator(options("RC8221")) as emu:
        viewer = make_camera(emu, username="demo", password="demo")
        await viewer.connect()
        assert Capability.SETTINGS not in viewer.capabilities
        state = await viewer.poll()
        assert state.get(ArmState) is None and state.get(MotionDetectionState) is None


async def test_camera_disappears_and_returns(make_camera: MakeCamera) -> None:
    emu = SercommEmulator(options())
    await emu.start()
    port = emu.port
    cam = make_camera(emu)
    await cam.connect()
    await cam.set_armed(True)
    await emu.stop()
    with pytest.raises(DeviceUnreachable):
        await cam.poll()
    with pytest.raises(DeviceUnreachable):
        await cam.snapshot()
    back = SercommEmulator(options(port=port))
    await back.start()
    try:
        assert back.port == port
        state = await cam.poll()
        assert state.get(ArmState) == ArmState(armed=False)  # a fresh camera
        await cam.set_armed(True)
        assert back.armed
    finally:
        await back.stop()


async def test_hanging_camera_times_out(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu, timeout=0.3)
    emu.set_fault("hang")
    with pytest.raises(DeviceTimeout) as err:
        await cam.poll()
    assert isinstance(err.value, TimeoutError)
    emu.set_fault("hang", False)
    assert (await cam.poll()).get(ArmState) == ArmState(armed=False)


@pytest.mark.parametrize("fault", ["drop", "offline"])
async def test_cut_replies_are_unreachable(
    emu: SercommEmulator, make_camera: MakeCamera, fault: str
) -> None:
    cam = make_camera(emu)
    emu.set_fault(fault)
    with pytest.raises(DeviceUnreachable):
        await cam.snapshot()
    emu.set_fault(fault, False)
    assert (await cam.snapshot())[:2] == b"\xff\xd8"
