"""The ``tapo`` crate (PyPI ``tapo``, the engine of tapo-rest), unmodified, against
every emulated plug, bulb, strip and power strip: every call its handler offers
for the device type decodes, and the values it decodes are the emulator's state.

The crate asks ``POST /`` whether a device speaks TPAP, then logs in with KLAP.
The non-metering P304/P316 are driven with the crate's generic power-strip
handler (its ``p304``/``p316`` expect the metering M models).
"""

from __future__ import annotations

import datetime as dt
from base64 import b64decode
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tapo.requests import (
    Color,
    DaysOfWeek,
    EnergyDataInterval,
    LightingEffectPreset,
    PowerDataInterval,
    ScheduleRule,
    SegmentEffectPreset,
)
from tapo.responses import (
    ChargingStatus,
    OvercurrentStatus,
    PowerProtectionStatus,
    PowerState,
)

from camhub.sim import SimOptions
from camhub.sim.tapo_smart import (
    TapoBulbEmulator,
    TapoPlugEmulator,
    TapoPowerStripEmulator,
    TapoSmartEmulator,
    TapoStripEmulator,
)
from tapo import ApiClient

from .conftest import EMAIL, PASSWORD

# model -> (emulator, the ApiClient factory that returns its handler)
MODELS: dict[str, tuple[type[TapoSmartEmulator], str]] = {
    **{m: (TapoPlugEmulator, m.lower()) for m in ("P100", "P105", "P110", "P115")},
    "P110M": (TapoPlugEmulator, "p110"),
    **{m: (TapoBulbEmulator, m.lower()) for m in ("L510", "L520", "L610", "L530", "L535", "L630")},
    **{m: (TapoStripEmulator, m.lower()) for m in ("L900", "L920", "L930")},
    "P300": (TapoPowerStripEmulator, "p300"),
    "P304": (TapoPowerStripEmulator, "p300"),
    "P316": (TapoPowerStripEmulator, "p300"),
    "P304M": (TapoPowerStripEmulator, "p304"),
}
NOT_CALLED = {"address", "to_dict"}  # an attribute, not a device call


@asynccontextmanager
async def crate_device(model: str) -> AsyncIterator[tuple[TapoSmartEmulator, Any]]:
    emu_cls, factory = MODELS[model]
    opts = SimOptions(username=EMAIL, password=PASSWORD, model=model)
    emu = emu_cls(opts)
    async with emu:
        client = ApiClient(EMAIL, PASSWORD, timeout_s=10)
        yield emu, await getattr(client, factory)(f"127.0.0.1:{emu.port}")


class Calls:
    """Runs the handler's calls, remembering which were made."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.made: set[str] = set()

    async def __call__(self, name: str, *args: Any) -> Any:
        self.made.add(name)
        method: Callable[..., Awaitable[Any]] = getattr(self.handler, name)
        return await method(*args)

    def missed(self) -> set[str]:
        offered = {n for n in dir(self.handler) if not n.startswith("_")}
        return offered - self.made - NOT_CALLED


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


async def common_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    info = await call("get_device_info")
    assert info.model == emu.spec.model and info.fw_ver == emu.spec.fw_ver
    raw = await call("get_device_info_json")
    nickname = getattr(info, "nickname", None) or b64decode(raw["nickname"]).decode()
    assert nickname == emu.node.nickname
    assert raw["device_id"] == info.device_id
    components = await call("get_component_list")
    assert [(c.id, c.ver_code) for c in components] == list(emu.node.components)
    await call("refresh_session")
    assert (await call("get_device_info")).device_id == info.device_id


async def switch_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    await call("on")
    assert emu.sim_state()["on"] is True
    assert (await call("get_device_info")).device_on is True
    await call("off")
    assert emu.sim_state()["on"] is False


async def energy_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    await call("on")
    emu.advance(3600)
    power = await call("get_current_power")
    assert 50 <= power.current_power <= 70
    usage = await call("get_energy_usage")
    assert usage.today_energy >= 55 and usage.month_energy >= usage.today_energy
    device_usage = await call("get_device_usage")
    assert 0 <= device_usage.power_usage.today - usage.today_energy <= 1
    timezone = await call("get_timezone")
    assert timezone.timezone == ZoneInfo("UTC")
    today = dt.datetime.fromtimestamp(emu.clock(), dt.UTC).date()
    hourly = await call("get_energy_data", EnergyDataInterval.Hourly, today)
    assert hourly.interval_length == 60
    assert hourly.entries[0].start_date_time == dt.datetime.combine(today, dt.time(), dt.UTC)
    daily = await call("get_energy_data", EnergyDataInterval.Daily, quarter_start(today))
    assert len(daily.entries) == (today - quarter_start(today)).days + 1
    # (energy keeps accruing between two requests: a watt-hour may tick over)
    assert 0 <= daily.entries[-1].energy - usage.today_energy <= 1
    monthly = await call("get_energy_data", EnergyDataInterval.Monthly, dt.date(today.year, 1, 1))
    assert len(monthly.entries) == today.month
    assert 0 <= monthly.entries[-1].energy - usage.month_energy <= 1
    now = dt.datetime.fromtimestamp(emu.clock(), dt.UTC)
    fine = await call(
        "get_power_data", PowerDataInterval.Every5Minutes, now - dt.timedelta(hours=1), now
    )
    assert fine.interval_length == 5 and 12 <= len(fine.entries) <= 13
    assert any(p.power and 50 <= p.power <= 70 for p in fine.entries)
    coarse = await call("get_power_data", PowerDataInterval.Hourly, now - dt.timedelta(days=1), now)
    assert coarse.interval_length == 60 and 24 <= len(coarse.entries) <= 25


async def timer_and_schedule_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    await call("off")
    timer = await call("set_timer", 120, PowerState.On)
    assert (timer.id, timer.delay_s, timer.desired_state) == ("C1", 120, PowerState.On)
    emu.advance(121)  # the plug switches itself on and keeps the spent timer
    assert emu.sim_state()["on"] is True
    spent = await call("get_timer")
    assert spent is not None and spent.remaining_s == 0
    await call("clear_timer")
    assert await call("get_timer") is None
    assert await call("get_max_schedule_rules") == 32
    weekdays = DaysOfWeek.from_bits_truncate(0b0111110)
    added = await call(
        "add_schedule_rule", ScheduleRule.clock_weekly(7, 30, weekdays, PowerState.On)
    )
    rules = await call("get_schedule_rules")
    assert [(r.id, r.enabled, r.days.bits() if r.days else None) for r in rules] == [
        (added.id, True, 0b0111110)
    ]
    await call("edit_schedule_rule", added.to_editable().with_enabled(False))
    assert [r.enabled for r in await call("get_schedule_rules")] == [False]
    await call("remove_schedule_rule", added.id)
    await call("add_schedule_rule", ScheduleRule.sunset_once(15, PowerState.Off))
    await call("remove_all_schedule_rules")
    assert await call("get_schedule_rules") == []


async def light_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    await call("set_brightness", 40)
    assert emu.sim_state()["brightness"] == 40
    info = await call("get_device_info")
    assert info.brightness == 40
    usage = await call("get_device_usage")
    assert usage.time_usage.today is not None and usage.power_usage.today is not None
    if not hasattr(call.handler, "set_color"):
        assert info.default_states.brightness.value == 40
        return
    await call("set_hue_saturation", 195, 100)
    assert (emu.sim_state()["hue"], emu.sim_state()["saturation"]) == (195, 100)
    await call("set_color", Color.Chocolate)
    await call("set_color_temperature", 2700)
    # A strip without white LEDs (color_temp_range 9000..9000) shows its one white.
    white = 9000 if emu.spec.color_temp_range == (9000, 9000) else 2700
    assert (await call("get_device_info")).color_temp == white
    call.made.add("set")  # a builder, not a request: send() makes the request
    await call.handler.set().brightness(55).color(Color.HotPink).send(call.handler)
    assert emu.sim_state()["brightness"] == 55


async def strip_effect_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    await call("set_lighting_effect", LightingEffectPreset.BubblingCauldron)
    assert emu.sim_state()["effect"] == "Bubbling Cauldron"
    await call("set_segment_effect", SegmentEffectPreset.Birthday)
    assert emu.sim_state()["effect"] is None  # a segment effect replaces it
    info = await call("get_device_info_json")
    assert info["segment_effect"]["enable"] == 1 and info["lighting_effect"]["enable"] == 0


async def power_strip_calls(call: Calls, emu: TapoSmartEmulator) -> None:
    children = await call("get_child_device_list")
    assert [c.position for c in children] == list(range(1, emu.spec.sockets + 1))
    raw = await call("get_child_device_list_json")
    assert len(raw["child_device_list"]) == emu.spec.sockets
    components = await call("get_child_device_component_list")
    assert {c.device_id for c in components} == {c.device_id for c in children}
    plug = await call("plug", None, None, 2)
    unchecked = await call("plug_unchecked", children[2].device_id)
    socket = Calls(plug)
    await socket("on")
    await Calls(unchecked)("on")
    assert [c["on"] for c in emu.sim_state()["children"]][:3] == [False, True, True]
    info = await socket("get_device_info")
    assert (info.position, info.nickname, info.device_on) == (2, "Plug 2", True)
    assert (await socket("get_device_info_json"))["category"] == "plug.powerstrip.sub-plug"
    components = await socket("get_component_list")
    assert ("device", 2) in [(c.id, c.ver_code) for c in components]
    if hasattr(plug, "get_energy_usage"):
        assert info.charging_status == ChargingStatus.Normal and info.is_usb is False
        emu.advance(3600)
        assert (await socket("get_current_power")).current_power > 0
        assert (await socket("get_energy_usage")).today_energy >= 35
        assert (await socket("get_device_usage")).power_usage.today >= 35
        assert (await socket("get_timezone")).timezone == ZoneInfo("UTC")
        today = dt.datetime.fromtimestamp(emu.clock(), dt.UTC).date()
        for interval, start in (
            (EnergyDataInterval.Hourly, today),
            (EnergyDataInterval.Daily, quarter_start(today)),
            (EnergyDataInterval.Monthly, dt.date(today.year, 1, 1)),
        ):
            assert (await socket("get_energy_data", interval, start)).entries
        now = dt.datetime.fromtimestamp(emu.clock(), dt.UTC)
        hourly = await socket(
            "get_power_data", PowerDataInterval.Hourly, now - dt.timedelta(hours=3), now
        )
        assert hourly.entries
    await socket("off")
    assert socket.missed() == set()


@pytest.mark.parametrize("model", list(MODELS))
async def test_every_call_of_the_crate_decodes(model: str) -> None:
    async with crate_device(model) as (emu, handler):
        call = Calls(handler)
        await common_calls(call, emu)
        if emu.spec.sockets:
            await power_strip_calls(call, emu)
        else:
            await switch_calls(call, emu)
        if hasattr(handler, "get_energy_data"):
            info = await call("get_device_info")
            assert info.charging_status == ChargingStatus.Normal
            assert info.overcurrent_status == OvercurrentStatus.Normal
            assert info.power_protection_status == PowerProtectionStatus.Normal
            await energy_calls(call, emu)
        elif hasattr(handler, "get_device_usage"):
            assert (await call("get_device_usage")).time_usage.today is not None
        if hasattr(handler, "set_timer"):
            await timer_and_schedule_calls(call, emu)
        if hasattr(handler, "set_brightness"):
            await light_calls(call, emu)
        if hasattr(handler, "set_segment_effect"):
            await strip_effect_calls(call, emu)
        await call("device_reboot", 1)
        await call("device_reset")
        assert call.missed() == set(), "calls of the crate this test does not make"
