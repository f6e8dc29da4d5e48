"""A tinyCam server's settings and the ``options:`` of a ``tinycam`` device entry.

Settings are the switches seed 002 offers through ``/param.cgi?action=update``, read
back from the global ``get_status``: :class:`ServerSettings` is both their JSON Schema
and the check of an update (every problem reported as ``key: message``).
``notifications`` may come with ``tag``: tinyCam then also sends "Motion Detection
On/Off" to every camera under that tag of the app.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from camhub.errors import InvalidArgument

STREAM_PROFILES = {0: "main", 1: "sub", 2: "auto"}  # get_status's number -> the name
ON_OFF = {
    "backgroundMode": "root.BackgroundMode",
    "powerSafeMode": "root.PowerSafeMode",
    "notifications": "root.Notifications",
}


class TinyCamOptions(BaseModel):
    """``auth``: ``token`` (default; falls back to basic auth on servers without
    ``/api/v1/login``) or ``basic``. ``ptz_move_seconds``: how long a camera's
    ``ptz_move`` / ``ptz_step`` runs before it is stopped (0 to 10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auth: Literal["token", "basic"] = "token"
    ptz_move_seconds: float = Field(0.5, ge=0, le=10, allow_inf_nan=False)

    @field_validator("ptz_move_seconds", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number of seconds, not true/false")
        return value


class ServerSettings(BaseModel):
    """The server's switches; None where the server did not say."""

    model_config = ConfigDict(extra="forbid", strict=True, title="tinyCam server settings")

    backgroundMode: bool | None = Field(None, description="keep running in the background")
    powerSafeMode: bool | None = None
    notifications: bool | None = None
    streamProfile: Literal["main", "sub", "auto"] | None = None
    tag: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="with notifications: also switch motion detection of this tag's cameras",
        json_schema_extra={"writeOnly": True},
    )


def read_settings(status: dict[str, Any]) -> dict[str, Any]:
    """The settings out of the global ``get_status``."""
    out: dict[str, Any] = {k: v if isinstance(v := status.get(k), bool) else None for k in ON_OFF}
    out["streamProfile"] = STREAM_PROFILES.get(status.get("streamProfile", -1))
    return out


def settings_params(changes: Any) -> list[dict[str, str]]:
    """One ``/param.cgi`` query per change; InvalidArgument lists every problem."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidArgument("settings: give {key: value}", ["(body): nothing to change"])
    try:
        wanted = ServerSettings.model_validate(changes)
    except ValidationError as exc:
        errors = [
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
        raise InvalidArgument("Invalid settings", errors=errors) from None
    if wanted.tag is not None and wanted.notifications is None:
        raise InvalidArgument("Invalid settings", ["tag: only with notifications"])
    params: list[dict[str, str]] = []
    for key, name in ON_OFF.items():
        value = getattr(wanted, key)
        if value is not None:
            p = {"action": "update", name: "on" if value else "off"}
            if key == "notifications" and wanted.tag is not None:
                p["tag"] = wanted.tag
            params.append(p)
    if wanted.streamProfile is not None:
        params.append({"action": "update", "root.StreamProfile": wanted.streamProfile})
    return params
