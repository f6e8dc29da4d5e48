"""tapo-rest sign-in: raw session ids, camhub sessions, API keys, roles, lockout."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import (
    API_KEY,
    SERVER_PASSWORD,
    MakeHub,
    serve_in_process,
    settings_for,
    settled,
    start_emulators,
    tapo_rest_config,
)


async def test_login_returns_the_raw_session_id_valid_on_the_native_api(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        r = await hub.client.post("/login", json={"password": SERVER_PASSWORD})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        token = r.text
        assert token and not token.startswith(("{", '"')) and "\n" not in token
        bearer = {"Authorization": f"Bearer {token}"}
        status = await hub.client.get("/api/auth/status", headers=bearer)
        assert status.json()["authenticated"] is True
        assert status.json()["role"] == "admin"
        native = await hub.client.get("/api/devices", headers=bearer)
        assert native.status_code == 200
        assert [d["name"] for d in native.json()["devices"]] == ["heater-plug"]


async def test_wrong_password_is_refused_then_locked_out(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        for _ in range(4):
            r = await hub.client.post("/login", json={"password": "tomatoes"})
            assert r.status_code == 401
            assert r.json() == {"success": False, "error": "Invalid password"}
        r = await hub.client.post("/login", json={"password": "tomatoes"})
        assert r.status_code == 429
        assert r.json()["lockout"] is True and r.json()["lockoutRemaining"] > 0
        # Locked: even the right password is refused until the lockout ends.
        r = await hub.client.post("/login", json={"password": SERVER_PASSWORD})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0


async def test_malformed_login_is_a_json_400(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        r = await hub.client.post(
            "/login", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400
        assert "error" in r.json()


async def test_routes_need_a_bearer_token(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug") as hub:
        for path in ("/devices", "/actions/p110/on?device=heater-plug"):
            r = await hub.client.get(path)
            assert r.status_code == 401
            assert "error" in r.json()
            r = await hub.client.get(path, headers={"Authorization": "Bearer not-a-session"})
            assert r.status_code == 401
        assert hub.sim("heater-plug")["on"] is False
        # The list of actions is public, as in tapo-rest.
        assert (await hub.client.get("/actions")).status_code == 200


async def test_a_guest_session_is_refused(tapo_rest: MakeHub) -> None:
    async with tapo_rest(
        "heater-plug", users=[{"username": "kid", "password": "kid-pw-123"}]
    ) as hub:
        r = await hub.client.post("/api/auth", json={"username": "kid", "password": "kid-pw-123"})
        guest = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=guest)
        assert r.status_code == 403
        assert (await hub.client.get("/devices", headers=guest)).status_code == 403
        assert hub.sim("heater-plug")["on"] is False


async def test_api_keys_from_the_config_are_bearer_tokens(tapo_rest: MakeHub) -> None:
    async with tapo_rest("heater-plug", server={"api_keys": [API_KEY]}) as hub:
        key = {"Authorization": f"Bearer {API_KEY}"}
        r = await hub.client.get("/actions/p110/on?device=heater-plug", headers=key)
        assert r.status_code == 200
        assert hub.sim("heater-plug")["on"] is True
        await hub.settled("heater-plug", lambda s: s.get("power") == {"on": True})


async def test_newer_tapo_rest_config_layout_works(tmp_path: Path) -> None:
    """tapo-rest's current format: password and named API keys under ``server``."""
    async with start_emulators(["heater-plug"]) as emulators:
        raw = tapo_rest_config(emulators)
        del raw["server_password"]
        raw["server"] = {
            "password": SERVER_PASSWORD,
            "api_keys": [{"name": "Home Assistant", "key": API_KEY}],
        }
        path = tmp_path / "devices.json"
        path.write_text(json.dumps(raw))
        async with serve_in_process(settings_for(path, tmp_path / "data")) as (client, state):
            assert (await client.post("/login", json={"password": SERVER_PASSWORD})).is_success
            key = {"Authorization": f"Bearer {API_KEY}"}
            r = await client.get("/actions/p110/on?device=heater-plug", headers=key)
            assert r.status_code == 200
            assert emulators["heater-plug"].sim_state()["on"] is True
            await settled(state, "heater-plug", lambda s: s.get("power") == {"on": True})


async def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    async with start_emulators(["heater-plug"]) as emulators:
        path = tmp_path / "devices.json"
        path.write_text(json.dumps(tapo_rest_config(emulators)))
        async with serve_in_process(settings_for(path, tmp_path / "data")) as (client, _):
            token = (await client.post("/login", json={"password": SERVER_PASSWORD})).text
        # A new hub on the same data dir: the session is still valid.
        async with serve_in_process(settings_for(path, tmp_path / "data")) as (client, state):
            bearer = {"Authorization": f"Bearer {token}"}
            r = await client.get("/actions/p110/on?device=heater-plug", headers=bearer)
            assert r.status_code == 200
            assert emulators["heater-plug"].sim_state()["on"] is True
            await settled(state, "heater-plug", lambda s: s.get("power") == {"on": True})
