"""A private mosquitto broker on a free loopback port, and a listener on it.

``mosquitto(tmp)`` starts one (optionally with a password file, or TLS with a
certificate and key: a TLS broker has no plain listener); :func:`listen` records every
message on the topics given (retained ones included).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from tests.helpers.net import free_port
from tests.helpers.wait import until


@dataclass
class Broker:
    port: int
    conf: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    host: str = "127.0.0.1"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen(
            [binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.stop()
                raise RuntimeError(f"mosquitto exited: {err}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(timeout=10)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
        self.proc = None


def password_file(tmp: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file (``mosquitto_passwd``, from the mosquitto package)."""
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.skip("mosquitto_passwd is not installed (apt-get install -y mosquitto)")
    path = tmp / "mosquitto.passwd"
    path.touch(mode=0o600)
    for user, password in users.items():
        subprocess.run([tool, "-b", str(path), user, password], check=True, capture_output=True)
    return path


@contextlib.contextmanager
def mosquitto(
    tmp: Path, *, password_file: Path | None = None, tls: tuple[Path, Path] | None = None
) -> Iterator[Broker]:
    if not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()):
        pytest.skip("mosquitto is not installed (apt-get install -y mosquitto)")
    port = free_port()
    conf = tmp / f"mosquitto-{port}.conf"
    lines = [f"listener {port} 127.0.0.1", "persistence false"]
    if os.geteuid() == 0:  # else it reads password and key files as user mosquitto
        lines.append("user root")
    if tls is not None:
        lines += [f"certfile {tls[0]}", f"keyfile {tls[1]}"]
    if password_file is None:
        lines.append("allow_anonymous true")
    else:
        lines += ["allow_anonymous false", f"password_file {password_file}"]
    conf.write_text("\n".join(lines) + "\n")
    broker = Broker(port, conf)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


class Listener:
    """Every message on the topics listened to, newest per topic in ``last``."""

    def __init__(self) -> None:
        self.last: dict[str, bytes] = {}
        self.log: list[tuple[str, bytes]] = []

    def json(self, topic: str) -> Any:
        return json.loads(self.last[topic]) if self.last.get(topic) else None

    def all(self, topic: str) -> list[Any]:
        """Every payload seen on ``topic``, parsed as JSON, oldest first."""
        return [json.loads(p) for t, p in self.log if t == topic]

    async def value(self, topic: str, timeout: float = 15) -> Any:
        await until(lambda: self.last.get(topic), timeout, topic)
        return self.json(topic)

    async def seen(self, topic: str, want: Any, timeout: float = 15) -> None:
        await until(lambda: self.json(topic) == want, timeout, f"{topic} == {want}")


@contextlib.asynccontextmanager
async def listen(broker: Broker, *topics: str) -> AsyncIterator[tuple[Listener, aiomqtt.Client]]:
    listener = Listener()
    async with aiomqtt.Client(broker.host, broker.port, identifier="test-listener") as client:
        for topic in topics or ("#",):
            await client.subscribe(topic, qos=1)

        async def read() -> None:
            async for m in client.messages:
                payload = m.payload if isinstance(m.payload, bytes) else b""
                listener.last[str(m.topic)] = payload
                listener.log.append((str(m.topic), payload))

        task = asyncio.create_task(read())
        try:
            yield listener, client
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
