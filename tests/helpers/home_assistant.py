"""A real Home Assistant on a free loopback port, its MQTT integration pointed at a
test broker, onboarded through its own API, for acceptance tests.

It runs from its own venv (``.ci/home-assistant.sh`` makes it; ``CAMHUB_HA_VENV`` says
where) with ``--skip-pip``: every requirement is installed beforehand.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.mosquitto import Broker
from tests.helpers.net import free_port
from tests.helpers.wait import until

VENV = Path(os.environ.get("CAMHUB_HA_VENV", "/opt/camhub-ha"))

CONFIGURATION = """\
homeassistant:
  name: camhub acceptance
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: US
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
onboarding:
logger:
  default: warning
"""

# (entity id, device name, state) of every MQTT entity, as one JSON text.
ENTITIES = (
    "{% set ns = namespace(rows=[]) %}"
    "{% for e in integration_entities('mqtt') %}"
    "{% set ns.rows = ns.rows + [[e, device_attr(e, 'name'), states(e)]] %}"
    "{% endfor %}{{ ns.rows | tojson }}"
)


@dataclass
class HomeAssistant:
    url: str
    token: str = field(repr=False)
    log: Path

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    async def state(self, entity_id: str) -> dict[str, Any]:
        async with self._client() as c:
            r = await c.get(f"/api/states/{entity_id}")
            r.raise_for_status()
            return dict(r.json())

    async def entities(self) -> list[tuple[str, str | None, str]]:
        """Every MQTT entity: (entity id, its device's name, its state)."""
        async with self._client() as c:
            r = await c.post("/api/template", json={"template": ENTITIES})
            r.raise_for_status()
            return [tuple(row) for row in json.loads(r.text)]  # type: ignore[misc]

    async def camera_image(self, entity_id: str) -> bytes | None:
        """The picture HA shows for a camera entity, if it has one."""
        async with self._client() as c:
            r = await c.get(f"/api/camera_proxy/{entity_id}")
            ok = r.status_code == 200 and r.headers.get("content-type", "").startswith("image/")
            return r.content if ok else None

    async def call(self, domain: str, service: str, **data: Any) -> None:
        async with self._client() as c:
            r = await c.post(f"/api/services/{domain}/{service}", json=data)
            r.raise_for_status()

    def errors(self) -> list[str]:
        """The MQTT integration's complaints in HA's log (bad discovery, bad payloads)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [
            line
            for line in lines
            if "[homeassistant.components.mqtt" in line
            and (" ERROR " in line or " WARNING " in line)
        ]


async def _onboard(url: str) -> str:
    """Create the owner through onboarding (as a user's first visit does); a token."""
    client_id = f"{url}/"
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        r = await c.post(
            "/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Test",
                "username": "test",
                "password": "test-password-1",
                "language": "en",
            },
        )
        r.raise_for_status()
        r = await c.post(
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": r.json()["auth_code"],
                "client_id": client_id,
            },
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


def _mqtt_entry(broker: Broker) -> dict[str, Any]:
    """The config entry HA's MQTT setup dialog would store for this broker."""
    entry = {
        "entry_id": "camhubacceptancemqtt0000000001",
        "version": 1,
        "minor_version": 1,
        "domain": "mqtt",
        "title": broker.host,
        "data": {"broker": broker.host, "port": broker.port, "discovery": True},
        "options": {},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "unique_id": None,
        "disabled_by": None,
    }
    return {"version": 1, "minor_version": 1, "key": "core.config_entries",
            "data": {"entries": [entry]}}  # fmt: skip


@contextlib.asynccontextmanager
async def home_assistant(tmp: Path, broker: Broker) -> AsyncIterator[HomeAssistant]:
    hass = VENV / "bin" / "hass"
    if not hass.exists():
        pytest.skip(f"Home Assistant is not installed in {VENV} (bash .ci/home-assistant.sh)")
    config = tmp / "ha-config"
    (config / ".storage").mkdir(parents=True)
    port = free_port()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    (config / ".storage" / "core.config_entries").write_text(json.dumps(_mqtt_entry(broker)))
    log = tmp / "home-assistant.out"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(hass), "-c", str(config), "--skip-pip", "--log-file", str(tmp / "ha.log")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        async def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient(timeout=2) as c:
                    return (await c.get(f"{url}/api/onboarding")).status_code == 200
            return False

        await until(up, 120, "Home Assistant answers", every=0.5)
        yield HomeAssistant(url, await _onboard(url), tmp / "ha.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
