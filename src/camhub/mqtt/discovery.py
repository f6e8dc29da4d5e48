"""Home Assistant MQTT discovery for every capability of every device, from the specs.

One entry per entity: ``(component, object_id, config)``; the bridge publishes it at
``<discovery_prefix>/<component>/<client_id>/<device>_<object_id>/config`` (retained).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from camhub import __version__
from camhub.capabilities import EVENT_TYPES, Capability
from camhub.mqtt.topics import Topics, mireds

C = Capability
Entity = tuple[str, str, dict[str, Any]]
OFF_DELAY = 10  # seconds a detection binary sensor stays on

SWITCHES: dict[Capability, tuple[str, str, str | None]] = {
    # capability -> (name, state key, entity category)
    C.POWER: ("Power", "on", None),
    C.PRIVACY: ("Privacy mode", "on", "config"),
    C.LED: ("Status LED", "on", "config"),
    C.ARM: ("Armed", "armed", None),
}
BINARY_TYPES = {"motion": "motion", "person": "occupancy", "sound": "sound", "vehicle": "moving"}


def object_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "x"


class Discovery:
    def __init__(self, topics: Topics, client_id: str) -> None:
        self.t = topics
        self.client_id = client_id

    @property
    def node(self) -> dict[str, Any]:
        return {
            "identifiers": [f"camhub_{object_id(self.client_id)}"],
            "name": "camhub",
            "manufacturer": "camhub",
            "model": "camhub gateway",
            "sw_version": __version__,
        }

    def node_entities(self) -> list[Entity]:
        return [
            (
                "binary_sensor",
                "status",
                {
                    "unique_id": f"camhub_{object_id(self.client_id)}_status",
                    "object_id": f"camhub_{object_id(self.client_id)}_status",
                    "name": "Status",
                    "device_class": "connectivity",
                    "state_topic": self.t.status,
                    "payload_on": "online",
                    "payload_off": "offline",
                    "entity_category": "diagnostic",
                    "device": self.node,
                },
            )
        ]

    def _device(self, dev: dict[str, Any]) -> dict[str, Any]:
        vendor = dev.get("state", {}).get("vendor", {})
        kind = str(dev.get("kind", ""))
        info: dict[str, Any] = {
            "identifiers": [f"camhub_{object_id(dev['name'])}"],
            "name": dev["name"],
            "manufacturer": dev.get("manufacturer") or kind,
            "model": dev.get("model") or kind,
        }
        firmware = vendor.get("firmware") or vendor.get("fw_ver")
        if isinstance(firmware, str):
            info["sw_version"] = firmware
        parent = dev.get("parent")
        info["via_device"] = (
            f"camhub_{object_id(parent)}" if parent else self.node["identifiers"][0]
        )
        return info

    def entities(self, dev: dict[str, Any], settings_schema: dict[str, Any] | None) -> list[Entity]:
        """Every entity of one device (``dev`` as ``GET /api/devices/{name}`` shows it)."""
        name = dev["name"]
        known = {c.value for c in Capability}
        caps = {Capability(c) for c in dev.get("capabilities", []) if c in known}
        state: dict[str, Any] = dev.get("state", {})
        common = {
            "device": self._device(dev),
            "availability": [
                {"topic": self.t.status},
                {"topic": self.t.device(name, "availability")},
            ],
            "availability_mode": "all",
        }
        out: list[Entity] = []

        def add(component: str, oid: str, config: dict[str, Any]) -> None:
            uid = f"camhub_{object_id(name)}_{oid}"
            out.append((component, oid, {"unique_id": uid, "object_id": uid, **common, **config}))

        is_light = C.POWER in caps and C.BRIGHTNESS in caps
        if is_light:
            add("light", "light", self._light(name, caps, state))
        for cap, (title, key, category) in SWITCHES.items():
            if cap in caps and not (cap is C.POWER and is_light):
                add("switch", cap.value, self._switch(name, cap, title, key, category))
        if C.SIREN in caps:
            add("siren", "siren", self._siren(name))
        if C.LIGHT in caps:
            add("switch", "light", self._switch(name, C.LIGHT, "Light", "on", None))
            modes = state.get("light", {}).get("modes") or []
            if modes:
                add("select", "light_mode", self._light_mode(name, modes))
        if C.MOTION_DETECTION in caps:
            add(
                "switch",
                "motion_detection",
                self._enabled_switch(name, C.MOTION_DETECTION, "Motion detection"),
            )
            if state.get("motion_detection", {}).get("sensitivity") is not None:
                add("number", "motion_sensitivity", self._sensitivity(name))
        if C.ENERGY in caps:
            for oid, config in self._energy(name, state.get("energy", {})):
                add("sensor", oid, config)
        if C.EVENTS in caps:
            types = [t for t in state.get("events", {}).get("types", []) if t in EVENT_TYPES]
            for (component, oid), config in self._events(name, types):
                add(component, oid, config)
        if C.SNAPSHOT in caps or C.STREAM in caps:
            add("camera", "camera", {"name": None, "topic": self.t.device(name, "snapshot")})
        if C.PTZ in caps:
            for direction in ("left", "right", "up", "down"):
                add(
                    "button",
                    f"ptz_{direction}",
                    self._button(
                        name, C.PTZ, f"Turn {direction}", {"action": "step", "direction": direction}
                    ),
                )
            add("button", "ptz_home", self._button(name, C.PTZ, "Go home", {"action": "home"}))
        if C.PRESETS in caps:
            for preset in state.get("presets", {}).get("presets", []):
                add(
                    "button",
                    f"preset_{object_id(str(preset['id']))}",
                    self._button(
                        name, C.PRESETS, f"Preset {preset['name']}", {"goto": str(preset["id"])}
                    ),
                )
        if C.REBOOT in caps:
            config = self._button(name, C.REBOOT, "Restart", {})
            add(
                "button",
                "reboot",
                {**config, "device_class": "restart", "entity_category": "config"},
            )
        for component, oid, config in self._device_care(name, caps, state):
            add(component, oid, config)
        if C.SETTINGS in caps and settings_schema:
            for component, oid, config in self._settings(name, settings_schema):
                add(component, oid, config)
        return out

    # one builder per entity kind ----------------------------------------------------
    def _switch(
        self, name: str, cap: Capability, title: str, key: str, category: str | None
    ) -> dict[str, Any]:
        config: dict[str, Any] = {
            "name": title,
            "state_topic": self.t.device(name, cap.value),
            "value_template": f"{{{{ 'ON' if value_json.{key} else 'OFF' }}}}",
            "command_topic": self.t.device(name, cap.value, "set"),
            "payload_on": json.dumps({"on": True}),
            "payload_off": json.dumps({"on": False}),
            "state_on": "ON",
            "state_off": "OFF",
        }
        if category:
            config["entity_category"] = category
        return config

    def _siren(self, name: str) -> dict[str, Any]:
        return {
            "name": "Siren",
            "state_topic": self.t.device(name, "siren"),
            "state_value_template": "{{ 'ON' if value_json.on else 'OFF' }}",
            "command_topic": self.t.device(name, "siren", "set"),
            "command_template": '{"on": {{ "true" if value == "ON" else "false" }}}',
            "command_off_template": '{"on": false}',
            "support_duration": False,
            "support_volume_set": False,
        }

    def _light(self, name: str, caps: set[Capability], state: dict[str, Any]) -> dict[str, Any]:
        modes = []
        if C.COLOR in caps:
            modes.append("hs")
        if C.COLOR_TEMP in caps:
            modes.append("color_temp")
        config: dict[str, Any] = {
            "name": None,
            "schema": "json",
            "state_topic": self.t.device(name, "hass", "light"),
            "command_topic": self.t.device(name, "hass", "light", "set"),
            "brightness": True,
            "brightness_scale": 100,
            # Read by HA before 2025.3 (which needs it with supported_color_modes),
            # dropped silently by later ones.
            "color_mode": True,
            "supported_color_modes": modes or ["brightness"],
        }
        if C.COLOR_TEMP in caps:
            # In mireds, which every HA version reads (kelvin only from 2025.1 on).
            temps = state.get("color_temp", {})
            config["min_mireds"] = mireds(temps.get("max_kelvin", 6500))
            config["max_mireds"] = mireds(temps.get("min_kelvin", 2500))
        if C.EFFECTS in caps:
            config["effect"] = True
            config["effect_list"] = ["none", *state.get("effects", {}).get("available", [])]
        return config

    def _light_mode(self, name: str, modes: list[str]) -> dict[str, Any]:
        return {
            "name": "Light mode",
            "options": modes,
            "state_topic": self.t.device(name, "light"),
            "value_template": "{{ value_json.mode }}",
            "command_topic": self.t.device(name, "light", "set"),
            "command_template": '{"on": true, "mode": "{{ value }}"}',
        }

    def _enabled_switch(self, name: str, cap: Capability, title: str) -> dict[str, Any]:
        """A configuration switch of a capability whose state says ``enabled``."""
        return {
            "name": title,
            "state_topic": self.t.device(name, cap.value),
            "value_template": "{{ 'ON' if value_json.enabled else 'OFF' }}",
            "command_topic": self.t.device(name, cap.value, "set"),
            "payload_on": json.dumps({"enabled": True}),
            "payload_off": json.dumps({"enabled": False}),
            "state_on": "ON",
            "state_off": "OFF",
            "entity_category": "config",
        }

    def _sensitivity(self, name: str) -> dict[str, Any]:
        return {
            "name": "Motion sensitivity",
            "state_topic": self.t.device(name, "motion_detection"),
            "value_template": "{{ value_json.sensitivity }}",
            "command_topic": self.t.device(name, "motion_detection", "set"),
            "command_template": '{"sensitivity": {{ value | int }}}',
            "min": 1,
            "max": 100,
            "step": 1,
            "unit_of_measurement": "%",
            "entity_category": "config",
        }

    def _energy(self, name: str, energy: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        topic = self.t.device(name, "energy")
        rows: list[tuple[str, str, str, str, str, str]] = [
            ("power", "Power", "power_w", "power", "W", "measurement"),
            ("energy_today", "Energy today", "today_wh", "energy", "kWh", "total_increasing"),
            ("energy_month", "Energy this month", "month_wh", "energy", "kWh", "total_increasing"),
            ("voltage", "Voltage", "voltage_v", "voltage", "V", "measurement"),
            ("current", "Current", "current_a", "current", "A", "measurement"),
        ]
        out = []
        for oid, title, key, device_class, unit, state_class in rows:
            if key not in ("power_w", "today_wh") and energy.get(key) is None:
                continue  # what this model does not report
            value = f"value_json.{key} / 1000" if unit == "kWh" else f"value_json.{key}"
            template = f"{{{{ ({value}) | round(3) if value_json.{key} is not none else none }}}}"
            out.append(
                (
                    oid,
                    {
                        "name": title,
                        "state_topic": topic,
                        "value_template": template,
                        "device_class": device_class,
                        "unit_of_measurement": unit,
                        "state_class": state_class,
                    },
                )
            )
        return out

    def _events(self, name: str, types: list[str]) -> list[tuple[tuple[str, str], dict[str, Any]]]:
        out: list[tuple[tuple[str, str], dict[str, Any]]] = []
        for kind in types:
            if kind == "other":
                continue
            config: dict[str, Any] = {
                "name": kind.replace("_", " ").capitalize(),
                "state_topic": self.t.device(name, "event", kind),
                "payload_on": "ON",
                "payload_off": "OFF",
                "off_delay": OFF_DELAY,
            }
            if kind in BINARY_TYPES:
                config["device_class"] = BINARY_TYPES[kind]
            out.append((("binary_sensor", f"event_{kind}"), config))
        if types:
            out.append(
                (
                    ("event", "events"),
                    {
                        "name": "Detection",
                        "state_topic": self.t.device(name, "event"),
                        # Every type of the vocabulary: HA drops an event whose type it
                        # was not told of, and a device's list is what it says it
                        # detects now (a setting may add one later).
                        "event_types": sorted(EVENT_TYPES),
                        "value_template": '{ "event_type": "{{ value_json.type }}" }',
                    },
                )
            )
        return out

    def _button(self, name: str, cap: Capability, title: str, press: Any) -> dict[str, Any]:
        return {
            "name": title,
            "command_topic": self.t.device(name, cap.value, "set"),
            "payload_press": json.dumps(press),
        }

    def _device_care(self, name: str, caps: set[Capability], state: dict[str, Any]) -> list[Entity]:
        """Timers, auto-off, power protection, light presets, storage and firmware."""
        t = self.t
        out: list[Entity] = []
        if C.TIMER in caps:
            timer = state.get("timer", {})
            out.append(
                (
                    "number",
                    "timer",
                    {
                        "name": "Timer",
                        "state_topic": t.device(name, "timer"),
                        "value_template": "{{ value_json.remaining_s or 0 }}",
                        "command_topic": t.device(name, "timer", "set"),
                        "command_template": '{"seconds": {{ value | int }}}',
                        "min": 0,
                        "max": timer.get("max_s", 86400),
                        "step": 60,
                        "unit_of_measurement": "s",
                        "device_class": "duration",
                    },
                )
            )
        if C.AUTO_OFF in caps:
            auto = state.get("auto_off", {})
            out.append(("switch", "auto_off", self._enabled_switch(name, C.AUTO_OFF, "Auto-off")))
            out.append(
                (
                    "number",
                    "auto_off_minutes",
                    {
                        "name": "Auto-off after",
                        "state_topic": t.device(name, "auto_off"),
                        "value_template": "{{ value_json.minutes }}",
                        "command_topic": t.device(name, "auto_off", "set"),
                        "command_template": '{"minutes": {{ value | int }}}',
                        "min": 1,
                        "max": auto.get("max_minutes", 1440),
                        "step": 1,
                        "unit_of_measurement": "min",
                        "entity_category": "config",
                    },
                )
            )
        if C.POWER_PROTECTION in caps:
            guard = state.get("power_protection", {})
            out.append(
                (
                    "switch",
                    "power_protection",
                    self._enabled_switch(name, C.POWER_PROTECTION, "Power protection"),
                )
            )
            out.append(
                (
                    "number",
                    "power_protection_w",
                    {
                        "name": "Protection threshold",
                        "state_topic": t.device(name, "power_protection"),
                        "value_template": "{{ value_json.threshold_w }}",
                        "command_topic": t.device(name, "power_protection", "set"),
                        "command_template": '{"threshold_w": {{ value | int }}}',
                        "min": 1,
                        "max": guard.get("max_w") or 4000,
                        "step": 1,
                        "unit_of_measurement": "W",
                        "entity_category": "config",
                    },
                )
            )
            out.append(
                (
                    "binary_sensor",
                    "overloaded",
                    {
                        "name": "Overloaded",
                        "state_topic": t.device(name, "power_protection"),
                        "value_template": "{{ 'ON' if value_json.overloaded else 'OFF' }}",
                        "device_class": "problem",
                    },
                )
            )
        if C.LIGHT_PRESETS in caps:
            for preset in state.get("light_presets", {}).get("presets", []):
                pid = str(preset["id"])
                out.append(
                    (
                        "button",
                        f"light_preset_{object_id(pid)}",
                        self._button(
                            name, C.LIGHT_PRESETS, f"Preset {preset['name']}", {"apply": pid}
                        ),
                    )
                )
        if C.STORAGE in caps:
            out.append(
                (
                    "sensor",
                    "storage_free",
                    {
                        "name": "Storage free",
                        "state_topic": t.device(name, "storage"),
                        "value_template": "{{ (value_json.free_bytes / 1e9) | round(2) "
                        "if value_json.free_bytes is not none else none }}",
                        "unit_of_measurement": "GB",
                        "device_class": "data_size",
                        "state_class": "measurement",
                        "entity_category": "diagnostic",
                    },
                )
            )
            out.append(
                (
                    "sensor",
                    "storage_status",
                    {
                        "name": "Storage",
                        "state_topic": t.device(name, "storage"),
                        "value_template": "{{ value_json.status }}",
                        "entity_category": "diagnostic",
                    },
                )
            )
        if C.FIRMWARE in caps:
            out.append(
                (
                    "update",
                    "firmware",
                    {
                        "name": "Firmware",
                        "state_topic": t.device(name, "firmware"),
                        "value_template": '{"installed_version": "{{ value_json.version }}", '
                        '"latest_version": "{{ value_json.latest or value_json.version }}"}',
                        "command_topic": t.device(name, "firmware", "set"),
                        "payload_install": json.dumps({"action": "update"}),
                        "entity_category": "config",
                    },
                )
            )
        return out

    def _settings(self, name: str, schema: dict[str, Any]) -> list[Entity]:
        """switch / select / number per settings property the schema types plainly."""
        out: list[Entity] = []
        topic = self.t.device(name, "settings")
        command = self.t.device(name, "settings", "set")
        for key, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict) or prop.get("readOnly"):
                continue
            kind = prop.get("type")
            title = str(prop.get("title") or key)
            common: dict[str, Any] = {
                "name": title,
                "state_topic": topic,
                "command_topic": command,
                "entity_category": "config",
            }
            oid = f"setting_{object_id(key)}"
            get = f"value_json[{json.dumps(key)}]"
            if "enum" in prop and all(isinstance(v, str | int) for v in prop["enum"]):
                quote = '"' if all(isinstance(v, str) for v in prop["enum"]) else ""
                template = f"{{{json.dumps(key)}: {quote}{{{{ value }}}}{quote}}}"
                out.append(
                    (
                        "select",
                        oid,
                        {
                            **common,
                            "options": [str(v) for v in prop["enum"]],
                            "value_template": f"{{{{ {get} }}}}",
                            "command_template": template,
                        },
                    )
                )
            elif kind == "boolean":
                out.append(
                    (
                        "switch",
                        oid,
                        {
                            **common,
                            "value_template": f"{{{{ 'ON' if {get} else 'OFF' }}}}",
                            "payload_on": json.dumps({key: True}),
                            "payload_off": json.dumps({key: False}),
                            "state_on": "ON",
                            "state_off": "OFF",
                        },
                    )
                )
            elif kind in ("integer", "number") and "minimum" in prop and "maximum" in prop:
                cast: Callable[[Any], Any] = int if kind == "integer" else float
                out.append(
                    (
                        "number",
                        oid,
                        {
                            **common,
                            "min": cast(prop["minimum"]),
                            "max": cast(prop["maximum"]),
                            "step": 1 if kind == "integer" else 0.1,
                            "value_template": f"{{{{ {get} }}}}",
                            "command_template": f"{{{json.dumps(key)}: {{{{ value }}}}}}",
                        },
                    )
                )
        return out
