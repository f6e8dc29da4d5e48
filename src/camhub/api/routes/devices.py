"""Devices and one route per capability, the same for every vendor.

Routes speak capabilities only: they look the device up, check it declares the
capability, call the driver method, and ask its coordinator to refresh the state.
Driver errors are translated at the edge (``camhub.api.errors``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from camhub.api.deps import Admin, State, User
from camhub.capabilities import Capability as Cap
from camhub.drivers.base import Device
from camhub.errors import Unsupported

router = APIRouter(prefix="/api/devices", tags=["devices"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OnOff(_Body):
    on: bool


class PowerBody(_Body):
    on: bool | Literal["toggle"]


class Brightness(_Body):
    level: int = Field(ge=1, le=100)


class Color(_Body):
    hue: int = Field(ge=0, le=360)
    saturation: int = Field(ge=0, le=100)


class ColorTemp(_Body):
    kelvin: int = Field(ge=1000, le=10000)


class Effect(_Body):
    name: str | None = Field(max_length=64)


class Ptz(_Body):
    action: Literal["step", "move", "home", "stop"]
    direction: Literal["left", "right", "up", "down"] | None = None
    x: int = Field(0, ge=-10000, le=10000)
    y: int = Field(0, ge=-10000, le=10000)


class PresetNew(_Body):
    name: str = Field(min_length=1, max_length=32)


def _device(state: State, name: str, cap: Cap) -> Device:
    device = state.hub.get(name)
    if cap not in device.capabilities:
        raise Unsupported(f"{name} does not support {cap}", device=name, capability=str(cap))
    return device


def _refresh(state: State, name: str) -> None:
    state.hub.coordinator(name).request_refresh()


@router.get("")
async def list_devices(state: State, user: User) -> dict[str, Any]:
    return {"devices": [state.hub.summary(n) for n in state.hub.names()]}


@router.get("/{name}")
async def get_device(name: str, state: State, user: User) -> dict[str, Any]:
    return state.hub.describe(name)


@router.post("/{name}/refresh")
async def refresh_device(name: str, state: State, user: User) -> dict[str, Any]:
    """Poll the device now and return its fresh description."""
    await state.hub.coordinator(name).refresh()
    return state.hub.describe(name)


@router.post("/{name}/power")
async def power(name: str, body: PowerBody, state: State, user: User) -> dict[str, Any]:
    dev = _device(state, name, Cap.POWER)
    on = body.on
    if on == "toggle":
        on = not bool(dev.state.get("on"))
    await dev.set_power(bool(on))
    _refresh(state, name)
    return {"success": True, "on": on}


@router.post("/{name}/brightness")
async def brightness(name: str, body: Brightness, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.BRIGHTNESS).set_brightness(body.level)
    _refresh(state, name)
    return {"success": True, "level": body.level}


@router.post("/{name}/color")
async def color(name: str, body: Color, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.COLOR).set_color(body.hue, body.saturation)
    _refresh(state, name)
    return {"success": True, "hue": body.hue, "saturation": body.saturation}


@router.post("/{name}/color_temp")
async def color_temp(name: str, body: ColorTemp, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.COLOR_TEMP).set_color_temp(body.kelvin)
    _refresh(state, name)
    return {"success": True, "kelvin": body.kelvin}


@router.get("/{name}/effects")
async def effects(name: str, state: State, user: User) -> dict[str, Any]:
    dev = _device(state, name, Cap.EFFECTS)
    return {"effects": await dev.list_effects(), "current": dev.state.get("effect")}


@router.post("/{name}/effects")
async def set_effect(name: str, body: Effect, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.EFFECTS).set_effect(body.name)
    _refresh(state, name)
    return {"success": True, "effect": body.name}


@router.get("/{name}/energy")
async def energy(name: str, state: State, user: User) -> dict[str, Any]:
    return await _device(state, name, Cap.ENERGY).get_energy()


@router.get("/{name}/energy/history")
async def energy_history(
    name: str,
    state: State,
    user: User,
    interval: Literal["hourly", "daily", "monthly"] = "hourly",
    start: Annotated[int, Query(ge=0, description="ms since the epoch")] = 0,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    from camhub.drivers.base import now_ms

    stop = end if end is not None else now_ms()
    begin = start or stop - 24 * 3600 * 1000
    data = await _device(state, name, Cap.ENERGY).get_energy_history(interval, begin, stop)
    return {"interval": interval, "start": begin, "end": stop, "data": data}


@router.get("/{name}/children")
async def children(name: str, state: State, user: User) -> dict[str, Any]:
    _device(state, name, Cap.CHILDREN)
    kids = state.hub.describe(name).get("children", [])
    return {"children": [state.hub.summary(c) for c in kids]}


@router.post("/{name}/ptz")
async def ptz(name: str, body: Ptz, state: State, user: User) -> dict[str, Any]:
    dev = _device(state, name, Cap.PTZ)
    if body.action == "step":
        if body.direction is None:
            from camhub.errors import InvalidArgument

            raise InvalidArgument("direction is required for a step", ["direction: required"])
        await dev.ptz_step(body.direction)
    elif body.action == "move":
        await dev.ptz_move(body.x, body.y)
    elif body.action == "home":
        await dev.ptz_home()
    else:
        await dev.ptz_stop()
    _refresh(state, name)
    return {"success": True}


@router.get("/{name}/presets")
async def presets(name: str, state: State, user: User) -> dict[str, Any]:
    return {"presets": await _device(state, name, Cap.PRESETS).list_presets()}


@router.post("/{name}/presets")
async def save_preset(name: str, body: PresetNew, state: State, user: User) -> dict[str, Any]:
    preset_id = await _device(state, name, Cap.PRESETS).save_preset(body.name)
    return {"success": True, "id": preset_id, "name": body.name}


@router.post("/{name}/presets/{preset_id}/goto")
async def goto_preset(name: str, preset_id: str, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.PRESETS).goto_preset(preset_id)
    _refresh(state, name)
    return {"success": True}


@router.delete("/{name}/presets/{preset_id}")
async def delete_preset(name: str, preset_id: str, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.PRESETS).delete_preset(preset_id)
    return {"success": True}


def _switch(cap: Cap, method: str, key: str) -> None:
    async def handler(name: str, body: OnOff, state: State, user: User) -> dict[str, Any]:
        dev = _device(state, name, cap)
        await getattr(dev, method)(body.on)
        _refresh(state, name)
        return {"success": True, key: body.on}

    handler.__name__ = f"set_{cap}"
    handler.__doc__ = f"Switch {cap} on or off."
    router.add_api_route(f"/{{name}}/{cap}", handler, methods=["POST"])


for _cap, _method, _key in (
    (Cap.PRIVACY, "set_privacy", "privacy"),
    (Cap.LED, "set_led", "led"),
    (Cap.LIGHT, "set_light", "light"),
    (Cap.ARM, "set_armed", "armed"),
):
    _switch(_cap, _method, _key)


@router.get("/{name}/motion_detection")
async def motion_detection(name: str, state: State, user: User) -> dict[str, Any]:
    return await _device(state, name, Cap.MOTION_DETECTION).get_motion_detection()


@router.post("/{name}/motion_detection")
async def set_motion_detection(
    name: str, state: State, user: User, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    result = await _device(state, name, Cap.MOTION_DETECTION).set_motion_detection(body)
    _refresh(state, name)
    return result


@router.get("/{name}/settings")
async def settings(name: str, state: State, user: Admin) -> dict[str, Any]:
    """A device's settings (admin: they can hold addresses and call-back URLs)."""
    return await _device(state, name, Cap.SETTINGS).get_settings()


@router.post("/{name}/settings")
async def update_settings(
    name: str, state: State, user: User, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Partial update; invalid keys give 400 with an ``errors`` array (``key: message``)."""
    result = await _device(state, name, Cap.SETTINGS).update_settings(body)
    _refresh(state, name)
    return {"success": True, "settings": result}


@router.post("/{name}/reboot")
async def reboot(name: str, state: State, user: User) -> dict[str, Any]:
    await _device(state, name, Cap.REBOOT).reboot()
    return {"success": True}


@router.post("/{name}/raw")
async def raw(name: str, state: State, user: User, body: Annotated[Any, Body()]) -> dict[str, Any]:
    """Send a vendor request as is (admin only); answers ``{"result": ...}``."""
    return {"result": await _device(state, name, Cap.RAW).raw(body)}
