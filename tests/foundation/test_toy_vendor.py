"""A vendor added from outside: a toy package with a driver and an emulator, found
through entry points, is accepted by config validation, ``camhub kinds``, ``camhub
simulate``, the demo's device list and the API, with no edit to camhub."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camhub import drivers, sim
from camhub.config import parse_config
from camhub.errors import ConfigError

TOY = Path(__file__).parent / "toy"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TOY), os.environ.get("PYTHONPATH", "")]),
    }


@pytest.fixture
def toy() -> Iterator[Any]:
    """The toy vendor registered in this process as its entry points would do."""
    sys.path.insert(0, str(TOY))
    try:
        import toylamp

        drivers.register(toylamp.KIND)(toylamp.ToyLamp)
        sim.registry.add(toylamp.KIND, toylamp.ToyLampEmulator)
        sim.registry.add_demo(toylamp.demo_devices)
        yield toylamp
    finally:
        drivers.registry.unregister("toy-lamp")
        sim.registry.remove("toy-lamp")
        if "toylamp" in sys.modules:
            sim.registry.remove_demo(sys.modules["toylamp"].demo_devices)
        sys.path.remove(str(TOY))


def test_config_validation_knows_the_toy(toy: Any) -> None:
    good = parse_config({"devices": [{"name": "t", "kind": "toy-lamp", "host": "127.0.0.1"}]})
    assert drivers.resolve(good).devices[0].kind == "toy-lamp"
    bad = parse_config(
        {"devices": [{"name": "t", "kind": "toy-lamp", "host": "h", "colour": "blue"}]}
    )
    with pytest.raises(ConfigError) as err:
        drivers.resolve(bad)
    assert any(p.startswith("devices.0.colour:") for p in err.value.problems)


def test_the_demo_lists_the_toy(toy: Any) -> None:
    assert "toy" in [d.name for d in sim.demo_devices("pw")]


async def test_the_api_drives_the_toy(toy: Any, make_app: Any) -> None:
    emu = toy.ToyLampEmulator()
    await emu.start()
    try:
        device = {"name": "toy", "kind": "toy-lamp", "host": "127.0.0.1", "port": emu.port}
        async with make_app(devices=[device]) as hub:
            headers = await hub.admin_headers()
            r = await hub.client.post("/api/devices/toy/power", json={"on": True}, headers=headers)
            assert r.status_code == 200, r.text
            assert emu.on is True
            await hub.state.hub.coordinator("toy").refresh()
            r = await hub.client.get("/api/devices/toy", headers=headers)
            assert r.json()["state"]["power"] == {"on": True}
            assert r.json()["capabilities"] == ["power"]
    finally:
        await emu.stop()


def test_cli_finds_the_toy_through_entry_points(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "camhub", "kinds"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "toy-lamp" in out.stdout and "driver, emulator" in out.stdout.split("toy-lamp")[1]
    cfg = tmp_path / "c.yaml"
    cfg.write_text("devices:\n  - {name: t, kind: toy-lamp, host: 127.0.0.1}\n")
    ok = subprocess.run(
        [sys.executable, "-m", "camhub", "check-config", str(cfg)], env=_env(), timeout=60
    )
    assert ok.returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "camhub", "simulate", "toy-lamp"],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready: http://127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
