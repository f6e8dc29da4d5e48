"""What the emulated devices do with their settings, seen through python-kasa
(unmodified): timers and schedules fire, auto-off and power protection switch
the socket off, presets/effects/segments change the light, energy data comes
in the pages a real P110 answers."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import aiohttp
import pytest
from kasa import Device, DeviceError, Module
from kasa.exceptions import SmartErrorCode
from kasa.smart.effects import SmartLightEffect

from camhub.sim.tapo_smart import TapoPlugEmulator

from .conftest import kasa


async def raw(dev: Device, method: str, params: dict[str, Any] | None = None) -> Any:
    """One request as python-kasa sends it; its result."""
    return (await dev.protocol.query({method: params}))[method]


async def test_auto_off_switches_the_plug_off() -> None:
    async with kasa("P110") as (emu, dev):
        auto_off = dev.modules[Module.AutoOff]
        await auto_off.set_delay(2)
        await dev.update()  # kasa sends both settings with each change
        await auto_off.set_enabled(True)
        await dev.turn_on()
        await dev.update()
        assert auto_off.is_timer_active and auto_off.auto_off_at is not None
        assert dev.sys_info["auto_off_remain_time"] == 120
        emu.advance(121)
        await dev.update()
        assert not dev.is_on and not auto_off.is_timer_active
        assert emu.sim_state()["on"] is False


async def test_power_protection_trips_on_overload_until_lifted() -> None:
    async with kasa("P110") as (_, dev):
        protection = dev.modules[Module.PowerProtection]
        await dev.features["power_protection_threshold"].set_value(10)  # W; the load: 60
        await dev.turn_on()
        await dev.update()
        assert protection.overloaded and not dev.is_on
        with pytest.raises(ValueError, match="out of range"):
            await protection.set_protection_threshold(2542)  # over get_max_power
        await dev.features["power_protection_threshold"].set_value(0)  # off
        await dev.turn_on()  # switching on lifts the overload
        await dev.update()
        assert dev.is_on and not protection.overloaded


async def test_a_metering_socket_protects_itself() -> None:
    async with kasa("P304M") as (emu, dev):
        socket = dev.children[1]
        protection = socket.modules[Module.PowerProtection]
        await socket.features["power_protection_threshold"].set_value(20)  # the load: 40
        await socket.turn_on()
        await dev.update()
        assert protection.overloaded and not socket.is_on
        assert [c["on"] for c in emu.sim_state()["children"]] == [False] * 4


async def test_countdown_schedule_and_away_mode_rules() -> None:
    async with kasa("P105") as (emu, dev):
        added = await raw(
            dev, "add_countdown_rule", {"delay": 60, "desired_states": {"on": True}, "enable": True}
        )
        assert added == {"id": "C1"}
        with pytest.raises(DeviceError) as info:  # one countdown at a time
            await raw(dev, "add_countdown_rule", {"delay": 5, "desired_states": {"on": False}})
        assert info.value.error_code is SmartErrorCode.COUNTDOWN_CONFLICT_ERROR
        emu.advance(61)
        await dev.update()
        assert dev.is_on
        rules = await raw(dev, "get_countdown_rules")
        assert rules["rule_list"] == [
            {"delay": 60, "desired_states": {"on": True}, "enable": False, "id": "C1", "remain": 0}
        ]
        # A schedule at the next whole minute + 2 turns it off, and is the next event.
        now = int(emu.clock())
        minute = (now // 60 + 2) % 1440
        rule = {"s_min": minute, "s_type": "normal", "mode": "repeat", "week_day": 127}
        rule |= {"desired_states": {"on": False}, "enable": True, "e_min": 0, "e_type": "normal"}
        rule |= {"e_action": "none", "time_offset": 0, "year": 2024, "month": 1, "day": 1}
        rule_id = (await raw(dev, "add_schedule_rule", rule))["id"]
        event = await raw(dev, "get_next_event")
        assert (event["id"], event["desired_states"], event["type"]) == (rule_id, {"on": False}, 1)
        assert event["s_time"] % 60 == 0 and 60 < event["s_time"] - now <= 180
        emu.advance(180)
        await dev.update()
        assert not dev.is_on
        listing = await raw(dev, "get_schedule_rules", {"start_index": 0})
        assert (listing["sum"], listing["schedule_rule_max_count"]) == (1, 32)
        await raw(dev, "remove_schedule_rules", {"rule_list": [{"id": rule_id}]})
        with pytest.raises(DeviceError) as info:
            await raw(dev, "edit_schedule_rule", {"id": rule_id, "enable": False})
        assert info.value.error_code is SmartErrorCode.SCHEDULE_INDEX_ERROR
        away = {"enable": True, "frequency": 5, "mode": "repeat", "week_day": 62}
        away |= {"start_time_type": "normal", "start_min": 1080, "start_time_offset": 0}
        away |= {"end_time_type": "normal", "end_min": 1320, "end_time_offset": 0}
        assert (await raw(dev, "add_antitheft_rule", away))["id"] == "A1"
        with pytest.raises(DeviceError) as info:
            await raw(dev, "add_antitheft_rule", away)
        assert info.value.error_code is SmartErrorCode.ANTITHEFT_CONFLICT_ERROR
        await raw(dev, "edit_antitheft_rule", {"id": "A1", "end_min": 1380})
        listing = await raw(dev, "get_antitheft_rules")
        assert (
            listing["rule_list"][0]["end_min"] == 1380 and listing["antitheft_rule_max_count"] == 1
        )
        await raw(dev, "remove_antitheft_rules", {"remove_all": True})
        assert not (await raw(dev, "get_antitheft_rules"))["rule_list"]


async def test_light_presets() -> None:
    async with kasa("L530") as (emu, dev):
        presets = dev.modules[Module.LightPreset]
        assert len(presets.preset_list) == 8  # "Not set" and the seven of the bulb
        await presets.set_preset("Light preset 2")
        await dev.update()
        assert presets.preset == "Light preset 2"
        assert (emu.sim_state()["hue"], emu.sim_state()["color_temp"]) == (240, 0)
        new = presets.preset_states_list[0]
        new.brightness = 33
        await presets.save_preset("Light preset 1", new)
        await dev.update()
        assert presets.preset_states_list[0].brightness == 33
    async with kasa("L510") as (emu, dev):  # the dimmable bulb keeps brightness levels
        presets = dev.modules[Module.LightPreset]
        await presets.set_preset("Brightness preset 2")
        await dev.update()
        assert emu.sim_state()["brightness"] == 25
    async with kasa("L900") as (emu, dev):  # a strip pages them, four at a time
        assert len(dev.modules[Module.LightPreset].preset_list) == 8


async def test_transitions() -> None:
    async with kasa("L630") as (_, dev):
        transition = dev.modules[Module.LightTransition]
        await transition.set_turn_on_transition(7)
        await dev.update()
        assert (transition.turn_on_transition, transition.turn_off_transition) == (7, 0)
        with pytest.raises(ValueError, match="out of range"):
            await transition.set_turn_on_transition(61)
    async with kasa("L920") as (_, dev):  # v1: one switch for both
        transition = dev.modules[Module.LightTransition]
        await transition.set_enabled(True)
        await dev.update()
        assert transition.enabled


async def test_bulb_dynamic_effects() -> None:
    async with kasa("L535") as (emu, dev):
        effect = dev.modules[Module.LightEffect]
        assert isinstance(effect, SmartLightEffect)
        assert effect.effect_list == ["Off", "Party", "Relax"]
        await effect.set_effect("Relax", brightness=40)
        await dev.update()
        assert (effect.effect, effect.brightness) == ("Relax", 40)
        assert dev.sys_info["dynamic_light_effect_id"] == "L2"
        assert emu.sim_state()["effect"] == "Relax"
        await dev.modules[Module.Light].set_hsv(10, 20, 30)  # a plain colour stops it
        await dev.update()
        assert effect.effect == "Off" and "dynamic_light_effect_id" not in dev.sys_info


async def test_strip_effects_and_segments() -> None:
    async with kasa("L920") as (emu, dev):
        effect = dev.modules[Module.LightEffect]
        assert isinstance(effect, SmartLightEffect)
        await effect.set_effect("Aurora", brightness=70)
        await dev.update()
        assert (effect.effect, effect.brightness) == ("Aurora", 70)
        await effect.set_brightness(20)  # a partial update of the running effect
        await dev.update()
        assert (effect.effect, effect.brightness, emu.sim_state()["effect"]) == (
            "Aurora",
            20,
            "Aurora",
        )
        current = await raw(dev, "get_lighting_effect")
        assert current["id"] == "TapoStrip_1MClvV18i15Jq3bvJVf0eP" and current["type"] == "sequence"
        await effect.set_effect("Off")
        await dev.update()
        assert effect.effect == "Off" and dev.is_on
        segments = dev.modules[Module.LightStripSegment]
        await segments.set_segments(20)
        await dev.update()
        assert segments.segments == 20
        with pytest.raises(DeviceError):  # not a built-in effect, not custom
            await raw(dev, "set_lighting_effect", {"id": "TapoStrip_nope", "enable": 1})


def _month(ts: int, months: int) -> int:
    d = dt.datetime.fromtimestamp(ts, dt.UTC)
    year, month = divmod(d.month - 1 + months, 12)
    return calendar.timegm((d.year + year, month + 1, 1, 0, 0, 0))


async def test_energy_data_comes_in_the_pages_of_a_real_p110() -> None:
    async with kasa("P115") as (emu, dev):

        async def data(start: int, end: int, interval: int) -> Any:
            query = {"start_timestamp": start, "end_timestamp": end, "interval": interval}
            return await raw(dev, "get_energy_data", query)

        now = int(emu.clock())
        midnight = now // 86400 * 86400
        hourly = await data(midnight + 10 * 3600, midnight + 34 * 3600, 60)
        assert (hourly["start_timestamp"], hourly["end_timestamp"]) == (midnight, midnight + 86400)
        assert len(hourly["data"]) == 24  # whole local days
        assert len((await data(midnight, midnight + 2 * 86400, 60))["data"]) == 48
        with pytest.raises(DeviceError):
            await data(midnight, midnight + 9 * 86400, 60)
        first = _month(now, 0)
        daily = await data(first, first, 1440)  # what the tapo crate sends
        assert (daily["start_timestamp"], daily["end_timestamp"]) == (first, first)
        assert len(daily["data"]) == (_month(now, 3) - first) // 86400
        assert sum(daily["data"][: (midnight - first) // 86400]) > 0  # seeded history
        assert daily["data"][-1] == 0  # days to come
        late = await data(first + 20 * 86400, now, 1440)  # echoed, data from the 1st
        assert late["start_timestamp"] == first + 20 * 86400 and late["data"] == daily["data"]
        january = calendar.timegm((dt.datetime.fromtimestamp(now, dt.UTC).year, 1, 1, 0, 0, 0))
        monthly = await data(january + 86400 * 40, january + 86400 * 40, 43200)
        assert len(monthly["data"]) == 12


async def test_tpap_discovery_is_refused_like_pre_tpap_firmware() -> None:
    async with TapoPlugEmulator() as emu, aiohttp.ClientSession() as http:
        discover = {"method": "login", "params": {"sub_method": "discover"}}
        async with http.post(f"{emu.url}/", json=discover) as resp:
            assert resp.status == 200 and await resp.json() == {"error_code": 1003}


BAD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("P110", "set_auto_off_config", {"enable": "yes", "delay_min": 5}),
    ("P110", "set_auto_off_config", {"enable": True, "delay_min": 0}),
    ("P110", "set_protection_power", {"enabled": True, "protection_power": 99999}),
    ("P110", "add_schedule_rule", {"s_min": "noon", "desired_states": {"on": True}}),
    ("P110", "add_countdown_rule", {"delay": 86401, "desired_states": {"on": True}}),
    ("P110", "remove_schedule_rules", {"rule_list": "S1"}),
    ("P110", "get_energy_data", {"start_timestamp": 2, "end_timestamp": 1, "interval": 60}),
    ("P110", "get_energy_data", {"start_timestamp": 1, "end_timestamp": 2, "interval": 30}),
    ("P110", "get_power_data", {"start_timestamp": 1, "end_timestamp": 2, "interval": 1440}),
    ("L530", "set_device_info", {"color_temp": 9000}),
    ("L530", "edit_preset_rules", {"index": 9, "state": {"brightness": 5}}),
    ("L530", "set_dynamic_light_effect_rule_enable", {"enable": True, "id": "L9"}),
    ("L530", "edit_dynamic_light_effect_rule", {"id": "L1", "color_status_list": [[0, 1, 2]]}),
    ("L510", "set_preset_rules", {"brightness": [1, 2, 3]}),
    ("L510", "set_device_info", {"hue": 10, "saturation": 10}),
    ("L630", "set_on_off_gradually_info", {"on_state": {"enable": True, "duration": 61}}),
    ("L920", "set_lighting_effect", {"id": "x", "custom": 1, "sequence": [[0, 0, 0]] * 65}),
    ("L920", "set_lighting_effect", {"brightness": 101}),
    ("L920", "set_device_segment", {"segment": 51}),
    ("L930", "apply_segment_effect_rule", {"id": "a", "display_colors": [[1, 2, 3, 4, 5]]}),
]


@pytest.mark.parametrize(("model", "method", "params"), BAD_REQUESTS)
async def test_bad_input_is_refused_and_changes_nothing(
    model: str, method: str, params: dict[str, Any]
) -> None:
    async with kasa(model) as (emu, dev):
        before = emu.sim_state()
        getters = [m for m in ("get_device_info", "get_lighting_effect") if m in emu.node.methods]
        answers = [await raw(dev, m) for m in getters]
        with pytest.raises(DeviceError) as info:
            await raw(dev, method, params)
        assert info.value.error_code is SmartErrorCode.PARAMS_ERROR
        assert emu.sim_state() == before
        assert [await raw(dev, m) for m in getters] == answers
