"""Fan-out benchmark: camhub vs a naive per-viewer MJPEG proxy, side by side.

    python bench/fanout.py            # 1, 10, 100, 500 viewers (~3 min)
    python bench/fanout.py --quick    # 1, 10, 100 viewers, shorter windows (~1 min)
    python bench/fanout.py --write /tmp/fanout.md   # then paste the table into docs/performance.md

Three processes besides this one: an emulated camera (1280x720, 15 fps MJPEG from
``camhub.sim.video``, each frame stamped with its capture time), the hub under test
(``camhub serve`` from a generated config, or the naive proxy below), and this process
as the viewers (raw HTTP/1.0 sockets on uvloop, parsing parts by Content-Length).

The naive proxy is what Home Assistant's MJPEG camera proxy does: every viewer gets
its own upstream request to the camera, whose bytes are piped through as they come.

Measured per run, over a fixed window after all viewers are connected: camera
connections held (from the camera's own count, mid-window), frames per viewer per
second, added latency (arrival at the viewer minus the moment the camera sent that
frame on its connection, stamped into the JPEG; millisecond resolution), and the hub
process's CPU and resident memory from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from camhub.sim.video import VideoSource, add_timestamp_comment, jpeg_timestamp

HOST = "127.0.0.1"
FPS = 15.0
PASSWORD = "bench-password-1"  # a throwaway account of the throwaway hub


# --- the camera and the naive proxy (run as child processes) --------------------------
def run_camera(port: int) -> None:
    source = VideoSource(1280, 720, fps=FPS, scene="motion")
    active = {"streams": 0, "max": 0}

    async def stream(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.headers["Content-Type"] = "multipart/x-mixed-replace; boundary=benchcam"
        await resp.prepare(request)
        active["streams"] += 1
        active["max"] = max(active["max"], active["streams"])
        try:
            async for frame in source.frames(quality=80):
                # stamp the moment this connection is sent the frame: the latency a
                # viewer measures is then exactly what the path after the camera adds
                jpeg = add_timestamp_comment(frame, int(time.time() * 1000))
                await resp.write(
                    b"".join(
                        (
                            b"--benchcam\r\nContent-Type: image/jpeg\r\nContent-Length: ",
                            str(len(jpeg)).encode(),
                            b"\r\n\r\n",
                            jpeg,
                            b"\r\n",
                        )
                    )
                )
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            active["streams"] -= 1
        return resp

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(active)

    async def reset(request: web.Request) -> web.Response:
        active["max"] = active["streams"]
        return web.json_response(active)

    app = web.Application()
    app.router.add_get("/video.mjpeg", stream)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    print(f"ready {port}", flush=True)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None, backlog=2048)


def run_naive(port: int, camera: str) -> None:
    session: dict[str, aiohttp.ClientSession] = {}

    async def proxy(request: web.Request) -> web.StreamResponse:
        if "s" not in session:
            session["s"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        async with session["s"].get(camera) as upstream:  # one upstream per viewer
            resp = web.StreamResponse()
            resp.headers["Content-Type"] = upstream.headers["Content-Type"]
            await resp.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await resp.write(chunk)
            except ConnectionError:
                pass
        return resp

    app = web.Application()
    app.router.add_get("/stream.mjpeg", proxy)
    print(f"ready {port}", flush=True)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None, backlog=2048)


# --- viewers ------------------------------------------------------------------------
@dataclass
class Viewer:
    slow: bool = False
    frames: int = 0
    latencies: list[float] = field(default_factory=list)
    error: str | None = None


class Body:
    """The response body (de-chunked when needed), read part by part."""

    def __init__(self, reader: asyncio.StreamReader, chunked: bool) -> None:
        self.reader, self.chunked = reader, chunked
        self.buf = bytearray()

    async def fill(self) -> None:
        if not self.chunked:
            data = await self.reader.read(1 << 16)
        else:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            data = (await self.reader.readexactly(size + 2))[:-2]
        if not data:
            raise EOFError("stream ended")
        self.buf += data

    async def next_jpeg(self) -> bytes:
        while (h := self.buf.find(b"\r\n\r\n")) < 0:
            await self.fill()
        head = bytes(self.buf[:h]).lower()
        i = head.rfind(b"content-length:")
        n = int(head[i + 15 :].split(b"\r\n", 1)[0])
        while len(self.buf) < h + 4 + n:
            await self.fill()
        jpeg = bytes(self.buf[h + 4 : h + 4 + n])
        del self.buf[: h + 4 + n]
        return jpeg


async def view(port: int, path: str, v: Viewer, window: tuple[float, float]) -> None:
    start, end = window
    try:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        if v.slow:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: bench\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
        body = Body(reader, b"transfer-encoding: chunked" in head.lower())
        while time.time() < end:
            jpeg = await body.next_jpeg()
            now = time.time()
            if start <= now < end:
                v.frames += 1
                ts = jpeg_timestamp(jpeg)
                if ts is not None:
                    v.latencies.append(now * 1000 - ts)
            if v.slow:
                await asyncio.sleep(0.5)  # reads 2 frames a second at most
        writer.close()
    except Exception as exc:
        v.error = f"{type(exc).__name__}: {exc}"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


# --- processes ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def spawn(args: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if ready in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"{args[1:3]} did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Result:
    system: str
    viewers: int
    slow: int
    upstreams: int
    fps_median: float
    fps_min: float
    share_95: float  # fraction of fast viewers getting >= 95% of frames
    lat_p50: float
    lat_p99: float
    cpu: float
    rss: float
    camera_cpu: float
    errors: int


async def measure(
    system: str, hub_pid: int, port: int, path: str, camera: tuple[int, int], n: int,
    slow: int, seconds: float,
) -> Result:  # fmt: skip
    camera_pid, camera_port = camera
    async with aiohttp.ClientSession() as http:
        await http.post(f"http://{HOST}:{camera_port}/reset")
    connect_time = 2.0 + n / 100
    start = time.time() + connect_time + 1.0
    window = (start, start + seconds)
    viewers = [Viewer(slow=i < slow) for i in range(n)]
    tasks = []
    for i, v in enumerate(viewers):
        tasks.append(asyncio.create_task(view(port, path, v, window)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.sleep(max(0.0, start - time.time()))
    cpu0, cam0 = cpu_seconds(hub_pid), cpu_seconds(camera_pid)
    async with aiohttp.ClientSession() as http:
        await asyncio.sleep(seconds * 0.8)
        async with http.get(f"http://{HOST}:{camera_port}/stats") as r:
            cam = await r.json()
        await asyncio.sleep(max(0.0, window[1] - time.time()))
    cpu = (cpu_seconds(hub_pid) - cpu0) / seconds * 100
    cam_cpu = (cpu_seconds(camera_pid) - cam0) / seconds * 100
    rss = rss_mb(hub_pid)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    fast = [v for v in viewers if not v.slow]
    errors = [v.error for v in viewers if v.error is not None]
    if errors:
        print(f"  {len(errors)} viewer errors, e.g. {errors[0]}", file=sys.stderr)
    rates = [v.frames / seconds for v in fast]
    lat = [x for v in fast for x in v.latencies]
    return Result(
        system=system,
        viewers=n,
        slow=slow,
        upstreams=int(cam["streams"]),
        fps_median=statistics.median(rates),
        fps_min=min(rates),
        share_95=sum(r >= 0.95 * FPS for r in rates) / len(rates),
        lat_p50=pct(lat, 50),
        lat_p99=pct(lat, 99),
        cpu=cpu,
        rss=rss,
        camera_cpu=cam_cpu,
        errors=sum(v.error is not None for v in viewers),
    )


def start_camhub(camera_url: str, tmp: Path) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    config = {
        "server": {"host": HOST, "https_port": port, "http_port": None, "tls": False,
                   "data_dir": str(tmp / "data")},
        "users": [{"username": "admin", "password": PASSWORD, "role": "admin"}],
        "devices": [{"name": "cam", "kind": "mjpeg", "stream_url": camera_url}],
    }  # fmt: skip
    path = tmp / "camhub.json"
    path.write_text(json.dumps(config))
    serve = "from camhub.cli import main; main()"
    args = [sys.executable, "-c", serve, "serve", "--config", str(path), "--no-tls"]
    proc = spawn([*args, "--log-level", "warning"], "camhub ready")
    return proc, port


async def token_for(port: int) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"username": "admin", "password": PASSWORD}
        async with http.post(f"http://{HOST}:{port}/api/auth", json=body) as r:
            return str((await r.json())["token"])


async def main(args: argparse.Namespace) -> list[Result]:
    counts = [1, 10, 100] if args.quick else [1, 10, 100, 500]
    seconds = 4.0 if args.quick else 8.0
    cam_port = free_port()
    camera = spawn([sys.executable, __file__, "_camera", str(cam_port)], "ready")
    camera_url = f"http://{HOST}:{cam_port}/video.mjpeg"
    cam = (camera.pid, cam_port)
    results: list[Result] = []
    procs: list[subprocess.Popen[str]] = [camera]
    try:
        with tempfile.TemporaryDirectory(prefix="camhub-bench-") as tmp:
            hub, hub_port = start_camhub(camera_url, Path(tmp))
            procs.append(hub)
            token = await token_for(hub_port)
            path = f"/api/devices/cam/stream.mjpeg?token={token}"
            for n in counts:
                results.append(await measure("camhub", hub.pid, hub_port, path, cam, n, 0, seconds))
                print(row(results[-1]), flush=True)
            results.append(await measure("camhub", hub.pid, hub_port, path, cam, 100, 10, seconds))
            print(row(results[-1]), flush=True)
            naive_port = free_port()
            naive = spawn(
                [sys.executable, __file__, "_naive", str(naive_port), camera_url], "ready"
            )
            procs.append(naive)
            for n in counts:
                results.append(
                    await measure(
                        "naive proxy",
                        naive.pid,
                        naive_port,
                        "/stream.mjpeg",
                        cam,
                        n,
                        0,
                        seconds,
                    )
                )
                print(row(results[-1]), flush=True)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return results


HEADER = (
    "| system | viewers (slow) | camera connections | fps per fast viewer, median / min "
    "| fast viewers >= 95% of frames | added latency p50 / p99 (ms) "
    "| hub CPU | hub RSS | camera CPU | errors |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def row(r: Result) -> str:
    slow = f" ({r.slow})" if r.slow else ""
    return (
        f"| {r.system} | {r.viewers}{slow} | {r.upstreams} | {r.fps_median:.1f} / {r.fps_min:.1f} "
        f"| {r.share_95:.0%} | {r.lat_p50:.1f} / {r.lat_p99:.1f} | {r.cpu:.0f}% "
        f"| {r.rss:.0f} MB | {r.camera_cpu:.0f}% | {r.errors} |"
    )


def cli() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_camera":
        run_camera(int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_naive":
        run_naive(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/10/100 viewers, 4 s windows")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    started = time.time()
    print(HEADER, flush=True)
    results = asyncio.run(main(args))
    table = "\n".join([HEADER, *(row(r) for r in results)])
    print(f"\n{len(results)} runs in {time.time() - started:.0f} s")
    if args.write:
        args.write.write_text(table + "\n")


if __name__ == "__main__":
    cli()
