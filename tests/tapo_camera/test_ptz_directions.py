"""Witness: the emulated motor turns the way the clients say it does.

pytapo calls ``movestep`` direction 0 "clockwise" (right, seen from above) and 180
counter-clockwise; Home Assistant Tapo Control's Move Right button and the ``tapo``
crate ("positive pan moves right") send a positive ``x_coord``. A step and a move
that clients call the same direction must turn the camera the same way.
"""

from __future__ import annotations

import pytest

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import PASSWORD, options, pytapo_client, running


def _pan_tilt(emu: TapoCameraEmulator) -> tuple[int, int]:
    state = emu.sim_state()
    return state["pan"], state["tilt"]


@pytest.mark.parametrize("login", ["legacy", "secure", "tpap"])
async def test_pytapo_steps_and_moves_agree(login: str) -> None:
    hash_name = "md5" if login != "secure" else "sha256"
    async with running(options(login, hash_name, model="C210")) as emu, pytapo_client(emu) as cam:
        home_pan, home_tilt = _pan_tilt(emu)
        turns = {
            "clockwise": ("moveMotorClockWise", ()),
            "move +x": ("moveMotor", (15, 0)),
            "counter-clockwise": ("moveMotorCounterClockWise", ()),
            "move -x": ("moveMotor", (-15, 0)),
            "vertical (up)": ("moveMotorVertical", ()),
            "move +y": ("moveMotor", (0, 10)),
            "horizontal (down)": ("moveMotorHorizontal", ()),
            "move -y": ("moveMotor", (0, -10)),
        }
        seen = {}
        for label, (method, args) in turns.items():
            await cam.call("calibrateMotor")
            await cam.call(method, *args)
            pan, tilt = _pan_tilt(emu)
            seen[label] = (pan - home_pan, tilt - home_tilt)
    assert seen["clockwise"] == seen["move +x"] == (15, 0)
    assert seen["counter-clockwise"] == seen["move -x"] == (-15, 0)
    assert seen["vertical (up)"] == seen["move +y"] == (0, 10)
    assert seen["horizontal (down)"] == seen["move -y"] == (0, -10)


async def test_tapo_crate_pans_right_like_pytapo_clockwise() -> None:
    tapo = pytest.importorskip("tapo")
    async with running(options("secure", model="C210")) as emu:
        client = tapo.ApiClient("admin", PASSWORD, timeout_s=10)
        camera = await client.c210(f"127.0.0.1:{emu.port}")
        home_pan, _tilt = _pan_tilt(emu)
        await camera.pan_tilt(10, 0)  # the crate: positive pan moves right
        crate_pan = _pan_tilt(emu)[0] - home_pan
        async with pytapo_client(emu) as cam:
            await cam.call("calibrateMotor")
            await cam.call("moveMotorClockWise")
        pytapo_pan = _pan_tilt(emu)[0] - home_pan
    assert crate_pan > 0 and pytapo_pan > 0
