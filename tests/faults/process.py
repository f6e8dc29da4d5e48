"""``camhub serve`` in a subprocess, for what only a real process shows: its memory
(``VmRSS``) and what survives ``kill -9``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import camhub

SRC = Path(camhub.__file__).resolve().parents[1]  # this tree's camhub, not another one
ADMIN_PASSWORD = "admin-secret-1"


def hub_config(data_dir: Path, devices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "server": {"host": "127.0.0.1", "data_dir": str(data_dir), "http_port": None},
        "users": [{"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"}],
        "devices": devices,
    }


class HubProcess:
    """``async with HubProcess(config, dir) as hub``: the hub, plain HTTP, any port."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.config_path = workdir / "camhub.json"
        self.config_path.write_text(json.dumps(config))
        self.log_path = workdir / "camhub.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self._drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_mb(self) -> float:
        """The process's resident memory now, in MB (``VmRSS`` of /proc/PID/status)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kb / 1000

    async def start(self) -> Self:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "camhub.cli",
                "serve",
                "--config",
                str(self.config_path),
                "--no-tls",
                "--port",
                "0",
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=env,
            )
        assert self.proc.stdout is not None
        async with asyncio.timeout(60):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"camhub exited: {self.log_path.read_text()[-2000:]}")
                if line.startswith("camhub ready: "):
                    self.url = line.split(": ", 1)[1].strip()
                    break
        self._drain = asyncio.create_task(self._read_rest())
        return self

    async def _read_rest(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while await self.proc.stdout.read(65536):
            pass

    async def kill9(self) -> None:
        """``kill -9``: no shutdown, no flush, nothing."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        if self._drain is not None:
            await self._drain

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            async with asyncio.timeout(15):
                await self.proc.wait()
        except TimeoutError:
            await self.kill9()
        if self._drain is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
