"""tinyCam / Axis control routes: audio, PTZ, light, the server's switches, restart.

    GET /axis-cgi/audio/receive.wav     the camera's audio (``audio`` capability)
    GET /axis-cgi/com/ptz.cgi           continuous pan/tilt, home, server presets 1..n
    GET /axis-cgi/io/lightcontrol.cgi   action=L1:-100 (on) / L1:-0 (off)
    GET /param.cgi                      action=update|delete|pin|unpin
    GET /axis-cgi/admin/restart.cgi     re-read the config file and restart devices

All admin only. Each maps onto capabilities; a camera without the one asked for
answers ``HTTP 400. ... not supported``. Successful commands answer ``OK``.
"""

from __future__ import annotations

import re
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from camhub.api.deps import State
from camhub.capabilities import (
    AudioDriver,
    Capability,
    LedDriver,
    LightDriver,
    MotionDetectionDriver,
    PresetsDriver,
    PtzDriver,
)
from camhub.compat import tinycam_files
from camhub.compat.tinycam_auth import (
    Caller,
    Camera,
    TinyCamError,
    TinyCamRoute,
    cameras,
    int_param,
    select_camera,
    settings_of,
)
from camhub.errors import CamhubError, DeviceError
from camhub.streams.audio import open_audio

P = TypeVar("P")

router = APIRouter(tags=["tinycam"], route_class=TinyCamRoute)

_PAIR = re.compile(r"^(-?\d{1,3}),(-?\d{1,3})$")
ON_OFF = {"on": True, "off": False}
STREAM_PROFILES = {"main": 0, "sub": 1, "auto": 2}
LIGHT_ACTIONS = {"L1:-100": True, "L1:-0": False}  # L1:-50 (auto): no capability for it
AUDIO_CHUNK = 16 * 1024


def ok() -> PlainTextResponse:
    return PlainTextResponse("OK", headers={"Cache-Control": "no-store"})


def _needs(cam: Camera, cap: Capability, what: str, interface: type[P]) -> P:
    if cap not in cam.device.capabilities:
        raise TinyCamError(400, f"{what} not supported by this camera.")
    return cam.device.need(cap, interface)


@router.get("/axis-cgi/audio/receive.wav", response_class=Response)
async def audio(request: Request, state: State, caller: Caller) -> Response:
    """The camera's audio as the device serves it (WAV), passed through."""
    cam = select_camera(request, state, by="either")
    _needs(cam, Capability.AUDIO, "Audio", AudioDriver)
    try:
        media_type, pieces = await open_audio(state.http, cam.device)
    except DeviceError as exc:
        raise TinyCamError(502, f"{exc.message}.") from None
    return StreamingResponse(pieces, media_type=media_type, status_code=200)


async def _preset_id(device: PresetsDriver, number: int) -> str:
    presets = await device.list_presets()
    if number > len(presets):
        raise TinyCamError(404, "Preset not found.")
    return presets[number - 1].id


@router.get("/axis-cgi/com/ptz.cgi", response_class=Response)
async def ptz(request: Request, state: State, caller: Caller) -> Response:
    """Pan/tilt (a step toward each non-zero speed; ``0,0`` stops), home, presets."""
    cam = select_camera(request, state)
    q = request.query_params
    did = False
    if "continuouspantiltmove" in q:
        ptz_dev = _needs(cam, Capability.PTZ, "PTZ", PtzDriver)
        m = _PAIR.match(q["continuouspantiltmove"])
        if m is None or not all(-100 <= int(v) <= 100 for v in m.groups()):
            raise TinyCamError(400, "Invalid continuouspantiltmove.")
        pan, tilt = int(m[1]), int(m[2])
        if pan == tilt == 0:
            await ptz_dev.ptz_stop()
        if pan:
            await ptz_dev.ptz_step("right" if pan > 0 else "left")
        if tilt:
            await ptz_dev.ptz_step("up" if tilt > 0 else "down")
        did = True
    for name in ("continuouszoommove", "continuousfocusmmove", "continuousirismmove"):
        value = int_param(request, name, -100, 100)
        if value:  # 0 is "stop", which a camera that cannot move does already
            raise TinyCamError(400, f"{name} not supported by this camera.")
        did = did or value == 0
    if "move" in q:
        if q["move"] != "home":
            raise TinyCamError(400, "Invalid move.")
        await _needs(cam, Capability.PTZ, "PTZ", PtzDriver).ptz_home()
        did = True
    goto = int_param(request, "gotoserverpresetno", lo=1)
    if goto is not None:
        presets = _needs(cam, Capability.PRESETS, "Presets", PresetsDriver)
        await presets.goto_preset(await _preset_id(presets, goto))
        did = True
    save = int_param(request, "setserverpresetno", lo=1, hi=999)
    if save is not None:
        await _needs(cam, Capability.PRESETS, "Presets", PresetsDriver).save_preset(
            f"Preset {save}"
        )
        did = True
    if not did:
        raise TinyCamError(400, "No PTZ command.")
    state.hub.coordinator(cam.name).request_refresh()
    return ok()


@router.get("/axis-cgi/io/lightcontrol.cgi", response_class=Response)
async def lightcontrol(request: Request, state: State, caller: Caller) -> Response:
    """The camera's light (lamp, torch, IR), else its LED, on or off."""
    cam = select_camera(request, state)
    action = request.query_params.get("action", "")
    if action == "L1:-50":
        raise TinyCamError(400, "Automatic light not supported by this camera.")
    on = LIGHT_ACTIONS.get(action)
    if on is None:
        raise TinyCamError(400, "Invalid action.")
    caps = cam.device.capabilities
    if Capability.LIGHT in caps:
        await cam.device.need(Capability.LIGHT, LightDriver).set_light(on, None)
    elif Capability.LED in caps:
        await cam.device.need(Capability.LED, LedDriver).set_led(on)
    else:
        raise TinyCamError(400, "Light not supported by this camera.")
    state.hub.coordinator(cam.name).request_refresh()
    return ok()


@router.get("/param.cgi", response_class=Response)
async def param(request: Request, state: State, caller: Caller) -> Response:
    """``action=update`` of the server's switches; ``delete``, ``pin``, ``unpin`` of a
    recording (pinned files are renamed ``..._pin.mp4``) or a saved snapshot."""
    q = request.query_params
    action = q.get("action")
    if action == "update":
        return await _update(request, state)
    if action in ("delete", "pin", "unpin"):
        name = q.get("root.Filename")
        if not name:
            raise TinyCamError(400, "Missing root.Filename.")
        await tinycam_files.act(state, action, name)
        return ok()
    raise TinyCamError(400, "Invalid action.")


async def _update(request: Request, state: State) -> Response:
    q = request.query_params
    changes: dict[str, bool | int] = {}
    fields: tuple[tuple[str, str, dict[str, bool] | dict[str, int]], ...] = (
        ("root.BackgroundMode", "backgroundMode", ON_OFF),
        ("root.PowerSafeMode", "powerSafeMode", ON_OFF),
        ("root.Notifications", "notifications", ON_OFF),
        ("root.StreamProfile", "streamProfile", STREAM_PROFILES),
    )
    for key, field, table in fields:
        if key in q:
            value = q[key].lower()
            if value not in table:
                raise TinyCamError(400, f"Invalid {key}.")
            changes[field] = table[value]
    if not changes:
        raise TinyCamError(400, "Missing parameter.")
    tag = q.get("tag")
    if "notifications" in changes and tag:
        # camhub has no tags: a tag names one camera, whose motion detection follows
        targets = [c for c in cameras(state) if c.name == tag]
        if not targets:
            raise TinyCamError(404, "Tag not found.")
        motion = _needs(
            targets[0], Capability.MOTION_DETECTION, "Motion detection", MotionDetectionDriver
        )
        await motion.set_motion_detection(bool(changes["notifications"]), None)
        state.hub.coordinator(targets[0].name).request_refresh()
    settings_of(request).update(changes)
    return ok()


@router.get("/axis-cgi/admin/restart.cgi", response_class=Response)
async def restart(state: State, caller: Caller) -> Response:
    """camhub's restart: re-read the config file and apply it (devices reconnect)."""
    if state.settings.config_path is None:
        raise TinyCamError(403, "Restart needs camhub started from a config file.")
    try:
        await state.service.reload()
    except CamhubError as exc:
        raise TinyCamError(exc.status, "Configuration not reloaded.") from None
    return ok()
