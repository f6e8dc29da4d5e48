"""Media tokens: short-lived, view-only, per device; they open media URLs and nothing
else (a leaked stream URL is not a sign-in)."""

from __future__ import annotations

import json
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from camhub.auth import media
from tests.conftest import (
    ADMIN_PASSWORD,
    GUEST_PASSWORD,
    InProcess,
    in_process,
    live_hub,
    make_settings,
)
from tests.helpers.mjpeg import MjpegCamera, camera_device
from tests.helpers.wait import until


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[InProcess]:
    async with MjpegCamera() as cam:
        devices = [camera_device(cam, "cam"), camera_device(cam, "door")]
        async with in_process(make_settings(tmp_path / "data", devices=devices)) as h:
            yield h


async def media_token(hub: InProcess, token: str, **body: object) -> dict[str, object]:
    r = await hub.client.post(
        "/api/auth/media-token", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    answer: dict[str, object] = r.json()
    return answer


async def test_a_media_token_views_media_and_nothing_else(hub: InProcess) -> None:
    session = await hub.login()
    hub.client.cookies.clear()
    grant = await media_token(hub, session)
    token = str(grant["token"])
    assert token != session and token.startswith("mt.")
    left = int(str(grant["expires"])) - time.time() * 1000
    assert 590_000 < left <= 600_000  # 10 minutes by default
    c = hub.client
    r = await c.get("/api/devices/cam/snapshot", params={"token": token})
    assert r.status_code == 200 and r.content.startswith(b"\xff\xd8")
    # Refused as a Bearer anywhere, even on media routes...
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/api/devices", "/api/devices/cam/snapshot", "/api/status", "/metrics"):
        r = await c.get(path, headers=bearer)
        assert r.status_code == 403, path
        assert r.json()["error"].startswith("A media token only opens media URLs")
    r = await c.post("/api/events/clear?confirm=true", headers=bearer)
    assert r.status_code == 403
    # ...as ?token= on anything but media, admin routes included...
    for method, path in (
        ("GET", "/api/devices"),
        ("GET", "/openapi.json"),
        ("POST", "/api/events/clear?confirm=true"),
        ("POST", "/api/reload-config"),
        ("POST", "/cert/regenerate"),
        ("POST", "/api/auth/media-token"),
    ):
        sep = "&" if "?" in path else "?"
        body = {} if method == "POST" else None
        r = await c.request(method, f"{path}{sep}token={token}", json=body)
        assert r.status_code in (401, 403), (method, path, r.status_code)
    # ...and by the tinyCam API, whose admin commands take a session's ?token=.
    for path in ("/api/v1/get_status", "/axis-cgi/admin/restart.cgi", "/axis-cgi/jpg/image.cgi"):
        r = await c.get(path, params={"token": token})
        assert r.status_code == 403, path
    r = await c.get("/api/v1/get_status", params={"token": session})
    assert r.status_code == 200
    # The session token itself still opens media URLs (seed 003).
    r = await c.get("/api/devices/cam/snapshot", params={"token": session})
    assert r.status_code == 200


async def test_the_websocket_refuses_media_tokens(tmp_path: Path) -> None:
    async with live_hub(make_settings(tmp_path / "data")) as live:
        session = await live.login()
        async with live.client() as c:
            r = await c.post(
                "/api/auth/media-token", json={}, headers={"Authorization": f"Bearer {session}"}
            )
            token = r.json()["token"]
        url = live.url.replace("https://", "wss://") + "/api/ws"
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        async with websockets.connect(f"{url}?token={token}", ssl=ctx) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "auth" and first["success"] is False
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        async with websockets.connect(url, ssl=ctx) as ws:  # and in an auth message
            assert "auth_required" in str(await ws.recv())
            await ws.send(json.dumps({"type": "auth", "token": token}))
            answer = json.loads(await ws.recv())
            assert answer["type"] == "auth" and answer["success"] is False


async def test_tokens_in_socket_urls_never_reach_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """uvicorn logs every WebSocket's path with its query at INFO, where session and
    media tokens travel; camhub masks them."""
    caplog.set_level(logging.INFO)
    async with MjpegCamera() as cam:
        settings = make_settings(tmp_path / "data", devices=[camera_device(cam, "cam")])
        async with live_hub(settings) as live:
            session = await live.login()
            async with live.client() as c:
                r = await c.post(
                    "/api/auth/media-token",
                    json={},
                    headers={"Authorization": f"Bearer {session}"},
                )
                token = r.json()["token"]
            base = live.url.replace("https://", "wss://")
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            async with websockets.connect(f"{base}/api/ws?token={session}", ssl=ctx) as ws:
                assert json.loads(await ws.recv())["type"] in ("auth", "connected")
            with pytest.raises(websockets.InvalidStatus):  # refused: an MJPEG camera
                async with websockets.connect(
                    f"{base}/api/devices/cam/video.ws?token={token}", ssl=ctx
                ):
                    pass
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/api/ws?token=***" in logged, "the socket was logged (masked)"
    assert session not in logged and token not in logged


async def test_a_device_token_opens_that_device_only(hub: InProcess) -> None:
    session = await hub.login("viewer", GUEST_PASSWORD)  # guests may make them too
    hub.client.cookies.clear()
    token = str((await media_token(hub, session, device="cam", ttl=60))["token"])
    c = hub.client
    assert (await c.get("/api/devices/cam/snapshot", params={"token": token})).status_code == 200
    r = await c.get("/api/devices/door/snapshot", params={"token": token})
    assert r.status_code == 403 and r.json()["error"] == "This media token is for another device"
    r = await c.get("/api/snapshots/cam-1.jpg", params={"token": token})
    assert r.status_code == 403
    r = await c.post(
        "/api/auth/media-token",
        json={"device": "nope"},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert r.status_code == 404
    for ttl in (0, 3601, "x"):
        r = await c.post(
            "/api/auth/media-token",
            json={"ttl": ttl},
            headers={"Authorization": f"Bearer {session}"},
        )
        assert r.status_code == 400, ttl


async def test_a_media_token_expires_and_ends_with_its_session(
    hub: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = hub.client
    session = await hub.login()
    c.cookies.clear()
    token = str((await media_token(hub, session, ttl=60))["token"])
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "mt.", "mt.x.y", "mt." + "A" * 2000):
        r = await c.get("/api/devices/cam/snapshot", params={"token": bad})
        assert r.status_code == 401, bad[:20]

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + 61

    monkeypatch.setattr(media, "time", Later)
    r = await c.get("/api/devices/cam/snapshot", params={"token": token})
    assert r.status_code == 401
    monkeypatch.undo()
    assert (await c.get("/api/devices/cam/snapshot", params={"token": token})).status_code == 200
    await c.post("/api/auth/logout", headers={"Authorization": f"Bearer {session}"})
    assert (await c.get("/api/devices/cam/snapshot", params={"token": token})).status_code == 401


async def test_media_tokens_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with in_process(settings) as h:
        session = await h.login()
        token = str((await media_token(h, session))["token"])
    async with in_process(make_settings(tmp_path / "data")) as h:
        r = await h.client.get("/api/snapshots/none-1.jpg", params={"token": token})
        assert r.status_code == 404  # signed in (no such file), not 401


async def until_true(page: Any, expression: str, within: float = 20) -> None:
    """Poll a page expression (wait_for_function evaluates through eval, which the
    page's CSP forbids, rightly)."""
    await until(lambda: page.evaluate(expression), within, expression, every=0.1)


@pytest.mark.browser
async def test_the_web_page_puts_media_tokens_in_media_urls(tmp_path: Path) -> None:
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("chromium is not installed")
    playwright = pytest.importorskip("playwright.async_api")
    from tests.helpers.browser import ARGS

    async with MjpegCamera() as cam:
        settings = make_settings(tmp_path / "data", devices=[camera_device(cam)])
        async with live_hub(settings) as live, playwright.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
            try:
                page = await (await browser.new_context(ignore_https_errors=True)).new_page()
                await page.goto(live.url)
                await page.fill("#login input[name=username]", "admin")
                await page.fill("#login input[name=password]", ADMIN_PASSWORD)
                await page.click("#login button[type=submit]")
                await page.wait_for_selector(".card[data-device=cam]")
                session = await page.evaluate("sessionStorage.getItem('token')")
                await page.click(".card[data-device=cam] .live-btn")
                await until_true(page, "document.querySelector('#live-img').naturalWidth > 0")
                src = await page.get_attribute("#live-img", "src")
                assert src is not None and "token=mt." in src and session not in src
                await page.click(".card[data-device=cam] button:text('Snapshot')")
                shown = "[...document.querySelectorAll('.card img')].some(i => i.naturalWidth)"
                await until_true(page, shown)
                # The WebSocket (the grid) still works under CSP connect-src 'self'.
                await page.click("nav [data-view=grid]")
                await until_true(page, "document.querySelector('.tile img')?.naturalWidth > 0")
            finally:
                await browser.close()
