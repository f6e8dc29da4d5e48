"""Sign-in, lockout, CSRF, roles and sessions of the native API (in-process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from camhub.auth import service
from tests.conftest import ADMIN_PASSWORD, GUEST_PASSWORD, in_process, make_settings


async def test_login_returns_token_and_csrf(app_client: Any) -> None:
    r = await app_client.client.post(
        "/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["success"] is True and len(body["token"]) >= 32 and len(body["csrfToken"]) >= 32
    assert "camhub_session" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    status = await app_client.client.get(
        "/api/auth/status", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert status.json() == {
        "enabled": True,
        "configured": True,
        "authenticated": True,
        "username": "admin",
        "role": "admin",
    }


async def test_bad_password_then_lockout_then_expiry(
    app_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(service.time, "monotonic", lambda: clock[0])
    c = app_client.client
    for _ in range(4):
        r = await c.post("/api/auth", json={"username": "admin", "password": "wrong"})
        assert r.status_code == 401
        assert r.json() == {"success": False, "error": "Invalid password"}
    r = await c.post("/api/auth", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 429
    assert r.json() == {
        "success": False,
        "error": "Too many attempts",
        "lockout": True,
        "lockoutRemaining": 30,
    }
    # Even the right password is refused while locked out.
    clock[0] += 10
    r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 429 and r.json()["lockoutRemaining"] == 20
    # Another account is not affected.
    r = await c.post("/api/auth", json={"username": "viewer", "password": GUEST_PASSWORD})
    assert r.status_code == 200
    clock[0] += 21
    r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200


async def test_unknown_user_is_refused_like_a_bad_password(app_client: Any) -> None:
    r = await app_client.client.post("/api/auth", json={"username": "ghost", "password": "x"})
    assert r.status_code == 401 and r.json()["error"] == "Invalid password"


async def test_requests_without_credentials_get_401(app_client: Any) -> None:
    for path in ("/api/devices", "/api/status", "/metrics", "/api/events"):
        r = await app_client.client.get(path)
        assert r.status_code == 401, path
        assert "error" in r.json()
    r = await app_client.client.get("/api/devices", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


async def test_query_token_only_on_media_routes(app_client: Any) -> None:
    token = await app_client.login()
    app_client.client.cookies.clear()
    r = await app_client.client.get(f"/api/devices?token={token}")
    assert r.status_code == 401


async def test_cookie_sessions_need_csrf_bearer_does_not(app_client: Any) -> None:
    c = app_client.client
    r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
    csrf, token = r.json()["csrfToken"], r.json()["token"]
    # The client now holds the session cookie.
    assert (await c.get("/api/devices")).status_code == 200
    r = await c.post("/api/events/clear?confirm=true")
    assert r.status_code == 403 and r.json() == {"error": "Invalid CSRF token"}
    r = await c.post("/api/events/clear?confirm=true", headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = await c.post("/api/events/clear?confirm=true", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    c.cookies.clear()
    r = await c.post("/api/events/clear?confirm=true", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


async def test_guest_can_read_but_not_change(app_client: Any) -> None:
    token = await app_client.login("viewer", GUEST_PASSWORD)
    h = {"Authorization": f"Bearer {token}"}
    c = app_client.client
    assert (await c.get("/api/devices", headers=h)).status_code == 200
    assert (await c.get("/api/events", headers=h)).status_code == 200
    for path in ("/api/events/clear?confirm=true", "/api/reload-config", "/cert/regenerate"):
        r = await c.post(path, headers=h)
        assert r.status_code == 403, path
        assert r.json()["error"] == "Admin role required"
    # A guest may still sign itself out.
    assert (await c.post("/api/auth/logout", headers=h)).status_code == 200


async def test_logout_revokes(app_client: Any) -> None:
    token = await app_client.login()
    h = {"Authorization": f"Bearer {token}"}
    assert (await app_client.client.post("/api/auth/logout", headers=h)).json() == {"success": True}
    assert (await app_client.client.get("/api/devices", headers=h)).status_code == 401


async def test_session_survives_a_restart_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with in_process(settings) as hub:
        token = await hub.login()
    db = (tmp_path / "data" / "camhub.db").read_bytes()
    assert token.encode() not in db
    assert ADMIN_PASSWORD.encode() not in db
    async with in_process(make_settings(tmp_path / "data")) as hub:
        r = await hub.client.get("/api/devices", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200


async def test_session_of_a_removed_user_dies(tmp_path: Path) -> None:
    async with in_process(make_settings(tmp_path / "data")) as hub:
        token = await hub.login("viewer", GUEST_PASSWORD)
    only_admin = [{"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}]
    async with in_process(make_settings(tmp_path / "data", users=only_admin)) as hub:
        r = await hub.client.get("/api/devices", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


async def test_parallel_guesses_cannot_slip_past_the_lockout(app_client: Any) -> None:
    import asyncio

    c = app_client.client
    answers = await asyncio.gather(
        *(
            c.post("/api/auth", json={"username": "admin", "password": f"guess{i}"})
            for i in range(12)
        )
    )
    codes = sorted(r.status_code for r in answers)
    # Checked one at a time: 4 refusals, the 5th locks, the rest are refused unchecked.
    assert codes == [401] * 4 + [429] * 8, codes
    r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 429


async def test_a_changed_password_ends_the_users_sessions(tmp_path: Path) -> None:
    import json

    cfg_path = tmp_path / "camhub.json"
    async with in_process(make_settings(tmp_path / "data", config_path=cfg_path)) as hub:
        admin = {"Authorization": f"Bearer {await hub.login()}"}
        viewer = {"Authorization": f"Bearer {await hub.login('viewer', GUEST_PASSWORD)}"}
        raw = json.loads(cfg_path.read_text())
        raw["users"][1]["password"] = "a-new-viewer-password"
        cfg_path.write_text(json.dumps(raw))
        assert (await hub.client.post("/api/reload-config", headers=admin)).status_code == 200
        assert (await hub.client.get("/api/devices", headers=viewer)).status_code == 401
        assert (await hub.client.get("/api/devices", headers=admin)).status_code == 200


async def test_a_password_changed_while_camhub_was_down_ends_old_sessions(tmp_path: Path) -> None:
    async with in_process(make_settings(tmp_path / "data")) as hub:
        admin = await hub.login()
        viewer = await hub.login("viewer", GUEST_PASSWORD)
    users = [
        {"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"},
        {"username": "viewer", "password": "changed-while-down", "role": "guest"},
    ]
    async with in_process(make_settings(tmp_path / "data", users=users)) as hub:
        ok = await hub.client.get("/api/devices", headers={"Authorization": f"Bearer {admin}"})
        assert ok.status_code == 200  # same password: the session survives the restart
        gone = await hub.client.get("/api/devices", headers={"Authorization": f"Bearer {viewer}"})
        assert gone.status_code == 401
    assert ADMIN_PASSWORD.encode() not in (tmp_path / "data" / "users.json").read_bytes()
    assert (tmp_path / "data" / "users.json").stat().st_mode & 0o077 == 0


async def test_a_cookie_tab_without_csrf_token_can_fetch_one(app_client: Any) -> None:
    c = app_client.client
    r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
    old_csrf, token = r.json()["csrfToken"], r.json()["token"]
    r = await c.get("/api/auth/csrf")  # by cookie, as a browser tab would
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    fresh = r.json()["csrfToken"]
    assert fresh != old_csrf
    url = "/api/events/clear?confirm=true"
    assert (await c.post(url, headers={"X-CSRF-Token": old_csrf})).status_code == 403
    assert (await c.post(url, headers={"X-CSRF-Token": fresh})).status_code == 200
    c.cookies.clear()
    r = await c.get("/api/auth/csrf", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400  # bearer sessions need none
    assert (await c.get("/api/auth/csrf")).status_code == 401


async def test_a_hashed_password_in_the_config_survives_reloads(tmp_path: Path) -> None:
    import json

    from camhub.auth.passwords import hash_password

    cfg_path = tmp_path / "camhub.json"
    users = [{"username": "admin", "password": hash_password(ADMIN_PASSWORD), "role": "admin"}]
    settings = make_settings(tmp_path / "data", users=users, config_path=cfg_path)
    async with in_process(settings) as hub:
        h = {"Authorization": f"Bearer {await hub.login()}"}
        r = await hub.client.post("/api/reload-config", headers=h)
        assert r.status_code == 200, r.text
        assert (await hub.client.get("/api/devices", headers=h)).status_code == 200
        assert json.loads(cfg_path.read_text())["users"][0]["password"].startswith("$argon2")


async def test_a_login_checked_against_an_old_password_opens_no_session(app_client: Any) -> None:
    from camhub.auth.service import BadCredentials

    auth = app_client.state.auth
    with pytest.raises(BadCredentials):
        await auth.open_session("admin", "admin", credential="fingerprint-of-an-old-password")
    with pytest.raises(BadCredentials):
        await auth.open_session("admin", "guest")  # the role changed meanwhile


async def test_a_removed_api_key_ends_its_connections(tmp_path: Path) -> None:
    from camhub.config import parse_config

    settings = make_settings(tmp_path / "data", api_keys=["key-one-secret"])
    async with in_process(settings) as hub:
        p = hub.state.auth.api_key("key-one-secret")
        assert p is not None and await hub.state.auth.still_valid(p)
        ended: list[str] = []
        hub.state.auth.on_revoke(ended.append)
        await hub.state.auth.load_users(
            parse_config(
                {"users": [{"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}]}
            )
        )
        assert not await hub.state.auth.still_valid(p)
        assert ended == [p.token_hash]
