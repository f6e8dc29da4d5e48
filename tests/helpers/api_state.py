"""A device's state through camhub's API, checked against ``GET /api/capabilities``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema


async def device_when(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    check: Callable[[dict[str, Any]], bool] = lambda d: bool(d.get("online")),
    within: float = 15.0,
) -> dict[str, Any]:
    """``GET /api/devices/{name}`` once ``check`` holds (polled, failing at the deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        r = await client.get(f"/api/devices/{name}", headers=headers)
        found: dict[str, Any] = r.json()
        if r.status_code == 200 and check(found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"{name}: condition not met in time; last: {found}")
        await asyncio.sleep(0.05)


async def check_state(
    client: httpx.AsyncClient, headers: dict[str, str], found: dict[str, Any]
) -> None:
    """Each capability's state is one the device has, valid against its schema."""
    r = await client.get("/api/capabilities", headers=headers)
    specs = {c["name"]: c for c in r.json()["capabilities"]}
    for cap, value in found["state"].items():
        if cap != "vendor":
            assert cap in found["capabilities"], cap
            jsonschema.validate(value, specs[cap]["state"])
