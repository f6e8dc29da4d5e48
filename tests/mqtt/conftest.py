"""A broker per test, an MQTT listener, and the demo's emulators behind an in-process hub."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from camhub.demo import EmulatorThread, start_emulators
from tests.helpers.mosquitto import Broker, mosquitto
from tests.helpers.wait import until


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with mosquitto(tmp_path) as b:
        yield b


class Listener:
    """Every message on ``#`` (retained ones included), newest per topic in ``last``."""

    def __init__(self) -> None:
        self.last: dict[str, bytes] = {}
        self.log: list[tuple[str, bytes]] = []

    def json(self, topic: str) -> Any:
        return json.loads(self.last[topic]) if self.last.get(topic) else None

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


@pytest.fixture(scope="module")
def demo_devices() -> Iterator[tuple[EmulatorThread, list[dict[str, Any]]]]:
    emus = EmulatorThread()
    try:
        yield emus, start_emulators(emus)
    finally:
        emus.stop()
