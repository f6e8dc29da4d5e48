"""Bulbs and light strips through camhub's API, against the emulators: light presets,
the bulbs' dynamic effects and the strips' effects, smooth on/off and strip segments,
each seen in ``GET /api/devices/{name}`` and changed with the spec routes."""

from __future__ import annotations

from typing import Any

from .conftest import MakeApi, light_node


def preset(state: dict[str, Any], preset_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p for p in state["light_presets"]["presets"] if p["id"] == preset_id
    )
    return found


async def test_colour_bulb_presets(api: MakeApi) -> None:
    async with api(bulb="L530") as a:
        emu = a.emulators["bulb"]
        state = await a.state("bulb")
        assert len(state["light_presets"]["presets"]) == 7
        assert preset(state, "1") == {
            "id": "1",
            "name": "Preset 1",
            "brightness": 50,
            "hue": None,
            "saturation": None,
            "kelvin": 2700,
        }
        assert (preset(state, "2")["hue"], preset(state, "2")["kelvin"]) == (240, None)
        assert state["light_presets"]["current"] is None
        await a.post("bulb", "light_presets/2/apply")
        sim = emu.sim_state()
        assert (sim["on"], sim["hue"], sim["saturation"], sim["color_temp"]) == (True, 240, 100, 0)
        assert (await a.state("bulb"))["light_presets"]["current"] == "2"
        # store what the light shows now
        await a.post("bulb", "color", {"hue": 30, "saturation": 70})
        await a.post("bulb", "brightness", {"level": 40})
        await a.post("bulb", "light_presets/1", {})
        assert light_node(emu).presets[0] == {
            "brightness": 40,
            "color_temp": 0,
            "hue": 30,
            "saturation": 70,
        }
        state = await a.state("bulb")
        assert state["light_presets"]["current"] == "1"
        assert (preset(state, "1")["hue"], preset(state, "1")["kelvin"]) == (30, None)
        # a new brightness keeps the look; a white; explicit values
        await a.post("bulb", "light_presets/3", {"brightness": 20})
        assert light_node(emu).presets[2] == {
            "brightness": 20,
            "color_temp": 0,
            "hue": 0,
            "saturation": 100,
        }
        await a.post("bulb", "light_presets/4", {"kelvin": 4000, "brightness": 60})
        assert light_node(emu).presets[3]["color_temp"] == 4000
        assert preset(await a.state("bulb"), "4")["kelvin"] == 4000
        # bad input changes nothing
        before = [dict(p) for p in light_node(emu).presets]
        await a.post("bulb", "light_presets/9/apply", status=404)
        await a.post("bulb", "light_presets/9", {"brightness": 5}, status=404)
        for body in (
            {"kelvin": 9000},
            {"hue": 10},
            {"kelvin": 3000, "hue": 1, "saturation": 1},
            {"brightness": 0},
        ):
            await a.post("bulb", "light_presets/5", body, status=400)
        assert light_node(emu).presets == before


async def test_dimmable_bulb_presets_are_brightness_levels(api: MakeApi) -> None:
    async with api(bulb="L510") as a:
        emu = a.emulators["bulb"]
        state = await a.state("bulb")
        assert [
            (p["brightness"], p["hue"], p["kelvin"]) for p in state["light_presets"]["presets"]
        ] == [(level, None, None) for level in (1, 25, 50, 75, 100)]
        await a.post("bulb", "light_presets/2/apply")
        assert emu.sim_state()["brightness"] == 25
        await a.post("bulb", "light_presets/2", {"brightness": 33})
        assert light_node(emu).presets == [1, 33, 50, 75, 100]
        bad = await a.post("bulb", "light_presets/2", {"hue": 10, "saturation": 10}, status=400)
        assert "brightness levels" in bad["error"]
        assert light_node(emu).presets == [1, 33, 50, 75, 100]
        await a.post("bulb", "effects", {"name": "Party"}, status=422)  # no effects


async def test_strip_presets_are_read_page_by_page(api: MakeApi) -> None:
    async with api(strip="L900") as a:
        emu = a.emulators["strip"]
        state = await a.state("strip")
        assert [p["id"] for p in state["light_presets"]["presets"]] == [str(n) for n in range(1, 8)]
        await a.post("strip", "light_presets/6", {"hue": 100, "saturation": 50, "brightness": 80})
        assert light_node(emu).presets[5] == {
            "brightness": 80,
            "color_temp": 0,
            "hue": 100,
            "saturation": 50,
        }
        assert preset(await a.state("strip"), "6")["hue"] == 100


async def test_bulb_dynamic_effects(api: MakeApi) -> None:
    async with api(bulb="L530") as a:
        emu = a.emulators["bulb"]
        state = await a.state("bulb")
        assert state["effects"] == {"current": None, "available": ["Party", "Relax"]}
        await a.post("bulb", "effects", {"name": "Party"})
        assert (light_node(emu).dynamic_id, emu.sim_state()["on"]) == ("L1", True)
        assert (await a.state("bulb"))["effects"]["current"] == "Party"
        assert (await a.get("bulb", "effects"))["current"] == "Party"
        await a.post("bulb", "color", {"hue": 200, "saturation": 50})  # a colour stops it
        assert (await a.state("bulb"))["effects"]["current"] is None
        await a.post("bulb", "effects", {"name": "Relax"})
        await a.post("bulb", "effects", {"name": None})
        assert light_node(emu).dynamic_id is None
        await a.post("bulb", "effects", {"name": "Disco"}, status=400)
        assert light_node(emu).dynamic_id is None


async def test_strip_effects_and_segment_effects(api: MakeApi) -> None:
    async with api(strip="L920") as a:
        emu = a.emulators["strip"]
        await a.post("strip", "effects", {"name": "Aurora"})
        assert emu.sim_state()["effect"] == "Aurora"
        assert (await a.state("strip"))["effects"]["current"] == "Aurora"
        # a segment effect started from the app is shown, and camhub can stop it
        segment = {"id": "app-1", "name": "Candy", "enable": 1, "custom": 1, "brightness": 50}
        segment["display_colors"] = [[0, 100, 100, 0]]
        await a.post("strip", "raw", {"method": "apply_segment_effect_rule", "params": segment})
        state = await a.state("strip")
        assert state["effects"]["current"] == "Candy" and emu.sim_state()["effect"] is None
        await a.post("strip", "effects", {"name": None})
        assert emu.sim_state()["segment_effect"] is None
        assert (await a.state("strip"))["effects"]["current"] is None


async def test_smooth_on_off_and_segments_are_settings(api: MakeApi) -> None:
    async with api(bulb="L630", strip="L920") as a:
        bulb, strip = a.emulators["bulb"], a.emulators["strip"]
        schema = await a.get("bulb", "settings/schema")
        assert schema["properties"]["fade_on_s"]["maximum"] == 60
        assert await a.get("bulb", "settings") == {
            "nickname": "Tapo Bulb",
            "fade_on_s": 0,
            "fade_off_s": 0,
        }
        changed = await a.post("bulb", "settings", {"fade_on_s": 7})
        assert changed["settings"]["fade_on_s"] == 7
        assert light_node(bulb).fades["on_state"] == {
            "duration": 7,
            "enable": True,
            "max_duration": 60,
        }
        bad = await a.post("bulb", "settings", {"fade_off_s": 61}, status=400)
        assert bad["errors"] == ["fade_off_s: Input should be less than or equal to 60"]
        await a.post("bulb", "settings", {"fade_on_s": 0})
        assert light_node(bulb).fades["on_state"]["enable"] is False
        # a strip: one switch for both fades (v1), and its length in segments
        schema = await a.get("strip", "settings/schema")
        assert {"fade", "segments"} <= set(schema["properties"])
        await a.post("strip", "settings", {"fade": True, "segments": 20})
        assert (light_node(strip).fade_enable, light_node(strip).segments) == (True, 20)
        assert await a.get("strip", "settings") == {
            "nickname": "Tapo Light Strip",
            "fade": True,
            "segments": 20,
        }
        await a.post("strip", "settings", {"segments": 51}, status=400)
        assert light_node(strip).segments == 20
