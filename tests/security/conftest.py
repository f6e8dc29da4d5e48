"""``camhub serve`` in a subprocess, for what only a real process shows (RSS, kill -9)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import DEFAULT_USERS
from tests.helpers.net import free_port


@dataclass
class ServedHub:
    proc: asyncio.subprocess.Process
    url: str
    http_port: int

    @property
    def rss_mb(self) -> float:
        """The hub's resident memory now (VmRSS), in MB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match is not None
        return int(match.group(1)) / 1024

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)


@contextlib.asynccontextmanager
async def camhub_serve(data_dir: Path, **config: Any) -> AsyncIterator[ServedHub]:
    """Run ``camhub serve`` on loopback ports until the block ends (then SIGTERM)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    raw = {
        "server": {
            "host": "127.0.0.1",
            "https_port": free_port(),
            "http_port": http_port,
            "data_dir": str(data_dir / "data"),
            **config.pop("server", {}),
        },
        "users": DEFAULT_USERS,
        **config,
    }
    path = data_dir / "camhub.json"
    path.write_text(json.dumps(raw))
    code = "from camhub.cli import main; main()"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, "serve", "--config", str(path), "--log-level", "warning",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        url = None
        said: list[str] = []
        async with asyncio.timeout(60):
            while url is None:
                line = (await proc.stdout.readline()).decode(errors="replace")
                said.append(line)
                if not line:
                    code = await proc.wait()
                    raise AssertionError(f"camhub serve exited ({code}): {''.join(said)[-2000:]}")
                if line.startswith("camhub ready: "):
                    url = line.split(": ", 1)[1].strip()
        drain = asyncio.create_task(proc.stdout.read())  # keep the pipe from filling up
        yield ServedHub(proc, url, http_port)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if "drain" in locals():
            drain.cancel()
