"""Vendors in, capabilities out: every demo device's state validates against the
schemas ``GET /api/capabilities`` publishes, and the same capability has the same keys
whatever the vendor (a Tapo bulb, a Sercomm camera, a tinyCam camera, an IP Camera
phone...)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camhub.config import parse_config
from camhub.demo import EmulatorThread, demo_config, start_emulators
from camhub.settings import AppSettings
from tests.conftest import InProcess, in_process
from tests.helpers.wait import until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emulators() -> Any:
    emus = EmulatorThread()
    try:
        yield start_emulators(emus)
    finally:
        emus.stop()


@pytest.fixture
async def hub(emulators: list[dict[str, Any]], tmp_path: Path) -> AsyncIterator[InProcess]:
    cfg = parse_config(demo_config(tmp_path / "data", "demo-test-pass", emulators))
    async with in_process(AppSettings(config=cfg, https_port=0, http_port=None)) as h:
        yield h


async def test_every_demo_device_state_is_valid_and_vendor_neutral(hub: InProcess) -> None:
    token = await hub.login("admin", "demo-test-pass")
    headers = {"Authorization": f"Bearer {token}"}
    c = hub.client

    async def all_online() -> bool:
        ds = (await c.get("/api/devices", headers=headers)).json()["devices"]
        return len(ds) >= 14 and all(d["online"] for d in ds)

    await until(all_online, 40, "every demo device online")
    specs = {
        s["name"]: s
        for s in (await c.get("/api/capabilities", headers=headers)).json()["capabilities"]
    }
    names = [d["name"] for d in (await c.get("/api/devices", headers=headers)).json()["devices"]]
    keys: dict[str, dict[str, set[str]]] = defaultdict(dict)  # capability -> device -> keys
    kinds: dict[str, str] = {}
    for name in names:
        dev = (await c.get(f"/api/devices/{name}", headers=headers)).json()
        kinds[name] = dev["kind"]
        state = dev["state"]
        assert "vendor" in state and isinstance(state["vendor"], dict)
        for cap, value in state.items():
            if cap == "vendor":
                continue
            assert cap in dev["capabilities"], f"{name}: state for {cap} it does not have"
            schema = specs[cap]["state"]
            assert schema is not None, cap
            jsonschema.validate(value, schema)
            keys[cap][name] = set(value)
        # a capability with a state model has its state once the device is polled
        for cap in dev["capabilities"]:
            if specs[cap]["state"] is not None and cap not in ("children",):
                assert cap in state, f"{name} ({dev['kind']}): no state for {cap}"
    # the same keys for the same capability, across every vendor that has it
    for cap, per_device in keys.items():
        shapes = {frozenset(k) for k in per_device.values()}
        assert len(shapes) == 1, f"{cap}: keys differ across devices: {per_device}"

    # and the capabilities really are spread across vendors
    def vendors(cap: str) -> set[str]:
        return {kinds[n].split("-")[0] for n in keys[cap]}

    assert len(vendors("motion_detection")) >= 3
    assert len(vendors("led")) >= 2
    assert len(vendors("light")) >= 2
    assert len(vendors("presets")) >= 3
