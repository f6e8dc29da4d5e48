"""What the bounded h11 listener costs next to uvicorn's default (httptools), side by side.

    python bench/http_parser.py            # 5 s per run, 16 clients
    python bench/http_parser.py --seconds 10 --clients 32

camhub serves with uvicorn's h11 protocol plus a header deadline and a connection cap
(``camhub.server_limits``), because httptools bounds nothing. This runs the same app
(plain HTTP, no TLS, so the parser is what differs) in a subprocess with each protocol,
and loads it with keep-alive clients: small authenticated GETs (``/api/status``), then
one MJPEG stream per client for the same time. Reported: requests per second, MJPEG
parts per second received, and the server's CPU seconds per 1000 requests / parts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

SERVER = r"""
import asyncio, sys, json
import uvicorn
from camhub.api.app import create_app
from camhub.settings import AppSettings
from camhub.config import parse_config
from camhub.server_limits import MAX_HEAD_BYTES, bounded_protocol

raw = json.loads(sys.argv[2])
cfg = parse_config(raw)
settings = AppSettings(config=cfg, tls=False, https_port=int(sys.argv[3]), http_port=None)
kw = {"http": "httptools"} if sys.argv[1] == "httptools" else {
    "http": bounded_protocol(1000), "h11_max_incomplete_event_size": MAX_HEAD_BYTES}
config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=int(sys.argv[3]),
                        log_config=None, access_log=False, lifespan="on", **kw)
server = uvicorn.Server(config)
async def main():
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    await task
asyncio.run(main())
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(url: str, headers: dict[str, str], clients: int, seconds: float) -> int:
    done = 0
    stop = time.monotonic() + seconds
    async with aiohttp.ClientSession(headers=headers) as s:

        async def one() -> None:
            nonlocal done
            while time.monotonic() < stop:
                async with s.get(url) as r:
                    await r.read()
                    assert r.status == 200
                done += 1

        await asyncio.gather(*(one() for _ in range(clients)))
    return done


async def parts(url: str, clients: int, seconds: float) -> int:
    got = 0
    stop = time.monotonic() + seconds
    async with aiohttp.ClientSession() as s:

        async def one() -> None:
            nonlocal got
            async with s.get(url) as r:
                assert r.status == 200
                async for chunk in r.content.iter_any():
                    got += chunk.count(b"--camhubframe")
                    if time.monotonic() > stop:
                        return

        await asyncio.gather(*(one() for _ in range(clients)))
    return got


async def run(protocol: str, camera_url: str, clients: int, seconds: float) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="camhub-bench-"))
    raw = {
        "server": {"host": "127.0.0.1", "data_dir": str(data), "tls": False},
        "users": [{"username": "admin", "password": "bench-pass", "role": "admin"}],
        "devices": [{"name": "cam", "kind": "mjpeg", "stream_url": f"{camera_url}/video.mjpeg"}],
    }
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, protocol, json.dumps(raw), str(port)],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as s:
            creds = {"username": "admin", "password": "bench-pass"}
            r = await s.post(f"{base}/api/auth", json=creds)
            token = (await r.json())["token"]
        h = {"Authorization": f"Bearer {token}"}
        cpu = cpu_seconds(proc.pid)
        n = await load(f"{base}/api/status", h, clients, seconds)
        req_cpu = cpu_seconds(proc.pid) - cpu
        cpu = cpu_seconds(proc.pid)
        p = await parts(f"{base}/api/devices/cam/stream.mjpeg?token={token}", clients, seconds)
        part_cpu = cpu_seconds(proc.pid) - cpu
        return {
            "req_s": n / seconds,
            "cpu_per_1000_req": 1000 * req_cpu / max(n, 1),
            "parts_s": p / seconds,
            "cpu_per_1000_parts": 1000 * part_cpu / max(p, 1),
        }
    finally:
        proc.terminate()
        proc.wait(10)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    from camhub.sim.video import VideoSource

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.helpers.mjpeg import MjpegCamera

    async with MjpegCamera(VideoSource(640, 360, fps=25)) as cam:
        rows = {p: await run(p, cam.url, args.clients, args.seconds) for p in ("httptools", "h11")}
    print(f"{args.clients} clients, {args.seconds:g} s per run")
    print("| protocol | req/s | CPU s / 1000 req | MJPEG parts/s | CPU s / 1000 parts |")
    print("|---|---|---|---|---|")
    for p, r in rows.items():
        print(
            f"| {p} | {r['req_s']:.0f} | {r['cpu_per_1000_req']:.3f} | {r['parts_s']:.0f} "
            f"| {r['cpu_per_1000_parts']:.3f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
