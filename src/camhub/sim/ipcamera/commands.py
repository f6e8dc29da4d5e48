"""The app's MQTT commands: ``<prefix>/command/<name>``, answered on ``<prefix>/result/<name>``.

Each maps onto an operation the HTTP API already has, with the same checks:

- ``torch``: ``ON``, ``OFF`` or ``TOGGLE`` (also ``true``/``false``) - the
  ``torchEnabled`` setting, as ``POST /torch`` and ``POST /settings`` change it;
- ``motion``, ``sound``: ``ON``/``OFF`` - ``motionEnabled``, ``soundEnabled``;
- ``settings``: a JSON object, as ``POST /settings`` takes it (``"key: message"``
  errors; nothing applied when one key is wrong). MQTT keys are refused: the client's
  own settings change through ``/api/mqtt/apply-settings`` only;
- ``stream``: ``start`` or ``stop``, as the WebSocket's ``stream_control``.

A payload that is not what the command takes is refused with a reason and changes
nothing; no payload can raise out of :func:`run`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from camhub.sim.ipcamera.settings import Settings

MAX_PAYLOAD = 16 * 1024  # a settings object is well under 2 KB
Result = dict[str, Any]


class CommandHost(Protocol):
    """What the commands change: the same operations as the HTTP routes."""

    @property
    def settings(self) -> Settings: ...

    async def apply_settings(self, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Validate and apply; tell every WebSocket client. (changed, errors)."""
        ...

    async def set_camera_running(self, on: bool) -> None: ...


class Refused(ValueError):
    """A command that cannot run; the message is the answer's ``error``."""


def _switch(text: str, current: bool) -> bool:
    word = text.strip().strip('"').lower()
    if word in ("on", "true", "1"):
        return True
    if word in ("off", "false", "0"):
        return False
    if word == "toggle":
        return not current
    raise Refused("Payload must be ON, OFF or TOGGLE")


async def _set(host: CommandHost, key: str, value: Any) -> Result:
    _, errors = await host.apply_settings({key: value})
    if errors:
        return {"success": False, "errors": errors}
    return {"success": True, key: host.settings[key]}


def _setting_switch(key: str) -> Callable[[CommandHost, str], Awaitable[Result]]:
    async def run(host: CommandHost, text: str) -> Result:
        return await _set(host, key, _switch(text, bool(host.settings[key])))

    return run


async def _settings(host: CommandHost, text: str) -> Result:
    try:
        changes = json.loads(text)
    except ValueError:
        raise Refused("Payload must be a JSON object") from None
    if not isinstance(changes, dict):
        raise Refused("Payload must be a JSON object")
    refused = [f"{k}: Change MQTT settings through /api/mqtt/apply-settings"
               for k in changes if str(k).startswith("mqtt")]  # fmt: skip
    if refused:
        return {"success": False, "errors": refused}
    changed, errors = await host.apply_settings(changes)
    if errors:
        return {"success": False, "errors": errors}
    return {"success": True, "changed": changed}


async def _stream(host: CommandHost, text: str) -> Result:
    action = text.strip().strip('"').lower()
    if action not in ("start", "stop"):
        raise Refused("Payload must be start or stop")
    await host.set_camera_running(action == "start")
    return {"success": True, "streaming": action == "start"}


COMMANDS: dict[str, Callable[[CommandHost, str], Awaitable[Result]]] = {
    "torch": _setting_switch("torchEnabled"),
    "motion": _setting_switch("motionEnabled"),
    "sound": _setting_switch("soundEnabled"),
    "settings": _settings,
    "stream": _stream,
}


async def run(host: CommandHost, name: str, payload: bytes) -> Result:
    """Run one command; the answer to publish (``success`` and the outcome or reason)."""
    command = COMMANDS.get(name)
    try:
        if command is None:
            raise Refused(f"Unknown command {name[:64]!r}")
        if len(payload) > MAX_PAYLOAD:
            raise Refused(f"Payload over {MAX_PAYLOAD} bytes")
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            raise Refused("Payload must be UTF-8 text") from None
        return {"command": name, **await command(host, text)}
    except Refused as exc:
        return {"command": name[:64], "success": False, "error": str(exc)}
