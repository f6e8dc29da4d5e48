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

    Switch capabilities take ``ON``/``OFF`` or ``{"on": ...}``; ``presets`` take
    ``{"goto": id}``, ``{"save": name}`` or ``{"delete": id}`` (a bare id: go to it);
    every other capability takes the body of its one POST action."""
    spec = SPECS.get(cap)
    if spec is None:
        raise InvalidArgument(f"unknown capability {cap!r}", [f"topic: no capability {cap}"])
    posts = {a.name: a for a in spec.actions if a.method != "GET" and a.run is not None}
    if cap is Capability.PRESETS:
        if isinstance(payload, str):
            payload = {"goto": payload}
        if not isinstance(payload, dict) or len(payload) != 1:
            raise InvalidArgument("presets take {goto|save|delete: ...}", ["payload: one key"])
        ((verb, value),) = payload.items()
        if verb == "save":
            return posts["save"], {"name": value}, {}
        if verb in ("goto", "delete") and isinstance(value, str | int):
            return posts[verb], None, {"preset_id": str(value)}
        raise InvalidArgument("presets take {goto|save|delete: ...}", ["payload: unknown verb"])
    if len(posts) != 1:
        raise InvalidArgument(f"{cap} takes no commands", [f"topic: {cap} has no command"])
    action = next(iter(posts.values()))
    if (
        isinstance(payload, str)
        and payload.lower() in SWITCH_WORDS
        and spec.control
        in (
            "switch",
            "light",
            "motion",
        )
    ):
        key = "enabled" if cap is Capability.MOTION_DETECTION else "on"
        payload = {key: SWITCH_WORDS[payload.lower()]}
    if isinstance(payload, str) and payload.upper() == "PRESS" and action.args is None:
        payload = None
    return action, payload, {}


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
    if "color_temp_kelvin" in payload:
        out.append((Capability.COLOR_TEMP, {"kelvin": payload["color_temp_kelvin"]}))
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
        out["color_temp_kelvin"] = temp
    elif "color" in state:
        out["color_mode"] = "hs"
        out["color"] = {"h": state["color"]["hue"], "s": state["color"]["saturation"]}
    elif "brightness" in state:
        out["color_mode"] = "brightness"
    if "effects" in state:
        out["effect"] = state["effects"]["current"] or "none"
    return out
