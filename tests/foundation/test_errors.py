"""Bad input gets the contract's error shape, never a traceback."""

from __future__ import annotations

from typing import Any


async def test_malformed_json_wrong_types_and_oversized_bodies(app_client: Any) -> None:
    c = app_client.client
    r = await c.post(
        "/api/auth",
        content=b'{"username": "admin", "password": ',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"] == "Malformed JSON"
    r = await c.post("/api/auth", json={"username": "admin", "password": 12})
    assert r.status_code == 400
    assert r.json()["errors"] == ["password: Input should be a valid string"]
    r = await c.post("/api/auth", json={"password": "x", "extra": 1})
    assert r.status_code == 400 and "extra: Extra inputs are not permitted" in r.json()["errors"]
    r = await c.post(
        "/api/auth", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"] == "Request body too large"


async def test_oversized_chunked_body_is_refused(app_client: Any) -> None:
    async def chunks() -> Any:
        for _ in range(40):
            yield b"y" * 65536

    h = await app_client.admin_headers()
    r = await app_client.client.post("/api/devices/x/raw", content=chunks(), headers=h)
    assert r.status_code == 413


async def test_unknown_device_and_route(app_client: Any) -> None:
    h = await app_client.admin_headers()
    r = await app_client.client.get("/api/devices/nope", headers=h)
    assert r.status_code == 404 and r.json() == {"error": "Unknown device 'nope'", "device": "nope"}
    r = await app_client.client.post("/api/devices/nope/power", json={"on": True}, headers=h)
    assert r.status_code == 404
    r = await app_client.client.get("/api/does-not-exist", headers=h)
    assert r.status_code == 404 and r.json() == {"error": "Not found"}


async def test_hostile_paths_do_not_escape(app_client: Any) -> None:
    h = await app_client.admin_headers()
    for path in ("/api/devices/..%2f..%2fetc%2fpasswd", "/hooks/../../etc/passwd/x", "/hooks/x/y"):
        r = await app_client.client.get(path, headers=h)
        assert r.status_code == 404, path
        assert "root:" not in r.text


async def test_unicode_digits_are_bad_input_not_a_crash(tmp_path: Any) -> None:
    from camhub.sim import SimOptions
    from camhub.sim.sercomm import SercommEmulator
    from tests.conftest import in_process, make_settings
    from tests.helpers.wait import until

    async with SercommEmulator(SimOptions(username="admin", password="pw")) as emu:
        dev = {
            "name": "cam",
            "kind": "sercomm",
            "host": "127.0.0.1",
            "port": emu.port,
            "username": "admin",
            "password": "pw",
            "poll_interval": 0.3,
        }
        async with in_process(make_settings(tmp_path / "d", devices=[dev])) as hub:
            h = await hub.admin_headers()

            async def online() -> bool:
                return bool((await hub.client.get("/api/devices/cam", headers=h)).json()["online"])

            await until(online)
            for path in (
                "/api/devices/cam/snapshot?resolution=²x²",
                "/api/devices/cam/snapshot?quality=²",
                "/api/devices/cam/snapshot?resolution=" + "1" * 5000,
            ):
                r = await hub.client.get(path, headers=h)
                assert r.status_code == 400, (path, r.text)
            secret = hub.state.hub.hook_secret("cam")
            r = await hub.client.get(f"/hooks/cam/{secret}?window=²")
            assert r.status_code < 500
