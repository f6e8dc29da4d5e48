"""The demo as a user meets it: every device online and controllable, media, events."""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from camhub.config import parse_config
from camhub.demo import EmulatorThread, demo_config, start_emulators
from camhub.settings import AppSettings
from camhub.sim.video import jpeg_size
from tests.conftest import LiveHub, live_hub
from tests.helpers.net import free_port
from tests.helpers.wait import until

pytestmark = pytest.mark.slow

PASSWORD = "demo-test-pass"


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[LiveHub, EmulatorThread, dict[str, str]]]:
    emus = EmulatorThread()
    try:
        devices = start_emulators(emus)
        cfg = parse_config(demo_config(tmp_path / "data", PASSWORD, devices))
        # The HTTP listener carries Sercomm's notify call-backs, as in `camhub demo`.
        settings = AppSettings(config=cfg, https_port=0, http_port=free_port())
        async with live_hub(settings) as hub:
            token = await hub.login("admin", PASSWORD)
            yield hub, emus, {"Authorization": f"Bearer {token}"}
    finally:
        emus.stop()


async def test_demo_devices_media_ptz_and_events(
    demo: tuple[LiveHub, EmulatorThread, dict[str, str]],
) -> None:
    hub, emus, h = demo
    async with hub.client(headers=h) as c:

        async def devices() -> dict[str, Any]:
            return {d["name"]: d for d in (await c.get("/api/devices")).json()["devices"]}

        async def everything_online() -> bool:
            ds = await devices()
            return len(ds) >= 14 and all(d["online"] for d in ds.values())

        await until(everything_online, 30)
        ds = await devices()
        expected = {
            "tapo-cam": {"ptz", "presets", "privacy", "led", "motion_detection"},
            "tapo-cam-legacy": {"privacy", "led"},
            "bulb": {"power", "brightness", "color", "color_temp"},
            "plug": {"power", "energy"},
            "strip": {"power", "effects", "color"},
            "power-strip": {"children"},
            "porch": {"snapshot", "stream", "ptz", "presets", "arm", "motion_detection"},
            "tinycam": {"children", "events"},
            "phone": {"snapshot", "stream", "settings", "light"},
        }
        for name, caps in expected.items():
            assert caps <= set(ds[name]["capabilities"]), (name, ds[name]["capabilities"])
        assert len(ds["tinycam"]["children"]) == 2 and len(ds["power-strip"]["children"]) == 3

        # Snapshots come back as JPEG of exactly the asked size.
        for cam in ("porch", "phone", ds["tinycam"]["children"][0]):
            for w, hgt in ((320, 240), (640, 360)):
                r = await c.get(f"/api/devices/{cam}/snapshot", params={"resolution": f"{w}x{hgt}"})
                assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
                assert jpeg_size(r.content) == (w, hgt), cam

        # PTZ moves change the emulators' positions.
        before = emus.emulators["porch"].sim_state()
        r = await c.post("/api/devices/porch/ptz", json={"action": "step", "direction": "left"})
        assert r.status_code == 200
        after = emus.emulators["porch"].sim_state()
        assert after != before
        pan0 = emus.emulators["tapo-cam"].sim_state()["pan"]
        r = await c.post("/api/devices/tapo-cam/ptz", json={"action": "step", "direction": "right"})
        assert r.status_code == 200 and emus.emulators["tapo-cam"].sim_state()["pan"] != pan0

        # Controls reach the emulators.
        r = await c.post("/api/devices/plug/power", json={"on": True})
        assert r.status_code == 200 and emus.emulators["plug"].sim_state()["on"] is True
        r = await c.post("/api/devices/bulb/brightness", json={"level": 42})
        assert r.status_code == 200
        child = ds["power-strip"]["children"][1]
        assert (await c.post(f"/api/devices/{child}/power", json={"on": True})).status_code == 200

        # Motion in the synthetic scenes becomes events, from several sources.
        async def sources() -> set[str]:
            evs = (await c.get("/api/events", params={"limit": 1000})).json()["events"]
            return {e["device"] for e in evs}

        async def enough_sources() -> bool:
            # tinyCam's events are filed under the camera (a child: tinycam.<camera>).
            names = await sources()
            # garage: camhub's own motion detection on a plain MJPEG camera.
            return {"porch", "phone", "garage"} <= names and any(
                n.startswith("tinycam.") for n in names
            )

        await until(enough_sources, 45)


async def test_demo_websocket_shows_state_changes(
    demo: tuple[LiveHub, EmulatorThread, dict[str, str]],
) -> None:
    hub, _, h = demo
    token = h["Authorization"].split()[1]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with hub.client(headers=h) as c:
        await until(lambda: _online(c, "plug"), 30)
        async with websockets.connect(
            f"wss://127.0.0.1:{hub.port}/api/ws?token={token}", ssl=ctx
        ) as ws:
            assert json.loads(await ws.recv())["type"] == "connected"
            snapshot = json.loads(await ws.recv())
            assert snapshot["type"] == "devices" and any(
                d["name"] == "plug" for d in snapshot["devices"]
            )
            plug = next(d for d in snapshot["devices"] if d["name"] == "plug")
            was_on = plug["state"]["power"]["on"]
            r = await c.post("/api/devices/plug/power", json={"on": not was_on})
            assert r.status_code == 200
            deadline = asyncio.get_running_loop().time() + 15
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 15))
                device = msg.get("device") if msg["type"] == "device" else None
                power = device["state"].get("power", {}) if device else {}
                if device and device["name"] == "plug" and power.get("on") is not was_on:
                    break
                assert asyncio.get_running_loop().time() < deadline


async def _online(c: httpx.AsyncClient, name: str) -> bool:
    return bool((await c.get(f"/api/devices/{name}")).json()["online"])


async def test_demo_hundred_viewers_one_camera_connection_and_resume(
    demo: tuple[LiveHub, EmulatorThread, dict[str, str]],
) -> None:
    hub, emus, h = demo
    token = h["Authorization"].split()[1]
    url = f"{hub.url}/api/devices/phone/stream.mjpeg"
    params = {"token": token, "resolution": "160x90", "fps": "3"}
    frames = [0] * 100
    restarted = asyncio.Event()
    after = [0] * 100

    async def viewer(i: int, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", url, params=params) as r:
            assert r.status_code == 200
            async for chunk in r.aiter_bytes():
                n = chunk.count(b"\xff\xd8")
                frames[i] += n
                if restarted.is_set():
                    after[i] += n

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with hub.client(headers=h) as api:
        await until(lambda: _online(api, "phone"), 30)
    async with httpx.AsyncClient(verify=False, timeout=30, limits=limits) as client:
        tasks = [asyncio.create_task(viewer(i, client)) for i in range(100)]
        try:

            async def all_watching() -> bool:
                return min(frames) >= 2

            await until(all_watching, 60)
            # One connection to the camera, whatever the number of viewers.
            assert emus.emulators["phone"].sim_state()["streamClients"] == 1
            emus.restart("phone")  # the camera goes away and comes back on its port
            restarted.set()

            async def all_resumed() -> bool:
                return min(after) >= 3

            await until(all_resumed, 60)
            assert emus.emulators["phone"].sim_state()["streamClients"] == 1
            assert not any(t.done() for t in tasks)  # nobody had to reconnect
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def test_camhub_demo_command(tmp_path: Path) -> None:
    """`camhub demo` prints how to log in, then the ready line, and serves."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "camhub.cli",
            "demo",
            "--port",
            "0",
            "--http-port",
            "0",
            "--data",
            str(tmp_path / "demo"),
            "--password",
            PASSWORD,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("camhub ready: "):
                break
        out = "".join(lines)
        m = re.search(r"^camhub ready: (https://127\.0\.0\.1:\d+)$", out, re.M)
        assert m, out
        assert f"password: {PASSWORD}" in out
        r = httpx.post(
            f"{m.group(1)}/api/auth",
            json={"username": "admin", "password": PASSWORD},
            verify=False,
            timeout=10,
        )
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
