"""Seed 003's authentication, lockout, CSRF, HTTPS-only and Pro rules, as curl sees them."""

from __future__ import annotations

import aiohttp

from camhub.sim.ipcamera import IpCameraEmulator
from tests.ipcamera.conftest import PASSWORD, bearer, login, options


async def test_login_gives_token_and_csrf(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    body = await login(http, emu)
    assert body["success"] is True and body["token"] and body["csrfToken"]
    async with http.get(f"{emu.url}/settings", headers=bearer(body["token"])) as r:
        assert r.status == 200
    async with http.get(f"{emu.url}/auth/status") as r:
        status = await r.json()
    assert status["enabled"] is True and status["configured"] is True


async def test_protected_routes_need_a_token(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emu.url}/settings") as r:
        assert r.status == 401
        assert "error" in await r.json()
    async with http.get(f"{emu.url}/settings", headers=bearer("forged")) as r:
        assert r.status == 401


async def test_wrong_password_then_lockout_then_expiry(http: aiohttp.ClientSession) -> None:
    async with IpCameraEmulator(options()) as emu:
        assert isinstance(emu, IpCameraEmulator)
        now = [1000.0]
        emu.auth.clock = lambda: now[0]
        for _ in range(4):
            async with http.post(f"{emu.url}/auth", json={"password": "nope"}) as r:
                assert r.status == 401
                assert await r.json() == {"success": False, "error": "Invalid password"}
        async with http.post(f"{emu.url}/auth", json={"password": "nope"}) as r:
            assert r.status == 429
            assert await r.json() == {
                "success": False,
                "error": "Too many attempts",
                "lockout": True,
                "lockoutRemaining": 30,
            }
        now[0] += 20  # even the right password is refused while locked
        async with http.post(f"{emu.url}/auth", json={"password": PASSWORD}) as r:
            assert r.status == 429
            assert (await r.json())["lockoutRemaining"] == 10
        now[0] += 10.5
        await login(http, emu)


async def test_logout_revokes_the_token(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> None:
    token = (await login(http, emu))["token"]
    async with http.post(f"{emu.url}/auth/logout", headers=bearer(token)) as r:
        assert await r.json() == {"success": True}
    async with http.get(f"{emu.url}/status", headers=bearer(token)) as r:
        assert r.status == 401


async def test_cookie_sessions_need_the_csrf_token(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    body = await login(http, emu)
    cookie = {"Cookie": f"session={body['token']}"}
    async with http.get(f"{emu.url}/settings", headers=cookie) as r:
        assert r.status == 200  # reading needs no CSRF token
    async with http.post(f"{emu.url}/settings", headers=cookie, json={"frameRate": 30}) as r:
        assert r.status == 403
        assert await r.json() == {"error": "Invalid CSRF token"}
    bad = {**cookie, "X-CSRF-Token": "wrong"}
    async with http.post(f"{emu.url}/settings", headers=bad, json={"frameRate": 30}) as r:
        assert r.status == 403
    good = {**cookie, "X-CSRF-Token": body["csrfToken"]}
    async with http.post(f"{emu.url}/settings", headers=good, json={"frameRate": 25}) as r:
        assert r.status == 200
    # Bearer requests are not subject to CSRF checks
    async with http.post(f"{emu.url}/torch", headers=bearer(body["token"])) as r:
        assert await r.json() == {"torchEnabled": True}


async def test_query_token_works_for_media_only(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, emu))["token"]
    async with http.get(f"{emu.url}/snapshot", params={"token": token}) as r:
        assert r.status == 200 and r.content_type == "image/jpeg"
    async with http.get(f"{emu.url}/settings", params={"token": token}) as r:
        assert r.status == 401


async def test_plain_http_listener(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> None:
    for path in ("/status", "/settings", "/auth", "/auth/logout"):
        method = "POST" if path.startswith("/auth") else "GET"
        async with http.request(method, emu.http_url + path, allow_redirects=False) as r:
            assert r.status == 403, path
            assert await r.json() == {"error": "HTTPS required", "httpsPort": emu.port}
    for path in ("/", "/index.html?x=1", "/app.js"):
        async with http.get(emu.http_url + path, allow_redirects=False) as r:
            assert r.status == 302
            assert r.headers["Location"] == f"https://127.0.0.1:{emu.port}{path}"
    ws_headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
    async with http.get(emu.http_url + "/ws", headers=ws_headers, allow_redirects=False) as r:
        assert r.status == 403


async def test_free_users_are_refused_direct_api(http: aiohttp.ClientSession) -> None:
    async with IpCameraEmulator(options(pro=False)) as emu:
        assert isinstance(emu, IpCameraEmulator)
        body = await login(http, emu)
        async with http.get(f"{emu.url}/settings", headers=bearer(body["token"])) as r:
            assert r.status == 403
            answer = await r.json()
            assert (
                answer["error"] == "Pro license required" and answer["feature"] and answer["hint"]
            )
        async with http.get(f"{emu.url}/api/rtsp/status", headers=bearer(body["token"])) as r:
            assert (await r.json())["feature"] == "rtsp_streaming"
        cookie = {"Cookie": f"session={body['token']}"}
        async with http.get(f"{emu.url}/settings", headers=cookie) as r:
            assert r.status == 200  # the dashboard still works
            assert (await r.json())["license"]["isPro"] is False
        expected = {
            "/events": "event_history",
            "/events/range": "event_history",
            "/api/events/export": "event_export",
            "/api/storage/stats": "storage_analytics",
            "/api/mqtt/status": "mqtt_integration",
            "/cert": "certificate_download",
        }
        for path, feature in expected.items():
            async with http.get(f"{emu.url}{path}", headers=cookie) as r:
                assert r.status == 403, path
                assert (await r.json())["feature"] == feature


async def test_certificate_routes(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{emu.url}/cert") as r:
        assert r.status == 200
        assert (await r.read()).startswith(b"-----BEGIN CERTIFICATE-----")
    async with http.get(f"{emu.url}/cert/info") as r:
        info = await r.json()
    assert info["subject"].startswith("CN=IP Camera")
    assert info["status"] == "valid" and info["downloadUrl"] == "/cert"
    assert info["notBefore"] < info["notAfter"] and info["notAfter"] > 10**12  # milliseconds
    async with http.post(f"{emu.url}/cert/regenerate") as r:
        assert r.status == 401
    token = (await login(http, emu))["token"]
    async with http.post(f"{emu.url}/cert/regenerate", headers=bearer(token)) as r:
        assert await r.json() == {"success": True}
    async with http.get(f"{emu.url}/cert/info") as r:
        assert (await r.json())["serialNumber"] != info["serialNumber"]


async def test_reverse_proxy_mode_trusts_forwarded_proto(http: aiohttp.ClientSession) -> None:
    async with IpCameraEmulator(options(reverse_proxy=True)) as emu:
        assert isinstance(emu, IpCameraEmulator)
        proxied = {"X-Forwarded-Proto": "https"}
        async with http.post(
            emu.http_url + "/auth", json={"password": PASSWORD}, headers=proxied
        ) as r:
            assert r.status == 200
            token = (await r.json())["token"]
        async with http.get(emu.http_url + "/status", headers={**proxied, **bearer(token)}) as r:
            assert r.status == 200
        async with http.get(emu.http_url + "/status", headers=bearer(token)) as r:
            assert r.status == 403  # without the header it is still plain HTTP
