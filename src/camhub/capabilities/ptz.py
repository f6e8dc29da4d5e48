"""``ptz`` (pan, tilt, zoom) and ``presets`` (saved positions)."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import AliasChoices, BaseModel, Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import InvalidArgument

C = Capability
Direction = Literal["left", "right", "up", "down", "zoom_in", "zoom_out"]


class PtzState(State):
    capability = C.PTZ
    pan: float | None = Field(None, description="device units; None when unknown")
    tilt: float | None = None
    zoom: float | None = None
    can_zoom: bool = False
    estimated: bool = Field(False, description="position counted by camhub, not read")


class Preset(BaseModel):
    id: str
    name: str


class PresetsState(State):
    capability = C.PRESETS
    presets: list[Preset]


class Ptz(Args):
    action: Literal["step", "move", "home", "stop"]
    direction: Direction | None = None
    pan: int = Field(0, ge=-10000, le=10000, validation_alias=AliasChoices("pan", "x"))
    tilt: int = Field(0, ge=-10000, le=10000, validation_alias=AliasChoices("tilt", "y"))
    zoom: int = Field(0, ge=-10000, le=10000)


class PresetNew(Args):
    name: str = Field(min_length=1, max_length=32)


class PtzDriver(Protocol):
    async def ptz_step(self, direction: Direction) -> None: ...

    async def ptz_move(self, pan: int, tilt: int, zoom: int) -> None:
        """Relative move in the device's own units (pan > 0: right, tilt > 0: up)."""

    async def ptz_home(self) -> None: ...

    async def ptz_stop(self) -> None: ...


class PresetsDriver(Protocol):
    async def list_presets(self) -> list[Preset]: ...

    async def save_preset(self, name: str) -> str:
        """Save the current position; return the new preset's id."""

    async def goto_preset(self, preset_id: str) -> None: ...

    async def delete_preset(self, preset_id: str) -> None: ...


async def _ptz(dev: Any, args: Ptz, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(PtzState)
    zooms = args.zoom != 0 or args.direction in ("zoom_in", "zoom_out")
    if zooms and not (known is not None and known.can_zoom):
        raise InvalidArgument("this camera cannot zoom", ["zoom: not supported"])
    if args.action == "step":
        if args.direction is None:
            raise InvalidArgument("direction is required for a step", ["direction: required"])
        await dev.ptz_step(args.direction)
    elif args.action == "move":
        await dev.ptz_move(args.pan, args.tilt, args.zoom)
    elif args.action == "home":
        await dev.ptz_home()
    else:
        await dev.ptz_stop()
    return {}


async def _presets(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    presets: list[Preset] = await dev.list_presets()
    return {"presets": [p.model_dump() for p in presets]}


async def _save(dev: Any, args: PresetNew, _: dict[str, str]) -> dict[str, Any]:
    return {"id": await dev.save_preset(args.name), "name": args.name}


async def _goto(dev: Any, _args: None, params: dict[str, str]) -> dict[str, Any]:
    await dev.goto_preset(params["preset_id"])
    return {}


async def _delete(dev: Any, _args: None, params: dict[str, str]) -> dict[str, Any]:
    await dev.delete_preset(params["preset_id"])
    return {}


register(
    Spec(
        C.PTZ,
        "Pan / tilt / zoom",
        "Step or move the camera (pan > 0 turns right, tilt > 0 up), go home, stop.",
        ("ptz_step", "ptz_move", "ptz_home", "ptz_stop"),
        PtzState,
        (Action("move", "POST", "ptz", _ptz, Ptz, "Step, move, home or stop"),),
        control="ptz",
    )
)
register(
    Spec(
        C.PRESETS,
        "Presets",
        "Saved camera positions: list, save the current one, go to, delete.",
        ("list_presets", "save_preset", "goto_preset", "delete_preset"),
        PresetsState,
        (
            Action("list", "GET", "presets", _presets, None, "Saved positions"),
            Action("save", "POST", "presets", _save, PresetNew, "Save the current position"),
            Action("goto", "POST", "presets/{preset_id}/goto", _goto, None, "Go to a preset"),
            Action("delete", "DELETE", "presets/{preset_id}", _delete, None, "Delete one"),
        ),
        control="presets",
    )
)
