"""Transport-level defences: the plain-HTTP redirect, HSTS, CSP, the API schema behind
sign-in, and private files in the data dir."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from camhub.streams.motion import _save, snapshot_dir
from tests.conftest import in_process, live_hub, make_settings
from tests.helpers.net import free_port


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_redirect_goes_to_this_server_only(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    settings.http_port = free_port()
    async with live_hub(settings) as hub:
        base = f"http://127.0.0.1:{hub.http_port}"
        async with httpx.AsyncClient(base_url=base) as c:
            for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "[::2]"):
                r = await c.get("/?token=secret", headers={"Host": host})
                assert r.status_code == 400, host
                assert "location" not in r.headers and r.json() == {"error": "Unknown host"}
            for host, name in (
                (f"127.0.0.1:{hub.http_port}", "127.0.0.1"),
                ("LOCALHOST", "localhost"),
                ("[::1]:80", "[::1]"),
            ):
                r = await c.get("/x?token=t", headers={"Host": host})
                assert r.status_code == 302, host
                assert r.headers["location"] == f"https://{name}:{hub.port}/x?token=t"
            # No HSTS on plain HTTP (browsers ignore it there anyway).
            assert "strict-transport-security" not in r.headers
        async with hub.client() as c:
            r = await c.get("/cert/info")
            assert r.headers["strict-transport-security"].startswith("max-age=")
            page = await c.get("/")
            csp = page.headers["content-security-policy"]
            assert "connect-src 'self';" in csp and "ws:" not in csp and "wss:" not in csp


async def test_the_api_schema_and_docs_need_a_signed_in_user(app_client: object) -> None:
    hub = app_client
    c = hub.client  # type: ignore[attr-defined]
    for path in ("/openapi.json", "/api/docs"):
        r = await c.get(path)
        assert r.status_code == 401, path
    h = await hub.admin_headers()  # type: ignore[attr-defined]
    r = await c.get("/openapi.json", headers=h)
    assert r.status_code == 200 and "/api/devices" in r.json()["paths"]
    r = await c.get("/api/docs", headers=h)
    assert r.status_code == 200 and "/openapi.json" in r.text


async def test_the_data_dir_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # as older versions left it
    async with in_process(make_settings(data)) as hub:
        await hub.login()
        hub.state.store.add_event("cam", "motion", 1, {})
        await hub.state.store.flush()
        _save(snapshot_dir(data), "cam-1.jpg", b"\xff\xd8jpeg")
        assert _mode(data) == 0o700
        files = hub.state.store.local_files()
        assert files and all(_mode(p) == 0o600 for p in files), [(p, _mode(p)) for p in files]
        assert _mode(snapshot_dir(data) / "cam-1.jpg") == 0o600
        assert _mode(snapshot_dir(data)) == 0o700
        assert _mode(data / "tls" / "cert.pem") == 0o600
        assert _mode(data / "tls" / "key.pem") == 0o600
