"""``firmware``: the version a device runs, whether a newer one exists, installing it.

One action, ``POST firmware`` with ``{"action": "check"}`` (ask the vendor's cloud,
through the device, for a newer version; the answer is the new state) or
``{"action": "update"}`` (download and install the newer version; the device
restarts on it). An update is refused while none is known to exist or one runs.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import Conflict

C = Capability
FirmwareStatus = Literal["idle", "downloading", "installing"]


class FirmwareState(State):
    capability = C.FIRMWARE
    version: str = Field(description="the version the device runs")
    update_available: bool | None = Field(None, description="None until checked")
    latest: str | None = Field(None, description="the newer version, when there is one")
    status: FirmwareStatus = "idle"


class FirmwareAction(Args):
    action: Literal["check", "update"]


class FirmwareDriver(Protocol):
    async def check_firmware(self) -> FirmwareState:
        """Ask for a newer version now; return the state with the answer."""

    async def update_firmware(self) -> None:
        """Download and install the newer version (the device restarts on it)."""


async def _get(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(FirmwareState)
    if known is None:
        return {"version": None, "update_available": None, "latest": None, "status": None}
    return dict(known.model_dump())


async def _act(dev: Any, args: FirmwareAction, _: dict[str, str]) -> dict[str, Any]:
    if args.action == "check":
        state: FirmwareState = await dev.check_firmware()
        return {"action": "check", **state.model_dump()}
    known = dev.state.get(FirmwareState)
    if known is not None and known.status != "idle":
        raise Conflict(f"{dev.name} is already updating its firmware", device=dev.name)
    if known is None or not known.update_available:
        raise Conflict(f"{dev.name}: no newer firmware is known (check first)", device=dev.name)
    await dev.update_firmware()
    return {"action": "update", "version": known.latest}


register(
    Spec(
        C.FIRMWARE,
        "Firmware",
        "The firmware version, whether a newer one exists (check), and installing it.",
        ("check_firmware", "update_firmware"),
        FirmwareState,
        (
            Action("get", "GET", "firmware", _get, None, "Version and update status"),
            Action("act", "POST", "firmware", _act, FirmwareAction, "Check, or update"),
        ),
        control="firmware",
    )
)
