"""Acceptance with a real Home Assistant: ``camhub demo --mqtt`` and HA on one broker.

Every demo device appears in HA with its entities and HA's states match camhub's API;
HA switches a plug, dims a bulb, turns on a camera's privacy mode and presses a preset
button, and the emulated devices change; a ``kill -9`` of the hub marks every entity
unavailable, and a restart brings them back under the same entity ids.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from camhub.mqtt.discovery import object_id
from tests.helpers.home_assistant import HomeAssistant, home_assistant
from tests.helpers.mosquitto import Broker, Listener, listen, mosquitto
from tests.helpers.wait import until

pytestmark = pytest.mark.slow

PASSWORD = "ha-acceptance-1"
NODE_STATUS = "binary_sensor.camhub_camhub_demo_status"  # the hub's own connectivity


@dataclass
class Demo:
    proc: subprocess.Popen[bytes]
    out: Path

    async def ready(self) -> str:
        def line() -> str | None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"camhub demo exited: {self.out.read_text()[-2000:]}")
            m = re.search(r"^camhub ready: (https://\S+)$", self.out.read_text(), re.M)
            return m.group(1) if m else None

        return str(await until(line, 90, "camhub demo is ready", every=0.2))

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_demo(tmp: Path, broker: Broker, run: int) -> Demo:
    out = tmp / f"demo-{run}.out"
    with out.open("wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "camhub", "demo", "--mqtt", f"{broker.host}:{broker.port}",
             "--port", "0", "--http-port", "0", "--rtsp-port", "0",
             "--data", str(tmp / "demo-data"), "--password", PASSWORD],
            stdout=f, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    return Demo(proc, out)


@contextlib.asynccontextmanager
async def camhub_api(url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, verify=False, timeout=30) as c:
        r = await c.post("/api/auth", json={"username": "admin", "password": PASSWORD})
        r.raise_for_status()
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        yield c


async def api_devices(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    r = await api.get("/api/devices")
    r.raise_for_status()
    out = {}
    for d in r.json()["devices"]:
        full = await api.get(f"/api/devices/{d['name']}")
        full.raise_for_status()
        out[d["name"]] = full.json()
    return out


def entity(domain: str, device: str, oid: str) -> str:
    return f"{domain}.camhub_{object_id(device)}_{oid}"


async def states_match(ha: HomeAssistant, devices: dict[str, dict[str, Any]]) -> list[str]:
    """Where HA and camhub's API disagree (an empty list when they agree)."""
    rows = {e: state for e, _, state in await ha.entities()}
    wrong = []

    def check(entity_id: str, want: str) -> None:
        if rows.get(entity_id) != want:
            wrong.append(f"{entity_id}: HA {rows.get(entity_id)!r}, API {want!r}")

    for name, d in devices.items():
        state, caps = d["state"], set(d["capabilities"])
        on_off = {True: "on", False: "off"}
        if "power" in caps and "brightness" in caps:
            check(entity("light", name, "light"), on_off[state["power"]["on"]])
        elif "power" in caps:
            check(entity("switch", name, "power"), on_off[state["power"]["on"]])
        for cap in ("privacy", "led"):
            if cap in caps:
                check(entity("switch", name, cap), on_off[state[cap]["on"]])
        if "energy" in caps and state["energy"].get("power_w") is not None:
            check(entity("sensor", name, "power"), str(float(state["energy"]["power_w"])))
    return wrong


async def device_state(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    r = await api.get(f"/api/devices/{name}")
    r.raise_for_status()
    return dict(r.json()["state"])


async def test_home_assistant_shows_and_drives_the_demo(tmp_path: Path) -> None:
    with mosquitto(tmp_path) as broker:
        async with (
            home_assistant(tmp_path, broker) as ha,
            listen(broker, "homeassistant/+/camhub_demo/+/config") as (heard, _),
        ):
            demo = start_demo(tmp_path, broker, 1)
            try:
                async with camhub_api(await demo.ready()) as api:
                    await _appear_match_and_obey(ha, api, heard)
                first = await _all_available(ha, heard)

                demo.kill()

                async def all_unavailable() -> bool:
                    rows = {e: s for e, _, s in await ha.entities()}
                    # camhub's own connectivity sensor says it is down; the rest is gone
                    return rows.pop(NODE_STATUS, None) == "off" and all(
                        s == "unavailable" for s in rows.values()
                    )

                await until(all_unavailable, 15, "every entity unavailable after kill -9")

                demo = start_demo(tmp_path, broker, 2)
                await demo.ready()
                again = await _all_available(ha, heard)
                assert again == first  # the same entities: no duplicate, none lost
                assert not [e for e in again if re.search(r"_\d+$", e) and e not in first]
            finally:
                demo.stop()
            assert ha.errors() == []


def discovered(heard: Listener) -> set[str]:
    """The entity ids camhub's retained discovery configs ask HA for."""
    out = set()
    for topic, payload in heard.last.items():
        if payload:
            out.add(f"{topic.split('/')[1]}.{json.loads(payload)['object_id']}")
    return out


async def _all_available(ha: HomeAssistant, heard: Listener) -> set[str]:
    """Every discovered entity, once HA has each of them, available."""

    async def available() -> set[str] | None:
        rows = await ha.entities()
        if {e for e, _, _ in rows} != discovered(heard):
            return None
        if (
            rows
            and all(s != "unavailable" for _, _, s in rows)
            and (NODE_STATUS, "camhub", "on") in rows
        ):
            return {e for e, _, _ in rows}
        return None

    return set(await until(available, 60, "every entity available"))


async def _appear_match_and_obey(
    ha: HomeAssistant, api: httpx.AsyncClient, heard: Listener
) -> None:
    devices = await api_devices(api)
    assert {"plug", "bulb", "tapo-cam", "porch", "phone", "tinycam"} <= devices.keys()

    async def every_device() -> bool:
        return devices.keys() <= {dev for _, dev, _ in await ha.entities()}

    await until(every_device, 60, "every demo device in Home Assistant")
    # settings become entities too (a camera's, once it has told which it has)
    await until(
        lambda: entity("switch", "tapo-cam", "setting_image_flip") in discovered(heard),
        60,
        "the camera's settings discovered",
    )
    await _all_available(ha, heard)

    async def agree() -> bool:
        return not await states_match(ha, await api_devices(api))

    await until(agree, 30, "HA's states match camhub's API")

    # HA switches the plug on: the emulated plug turns on.
    await ha.call("switch", "turn_on", entity_id=entity("switch", "plug", "power"))
    await until(lambda: _is(api, "plug", lambda s: s["power"]["on"] is True), 20, "the plug is on")
    # HA dims the bulb to 30 %.
    await ha.call("light", "turn_on", entity_id=entity("light", "bulb", "light"), brightness_pct=30)
    await until(
        lambda: _is(api, "bulb", lambda s: s["power"]["on"] and s["brightness"]["level"] == 30),
        20,
        "the bulb at 30 %",
    )
    light = await ha.state(entity("light", "bulb", "light"))
    assert light["state"] == "on" and light["attributes"]["brightness"] == round(30 * 255 / 100)
    # ... and makes it a neutral white (HA speaks mireds to the light: 250 = 4000 K).
    await ha.call(
        "light", "turn_on", entity_id=entity("light", "bulb", "light"), color_temp_kelvin=4000
    )
    await until(
        lambda: _is(api, "bulb", lambda s: abs(s["color_temp"]["kelvin"] - 4000) <= 50),
        20,
        "the bulb at 4000 K",
    )
    # HA turns on the camera's privacy mode.
    await ha.call("switch", "turn_on", entity_id=entity("switch", "tapo-cam", "privacy"))
    await until(
        lambda: _is(api, "tapo-cam", lambda s: s["privacy"]["on"] is True), 20, "privacy on"
    )
    await ha.call("switch", "turn_off", entity_id=entity("switch", "tapo-cam", "privacy"))
    # HA presses the bulb's preset 2 (blue): the bulb takes it.
    preset = next(
        p for p in (await device_state(api, "bulb"))["light_presets"]["presets"] if p["id"] == "2"
    )
    await ha.call("button", "press", entity_id=entity("button", "bulb", "light_preset_2"))
    await until(
        lambda: _is(api, "bulb", lambda s: s.get("color", {}).get("hue") == preset["hue"]),
        20,
        "the bulb shows preset 2",
    )
    # Cameras show a picture in HA (camhub's snapshots on MQTT).
    jpeg = await until(
        lambda: ha.camera_image(entity("camera", "garage", "camera")), 60, "a garage picture"
    )
    assert jpeg.startswith(b"\xff\xd8")
    # And HA hears the state back from camhub.
    await until(agree, 30, "HA's states match camhub's API after the commands")


async def _is(api: httpx.AsyncClient, name: str, test: Any) -> bool:
    try:
        return bool(test(await device_state(api, name)))
    except (KeyError, TypeError):
        return False
