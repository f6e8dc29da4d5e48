"""The SMART request layer of an emulated device: state and method handlers.

A node is one addressable device: a plug, bulb or strip, a power strip, or one
of a power strip's sockets (reached through ``control_child``). Replies follow
the devices: ``{"error_code": 0, "result": {...}}``; set methods answer no
``result``; an unknown method is -1002 and a bad parameter -1008.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_smart.effects import EFFECT_IDS, NAMES_BY_ID, effect_off
from camhub.sim.tapo_smart.energy import EnergyMeter
from camhub.sim.tapo_smart.models import Components, ModelSpec

UNKNOWN_METHOD = -1002
PARAMS_ERROR = -1008
PROTOCOL_FORMAT_ERROR = -40210

Params = dict[str, Any]
Handler = Callable[[Params], dict[str, Any] | None]


class SmartFault(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _int_in(params: Params, key: str, lo: int, hi: int) -> int | None:
    if key not in params:
        return None
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SmartFault(PARAMS_ERROR)
    return value


class Node:
    """State and handlers shared by every SMART node."""

    def __init__(
        self,
        spec: ModelSpec,
        clock: Callable[[], float],
        *,
        nickname: str,
        device_id: str | None = None,
        components: Components | None = None,
        load_w: float = 0.0,
    ) -> None:
        self.spec = spec
        self.clock = clock
        self.nickname = nickname
        self.device_id = device_id or secrets.token_hex(20).upper()
        self.components = components if components is not None else spec.components
        self.mac = "-".join(["48", "22", "54", *(secrets.token_hex(1).upper() for _ in range(3))])
        self.on = False
        self.on_since: float | None = None
        self.led_rule = "always"
        self.energy: EnergyMeter | None = None
        if self.has("energy_monitoring"):
            self.energy = EnergyMeter(load_w, clock, self.device_id)
        self.methods: dict[str, Handler] = {
            "component_nego": lambda _: {"component_list": self.component_list()},
            "get_device_info": lambda _: self.info(),
            "set_device_info": self.set_device_info,
            "get_device_time": lambda _: self.device_time(),
            "get_device_usage": lambda _: self.device_usage(),
            "device_reboot": lambda _: None,
        }
        if self.has("cloud_connect"):
            self.methods["get_connect_cloud_state"] = lambda _: {"status": 0}
        if self.has("firmware"):
            self.methods["get_auto_update_info"] = lambda _: {
                "enable": True,
                "random_range": 120,
                "time": 180,
            }
            self.methods["get_latest_fw"] = lambda _: {
                "fw_size": 0,
                "fw_ver": spec.fw_ver,
                "hw_id": "",
                "need_to_upgrade": False,
                "oem_id": "",
                "release_date": "",
                "release_note": "",
                "type": 0,
            }
            self.methods["get_fw_download_state"] = lambda _: {
                "auto_upgrade": False,
                "download_progress": 0,
                "reboot_time": 5,
                "status": 0,
                "upgrade_time": 5,
            }
        if self.has("led"):
            self.methods["get_led_info"] = lambda _: self.led_info()
            self.methods["set_led_info"] = self.set_led_info
        if self.energy is not None:
            self.methods.update(
                get_energy_usage=lambda _: self._meter().usage(),
                get_current_power=lambda _: {"current_power": int(self.power_w())},
                get_emeter_data=lambda _: self.emeter_data(),
                get_emeter_vgain_igain=lambda _: {"vgain": 118000, "igain": 11300},
                get_energy_data=self.energy_data,
            )

    # helpers -----------------------------------------------------------------
    def has(self, component: str) -> bool:
        return any(c == component for c, _ in self.components)

    def component_list(self) -> list[dict[str, Any]]:
        return [{"id": c, "ver_code": v} for c, v in self.components]

    def _meter(self) -> EnergyMeter:
        assert self.energy is not None
        return self.energy

    def power_w(self) -> float:
        return self.energy.power_w(self.on) if self.energy is not None else 0.0

    def set_on(self, on: bool) -> None:
        if on != self.on:
            self.on_since = self.clock() if on else None
        self.on = on
        if self.energy is not None:
            self.energy.set_on(on)

    # requests ----------------------------------------------------------------
    def call(self, method: str, params: Any) -> dict[str, Any] | None:
        handler = self.methods.get(method)
        if handler is None:
            raise SmartFault(UNKNOWN_METHOD)
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise SmartFault(PARAMS_ERROR)
        return handler(params)

    def handle(self, request: Any, nested: bool = False) -> dict[str, Any]:
        """One request envelope in, one reply envelope out."""
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        method, params = request["method"], request.get("params")
        if method == "multipleRequest" and not nested:
            requests = params.get("requests") if isinstance(params, dict) else None
            if not isinstance(requests, list):
                return {"error_code": PARAMS_ERROR}
            responses = []
            for sub in requests:
                reply = self.handle(sub, nested=True)
                name = sub.get("method") if isinstance(sub, dict) else None
                responses.append(
                    {
                        "method": name,
                        "result": reply.get("result", {}),
                        "error_code": reply["error_code"],
                    }
                )
            return {"error_code": 0, "result": {"responses": responses}}
        try:
            result = self.call(method, params)
        except SmartFault as fault:
            return {"error_code": fault.code}
        return {"error_code": 0} if result is None else {"error_code": 0, "result": result}

    # device ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        now = self.clock()
        info: dict[str, Any] = {
            "device_id": self.device_id,
            "fw_ver": self.spec.fw_ver,
            "hw_ver": self.spec.hw_ver,
            "type": self.spec.device_type,
            "model": self.spec.model,
            "mac": self.mac,
            "hw_id": "A1B2C3D4E5F60718293A4B5C6D7E8F90",
            "fw_id": "00000000000000000000000000000000",
            "oem_id": "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
            "ip": "127.0.0.1",
            "time_diff": 0,
            "ssid": _b64("camhub-sim"),
            "rssi": -45,
            "signal_level": 3,
            "latitude": 0,
            "longitude": 0,
            "lang": "en_US",
            "avatar": "plug" if "PLUG" in self.spec.device_type else "bulb",
            "region": "UTC",
            "specs": "",
            "nickname": _b64(self.nickname),
            "has_set_location_info": False,
            "device_on": self.on,
            "on_time": int(now - self.on_since) if self.on_since is not None else 0,
            "overheated": False,
            "default_states": {"type": "last_states", "state": {}},
        }
        if self.energy is not None:
            info["power_protection_status"] = "normal"
        return info

    def set_device_info(self, params: Params) -> None:
        if "device_on" in params:
            if not isinstance(params["device_on"], bool):
                raise SmartFault(PARAMS_ERROR)
            self.set_on(params["device_on"])
        if "nickname" in params:
            try:
                self.nickname = base64.b64decode(params["nickname"], validate=True).decode()
            except (TypeError, ValueError, binascii.Error) as exc:
                raise SmartFault(PARAMS_ERROR) from exc

    def device_time(self) -> dict[str, Any]:
        return {"timestamp": int(self.clock()), "time_diff": 0, "region": "UTC"}

    def device_usage(self) -> dict[str, Any]:
        if self.energy is not None:
            return self.energy.windows(self.clock())
        minutes = int((self.clock() - self.on_since) / 60) if self.on_since else 0
        zero = {"today": minutes, "past7": minutes, "past30": minutes}
        return {
            "time_usage": zero,
            "power_usage": dict.fromkeys(zero, 0),
            "saved_power": dict.fromkeys(zero, 0),
        }

    def led_info(self) -> dict[str, Any]:
        return {
            "led_rule": self.led_rule,
            "led_status": self.led_rule != "never",
            "night_mode": {
                "end_time": 420,
                "night_mode_type": "sunrise_sunset",
                "start_time": 1140,
                "sunrise_offset": 0,
                "sunset_offset": 0,
            },
        }

    def set_led_info(self, params: Params) -> None:
        rule = params.get("led_rule")
        if rule not in ("always", "never", "night_mode"):
            raise SmartFault(PARAMS_ERROR)
        self.led_rule = rule

    # energy ------------------------------------------------------------------
    def emeter_data(self) -> dict[str, Any]:
        power_mw = int(self.power_w() * 1000)
        voltage_mv = 230_000
        meter = self._meter()
        now = self.clock()
        return {
            "power_mw": power_mw,
            "voltage_mv": voltage_mv,
            "current_ma": int(power_mw / voltage_mv * 1000),
            "energy_wh": int(meter.energy_wh(now - 30 * 86400, now + 1)),
        }

    def energy_data(self, params: Params) -> dict[str, Any]:
        interval = params.get("interval")
        start, end = params.get("start_timestamp"), params.get("end_timestamp")
        if interval not in (60, 1440, 43200):
            raise SmartFault(PARAMS_ERROR)
        if not isinstance(start, int) or not isinstance(end, int) or not 0 < start < end:
            raise SmartFault(PARAMS_ERROR)
        limit = {60: 24 * 31, 1440: 366, 43200: 24}[interval]
        first, data = self._meter().buckets(start, end, interval)
        if len(data) > limit:
            raise SmartFault(PARAMS_ERROR)
        return {
            "local_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.clock())),
            "data": data,
            "start_timestamp": first,
            "end_timestamp": end,
            "interval": interval,
        }


class LightNode(Node):
    """Bulbs and light strips: brightness, colour, colour temperature, effects."""

    def __init__(self, spec: ModelSpec, clock: Callable[[], float], **kw: Any) -> None:
        super().__init__(spec, clock, **kw)
        self.brightness = 100
        self.hue = 0
        self.saturation = 100
        self.color_temp = spec.color_temp_range[0] if spec.color_temp_range else 0
        self.effect: dict[str, Any] | None = None
        if self.has("light_strip_lighting_effect"):
            self.effect = effect_off()
            self.methods["set_lighting_effect"] = self.set_lighting_effect
            self.methods["get_lighting_effect"] = lambda _: dict(self.effect or effect_off())

    def info(self) -> dict[str, Any]:
        info = super().info()
        info["brightness"] = self.brightness
        info["dynamic_light_effect_enable"] = False
        if self.has("color"):
            info.update(hue=self.hue, saturation=self.saturation)
        if self.spec.color_temp_range:
            info["color_temp"] = self.color_temp
            info["color_temp_range"] = list(self.spec.color_temp_range)
        if self.effect is not None:
            info["lighting_effect"] = dict(self.effect)
        return info

    def set_device_info(self, params: Params) -> None:
        # Validate everything before changing anything, as the devices do.
        brightness = _int_in(params, "brightness", 1, 100)
        hue = saturation = temp = None
        if self.has("color"):
            hue = _int_in(params, "hue", 0, 360)
            saturation = _int_in(params, "saturation", 0, 100)
        if self.spec.color_temp_range and "color_temp" in params:
            lo, hi = self.spec.color_temp_range
            temp = _int_in(params, "color_temp", 0, hi)
            if temp is not None and 0 < temp < lo:
                raise SmartFault(PARAMS_ERROR)
        elif "color_temp" in params or ("hue" in params and not self.has("color")):
            raise SmartFault(PARAMS_ERROR)
        super().set_device_info(params)
        if brightness is not None:
            self.brightness = brightness
        if hue is not None:
            self.hue = hue
        if saturation is not None:
            self.saturation = saturation
        if temp is not None:
            self.color_temp = temp
        elif hue is not None or saturation is not None:
            self.color_temp = 0  # colour mode
        if self.effect is not None and (hue, saturation, temp) != (None, None, None):
            self.effect["enable"] = 0

    def set_lighting_effect(self, params: Params) -> None:
        assert self.effect is not None
        new = dict(self.effect)
        if "id" in params or "name" in params:
            eid = params.get("id") or EFFECT_IDS.get(str(params.get("name")), "")
            if eid not in NAMES_BY_ID and not params.get("custom"):
                raise SmartFault(PARAMS_ERROR)
            new.update(
                id=eid,
                name=params.get("name") or NAMES_BY_ID.get(eid, ""),
                custom=int(bool(params.get("custom"))),
                enable=1,
            )
        if "enable" in params:
            if params["enable"] not in (0, 1, True, False):
                raise SmartFault(PARAMS_ERROR)
            new["enable"] = int(params["enable"])
        if "brightness" in params:
            new["brightness"] = _int_in(params, "brightness", 1, 100)
        self.effect = new
        if new["enable"]:
            self.set_on(True)


class PowerStripNode(Node):
    """A power strip: no switch of its own, sockets reached with ``control_child``."""

    def __init__(self, spec: ModelSpec, clock: Callable[[], float], **kw: Any) -> None:
        super().__init__(spec, clock, **kw)
        self.children = [
            Node(
                spec,
                clock,
                nickname=f"Plug {n}",
                device_id=f"{self.device_id}{n - 1:02d}",
                components=spec.socket_components,
                load_w=spec.load_w,
            )
            for n in range(1, spec.sockets + 1)
        ]
        self.methods.update(
            get_child_device_list=lambda p: self._page(
                p, "child_device_list", [self.child_info(c) for c in self.children]
            ),
            get_child_device_component_list=lambda p: self._page(
                p,
                "child_component_list",
                [
                    {"device_id": c.device_id, "component_list": c.component_list()}
                    for c in self.children
                ],
            ),
            control_child=self.control_child,
        )
        for child in self.children:
            child.methods["get_device_info"] = self._child_info_handler(child)

    def _child_info_handler(self, child: Node) -> Handler:
        return lambda _: self.child_info(child)

    def info(self) -> dict[str, Any]:
        info = super().info()
        for key in ("device_on", "on_time", "overheated", "default_states"):
            info.pop(key, None)
        return info

    def child_info(self, child: Node) -> dict[str, Any]:
        info = child.info()
        position = self.children.index(child) + 1
        for key in ("ip", "ssid", "rssi", "signal_level", "lang", "specs", "time_diff"):
            info.pop(key, None)
        info.update(
            category="plug.powerstrip.sub-plug",
            position=position,
            slot_number=len(self.children),
            original_device_id=self.device_id,
            mac=self.mac.replace("-", ""),
            overheat_status="normal",
            auto_off_status="off",
            auto_off_remain_time=0,
            bind_count=1,
        )
        return info

    @staticmethod
    def _page(params: Params, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        start = params.get("start_index", 0)
        if not isinstance(start, int) or start < 0:
            raise SmartFault(PARAMS_ERROR)
        return {key: items[start : start + 10], "start_index": start, "sum": len(items)}

    def control_child(self, params: Params) -> dict[str, Any]:
        child = next((c for c in self.children if c.device_id == params.get("device_id")), None)
        request = params.get("requestData")
        if child is None or not isinstance(request, dict):
            raise SmartFault(PARAMS_ERROR)
        return {"responseData": child.handle(request)}
