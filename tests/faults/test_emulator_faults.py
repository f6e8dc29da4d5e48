"""Every ``--fault`` mode of every emulator, through the hub's API.

The per-vendor tests check each driver's reaction to its emulator's faults; the
integration test checks a few of them end to end. Here every fault each emulator
knows (its ``known_faults``, so a new fault is covered the day it is added) is
switched on under the running hub, which is asked to poll the device and to use it;
every answer must come within the device's deadline, be 200 or the documented
502/504 with the JSON error shape; once the fault is switched off, the device is online
again and usable. The emulators run side by side, each going through its faults.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from camhub.sim import Emulator, SimOptions, emulator_class, kinds
from tests.conftest import in_process, make_settings
from tests.helpers.wait import until

TIMEOUT = 0.5  # each device's timeout
SLOW = 1.5  # an emulator's "slow": longer than the timeout
# The longest a route may take: a refresh connects (2 x timeout) then polls (2 x timeout).
DEADLINE = 4 * TIMEOUT + 1.5
PASSWORD = "fault-pw"
# Faults that only bite at a login come with one that makes the driver log in again.
ALONG_WITH = {("tapo-camera", "lockout"): "session-expiry"}


@dataclass
class Subject:
    """One emulator and the device the hub makes of it."""

    name: str
    kind: str
    username: str
    extra: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    login: str = "secure"


# One of each emulator class (the four Tapo smart kinds share one class and its faults).
SUBJECTS = [
    Subject("cam", "tapo-camera", "admin", {"slow_seconds": SLOW, "detection_period": 0}),
    Subject("plug", "tapo-plug", "me@example.com", {"slow_seconds": SLOW}, model="P110"),
    Subject("porch", "sercomm", "admin", {"slow_seconds": SLOW, "scene": "quiet"}),
    Subject("tiny", "tinycam", "admin", {"slow_seconds": SLOW}),
    Subject("phone", "ipcamera", "admin", {"slow_seconds": SLOW, "http_port": 0}),
]


def _faults_from(cls: type[Emulator]) -> type[Emulator]:
    """The class that defines the faults ``cls`` knows."""
    return next(k for k in cls.__mro__ if "known_faults" in vars(k))


def test_the_subjects_cover_every_emulator_and_fault() -> None:
    tested = {_faults_from(emulator_class(s.kind)) for s in SUBJECTS}
    # an emulator not tested here has the faults of one that is (the Tapo smart family)
    assert {_faults_from(emulator_class(kind)) for kind in kinds()} == tested


async def ask(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> httpx.Response:
    try:
        async with asyncio.timeout(DEADLINE):
            return await client.request(method, path, **kw)
    except TimeoutError:
        raise AssertionError(f"{method} {path} hung past {DEADLINE} s") from None


def problems_in(r: httpx.Response, name: str) -> list[str]:
    """What is wrong with an answer about device ``name`` (empty: nothing)."""
    if r.status_code == 200:
        return []
    if r.status_code not in (502, 504):
        return [f"HTTP {r.status_code}: {r.text[:200]}"]
    body = r.json()
    if not (isinstance(body.get("error"), str) and body.get("device") == name):
        return [f"HTTP {r.status_code} without the error shape: {body}"]
    return []


async def use(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> httpx.Response:
    """One request that needs the device itself (not its polled state)."""
    described = (await client.get(f"/api/devices/{name}", headers=headers)).json()
    caps = described["capabilities"]
    for readable in ("settings", "motion_detection"):
        if readable in caps:
            return await ask(client, "GET", f"/api/devices/{name}/{readable}", headers=headers)
    assert "power" in caps, caps
    return await ask(
        client, "POST", f"/api/devices/{name}/power", headers=headers, json={"on": True}
    )


async def go_through_faults(
    client: httpx.AsyncClient, headers: dict[str, str], subject: Subject, emu: Emulator
) -> list[str]:
    name, problems = subject.name, []

    async def usable() -> bool:
        r = await ask(client, "POST", f"/api/devices/{name}/refresh", headers=headers)
        return bool(r.json()["online"]) and (await use(client, headers, name)).status_code == 200

    for fault in sorted(emu.known_faults):
        where = f"{subject.kind} --fault {fault}"
        emu.set_fault(fault)
        if (subject.kind, fault) in ALONG_WITH:
            emu.set_fault(ALONG_WITH[subject.kind, fault])
        refreshed = await ask(client, "POST", f"/api/devices/{name}/refresh", headers=headers)
        problems += [f"{where}: refresh: {p}" for p in problems_in(refreshed, name)]
        used = await use(client, headers, name)
        problems += [f"{where}: use: {p}" for p in problems_in(used, name)]
        emu.set_fault(fault, False)
        if (subject.kind, fault) in ALONG_WITH:
            emu.set_fault(ALONG_WITH[subject.kind, fault], False)
        try:
            await until(usable, 10, f"{where}: usable again")
        except AssertionError:
            problems.append(f"{where}: not usable again after the fault ended")
    return problems


async def test_every_fault_of_every_emulator_through_the_hub(tmp_path: Path) -> None:
    emulators: dict[str, Emulator] = {}
    try:
        for s in SUBJECTS:
            opts = SimOptions(
                username=s.username,
                password=PASSWORD,
                model=s.model,
                login=s.login,
                extra=s.extra,
            )
            emulators[s.name] = emu = emulator_class(s.kind)(opts)
            await emu.start()
        devices = [
            {
                "name": s.name,
                "kind": s.kind,
                "host": "127.0.0.1",
                "port": emulators[s.name].port,
                "username": s.username,
                "password": PASSWORD,
                "timeout": TIMEOUT,
                "poll_interval": 0.5,
            }
            for s in SUBJECTS
        ]
        async with in_process(make_settings(tmp_path / "hub", devices=devices)) as hub:
            headers = await hub.admin_headers()
            c = hub.client
            for s in SUBJECTS:  # all usable before any fault
                await until(functools.partial(_online, c, headers, s.name), 15, s.name)
            found = await asyncio.gather(
                *(go_through_faults(c, headers, s, emulators[s.name]) for s in SUBJECTS)
            )
        assert [p for problems in found for p in problems] == []
    finally:
        for emu in emulators.values():
            await emu.stop()


async def _online(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> bool:
    r = await client.post(f"/api/devices/{name}/refresh", headers=headers)
    return bool(r.json()["online"])
