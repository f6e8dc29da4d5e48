"""Every tapo-rest action of every device type, against the Tapo emulators.

Each test checks what a user would see: the emulated device really changed, and
the answer has the shape tapo-rest (through the ``tapo`` crate) gives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from camhub.compat.taporest_tables import GROUPS, route_uris

from .conftest import MakeHub, TapoRestHub


async def act(hub: TapoRestHub, path: str, status: int = 200) -> Any:
    r = await hub.client.get(f"/actions/{path}", headers=await hub.headers())
    assert r.status_code == status, r.text
    if status != 200:
        body = r.json()
        assert isinstance(body["error"], str)
        return body
    return r.json() if r.content else None


async def test_actions_lists_every_route_as_plain_lines(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        r = await hub.client.get("/actions")
        assert r.headers["content-type"].startswith("text/plain")
        lines = r.text.split("\n")
        assert lines == route_uris()
        for expected in (
            "/l530/on",
            "/l535/set-color",
            "/l930/set-lighting-effect",
            "/p110/get-hourly-energy-data",
            "/p110m/get-current-power",
            "/p300/get-child-device-list",
            "/p316/get-device-info",
        ):
            assert expected in lines
        types = {line.split("/")[1] for line in lines}
        assert types == {ty.lower() for g in GROUPS for ty in g.types}


async def test_devices_are_listed_as_in_the_config(tapo_rest: MakeHub) -> None:
    async with tapo_rest("living-room-bulb", "heater-plug", "tv-strip") as hub:
        r = await hub.client.get("/devices", headers=await hub.headers())
        assert r.status_code == 200
        assert r.json() == [
            {"name": "living-room-bulb", "device_type": "L530", "ip_addr": "127.0.0.1"},
            {"name": "heater-plug", "device_type": "P110", "ip_addr": "127.0.0.1"},
            {"name": "tv-strip", "device_type": "P300", "ip_addr": "127.0.0.1"},
        ]


async def test_colour_bulb(tapo_rest: MakeHub) -> None:
    async with tapo_rest("living-room-bulb") as hub:
        dev = "device=living-room-bulb"
        assert await act(hub, f"l530/on?{dev}") is None
        assert hub.sim("living-room-bulb")["on"] is True
        await act(hub, f"l530/set-brightness?{dev}&level=40")
        assert hub.sim("living-room-bulb")["brightness"] == 40
        await act(hub, f"l530/set-hue-saturation?{dev}&hue=120&saturation=50")
        assert (hub.sim("living-room-bulb")["hue"], hub.sim("living-room-bulb")["saturation"]) == (
            120,
            50,
        )
        await act(hub, f"l530/set-color-temperature?{dev}&color_temperature=4000")
        assert hub.sim("living-room-bulb")["color_temp"] == 4000
        await act(hub, f"l530/set-color?{dev}&color=Crimson")
        sim = hub.sim("living-room-bulb")
        assert (sim["hue"], sim["saturation"]) == (348, 90)
        await act(hub, f"l530/set-color?{dev}&color=WarmWhite")
        assert hub.sim("living-room-bulb")["color_temp"] == 3000
        # An L535 route drives an L530: same group, as in tapo-rest.
        await act(hub, f"l535/off?{dev}")
        assert hub.sim("living-room-bulb")["on"] is False
        await act(hub, f"l530/toggle?{dev}")
        assert hub.sim("living-room-bulb")["on"] is True

        info = await act(hub, f"l530/get-device-info?{dev}")
        assert info["model"] == "L530"
        assert info["nickname"] == "Tapo Bulb"  # base64 decoded, as the tapo crate does
        assert info["ssid"] == "camhub-sim"
        assert info["device_on"] is True
        assert info["brightness"] == 40
        usage = await act(hub, f"l530/get-device-usage?{dev}")
        assert set(usage) >= {"time_usage", "power_usage", "saved_power"}
        assert set(usage["time_usage"]) == {"today", "past7", "past30"}
        await hub.settled("living-room-bulb", lambda s: s.get("power") == {"on": True})


async def test_white_bulb_has_no_colour_routes(tapo_rest: MakeHub) -> None:
    async with tapo_rest("hall-bulb") as hub:
        await act(hub, "l510/on?device=hall-bulb")
        await act(hub, "l510/set-brightness?device=hall-bulb&level=10")
        assert hub.sim("hall-bulb") | {"on": True, "brightness": 10} == hub.sim("hall-bulb")
        await act(hub, "l510/set-color?device=hall-bulb&color=Lime", 404)
        info = await act(hub, "l510/get-device-info?device=hall-bulb")
        assert info["model"] == "L510" and info["brightness"] == 10
        await hub.settled("hall-bulb", lambda s: s.get("brightness") == {"level": 10})


async def test_light_strips_and_effects(tapo_rest: MakeHub) -> None:
    async with tapo_rest("kitchen-strip", "desk-strip") as hub:
        await act(hub, "l930/set-lighting-effect?device=kitchen-strip&lighting_effect=Aurora")
        assert hub.sim("kitchen-strip")["effect"] == "Aurora"
        assert hub.sim("kitchen-strip")["on"] is True
        await act(
            hub,
            "l920/set-lighting-effect?device=kitchen-strip&lighting_effect=GrandmasChristmasLights",
        )
        assert hub.sim("kitchen-strip")["effect"] == "Grandma's Christmas Lights"
        body = await act(
            hub, "l930/set-lighting-effect?device=kitchen-strip&lighting_effect=Disco", 400
        )
        assert any("lighting_effect" in e for e in body["errors"])
        # The L900 has colours but no effects.
        await act(hub, "l900/set-color?device=desk-strip&color=NavyBlue")
        assert (hub.sim("desk-strip")["hue"], hub.sim("desk-strip")["saturation"]) == (240, 100)
        await act(hub, "l900/set-lighting-effect?device=desk-strip&lighting_effect=Aurora", 404)
        info = await act(hub, "l900/get-device-info?device=desk-strip")
        assert info["model"] == "L900" and info["nickname"] == "Tapo Light Strip"
        await hub.settled("desk-strip", lambda s: s.get("color", {}).get("hue") == 240)


async def test_energy_plug(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        dev = "device=heater-plug"
        await act(hub, f"p110/on?{dev}")
        assert hub.sim("heater-plug")["on"] is True
        power = await act(hub, f"p110/get-current-power?{dev}")
        assert list(power) == ["current_power"]
        assert 50 <= power["current_power"] <= 70  # watts, the emulated load
        usage = await act(hub, f"p110/get-energy-usage?{dev}")
        assert set(usage) >= {"today_energy", "month_energy", "today_runtime", "month_runtime"}
        dt.datetime.fromisoformat(usage["local_time"])  # ISO 8601, with a "T"
        assert "T" in usage["local_time"]

        today = dt.date.today()
        hourly = await act(hub, f"p110/get-hourly-energy-data?{dev}&start_date={today}")
        assert hourly["interval_length"] == 60
        assert len(hourly["entries"]) == 24
        assert hourly["entries"][0]["start_date_time"].endswith("Z")
        two_days = await act(
            hub,
            f"p110/get-hourly-energy-data?{dev}&start_date={today - dt.timedelta(days=1)}"
            f"&end_date={today}",
        )
        assert len(two_days["entries"]) == 48

        month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        daily = await act(hub, f"p110/get-daily-energy-data?{dev}&start_date={month_start}")
        assert daily["interval_length"] == 1440
        assert 89 <= len(daily["entries"]) <= 92  # a quarter
        assert sum(e["energy"] for e in daily["entries"]) > 0  # the emulator's history
        monthly = await act(
            hub, f"p110/get-monthly-energy-data?{dev}&start_date={today.replace(month=1, day=1)}"
        )
        assert monthly["interval_length"] == 43200
        assert len(monthly["entries"]) == 12
        assert sum(e["energy"] for e in monthly["entries"]) > 0

        full_usage = await act(hub, f"p110/get-device-usage?{dev}")
        assert set(full_usage) == {"time_usage", "power_usage", "saved_power"}
        await act(hub, f"p115/toggle?{dev}")
        assert hub.sim("heater-plug")["on"] is False
        await hub.settled("heater-plug", lambda s: s.get("power") == {"on": False})


async def test_plain_plug_has_no_energy_routes(tapo_rest: MakeHub) -> None:
    async with tapo_rest("lamp-plug") as hub:
        await act(hub, "p100/on?device=lamp-plug")
        assert hub.sim("lamp-plug")["on"] is True
        usage = await act(hub, "p105/get-device-usage?device=lamp-plug")
        assert list(usage) == ["time_usage"]  # what the tapo crate keeps for a P100
        await act(hub, "p100/get-energy-usage?device=lamp-plug", 404)
        await act(hub, "p100/off?device=lamp-plug")
        assert hub.sim("lamp-plug")["on"] is False
        await hub.settled("lamp-plug", lambda s: s.get("power") == {"on": False})


@pytest.mark.parametrize(
    ("name", "route", "sockets"), [("office-strip", "p304m", 4), ("tv-strip", "p300", 3)]
)
async def test_power_strip_sockets(tapo_rest: MakeHub, name: str, route: str, sockets: int) -> None:
    async with tapo_rest(name) as hub:
        dev = f"device={name}"
        info = await act(hub, f"{route}/get-device-info?{dev}")
        assert info["nickname"] == "Tapo Power Strip"
        children = await act(hub, f"{route}/get-child-device-list?{dev}")
        assert [c["nickname"] for c in children] == [f"Plug {n}" for n in range(1, sockets + 1)]
        assert [c["position"] for c in children] == list(range(1, sockets + 1))

        def on_states() -> list[bool]:
            return [c["on"] for c in hub.sim(name)["children"]]

        await act(hub, f"{route}/on?{dev}&child=Plug%202")  # by nickname
        assert on_states()[:3] == [False, True, False]
        await act(hub, f"{route}/on?{dev}&child={children[0]['device_id']}")  # by device id
        await act(hub, f"{route}/toggle?{dev}&child=3")  # by position
        assert on_states()[:3] == [True, True, True]
        await act(hub, f"{route}/off?{dev}&child=plug%202")  # nicknames ignore case
        assert on_states()[:3] == [True, False, True]
        again = await act(hub, f"{route}/get-child-device-list?{dev}")
        assert [c["device_on"] for c in again][:3] == [True, False, True]

        missing = await act(hub, f"{route}/on?{dev}&child=Plug%209", 404)
        assert "Plug 9" in missing["error"]
        body = await act(hub, f"{route}/on?{dev}", 400)
        assert body["errors"] == ["child: missing field"]
        # the hub shows each socket as a child device with its own power state
        strip = await hub.settled(name, lambda s: len(s["children"]["devices"]) == sockets)
        sockets_seen = strip["children"]["devices"]
        assert sockets_seen == [f"{name}.plug-{n}" for n in range(1, sockets + 1)]
        for socket, on in zip(sockets_seen, (True, False, True), strict=False):
            await hub.settled(socket, lambda s, on=on: s.get("power") == {"on": on})


async def test_errors_have_camhubs_json_shape(tapo_rest: MakeHub) -> None:
    async with tapo_rest("living-room-bulb", "heater-plug") as hub:
        body = await act(hub, "l530/on?device=nowhere", 404)
        assert body["error"] == "Provided device name was not found"
        body = await act(hub, "p110/on?device=living-room-bulb", 400)
        assert "reserved to P110, P110M, P115 devices" in body["error"]
        assert "L530" in body["error"]
        assert hub.sim("living-room-bulb")["on"] is False
        await act(hub, "l530/dance?device=living-room-bulb", 404)
        await act(hub, "L530/on?device=living-room-bulb", 404)  # tapo-rest's routes are lowercase
        await act(hub, "c200/on?device=living-room-bulb", 404)
        body = await act(hub, "l530/on", 400)
        assert body["errors"] == ["device: missing field"]
        body = await act(hub, "l530/set-brightness?device=living-room-bulb&level=lots", 400)
        assert body["errors"][0].startswith("level:")
        await act(hub, "l530/set-brightness?device=living-room-bulb&level=0", 400)
        await act(hub, "l530/set-brightness?device=living-room-bulb&level=250", 400)
        body = await act(hub, "l530/set-color?device=living-room-bulb&color=Mauve", 400)
        assert "CoolWhite" in body["errors"][0]
        body = await act(
            hub, "p110/get-daily-energy-data?device=heater-plug&start_date=31/12/2023", 400
        )
        assert body["errors"][0].startswith("start_date:")
        assert hub.sim("living-room-bulb")["brightness"] == 100


async def test_an_unreachable_device_is_a_502(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        headers = await hub.headers()
        hub.emulators["heater-plug"].set_fault("drop")
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=headers)
        assert r.status_code == 502
        assert r.json()["device"] == "heater-plug"
        hub.emulators["heater-plug"].set_fault("drop", False)
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=headers)
        assert r.status_code == 200
        assert hub.sim("heater-plug")["on"] is True
        await hub.settled("heater-plug", lambda s: s.get("power") == {"on": True})
