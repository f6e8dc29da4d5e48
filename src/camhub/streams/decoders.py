"""Decoder processes: H.264 to JPEG outside the event loop's process, only on demand.

:class:`DecodeWorker` drives one ``decode_worker.py`` process over its pipes (the
protocol is in that module). :class:`DecoderPool` starts them and counts them:

- a JPEG upstream of an H.264 camera (an MJPEG viewer, motion detection) owns one
  worker while it runs and stops it when it stops;
- a snapshot with no JPEG stream running hands a single keyframe to a pooled worker,
  which is kept ``idle`` seconds for the next snapshot and then stopped.

So when nobody needs pixels, no decoder process is alive (:attr:`DecoderPool.alive`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path

from camhub.errors import DeviceError, DeviceTimeout
from camhub.media.types import AccessUnit, StreamInfo
from camhub.streams import decode_worker
from camhub.streams.decode_worker import HEADER, MAX_MESSAGE, PTS, UNIT
from camhub.streams.nal import annexb

log = logging.getLogger("camhub.streams.decode")

WORKER = Path(decode_worker.__file__)
SNAPSHOT_TIMEOUT = 10.0
MAX_SNAPSHOT_JOBS = 2  # keyframe decodes at once (each in its own process)


class WorkerGone(DeviceError):
    """The decoder process ended or answered nonsense."""


class DecodeWorker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.info: StreamInfo | None = None
        self.errors = 0

    @classmethod
    async def spawn(cls) -> DecodeWorker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(proc)

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def _send(self, kind: bytes, payload: bytes = b"", *parts: bytes) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        size = len(payload) + sum(len(p) for p in parts)
        try:
            stdin.write(HEADER.pack(kind, size))
            stdin.write(payload)
            for part in parts:
                stdin.write(part)
            await stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise WorkerGone("the decoder process stopped") from exc

    async def configure(
        self, fps: float | None, quality: int = 85, keyframes: bool = False
    ) -> None:
        config = {"fps": fps, "quality": quality, "keyframes": keyframes}
        await self._send(b"C", json.dumps(config).encode())

    async def feed(self, info: StreamInfo, unit: AccessUnit) -> None:
        """Send ``unit``; its parameter sets first when the stream changed."""
        if info != self.info:
            self.info = info
            await self._send(b"P", annexb(info.sps, info.pps))
        await self._send(b"U", UNIT.pack(unit.pts_90k, unit.keyframe), unit.data)

    async def flush(self) -> None:
        await self._send(b"F")

    async def receive(self) -> tuple[bytes, bytes]:
        """The next message: (kind, payload). Raises WorkerGone when the process ends."""
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            kind, size = HEADER.unpack(await stdout.readexactly(HEADER.size))
            if size > MAX_MESSAGE:
                raise WorkerGone("the decoder process sent an oversized message")
            return kind, await stdout.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise WorkerGone("the decoder process stopped") from exc

    async def next_jpeg(self) -> tuple[int, bytes]:
        """The next picture (pts, JPEG); decode errors are counted and skipped."""
        while True:
            kind, payload = await self.receive()
            if kind == b"J":
                return PTS.unpack_from(payload)[0], payload[PTS.size :]
            if kind == b"E":
                self.errors += 1
                log.debug("decoder: %s", payload.decode(errors="replace"))

    async def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()


class DecoderPool:
    """Every decoder process camhub runs; idle ones are stopped after ``idle`` s."""

    def __init__(self, idle: float = 5.0) -> None:
        self.idle = idle
        self.workers: set[DecodeWorker] = set()
        self.started = 0  # processes started so far (tests, bench)
        self._idle: list[tuple[DecodeWorker, asyncio.TimerHandle]] = []
        self._stopping: set[asyncio.Task[None]] = set()
        self._jobs = asyncio.Semaphore(MAX_SNAPSHOT_JOBS)

    @property
    def alive(self) -> int:
        """Decoder processes running right now."""
        return sum(1 for w in self.workers if w.alive)

    async def spawn(self) -> DecodeWorker:
        worker = await DecodeWorker.spawn()
        self.workers.add(worker)
        self.started += 1
        return worker

    async def stop(self, worker: DecodeWorker) -> None:
        try:
            await worker.stop()
        finally:
            self.workers.discard(worker)

    def _stop_later(self, worker: DecodeWorker) -> None:
        task = asyncio.create_task(self.stop(worker))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _expire(self, worker: DecodeWorker) -> None:
        self._idle = [(w, h) for w, h in self._idle if w is not worker]
        self._stop_later(worker)

    async def keyframe_jpeg(
        self, name: str, info: StreamInfo, unit: AccessUnit, quality: int = 90
    ) -> bytes:
        """One keyframe decoded to a JPEG, in a pooled worker."""
        async with self._jobs:
            worker = None
            while self._idle:
                candidate, handle = self._idle.pop()
                handle.cancel()
                if candidate.alive:
                    worker = candidate
                    break
                self._stop_later(candidate)
            if worker is None:
                worker = await self.spawn()
            try:
                async with asyncio.timeout(SNAPSHOT_TIMEOUT):
                    worker.info = None
                    await worker.configure(None, quality, keyframes=True)
                    await worker.feed(info, unit)
                    await worker.flush()
                    jpeg = None
                    while True:
                        kind, payload = await worker.receive()
                        if kind == b"J":
                            jpeg = payload[PTS.size :]
                        elif kind == b"D":
                            break
            except TimeoutError:
                self._stop_later(worker)
                msg = f"{name}: decoding a keyframe took over {SNAPSHOT_TIMEOUT:g} s"
                raise DeviceTimeout(msg, device=name) from None
            except BaseException:
                self._stop_later(worker)
                raise
            handle = asyncio.get_running_loop().call_later(self.idle, self._expire, worker)
            self._idle.append((worker, handle))
        if jpeg is None:
            raise DeviceError(f"{name}: the keyframe could not be decoded", device=name)
        return jpeg

    async def close(self) -> None:
        for _, handle in self._idle:
            handle.cancel()
        self._idle = []
        for worker in list(self.workers):
            await self.stop(worker)
        for task in list(self._stopping):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
