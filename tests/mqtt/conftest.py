"""A broker per test and the demo's emulators behind an in-process hub (the listener is
tests.helpers.mosquitto.listen)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camhub.demo import EmulatorThread, start_emulators
from tests.helpers.mosquitto import Broker, mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with mosquitto(tmp_path) as b:
        yield b


@pytest.fixture(scope="module")
def demo_devices() -> Iterator[tuple[EmulatorThread, list[dict[str, Any]]]]:
    emus = EmulatorThread()
    try:
        yield emus, start_emulators(emus)
    finally:
        emus.stop()
