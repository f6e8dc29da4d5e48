"""Device administration: ``settings``, ``reboot``, ``raw`` and ``children``."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field, RootModel

from camhub.capabilities.base import Action, Capability, Spec, State, register

C = Capability


class ChildrenState(State):
    capability = C.CHILDREN
    devices: list[str] = Field(description="camhub names of the child devices")


class SettingsChange(RootModel[dict[str, Any]]):
    """A partial update: ``{key: value}`` for keys of the device's settings schema."""


class RawRequest(RootModel[Any]):
    """A vendor request, sent as is."""


class SettingsDriver(Protocol):
    async def get_settings(self) -> dict[str, Any]: ...

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply changes; raise InvalidArgument(errors=[...]) for invalid ones."""

    def settings_schema(self) -> dict[str, Any]:
        """The JSON Schema of :meth:`get_settings`' answer (for forms and MQTT)."""


class RebootDriver(Protocol):
    async def reboot(self) -> None: ...


class RawDriver(Protocol):
    async def raw(self, request: Any) -> Any:
        """Send a vendor request as is; return the vendor's answer."""


class ChildrenDriver(Protocol):
    async def list_children(self) -> list[Any]:
        """The child devices (power-strip sockets, a tinyCam server's cameras)."""


async def _settings(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = await dev.get_settings()
    return settings


async def _schema(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    schema: dict[str, Any] = dev.settings_schema()
    return schema


async def _update(dev: Any, args: SettingsChange, _: dict[str, str]) -> dict[str, Any]:
    return {"settings": await dev.update_settings(args.root)}


async def _reboot(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    await dev.reboot()
    return {}


async def _raw(dev: Any, args: RawRequest, _: dict[str, str]) -> dict[str, Any]:
    return {"result": await dev.raw(args.root)}


async def _children(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(ChildrenState)
    return {"children": known.devices if known is not None else []}


register(
    Spec(
        C.SETTINGS,
        "Settings",
        "The device's own settings, described by a JSON Schema of its driver.",
        ("get_settings", "update_settings", "settings_schema"),
        None,
        (
            Action("get", "GET", "settings", _settings, None, "Settings", admin_only=True),
            Action("schema", "GET", "settings/schema", _schema, None, "Their JSON Schema"),
            Action("update", "POST", "settings", _update, SettingsChange, "Partial update"),
        ),
        control="settings",
    )
)
register(
    Spec(
        C.REBOOT,
        "Reboot",
        "Restart the device.",
        ("reboot",),
        None,
        (Action("reboot", "POST", "reboot", _reboot, None, "Restart", refresh=False),),
        control="button",
    )
)
register(
    Spec(
        C.RAW,
        "Raw vendor request",
        "Send a vendor request as is (admin only).",
        ("raw",),
        None,
        (Action("send", "POST", "raw", _raw, RawRequest, "Send", refresh=False),),
        control="none",
    )
)
register(
    Spec(
        C.CHILDREN,
        "Children",
        "Devices behind this one (power-strip sockets, a tinyCam server's cameras).",
        ("list_children",),
        ChildrenState,
        (Action("list", "GET", "children", _children, None, "Child device names"),),
        control="children",
        hub_state=True,
    )
)
