"""Plugs and power-strip sockets through camhub's API, against the emulators: the
countdown timer, auto-off, power protection, schedules, energy and settings, each seen
in ``GET /api/devices/{name}`` and changed with the routes the specs generate."""

from __future__ import annotations

from typing import Any

from .conftest import MakeApi, strip_node


def countdowns(emu: Any, child: int | None = None) -> list[dict[str, Any]]:
    node = emu.node if child is None else strip_node(emu).children[child]
    return [dict(r) for r in node.rules.books["countdown"].rules]


async def test_timer_switches_the_plug_once(api: MakeApi) -> None:
    async with api(plug="P100") as a:
        emu = a.emulators["plug"]
        state = await a.state("plug")
        assert state["timer"] == {"remaining_s": None, "on": None, "max_s": 86400}
        # "on" left out: the opposite of the power now (off), as the Tapo app's timer
        assert await a.post("plug", "timer", {"seconds": 600}) == {
            "success": True,
            "seconds": 600,
            "on": True,
        }
        state = await a.state("plug")
        assert state["timer"]["on"] is True and 540 < state["timer"]["remaining_s"] <= 600
        assert [(r["delay"], r["desired_states"]) for r in countdowns(emu)] == [(600, {"on": True})]
        emu.advance(601)
        state = await a.state("plug")
        assert state["power"] == {"on": True} and state["timer"]["remaining_s"] is None
        # a new one replaces it (the device keeps one), and 0 cancels
        await a.post("plug", "timer", {"seconds": 60, "on": False})
        await a.state("plug")  # the hub polls after a command; GET answers from its state
        assert (await a.get("plug", "timer"))["on"] is False
        await a.post("plug", "timer", {"seconds": 0})
        assert countdowns(emu) == [] and (await a.state("plug"))["timer"]["remaining_s"] is None
        emu.advance(120)
        assert (await a.state("plug"))["power"] == {"on": True}  # nothing fired
        bad = await a.post("plug", "timer", {"seconds": 90000}, status=400)
        assert bad["errors"] == ["seconds: 0-86400"]
        await a.post("plug", "timer", {"seconds": -1}, status=400)
        assert countdowns(emu) == []


async def test_auto_off_switches_off_after_each_switch_on(api: MakeApi) -> None:
    async with api(plug="P110", old="P100") as a:
        emu = a.emulators["plug"]
        state = await a.state("plug")
        assert state["auto_off"] == {
            "enabled": False,
            "minutes": 120,
            "max_minutes": 1439,
            "remaining_s": None,
        }
        await a.post("plug", "auto_off", {"enabled": True, "minutes": 2})
        assert emu.node.auto_off == {"delay_min": 2, "enable": True}
        await a.post("plug", "power", {"on": True})
        state = await a.state("plug")
        assert state["auto_off"]["enabled"] and 60 < state["auto_off"]["remaining_s"] <= 120
        emu.advance(121)
        state = await a.state("plug")
        assert state["power"] == {"on": False} and state["auto_off"]["remaining_s"] is None
        await a.post("plug", "auto_off", {"minutes": 1440}, status=400)
        await a.post("plug", "auto_off", {}, status=400)
        assert emu.node.auto_off == {"delay_min": 2, "enable": True}
        # a P100 has no auto-off
        assert "auto_off" not in await a.state("old")
        await a.post("old", "auto_off", {"enabled": True}, status=422)


async def test_power_protection_trips_and_shows_overloaded(api: MakeApi) -> None:
    async with api(plug="P110") as a:
        emu = a.emulators["plug"]
        state = await a.state("plug")
        assert state["power_protection"] == {
            "enabled": False,
            "threshold_w": None,
            "max_w": 2541,
            "overloaded": False,
        }
        no_threshold = await a.post("plug", "power_protection", {"enabled": True}, status=400)
        assert no_threshold["errors"] == ["threshold_w: required"]
        too_high = await a.post("plug", "power_protection", {"threshold_w": 3000}, status=400)
        assert too_high["errors"] == ["threshold_w: 1-2541"]
        await a.post("plug", "power_protection", {"enabled": True, "threshold_w": 10})
        assert emu.node.protection == {"enabled": True, "protection_power": 10}
        await a.post("plug", "power", {"on": True})  # 60 W: over the threshold
        state = await a.state("plug")
        assert state["power"] == {"on": False}
        assert state["power_protection"]["overloaded"] is True
        assert state["power_protection"]["threshold_w"] == 10
        await a.post("plug", "power_protection", {"enabled": False})
        await a.post("plug", "power", {"on": True})  # switching on lifts the overload
        state = await a.state("plug")
        assert state["power"] == {"on": True}
        assert state["power_protection"] == {
            "enabled": False,
            "threshold_w": 10,
            "max_w": 2541,
            "overloaded": False,
        }
        # the meter reports voltage and current: energy has them
        assert 230 <= state["energy"]["voltage_v"] < 240 and state["energy"]["current_a"] > 0.2


async def test_power_strip_sockets_have_their_own_timers_and_protection(api: MakeApi) -> None:
    async with api(strip="P304M", plain="P300") as a:
        emu = a.emulators["strip"]
        await a.child("strip.plug-2")
        await a.post("strip.plug-2", "power", {"on": True})
        state = await a.state("strip.plug-2")
        # a real P304M socket reports its power with get_current_power, no voltage
        assert 35 < state["energy"]["power_w"] < 45 and state["energy"]["voltage_v"] is None
        assert state["power_protection"]["max_w"] == 3252
        await a.post("strip.plug-2", "timer", {"seconds": 30})
        assert [r["desired_states"] for r in countdowns(emu, 1)] == [{"on": False}]
        assert countdowns(emu, 0) == []
        emu.advance(31)
        await a.state("strip")  # the strip's poll reads its sockets' list
        assert (await a.state("strip.plug-2"))["power"] == {"on": False}
        await a.post("strip.plug-2", "power_protection", {"enabled": True, "threshold_w": 20})
        await a.post("strip.plug-2", "power", {"on": True})
        state = await a.state("strip.plug-2")
        assert state["power"] == {"on": False} and state["power_protection"]["overloaded"]
        await a.post("strip.plug-2", "auto_off", {"enabled": True, "minutes": 5})
        assert strip_node(emu).children[1].auto_off == {"delay_min": 5, "enable": True}
        assert strip_node(emu).children[0].auto_off["enable"] is False
        # the strip itself has none of these; a P300's sockets have no protection
        strip = await a.state("strip")
        assert not {"timer", "auto_off", "power_protection", "power"} & set(strip)
        await a.child("plain.plug-1")
        plain = await a.state("plain.plug-1")
        assert {"timer", "auto_off", "schedules"} <= set(plain)
        assert "power_protection" not in plain and "energy" not in plain


async def test_settings_name_the_device(api: MakeApi) -> None:
    async with api(plug="P110", strip="P300") as a:
        schema = await a.get("plug", "settings/schema")
        assert schema["properties"]["nickname"]["maxLength"] == 64
        assert await a.get("plug", "settings") == {"nickname": "Tapo Plug"}
        changed = await a.post("plug", "settings", {"nickname": "Kitchen kettle"})
        assert changed == {"success": True, "settings": {"nickname": "Kitchen kettle"}}
        assert a.emulators["plug"].sim_state()["nickname"] == "Kitchen kettle"
        assert (await a.state("plug"))["vendor"]["nickname"] == "Kitchen kettle"
        bad = await a.post("plug", "settings", {"nickname": "", "colour": "red"}, status=400)
        assert sorted(bad["errors"]) == [
            "colour: Extra inputs are not permitted",
            "nickname: String should have at least 1 character",
        ]
        assert a.emulators["plug"].sim_state()["nickname"] == "Kitchen kettle"
        await a.child("strip.plug-3")  # a socket renames itself through its strip
        await a.post("strip.plug-3", "settings", {"nickname": "Lamp"})
        assert strip_node(a.emulators["strip"]).children[2].nickname == "Lamp"
        assert await a.get("strip.plug-3", "settings") == {"nickname": "Lamp"}
