"""kill -9 of the hub: the broker publishes its last will, every entity turns
unavailable; a restart brings them back under the same unique ids (no duplicates)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers.mosquitto import Broker, listen
from tests.helpers.net import free_port
from tests.helpers.wait import until


def start_hub(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "camhub", "serve", "--config", str(config),
         "--port", str(free_port()), "--http-port", str(free_port())],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def test_kill_9_marks_everything_unavailable(
    broker: Broker, demo_devices: Any, tmp_path: Path
) -> None:
    _, devices = demo_devices
    plug = next(d for d in devices if d["name"] == "plug")
    config = tmp_path / "camhub.json"
    config.write_text(json.dumps({
        "server": {"host": "127.0.0.1", "data_dir": str(tmp_path / "data")},
        "users": [{"username": "admin", "password": "admin-secret-1", "role": "admin"}],
        "devices": [plug],
        "mqtt": {"host": broker.host, "port": broker.port, "client_id": "killtest", "keepalive": 5},
    }))  # fmt: skip
    async with listen(broker) as (heard, _):
        hub = start_hub(config)
        try:
            await until(lambda: heard.last.get("camhub/status") == b"online", 30, "online")
            await until(lambda: heard.last.get("camhub/plug/availability") == b"online", 30, "plug")
            first = {t for t, p in heard.last.items() if t.startswith("homeassistant/") and p}
            assert any("/killtest/plug_power/" in t for t in first)
            os.kill(hub.pid, signal.SIGKILL)
            hub.wait(timeout=10)
            # the broker sends the will after 1.5 keep-alives without a packet
            await until(lambda: heard.last.get("camhub/status") == b"offline", 20, "the will")
            hub = start_hub(config)
            await until(lambda: heard.last.get("camhub/status") == b"online", 30, "back")
            await until(lambda: heard.last.get("camhub/plug/availability") == b"online", 30, "plug")
            again = {t for t, p in heard.last.items() if t.startswith("homeassistant/") and p}
            assert again == first  # the same entities, no duplicates
        finally:
            if hub.poll() is None:
                hub.send_signal(signal.SIGTERM)
                hub.wait(timeout=20)
