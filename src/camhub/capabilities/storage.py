"""``storage``: a device's own recording medium (a camera's SD card) and formatting it.

The state says whether the medium is usable and how much room it has, in bytes
whatever unit the vendor writes. Formatting erases every recording on it, so the
action asks for ``{"confirm": true}`` and is refused while no medium is inserted or
a format already runs.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import Conflict

C = Capability
StorageStatus = Literal["ready", "formatting", "absent", "unformatted", "error"]


class StorageState(State):
    capability = C.STORAGE
    status: StorageStatus = Field(
        description="ready; formatting; absent (no medium inserted); unformatted; error"
    )
    total_bytes: int | None = Field(None, ge=0, description="None when unknown")
    free_bytes: int | None = Field(None, ge=0)
    progress: int | None = Field(None, ge=0, le=100, description="percent of a running format")


class FormatArgs(Args):
    confirm: Literal[True] = Field(description="true: erase every recording on the medium")


class StorageDriver(Protocol):
    async def format_storage(self) -> None:
        """Start formatting the medium (the state shows ``formatting`` until done)."""


async def _get(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(StorageState)
    if known is None:
        return {"status": None, "total_bytes": None, "free_bytes": None, "progress": None}
    return dict(known.model_dump())


async def _format(dev: Any, _args: FormatArgs, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(StorageState)
    if known is not None and known.status == "absent":
        raise Conflict(f"{dev.name} has no storage medium to format", device=dev.name)
    if known is not None and known.status == "formatting":
        raise Conflict(f"{dev.name} is already formatting its storage", device=dev.name)
    await dev.format_storage()
    return {"formatting": True}


register(
    Spec(
        C.STORAGE,
        "Storage",
        "The device's own recording medium (SD card): status, total and free bytes; "
        "formatting it erases its recordings.",
        ("format_storage",),
        StorageState,
        (
            Action("get", "GET", "storage", _get, None, "Status and room"),
            Action("format", "POST", "storage/format", _format, FormatArgs, "Erase it"),
        ),
        control="storage",
    )
)
