"""Seed 001's curl lines on a real socket, refresh-session and reload-config."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from camhub.server import serve
from camhub.settings import AppSettings

from .conftest import SERVER_PASSWORD, MakeHub, settings_for, start_emulators, tapo_rest_config


@contextlib.asynccontextmanager
async def live(settings: AppSettings) -> AsyncIterator[str]:
    """camhub on a real loopback socket (plain HTTP, like tapo-rest); yields its URL."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, ready.set_result))
    done, _ = await asyncio.wait([task, ready], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    try:
        yield await ready
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def curl(*args: str) -> tuple[int, str]:
    """Run the real curl; (HTTP status, body)."""
    proc = await asyncio.create_subprocess_exec(
        "curl", "-s", "-w", "\n%{http_code}", *args, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    body, _, status = out.decode().rpartition("\n")
    return int(status), body


async def test_seed_001_curl_lines_work_as_written(tmp_path: Path) -> None:
    async with start_emulators(["living-room-bulb"]) as emulators:
        path = tmp_path / "devices.json"
        path.write_text(json.dumps(tapo_rest_config(emulators)))
        settings = settings_for(path, tmp_path / "data")
        async with live(settings) as url:
            base = url.rstrip("/")
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                # curl -i -X POST -H 'Content-Type: application/json'
                #      --data '{ "password": "potatoes" }' http://localhost:8000/login
                r = await client.post(
                    "/login",
                    content=b'{ "password": "potatoes" }',
                    headers={"Content-Type": "application/json"},
                )
                assert r.status_code == 200
                session_id = r.text
                # curl -i -X GET -H 'Authorization: Bearer <id>'
                #      'http://localhost:8000/actions/l530/on?device=living-room-bulb'
                r = await client.get(
                    "/actions/l530/on?device=living-room-bulb",
                    headers={"Authorization": f"Bearer {session_id}"},
                )
                assert r.status_code == 200
                assert emulators["living-room-bulb"].sim_state()["on"] is True

            if shutil.which("curl"):  # the same lines through the real curl
                status, session_id = await curl(
                    "-X",
                    "POST",
                    "-H",
                    "Content-Type: application/json",
                    "--data",
                    '{ "password": "potatoes" }',
                    f"{base}/login",
                )
                assert status == 200 and session_id
                status, _ = await curl(
                    "-X",
                    "GET",
                    "-H",
                    f"Authorization: Bearer {session_id}",
                    f"{base}/actions/l530/off?device=living-room-bulb",
                )
                assert status == 200
                assert emulators["living-room-bulb"].sim_state()["on"] is False
                status, _ = await curl(
                    "-X",
                    "POST",
                    "-H",
                    f"Authorization: Bearer {session_id}",
                    f"{base}/reload-config",
                )
                assert status == 200


async def test_refresh_session_logs_in_to_the_device_again(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug", "office-strip") as hub:
        headers = await hub.headers()
        before = hub.sim("heater-plug")["sessions"]
        r = await hub.client.get("/refresh-session?device=heater-plug", headers=headers)
        assert r.status_code == 200
        assert hub.sim("heater-plug")["sessions"] == before + 1  # a fresh KLAP handshake
        assert hub.state.hub.coordinator("heater-plug").online
        # The device keeps working on the new session.
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=headers)
        assert r.status_code == 200 and hub.sim("heater-plug")["on"] is True

        r = await hub.client.get("/refresh-session?device=office-strip", headers=headers)
        assert r.status_code == 200
        r = await hub.client.get("/refresh-session?device=attic", headers=headers)
        assert r.status_code == 404 and "attic" in r.json()["error"]
        assert (await hub.client.get("/refresh-session?device=heater-plug")).status_code == 401

        hub.emulators["heater-plug"].set_fault("bad-credentials")
        r = await hub.client.get("/refresh-session?device=heater-plug", headers=headers)
        assert r.status_code == 502
        assert r.json()["device"] == "heater-plug"
        assert "Failed to refresh" in r.json()["error"]
        hub.emulators["heater-plug"].set_fault("bad-credentials", False)
        r = await hub.client.get("/refresh-session?device=heater-plug", headers=headers)
        assert r.status_code == 200
        await hub.settled("heater-plug", lambda s: s.get("power") == {"on": True})


async def test_reload_config_applies_the_edited_file(tapo_rest: MakeHub) -> None:
    async with start_emulators(["lamp-plug"]) as extra, tapo_rest("heater-plug") as hub:
        headers = await hub.headers()
        raw = json.loads(hub.config_path.read_text())
        raw["devices"] = tapo_rest_config(extra)["devices"]  # heater-plug out, lamp-plug in
        hub.config_path.write_text(json.dumps(raw))
        r = await hub.client.post("/reload-config", headers=headers)
        assert r.status_code == 200
        assert r.json()["added"] == ["lamp-plug"] and r.json()["removed"] == ["heater-plug"]
        devices = (await hub.client.get("/devices", headers=headers)).json()
        assert [d["name"] for d in devices] == ["lamp-plug"]
        r = await hub.client.get("/actions/p100/on?device=lamp-plug", headers=headers)
        assert r.status_code == 200
        assert extra["lamp-plug"].sim_state()["on"] is True
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=headers)
        assert r.status_code == 404

        hub.config_path.write_text('{"devices": [{"name": "x", "device_type": "Z999"}]}')
        r = await hub.client.post("/reload-config", headers=headers)
        assert r.status_code == 400
        assert r.json()["errors"]
        # The broken file changed nothing; the session still works.
        assert (await hub.client.get("/devices", headers=headers)).json() == devices
        assert (await hub.client.post("/reload-config")).status_code == 401
        await hub.settled("lamp-plug", lambda s: s.get("power") == {"on": True})


@pytest.mark.parametrize("password", ["", "potatoes "])
async def test_near_miss_passwords_are_refused(tapo_rest: MakeHub, password: str) -> None:
    async with tapo_rest("heater-plug") as hub:
        r = await hub.client.post("/login", json={"password": password})
        assert r.status_code == 401
        assert (await hub.client.post("/login", json={"password": SERVER_PASSWORD})).is_success


async def test_devices_states_reach_the_native_api(tmp_path: Path) -> None:
    """A tapo-rest session reads the native device state after a tapo-rest action."""
    async with start_emulators(["heater-plug"]) as emulators:
        path = tmp_path / "devices.json"
        path.write_text(json.dumps(tapo_rest_config(emulators)))
        settings = settings_for(path, tmp_path / "data")
        async with live(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
            token = (await client.post("/login", json={"password": SERVER_PASSWORD})).text
            bearer = {"Authorization": f"Bearer {token}"}
            assert (
                await client.get("/actions/p110/on?device=heater-plug", headers=bearer)
            ).is_success
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 5
            while True:
                r = await client.get("/api/devices/heater-plug", headers=bearer)
                if r.json()["state"].get("power") == {"on": True}:
                    break
                assert loop.time() < deadline, r.text
                await asyncio.sleep(0.02)
            assert r.json()["state"]["energy"]["power_w"] > 0
