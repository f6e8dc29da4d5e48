"""The SMART request layer of an emulated device: state and method handlers.

A node is one addressable device: a plug, bulb or strip, a power strip, or one
of a power strip's sockets (reached through ``control_child``). Which methods a
node answers follows from its ``component_nego`` list, as on the devices.
Replies follow the devices: ``{"error_code": 0, "result": {...}}``; set
methods answer no ``result``; an unknown method is -1002, a bad parameter -1008.

Time passes on the emulator's clock: before each request the node runs what
became due (countdown and schedules, auto-off, power protection).
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault
from camhub.sim.tapo_smart.energy import EnergyMeter
from camhub.sim.tapo_smart.metering import Metering
from camhub.sim.tapo_smart.models import Components, ModelSpec
from camhub.sim.tapo_smart.params import Params, b64, bool_of, int_in
from camhub.sim.tapo_smart.rules import Rules

Handler = Callable[[Params], dict[str, Any] | None]
REGION = "UTC"  # the devices keep local time; the emulated ones in UTC


class Node(Metering):
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
        self.region, self.time_diff = REGION, 0
        self.auto_update = {"enable": True, "random_range": 120, "time": 180}
        self.auto_off = {"delay_min": 120, "enable": False}
        self.auto_off_at: float | None = None
        self.protection = {"enabled": False, "protection_power": 0}
        self.overloaded = False
        self.price = {"constant_price": 0, "type": "constant"}
        self.energy: EnergyMeter | None = None
        if load_w > 0:  # bulbs and plain plugs count their use too
            self.energy = EnergyMeter(load_w, clock, self.device_id)
        self.rules = Rules(clock, self._apply_states, spec.schedule_max, self.has)
        self.rules.legacy_next_event = spec.version("firmware") < 2
        self.methods: dict[str, Handler] = {}
        self.install()

    # wiring ------------------------------------------------------------------
    def install(self) -> None:
        """Fill ``self.methods`` from the component list."""
        m = self.methods
        m.update(
            component_nego=lambda _: {"component_list": self.component_list()},
            get_device_info=lambda _: self.info(),
            set_device_info=self.set_device_info,
            get_device_time=lambda _: self.device_time(),
            set_device_time=self.set_device_time,
            get_device_usage=lambda _: self.device_usage(),
            device_reboot=lambda _: None,
            device_reset=lambda _: None,
        )
        m.update(self.rules.methods())
        if self.has("quick_setup"):
            m["qs_component_nego"] = lambda _: self.qs_components()
        if self.has("wireless"):
            m["get_wireless_scan_info"] = lambda _: self.wireless_scan()
        if self.has("firmware"):
            m["get_latest_fw"] = lambda _: self.latest_fw()
            m["get_fw_download_state"] = lambda _: self.fw_download_state()
            if self.spec.version("firmware") >= 2:
                m["get_auto_update_info"] = lambda _: dict(self.auto_update)
                m["set_auto_update_info"] = self.set_auto_update
        if self.has("cloud_connect"):
            m["get_connect_cloud_state"] = lambda _: {"status": 0}
        if self.has("inherit"):
            m["get_inherit_info"] = lambda _: None
        if self.has("led"):
            m["get_led_info"] = lambda _: self.led_info()
            m["set_led_info"] = self.set_led_info
        if self.has("auto_off"):
            m["get_auto_off_config"] = lambda _: dict(self.auto_off)
            m["set_auto_off_config"] = self.set_auto_off
        if self.has("matter"):
            m["get_matter_setup_info"] = lambda _: {
                "setup_code": "20202021",
                "setup_payload": "MT:Y.K90AFN00KA0648G00",
            }
        if self.has("homekit"):
            m["get_homekit_info"] = lambda _: {
                "mfi_setup_code": "111-22-333",
                "mfi_setup_id": "7HQK",
                "mfi_token_token": base64.b64encode(self.device_id.encode() * 4).decode(),
                "mfi_token_uuid": "6d2f1c7e-0a4b-4e5f-9c3d-2b1a0f9e8d7c",
            }
        if self.has("energy_monitoring"):
            self.install_energy()
        if self.has("power_protection"):
            m["get_protection_power"] = lambda _: dict(self.protection)
            m["set_protection_power"] = self.set_protection
            m["get_max_power"] = lambda _: {"max_power": self.spec.max_power}

    # helpers -----------------------------------------------------------------
    def has(self, component: str) -> bool:
        return any(c == component for c, _ in self.components)

    def component_list(self) -> list[dict[str, Any]]:
        return [{"id": c, "ver_code": v} for c, v in self.components]

    def meter(self) -> EnergyMeter:
        if self.energy is None:  # a metering socket always has a meter
            self.energy = EnergyMeter(0.0, self.clock, self.device_id)
        return self.energy

    def power_w(self) -> float:
        return self.energy.power_w(self.on) if self.energy is not None else 0.0

    def set_on(self, on: bool) -> None:
        if on != self.on:
            self.on_since = self.clock() if on else None
        self.on = on
        if on:
            self.overloaded = False  # switching on again lifts an overload
        self.auto_off_at = (
            self.clock() + self.auto_off["delay_min"] * 60
            if on and self.auto_off["enable"] and self.has("auto_off")
            else None
        )
        if self.energy is not None:
            self.energy.set_on(on)

    def _apply_states(self, states: Params) -> None:
        """What a rule that fires does: switch, and set light states if any."""
        if isinstance(states.get("on"), bool):
            self.set_on(states["on"])

    def tick(self) -> None:
        """Run what became due on the device clock since the last request."""
        self.rules.tick()
        now = self.clock()
        if self.auto_off_at is not None and self.auto_off_at <= now:
            self.set_on(False)
        if self.protection["enabled"] and self.on:
            limit = self.protection["protection_power"]
            if limit and self.power_w() > limit:
                self.set_on(False)
                self.overloaded = True

    # requests ----------------------------------------------------------------
    def call(self, method: str, params: Any) -> dict[str, Any] | None:
        handler = self.methods.get(method)
        if handler is None:
            raise SmartFault(SmartCode.UNKNOWN_METHOD)
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return handler(params)

    def handle(self, request: Any, nested: bool = False) -> dict[str, Any]:
        """One request envelope in, one reply envelope out."""
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return {"error_code": SmartCode.PROTOCOL_FORMAT_ERROR}
        self.tick()
        method, params = request["method"], request.get("params")
        if method == "multipleRequest" and not nested:
            requests = params.get("requests") if isinstance(params, dict) else None
            if not isinstance(requests, list):
                return {"error_code": SmartCode.PARAMS_ERROR}
            responses = []
            for sub in requests:
                reply = self.handle(sub, nested=True)
                name = sub.get("method") if isinstance(sub, dict) else None
                responses.append({"method": name, **reply})
            return {"error_code": 0, "result": {"responses": responses}}
        try:
            result = self.call(method, params)
        except SmartFault as fault:
            return {"error_code": fault.code}
        return {"error_code": 0} if result is None else {"error_code": 0, "result": result}

    # device ------------------------------------------------------------------
    def base_info(self) -> dict[str, Any]:
        """The keys every top-level device reports."""
        return {
            "avatar": self.spec.avatar,
            "device_id": self.device_id,
            "fw_id": "00000000000000000000000000000000",
            "fw_ver": self.spec.fw_ver,
            "has_set_location_info": False,
            "hw_id": "A1B2C3D4E5F60718293A4B5C6D7E8F90",
            "hw_ver": self.spec.hw_ver,
            "ip": "127.0.0.1",
            "lang": "en_US",
            "latitude": 0,
            "longitude": 0,
            "mac": self.mac,
            "model": self.spec.model,
            "nickname": b64(self.nickname),
            "oem_id": "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
            "region": self.region,
            "rssi": -45,
            "signal_level": 3,
            "specs": "",
            "ssid": b64("camhub-sim"),
            "time_diff": self.time_diff,
            "type": self.spec.device_type,
        }

    def status_info(self) -> dict[str, Any]:
        """The switch, auto-off and protection keys of plugs and sockets."""
        info: dict[str, Any] = {
            "device_on": self.on,
            "on_time": int(self.clock() - self.on_since) if self.on_since is not None else 0,
        }
        if self.has("auto_off"):
            remain = max(0, math.ceil((self.auto_off_at or 0) - self.clock()))
            info["auto_off_status"] = "on" if self.auto_off_at is not None else "off"
            info["auto_off_remain_time"] = remain if self.auto_off_at is not None else 0
        if self.has("charging_protection"):
            info["charging_status"] = "normal"
        if self.has("current_protection"):
            info["overcurrent_status"] = "normal"
        if self.has("charging_protection") or self.has("overheat_protection"):
            info["overheat_status"] = "normal"
        if self.has("power_protection"):
            info["power_protection_status"] = "overloaded" if self.overloaded else "normal"
        return info

    def info(self) -> dict[str, Any]:
        info = self.base_info()
        info.update(self.status_info())
        if "overheat_status" not in info:  # the newer plugs report a status instead
            info["overheated"] = False
        info["default_states"] = {"state": {}, "type": "last_states"}
        info.update(self.spec.info_extra)
        return dict(sorted(info.items()))

    def set_device_info(self, params: Params) -> None:
        on = bool_of(params, "device_on")
        nickname = None
        if "nickname" in params:
            try:
                nickname = base64.b64decode(params["nickname"], validate=True).decode()
            except (TypeError, ValueError, binascii.Error) as exc:
                raise SmartFault(SmartCode.PARAMS_ERROR) from exc
            if not 0 < len(nickname) <= 64:
                raise SmartFault(SmartCode.PARAMS_ERROR)
        if on is not None:
            self.set_on(on)
        if nickname is not None:
            self.nickname = nickname

    def device_time(self) -> dict[str, Any]:
        return {"region": self.region, "time_diff": self.time_diff, "timestamp": int(self.clock())}

    def set_device_time(self, params: Params) -> None:
        int_in(params, "timestamp", 0, 2**32)
        diff = int_in(params, "time_diff", -720, 840)
        region = params.get("region", self.region)
        if not isinstance(region, str) or len(region) > 64:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.region = region
        self.time_diff = self.time_diff if diff is None else diff

    def device_usage(self) -> dict[str, Any]:
        if self.energy is not None:
            return self.energy.windows(power=self.reports_power_usage())
        minutes = int((self.clock() - self.on_since) / 60) if self.on_since else 0
        return {"time_usage": {"past30": minutes, "past7": minutes, "today": minutes}}

    def reports_power_usage(self) -> bool:
        return self.has("energy_monitoring") or self.has("brightness")

    def qs_components(self) -> dict[str, Any]:
        wanted = ("quick_setup", "sunrise_sunset", "iot_cloud", "inherit", "firmware", "matter")
        extra = [c for c in ("control_child", "child_device") if self.has(c)]
        return {
            "component_list": [
                {"id": c, "ver_code": self.spec.version(c) or 1}
                for c in (*wanted, *extra)
                if c == "inherit" or self.has(c)
            ],
            "extra_info": {
                "device_model": self.spec.model,
                "device_type": self.spec.device_type,
                "is_klap": True,
            },
        }

    def wireless_scan(self) -> dict[str, Any]:
        aps = [("camhub-sim", 3), ("neighbour", 1)]
        ap_list = [
            {
                "bssid": f"00112233445{n}",
                "channel": 0,
                "cipher_type": 2,
                "key_type": "wpa2_psk",
                "signal_level": level,
                "ssid": b64(ssid),
            }
            for n, (ssid, level) in enumerate(aps)
        ]
        if not self.spec.scan_paged:  # some bulb firmwares do not page it
            return {"ap_list": ap_list, "wep_supported": False}
        return {"ap_list": ap_list, "start_index": 0, "sum": len(aps), "wep_supported": False}

    def latest_fw(self) -> dict[str, Any]:
        return {
            "fw_size": 0,
            "fw_ver": self.spec.fw_ver,
            "hw_id": "",
            "need_to_upgrade": False,
            "oem_id": "",
            "release_date": "",
            "release_note": "",
            "type": 0,
        }

    def fw_download_state(self) -> dict[str, Any]:
        state = {"download_progress": 0, "reboot_time": 5, "status": 0, "upgrade_time": 5}
        if self.spec.version("firmware") >= 2:
            state["auto_upgrade"] = False
        return dict(sorted(state.items()))

    def set_auto_update(self, params: Params) -> None:
        enable = bool_of(params, "enable")
        time_ = int_in(params, "time", 0, 1439)
        spread = int_in(params, "random_range", 0, 1440)
        for key, value in (("enable", enable), ("time", time_), ("random_range", spread)):
            if value is not None:
                self.auto_update[key] = value

    def led_info(self) -> dict[str, Any]:
        """Firmware v1 (P100) knows no night mode; only the P110 class dims its LED."""
        info: dict[str, Any] = {"led_rule": self.led_rule, "led_status": self.led_rule != "never"}
        if self.spec.version("firmware") >= 2:
            info["night_mode"] = {
                "end_time": 420,
                "night_mode_type": "sunrise_sunset",
                "start_time": 1140,
                "sunrise_offset": 0,
                "sunset_offset": 0,
            }
        if self.has("energy_monitoring"):
            info["bri_config"] = {"bri_type": "overall", "overall_bri": 50}
        return dict(sorted(info.items()))

    def set_led_info(self, params: Params) -> None:
        rule = params.get("led_rule")
        if rule not in ("always", "never", "night_mode"):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.led_rule = rule

    def set_auto_off(self, params: Params) -> None:
        enable = bool_of(params, "enable")
        delay = int_in(params, "delay_min", 1, 1439)
        if enable is not None:
            self.auto_off["enable"] = enable
        if delay is not None:
            self.auto_off["delay_min"] = delay
        if self.on:  # an armed timer follows the new settings
            self.auto_off_at = (
                self.clock() + self.auto_off["delay_min"] * 60 if self.auto_off["enable"] else None
            )

    def set_protection(self, params: Params) -> None:
        key = next((k for k in self.protection if "enabled" in k), "enabled")
        enabled = bool_of(params, key)
        power = int_in(params, "protection_power", 0, self.spec.max_power)
        if enabled and (power if power is not None else self.protection["protection_power"]) < 1:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if enabled is not None:
            self.protection[key] = enabled
        if power is not None:
            self.protection["protection_power"] = power


__all__ = ["Handler", "Node", "Params", "b64", "bool_of", "int_in"]
