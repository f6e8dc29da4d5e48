"""The real server on loopback: TLS, the redirect listener, certificates, restarts."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from cryptography import x509

from camhub.settings import AppSettings
from tests.conftest import ADMIN_PASSWORD, live_hub, make_settings
from tests.helpers.net import free_port


def _settings(tmp_path: Path) -> AppSettings:
    s = make_settings(tmp_path / "data")
    s.http_port = free_port()
    return s


async def _served_cert(port: int) -> x509.Certificate:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    return x509.load_der_x509_certificate(der)


async def test_tls_by_default_with_a_self_signed_certificate(tmp_path: Path) -> None:
    async with live_hub(_settings(tmp_path)) as hub:
        assert hub.url.startswith("https://127.0.0.1:")
        cert = await _served_cert(hub.port)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "127.0.0.1" in [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        assert (tmp_path / "data" / "tls" / "key.pem").stat().st_mode & 0o077 == 0
        token = await hub.login()
        async with hub.client() as c:
            info = (await c.get("/cert/info")).json()
            assert info["status"] == "valid" and info["downloadUrl"] == "/cert"
            assert (await c.get("/cert")).status_code == 401
            pem = (await c.get("/cert", headers={"Authorization": f"Bearer {token}"})).content
            assert x509.load_pem_x509_certificate(pem).serial_number == cert.serial_number
        # Plain HTTP on the TLS port gets nothing useful.
        async with httpx.AsyncClient() as plain:
            with pytest.raises(httpx.HTTPError):
                await plain.get(f"http://127.0.0.1:{hub.port}/api/status")


async def test_redirect_listener(tmp_path: Path) -> None:
    async with live_hub(_settings(tmp_path)) as hub:
        base = f"http://127.0.0.1:{hub.http_port}"
        async with httpx.AsyncClient(base_url=base) as c:
            r = await c.get("/index.html?x=1")
            assert r.status_code == 302
            assert r.headers["location"] == f"https://127.0.0.1:{hub.port}/index.html?x=1"
            for path in ("/api/devices", "/api/auth", "/api/ws"):
                r = await c.get(path)
                assert r.status_code == 403
                assert r.json() == {"error": "HTTPS required", "httpsPort": hub.port}
            r = await c.post("/api/auth", json={"username": "admin", "password": ADMIN_PASSWORD})
            assert r.status_code == 403
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(f"ws://127.0.0.1:{hub.http_port}/api/ws"):
                pass
        assert info.value.response.status_code == 403


async def test_certificate_regeneration_is_served_at_once(tmp_path: Path) -> None:
    async with live_hub(_settings(tmp_path)) as hub:
        before = await _served_cert(hub.port)
        token = await hub.login()
        async with hub.client() as c:
            r = await c.post("/cert/regenerate")
            assert r.status_code == 401
            r = await c.post("/cert/regenerate", headers={"Authorization": f"Bearer {token}"})
            assert r.json() == {"success": True}
            info = (await c.get("/cert/info")).json()
        after = await _served_cert(hub.port)
        assert after.serial_number != before.serial_number
        assert format(after.serial_number, "x") == info["serialNumber"]


async def test_session_survives_a_hub_restart(tmp_path: Path) -> None:
    async with live_hub(_settings(tmp_path)) as hub:
        token = await hub.login()
    async with live_hub(_settings(tmp_path)) as hub, hub.client() as c:
        r = await c.get("/api/status", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["tls"] is True


async def test_no_tls_behind_a_proxy_requires_forwarded_https(tmp_path: Path) -> None:
    s = make_settings(tmp_path / "data", tls=False, trust_forwarded_proto=True)
    async with live_hub(s) as hub:
        assert hub.url.startswith("http://")
        async with httpx.AsyncClient(base_url=hub.url) as c:
            r = await c.get("/api/auth/status")
            assert r.status_code == 403 and r.json()["error"] == "HTTPS required"
            r = await c.get("/api/auth/status", headers={"X-Forwarded-Proto": "https"})
            assert r.status_code == 200


async def test_websocket_auth_window_and_live_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camhub.api.routes import ws as ws_route
    from camhub.drivers.base import EventIn

    monkeypatch.setattr(ws_route, "AUTH_WINDOW", 0.5)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with live_hub(_settings(tmp_path)) as hub:
        url = f"wss://127.0.0.1:{hub.port}/api/ws"
        # No token: auth_required, then closed when the window passes.
        async with websockets.connect(url, ssl=ctx) as ws:
            assert '"auth_required"' in str(await ws.recv())
            assert "timeout" in str(await ws.recv()).lower()
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
        token = await hub.login()
        # Auth by message within the window.
        async with websockets.connect(url, ssl=ctx) as ws:
            assert '"auth_required"' in str(await ws.recv())
            await ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await ws.recv()) == {"type": "auth", "success": True}
            assert json.loads(await ws.recv())["type"] == "connected"
        # Auth by query: connected, device snapshot, ping/pong, live events.
        async with websockets.connect(f"{url}?token={token}", ssl=ctx) as ws:
            assert json.loads(await ws.recv())["type"] == "connected"
            assert json.loads(await ws.recv())["type"] == "devices"
            await ws.send('{"type": "ping"}')
            assert json.loads(await ws.recv())["type"] == "pong"
            await ws.send("not json")
            assert json.loads(await ws.recv())["type"] == "error"
            hub.state.hub.emit("front", EventIn("motion", {"area": 0.2}))
            msg: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert msg["type"] == "event"
            assert msg["event"]["device"] == "front" and msg["event"]["type"] == "motion"
            assert msg["event"]["data"] == {"area": 0.2} and msg["event"]["id"] >= 1


async def test_websocket_refuses_cross_site_cookie_sessions(tmp_path: Path) -> None:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with live_hub(_settings(tmp_path)) as hub:
        token = await hub.login()
        url = f"wss://127.0.0.1:{hub.port}/api/ws"
        cookie = {"Cookie": f"camhub_session={token}"}
        evil = {**cookie, "Origin": "https://evil.example"}
        async with websockets.connect(url, ssl=ctx, additional_headers=evil) as ws:
            assert json.loads(await ws.recv())["message"] == "Cross-site WebSocket refused"
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
        same = {**cookie, "Origin": f"https://127.0.0.1:{hub.port}"}
        async with websockets.connect(url, ssl=ctx, additional_headers=same) as ws:
            assert json.loads(await ws.recv())["type"] == "connected"


async def test_websocket_ends_with_its_session(tmp_path: Path) -> None:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    async with live_hub(_settings(tmp_path)) as hub:
        token = await hub.login()
        url = f"wss://127.0.0.1:{hub.port}/api/ws?token={token}"
        async with websockets.connect(url, ssl=ctx) as ws:
            assert json.loads(await ws.recv())["type"] == "connected"
            await ws.send(b"\x00binary")  # answered, not a crash
            kinds = [json.loads(await ws.recv())["type"] for _ in range(2)]
            assert kinds == ["devices", "error"]
            async with hub.client() as c:
                r = await c.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["message"] == "Session ended"
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)


def test_self_signed_certificate_is_a_server_leaf_not_a_ca(tmp_path: Path) -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from camhub.tls import generate_self_signed

    generate_self_signed(tmp_path / "c.pem", tmp_path / "k.pem", ["127.0.0.1"])
    cert = x509.load_pem_x509_certificate((tmp_path / "c.pem").read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert not cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


async def test_no_tls_has_no_redirect_listener_and_no_certificate(tmp_path: Path) -> None:
    s = make_settings(tmp_path / "data", tls=False)
    s.http_port = free_port()
    async with live_hub(s) as hub:
        assert hub.settings.http_port is None
        token = await hub.login()
        async with httpx.AsyncClient(base_url=hub.url) as c:
            r = await c.get("/cert/info")
            assert r.status_code == 404 and "TLS is off" in r.json()["error"]
            r = await c.get("/api/status", headers={"Authorization": f"Bearer {token}"})
            assert r.json()["tls"] is False
