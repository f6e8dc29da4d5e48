"""Schedules through camhub's API, against the emulators: the rules the device keeps
and runs on its own clock, added, changed and deleted with the spec's routes."""

from __future__ import annotations

from typing import Any

from .conftest import MakeApi


def rules(emu: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in emu.node.rules.books["schedule"].rules]


async def test_schedules_are_added_changed_and_deleted(api: MakeApi) -> None:
    async with api(plug="P110") as a:
        emu = a.emulators["plug"]
        assert (await a.state("plug"))["schedules"] == {"schedules": [], "max_count": 32}
        added = await a.post(
            "plug", "schedules", {"at": "07:30", "on": True, "days": ["fri", "mon"]}
        )
        assert added == {
            "success": True,
            "id": "S1",
            "enabled": True,
            "at": "07:30",
            "offset_min": 0,
            "days": ["mon", "fri"],
            "on": True,
        }
        (rule,) = rules(emu)
        assert (rule["s_type"], rule["s_min"], rule["mode"], rule["week_day"]) == (
            "normal",
            450,
            "repeat",
            0b100010,  # bit 0 is Sunday
        )
        assert rule["desired_states"] == {"on": True} and rule["enable"] is True
        shown = (await a.state("plug"))["schedules"]["schedules"]
        assert shown == [{k: v for k, v in added.items() if k != "success"}]
        await a.post("plug", "schedules/S1", {"enabled": False})
        assert rules(emu)[0]["enable"] is False
        await a.post("plug", "schedules/S1", {"at": "sunset", "offset_min": -15})
        assert (rules(emu)[0]["s_type"], rules(emu)[0]["time_offset"]) == ("sunset", -15)
        (shown_rule,) = (await a.state("plug"))["schedules"]["schedules"]
        assert (shown_rule["at"], shown_rule["offset_min"], shown_rule["enabled"]) == (
            "sunset",
            -15,
            False,
        )
        # bad input: refused, nothing changes on the device
        before = rules(emu)
        for body in (
            {"at": "25:00", "on": True},
            {"at": "07:00", "on": True, "days": ["someday"]},
            {"at": "07:00", "on": True, "offset_min": 10},
            {"at": "07:00"},
        ):
            await a.post("plug", "schedules", body, status=400)
        await a.post("plug", "schedules/S1", {"at": "08:00", "offset_min": 5}, status=400)
        await a.post("plug", "schedules/S9", {"enabled": True}, status=404)
        assert rules(emu) == before
        await a.delete("plug", "schedules/S1")
        assert rules(emu) == []
        await a.state("plug")
        await a.delete("plug", "schedules/S1", status=404)


async def test_a_one_off_schedule_fires_on_the_device_clock(api: MakeApi) -> None:
    async with api(plug="P105") as a:
        emu = a.emulators["plug"]
        minute = (int(emu.clock()) // 60 + 2) % 1440  # the device keeps UTC
        at = f"{minute // 60:02d}:{minute % 60:02d}"
        await a.post("plug", "schedules", {"at": at, "on": True})
        assert rules(emu)[0]["mode"] == "once"
        emu.advance(180)
        state = await a.state("plug")
        assert state["power"] == {"on": True}
        assert state["schedules"]["schedules"][0]["enabled"] is False  # once: done


async def test_a_full_list_is_refused_and_long_lists_are_read_page_by_page(api: MakeApi) -> None:
    async with api(plug="P100") as a:
        emu = a.emulators["plug"]
        emu.node.rules.books["schedule"].max_count = 12
        await a.state("plug")
        for n in range(12):
            await a.post("plug", "schedules", {"at": f"{n:02d}:00", "on": n % 2 == 0})
        listed = (await a.state("plug"))["schedules"]
        assert listed["max_count"] == 12
        assert [s["at"] for s in listed["schedules"]] == [f"{n:02d}:00" for n in range(12)]
        full = await a.post("plug", "schedules", {"at": "23:00", "on": True}, status=409)
        assert "12" in full["error"] and len(rules(emu)) == 12


async def test_a_lights_rule_keeps_its_light_state_when_changed(api: MakeApi) -> None:
    async with api(bulb="L530") as a:
        emu = a.emulators["bulb"]
        rule = {"s_min": 600, "s_type": "normal", "mode": "repeat", "week_day": 127}
        rule |= {"desired_states": {"on": True, "brightness": 30, "color_temp": 2700}}
        reply = await a.post("bulb", "raw", {"method": "add_schedule_rule", "params": rule})
        assert reply["result"]["result"] == {"id": "S1"}  # as the Tapo app stores one
        (shown,) = (await a.state("bulb"))["schedules"]["schedules"]
        assert (shown["at"], shown["on"], len(shown["days"])) == ("10:00", True, 7)
        await a.post("bulb", "schedules/S1", {"at": "10:30"})
        (stored,) = rules(emu)
        assert stored["s_min"] == 630
        assert stored["desired_states"] == {"on": True, "brightness": 30, "color_temp": 2700}
