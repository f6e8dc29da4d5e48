"""Topic names and command payloads of the MQTT bridge (the contract in docs/mqtt.md).

<prefix>/status                          online | offline (retained; the last will)
<prefix>/<device>/availability           online | offline (retained)
<prefix>/<device>/<capability>           the capability's typed state, JSON (retained)
<prefix>/<device>/<capability>/set       commands (JSON; "ON"/"OFF" for switches)
<prefix>/<device>/<capability>/error     why a command was refused (not retained)
<prefix>/<device>/event                  each event, JSON (not retained)
<prefix>/<device>/event/<type>           "ON" on each event of that type (binary sensors)
<prefix>/events                          every device's events (not retained)
<prefix>/<device>/snapshot               JPEG bytes
<prefix>/<device>/settings               the device's settings, JSON (retained)
<prefix>/<device>/hass/light             a light's state in HA's JSON schema (retained)
<prefix>/<device>/hass/light/set         HA JSON-schema light commands
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from camhub.capabilities import SPECS, Action, Capability
from camhub.errors import InvalidArgument


@dataclass(frozen=True)
class Topics:
    prefix: str

    @property
    def status(self) -> str:
        return f"{self.prefix}/status"

    @property
    def events(self) -> str:
        return f"{self.prefix}/events"

    def device(self, name: str, *rest: str) -> str:
        return "/".join((self.prefix, name, *rest))

    @property
    def commands(self) -> str:
        """What the bridge subscribes to: every ``.../set``."""
        return f"{self.prefix}/+/+/set"

    @property
    def light_commands(self) -> str:
        return f"{self.prefix}/+/hass/light/set"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """(device, capability or "hass/light") of a command topic, else None."""
        head = self.prefix + "/"
        if not topic.startswith(head) or not topic.endswith("/set"):
            return None
        parts = topic[len(head) : -len("/set")].split("/")
        if len(parts) == 2:
            return parts[0], parts[1]
        if len(parts) == 3 and parts[1:] == ["hass", "light"]:
            return parts[0], "hass/light"
        return None


SWITCH_WORDS = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False}


def decode(payload: bytes) -> Any:
    """A command payload: JSON, or a bare word (ON, OFF, PRESS, a preset id)."""
    text = payload.decode("utf-8", errors="strict").strip()
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def command(cap: Capability, payload: Any) -> tuple[Action, Any, dict[str, str]]:
    """The spec action a command stands for, its (unvalidated) arguments and path params.

    A capability with one changing action takes that action's REST body (on/off ones
    also ``ON``/``OFF``; actions without arguments any payload, e.g. ``PRESS``). One with
    several (``presets``, ``light_presets``, ``schedules``) takes ``{"<action>": value}``:
    the value is the action's body, or the id its path names (``{"goto": "2"}``,
    ``{"apply": "1"}``, ``{"delete": "3"}``); ``presets`` also take a bare id (go to it).
    """
    spec = SPECS.get(cap)
    if spec is None:
        raise InvalidArgument(f"unknown capability {cap!r}", [f"topic: no capability {cap}"])
    posts = {a.name: a for a in spec.actions if a.method != "GET" and a.run is not None}
    if not posts:
        raise InvalidArgument(f"{cap} takes no commands", [f"topic: {cap} has no command"])
    if len(posts) > 1:
        if isinstance(payload, str | int) and "goto" in posts:
            payload = {"goto": str(payload)}
        if not isinstance(payload, dict) or len(payload) != 1 or next(iter(payload)) not in posts:
            verbs = "|".join(posts)
            raise InvalidArgument(f"{cap} takes {{{verbs}: ...}}", [f"payload: one of {verbs}"])
        ((verb, value),) = payload.items()
        action = posts[verb]
        names = re.findall(r"{(\w+)}", action.path)
        if names and isinstance(value, str | int):
            return action, None, {names[0]: str(value)}
        if names and isinstance(value, dict) and "id" in value:
            body = {k: v for k, v in value.items() if k != "id"}
            return action, body if action.args is not None else None, {names[0]: str(value["id"])}
        if isinstance(value, str) and action.args is not None:
            fields = list(getattr(action.args, "model_fields", {}))
            if len(fields) == 1:  # {"save": "Door"}: the one field
                value = {fields[0]: value}
        return action, value, {}
    action = next(iter(posts.values()))
    if (
        isinstance(payload, str)
        and payload.lower() in SWITCH_WORDS
        and spec.control
        in (
            "switch",
            "light",
            "motion",
            "auto_off",
            "power_protection",
        )
    ):
        key = "on" if spec.control in ("switch", "light") else "enabled"
        payload = {key: SWITCH_WORDS[payload.lower()]}
    if action.args is None:
        payload = None  # PRESS, {} or anything: a button
    return action, payload, {}


def mireds(kelvin: int) -> int:
    """HA's colour temperature unit (micro reciprocal degrees) from kelvin."""
    return round(1_000_000 / kelvin)


def kelvin(mireds: Any) -> int:
    """Kelvin from HA's mireds; InvalidArgument for anything but a positive number."""
    if isinstance(mireds, bool) or not isinstance(mireds, int | float) or mireds <= 0:
        raise InvalidArgument("color_temp is in mireds", ["color_temp: a positive number"])
    return round(1_000_000 / mireds)


def light_command(payload: Any) -> list[tuple[Capability, dict[str, Any]]]:
    """HA's JSON-schema light command as capability commands, in the order to apply."""
    if not isinstance(payload, dict):
        raise InvalidArgument("a light command is a JSON object", ["payload: not an object"])
    out: list[tuple[Capability, dict[str, Any]]] = []
    state = payload.get("state")
    if state not in (None, "ON", "OFF"):
        raise InvalidArgument("state is ON or OFF", ["state: ON or OFF"])
    if state == "OFF":
        return [(Capability.POWER, {"on": False})]
    if "brightness" in payload:
        out.append((Capability.BRIGHTNESS, {"level": payload["brightness"]}))
    color = payload.get("color")
    if isinstance(color, dict) and "h" in color and "s" in color:
        out.append((Capability.COLOR, {"hue": round(color["h"]), "saturation": round(color["s"])}))
    if "color_temp" in payload:  # mireds, as announced (``color_temp_kelvin`` is not set)
        out.append((Capability.COLOR_TEMP, {"kelvin": kelvin(payload["color_temp"])}))
    if "effect" in payload:
        effect = payload["effect"]
        out.append((Capability.EFFECTS, {"name": None if effect in ("", "none") else effect}))
    if state == "ON":
        out.insert(0, (Capability.POWER, {"on": True}))
    if not out:
        raise InvalidArgument("nothing to do", ["payload: no known key"])
    return out


def hass_light_state(state: dict[str, Any]) -> dict[str, Any]:
    """A device's typed state as HA's JSON-schema light state."""
    out: dict[str, Any] = {"state": "ON" if state.get("power", {}).get("on") else "OFF"}
    if "brightness" in state:
        out["brightness"] = state["brightness"]["level"]
    temp = state.get("color_temp", {}).get("kelvin")
    if temp:
        out["color_mode"] = "color_temp"
        out["color_temp"] = mireds(temp)
    elif "color" in state:
        out["color_mode"] = "hs"
        out["color"] = {"h": state["color"]["hue"], "s": state["color"]["saturation"]}
    elif "brightness" in state:
        out["color_mode"] = "brightness"
    if "effects" in state:
        out["effect"] = state["effects"]["current"] or "none"
    return out
