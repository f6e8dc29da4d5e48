"""H.264 video benchmark: camhub's packet hub vs one ffmpeg per viewer, side by side.

    python bench/video.py            # 1, 10, 100, 500 viewers (~4 min)
    python bench/video.py --quick    # 1, 10, 100 viewers, shorter windows (~2 min)
    python bench/video.py --write /tmp/video.md   # then paste into docs/performance.md

Three kinds of process: a camera (``tests/video/rtsp_camera.py``: RTSP/TCP, a 1080p
H.264 main stream at 15 fps and about 2 Mbit/s, and a 640x360 sub-stream, both real
libx264 replayed from a clip encoded at start), the hub under test (``camhub serve``
with one ``rtsp`` device) or the naive system, and this process as every viewer
(loopback only).

Viewer kinds: ``fMP4/WS`` reads ``video.ws`` (H.264 passthrough, MSE's format);
``MJPEG 360p`` reads ``stream.mjpeg?resolution=640x360`` (camhub decodes the
sub-stream once, in one worker process); ``MJPEG 1080p`` reads the main stream as
JPEG. The naive system is what a per-viewer transcoding proxy does: one ``ffmpeg``
per viewer, reading the camera itself (``-c copy`` to fragmented MP4 for
passthrough; decoding and encoding MJPEG otherwise), bounded at 10 viewers.

Measured per run, over a fixed window after every viewer is connected: camera
connections (the camera's own count of playing sessions, main/sub), decoder
processes (camhub's ``decode_worker`` children; each transcoding ffmpeg), frames per
viewer per second, output Mbit/s, and the CPU of the hub *with* its decoder
processes (or of all the ffmpeg processes). Then, one at a time: time to first frame
of a new viewer (the stream already running, and cold), snapshot latency (cold, with
a passthrough stream running, with a JPEG stream running), decoder processes alive
once nobody needs pixels, and the per-frame cost of the hand-written fMP4 writer
against PyAV's mp4 muxer.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fanout import Body, free_port, spawn  # noqa: E402  (bench/ is on sys.path)

HOST = "127.0.0.1"
PASSWORD = "bench-password-1"  # a throwaway account of the throwaway hub
MAIN_BITRATE, SUB_BITRATE = 2_000_000, 500_000
NAIVE_MAX = 10
# the naive ffmpeg opens the camera as camhub does, so only the architecture differs
LOW_LATENCY = ["-fflags", "nobuffer", "-flags", "low_delay", "-probesize", "32",
               "-analyzeduration", "0"]  # fmt: skip


# --- the camera (a child process) -----------------------------------------------------
def run_camera(port: int, control: int) -> None:
    from aiohttp import web
    from tests.video.rtsp_camera import RtspCamera, encode_clip

    clips = {
        "main": encode_clip(1920, 1080, bitrate=MAIN_BITRATE),
        "sub": encode_clip(640, 360, bitrate=SUB_BITRATE),
    }

    async def main() -> None:
        cam = RtspCamera(clips)
        cam.port = port
        await cam.start()

        async def stats(request: web.Request) -> web.Response:
            return web.json_response(
                {p: [cam.players(p), cam.max_players(p)] for p in clips}
                | {"bitrate": {p: c.bitrate for p, c in clips.items()}}
            )

        async def reset(request: web.Request) -> web.Response:
            for p in clips:
                cam.paths[p].max_players = cam.players(p)
            return web.json_response({})

        app = web.Application()
        app.router.add_get("/stats", stats)
        app.router.add_post("/reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, control).start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# --- processes and CPU ------------------------------------------------------------------
def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def decoders(hub_pid: int) -> int:
    count = 0
    for child in children(hub_pid):
        try:
            if b"decode_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
                count += 1
        except OSError:
            pass
    return count


def tree_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process and its live children (reaped ones counted too)."""
    out: dict[int, float] = {}
    for pid in pids:
        for p in [pid, *children(pid)]:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                tick = os.sysconf("SC_CLK_TCK")
                out[p] = sum(int(x) for x in fields[11:15]) / tick
            except OSError:
                pass
    return out


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(v - before.get(p, 0.0) for p, v in after.items())


# --- viewers --------------------------------------------------------------------------------
@dataclass
class Viewer:
    frames: int = 0
    bytes: int = 0
    first: float | None = None  # seconds from start to the first frame
    error: str | None = None


async def ws_viewer(url: str, v: Viewer, window: tuple[float, float], t0: float) -> None:
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
            init = False
            while time.time() < window[1]:
                msg = await ws.receive(timeout=15)
                if msg.type != aiohttp.WSMsgType.BINARY:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        raise RuntimeError(f"socket ended: {msg.type}")
                    continue
                if not init:
                    init = True  # the init segment
                    continue
                now = time.time()
                if v.first is None:
                    v.first = now - t0
                if window[0] <= now < window[1]:
                    v.frames += 1
                    v.bytes += len(msg.data)
    except Exception as exc:
        v.error = f"{type(exc).__name__}: {exc}"


async def mjpeg_viewer(
    port: int, path: str, v: Viewer, window: tuple[float, float], t0: float
) -> None:
    writer = None
    try:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 22)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: bench\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
        body = Body(reader, b"transfer-encoding: chunked" in head.lower())
        while time.time() < window[1]:
            jpeg = await body.next_jpeg()
            now = time.time()
            if v.first is None:
                v.first = now - t0
            if window[0] <= now < window[1]:
                v.frames += 1
                v.bytes += len(jpeg)
    except Exception as exc:
        v.error = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()  # also when cancelled: the hub must see the viewer leave


async def ffmpeg_viewer(
    args: list[str], v: Viewer, window: tuple[float, float], t0: float, procs: list[int]
) -> None:
    """One ffmpeg per viewer (opened as camhub opens the camera), its output read and
    counted: JPEGs, or ``moof`` boxes (one per frame with ``frag_every_frame``)."""
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", *LOW_LATENCY, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    procs.append(proc.pid)
    marker = b"moof" if "copy" in args else b"\xff\xd8\xff"
    assert proc.stdout is not None
    try:
        tail = b""
        while time.time() < window[1]:
            chunk = await asyncio.wait_for(proc.stdout.read(1 << 16), 15)
            if not chunk:
                raise RuntimeError("ffmpeg ended")
            data = tail + chunk
            n = data.count(marker)
            tail = data[-(len(marker) - 1) :]
            now = time.time()
            if n and v.first is None:
                v.first = now - t0
            if window[0] <= now < window[1]:
                v.frames += n
                v.bytes += len(chunk)
    except Exception as exc:
        v.error = f"{type(exc).__name__}: {exc}"
    finally:
        proc.kill()
        await proc.communicate()  # drain the pipe: wait() alone can wait for its EOF


# --- runs ------------------------------------------------------------------------------------
@dataclass
class Result:
    system: str
    kind: str
    viewers: int
    connections: str
    decoders: int
    fps: float
    mbits: float
    cpu: float
    errors: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Rig:
    hub_pid: int
    hub_port: int
    token: str
    camera_pid: int
    camera_port: int
    control: int

    @property
    def rtsp(self) -> str:
        return f"rtsp://{HOST}:{self.camera_port}"

    async def camera_stats(self) -> dict[str, list[int]]:
        url = f"http://{HOST}:{self.control}/stats"
        async with aiohttp.ClientSession() as http, http.get(url) as r:
            data: dict[str, list[int]] = await r.json()
            return data

    async def reset(self) -> None:
        async with aiohttp.ClientSession() as http:
            await http.post(f"http://{HOST}:{self.control}/reset")


Start = Callable[[Viewer, tuple[float, float], float], Coroutine[Any, Any, None]]


async def run(
    rig: Rig, system: str, kind: str, n: int, seconds: float, start: Start,
    pids: Callable[[], list[int]], decoding: Callable[[], int],
) -> Result:  # fmt: skip
    await rig.reset()
    t0 = time.time()
    begin = t0 + 2.0 + n / 100
    window = (begin, begin + seconds)
    viewers = [Viewer() for _ in range(n)]
    tasks: list[asyncio.Task[None]] = []
    for i, v in enumerate(viewers):
        tasks.append(asyncio.create_task(start(v, window, t0)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.sleep(max(0.0, begin - time.time()))
    cpu0 = tree_cpu(pids())
    await asyncio.sleep(seconds / 2)
    stats = await rig.camera_stats()
    running_decoders = decoding()
    await asyncio.sleep(max(0.0, window[1] - time.time()))
    cpu = cpu_between(cpu0, tree_cpu(pids())) / seconds * 100
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    errors = [v.error for v in viewers if v.error]
    if errors:
        print(f"  {system} {kind} x{n}: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
    ok = [v for v in viewers if not v.error] or viewers
    return Result(
        system=system,
        kind=kind,
        viewers=n,
        connections=f"{stats['main'][1]}/{stats['sub'][1]}",
        decoders=running_decoders,
        fps=statistics.median(v.frames / seconds for v in ok),
        mbits=sum(v.bytes for v in viewers) * 8 / seconds / 1e6,
        cpu=cpu,
        errors=len(errors),
    )


async def first_frame(start: Start) -> float:
    v = Viewer()
    t0 = time.time()
    task = asyncio.create_task(start(v, (t0, t0 + 60), t0))
    while v.first is None and not task.done():
        await asyncio.sleep(0.005)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return float("nan") if v.first is None else v.first * 1000


async def idle(rig: Rig, within: float = 30) -> float:
    """Seconds until the hub holds no camera connection and no decoder process."""
    t0 = time.time()
    while time.time() - t0 < within:
        stats = await rig.camera_stats()
        if stats["main"][0] == stats["sub"][0] == 0 and decoders(rig.hub_pid) == 0:
            return time.time() - t0
        await asyncio.sleep(0.2)
    return float("nan")


async def snapshot_ms(rig: Rig, query: str = "") -> float:
    async with aiohttp.ClientSession() as http:
        t0 = time.perf_counter()
        url = f"http://{HOST}:{rig.hub_port}/api/devices/cam/snapshot?token={rig.token}{query}"
        async with http.get(url) as r:
            await r.read()
            assert r.status == 200, r.status
        return (time.perf_counter() - t0) * 1000


def mux_costs(frames: int = 300, rounds: int = 5) -> tuple[float, float]:
    """Microseconds per 1080p frame: the hand-written fMP4 writer, PyAV's mp4 muxer.

    Alternating rounds, the best of each: the machine is shared, so the minimum is
    the cost and the rest is other people's work."""
    import av
    from tests.video.rtsp_camera import encode_clip

    from camhub.media.types import AccessUnit, StreamInfo
    from camhub.streams.fmp4 import Fmp4Writer
    from camhub.streams.nal import annexb

    clip = encode_clip(1920, 1080, bitrate=MAIN_BITRATE)
    units = [(annexb(*nals), key) for nals, key in clip.units]
    info = StreamInfo("h264", 1920, 1080, clip.sps, clip.pps, 15.0)

    class Sink(io.RawIOBase):
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            data = bytes(b)  # type: ignore[call-overload]
            self.parts.append(data)
            return len(data)

    def hand() -> float:
        writer = Fmp4Writer(info)
        t = time.perf_counter()
        for i in range(frames):
            data, key = units[i % len(units)]
            writer.fragment(AccessUnit(data, i * 6000, key))
        return (time.perf_counter() - t) / frames * 1e6

    def pyav() -> float:
        sink = Sink()
        movflags = "frag_every_frame+empty_moov+default_base_moof"
        out = av.open(sink, "w", format="mp4", options={"movflags": movflags})
        stream = out.add_stream("h264", rate=15)
        stream.width, stream.height = 1920, 1080
        stream.codec_context.extradata = annexb(clip.sps, clip.pps)
        stream.time_base = Fraction(1, 90000)
        t = time.perf_counter()
        for i in range(frames):
            data, key = units[i % len(units)]
            packet = av.Packet(data)
            packet.pts = packet.dts = i * 6000
            packet.time_base = Fraction(1, 90000)
            packet.stream = stream
            packet.is_keyframe = key
            out.mux(packet)
            b"".join(sink.parts)  # what a fragment costs to hand on
            sink.parts.clear()
        cost = (time.perf_counter() - t) / frames * 1e6
        out.close()
        return cost

    runs = [(hand(), pyav()) for _ in range(rounds)]
    return min(h for h, _ in runs), min(p for _, p in runs)


def live_sound_cost(seconds: float = 300.0) -> float:
    """Share of a core a watched camera's G.711 costs in its live fMP4 (decoded, placed,
    encoded to AAC: ``streams/live_sound.py``), at 15 pictures a second."""
    from tests.recordings.media import sound

    from camhub.streams.live_sound import LiveSound

    units = list(sound(seconds))
    live = LiveSound(units[0].info)
    t = time.process_time()
    for i in range(int(seconds * 15)):  # a picture every 1/15 s: its sound, then a pull
        now = i * 8000 // 15
        while units and units[0].pts <= now:
            live.add(units.pop(0), 0)
        live.pull(now)
    return (time.process_time() - t) / seconds


def open_ms(url: str, options: dict[str, str], tries: int = 3) -> float:
    """Median milliseconds for PyAV to open ``url`` (RTSP handshake and probing)."""
    import av

    times = []
    for _ in range(tries):
        t = time.perf_counter()
        with av.open(url, options=options, timeout=20):
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def start_camhub(camera: str, tmp: Path) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    from camhub.config import ServerConfig

    server = {"host": HOST, "https_port": port, "http_port": None, "tls": False,
              "data_dir": str(tmp / "data")}  # fmt: skip
    if "rtsp_port" in ServerConfig.model_fields:
        server["rtsp_port"] = None  # camhub's own RTSP server is not measured here
    config = {
        "server": server,
        "users": [{"username": "admin", "password": PASSWORD, "role": "admin"}],
        "devices": [{"name": "cam", "kind": "rtsp", "stream_url": f"{camera}/main",
                     "substream_url": f"{camera}/sub"}],
    }  # fmt: skip
    path = tmp / "camhub.json"
    path.write_text(json.dumps(config))
    serve = "from camhub.cli import main; main()"
    args = [sys.executable, "-c", serve, "serve", "--config", str(path), "--no-tls"]
    return spawn([*args, "--log-level", "warning"], "camhub ready"), port


async def token_for(port: int) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"username": "admin", "password": PASSWORD}
        async with http.post(f"http://{HOST}:{port}/api/auth", json=body) as r:
            return str((await r.json())["token"])


async def main(args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    counts = [1, 10, 100] if args.quick else [1, 10, 100, 500]
    seconds = 3.0 if args.quick else 5.0
    cam_port, control = free_port(), free_port()
    camera = spawn([sys.executable, __file__, "_camera", str(cam_port), str(control)], "ready")
    procs: list[subprocess.Popen[str]] = [camera]
    results: list[Result] = []
    facts: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="camhub-bench-") as tmp:
            hub, hub_port = start_camhub(f"rtsp://{HOST}:{cam_port}", Path(tmp))
            procs.append(hub)
            rig = Rig(hub.pid, hub_port, await token_for(hub_port), camera.pid, cam_port, control)
            ws_url = f"ws://{HOST}:{hub_port}/api/devices/cam/video.ws?token={rig.token}"
            mjpeg = f"/api/devices/cam/stream.mjpeg?token={rig.token}"

            def ws(v: Viewer, w: tuple[float, float], t0: float) -> Coroutine[Any, Any, None]:
                return ws_viewer(ws_url, v, w, t0)

            def mjpeg360(v: Viewer, w: tuple[float, float], t0: float) -> Coroutine[Any, Any, None]:
                return mjpeg_viewer(hub_port, mjpeg + "&resolution=640x360", v, w, t0)

            def mjpeg1080(
                v: Viewer, w: tuple[float, float], t0: float
            ) -> Coroutine[Any, Any, None]:
                return mjpeg_viewer(hub_port, mjpeg, v, w, t0)

            def hub_pids() -> list[int]:
                return [hub.pid]

            def hub_decoders() -> int:
                return decoders(hub.pid)

            plan = [("fMP4/WS", ws, counts), ("MJPEG 360p", mjpeg360, counts),
                    ("MJPEG 1080p", mjpeg1080, [1, 10])]  # fmt: skip
            for kind, start, ns in plan:
                for n in ns:
                    results.append(
                        await run(rig, "camhub", kind, n, seconds, start, hub_pids, hub_decoders)
                    )
                    print(row(results[-1]), flush=True)
                await idle(rig)

            ffmpeg_pids: list[int] = []

            def naive_copy(
                v: Viewer, w: tuple[float, float], t0: float
            ) -> Coroutine[Any, Any, None]:
                args = ["-i", f"{rig.rtsp}/main", "-c", "copy", "-f", "mp4", "-movflags",
                        "frag_every_frame+empty_moov+default_base_moof", "pipe:1"]  # fmt: skip
                return ffmpeg_viewer(args, v, w, t0, ffmpeg_pids)

            def naive_mjpeg(
                v: Viewer, w: tuple[float, float], t0: float
            ) -> Coroutine[Any, Any, None]:
                args = ["-i", f"{rig.rtsp}/sub", "-f", "mpjpeg", "-q:v", "5", "pipe:1"]
                return ffmpeg_viewer(args, v, w, t0, ffmpeg_pids)

            def live_ffmpeg() -> list[int]:
                return [p for p in ffmpeg_pids if Path(f"/proc/{p}").exists()]

            def no_decoder() -> int:
                return 0

            def transcoders() -> int:
                return len(live_ffmpeg())

            for kind, start, transcodes in (("fMP4", naive_copy, False),
                                            ("MJPEG 360p", naive_mjpeg, True)):  # fmt: skip
                for n in [c for c in counts if c <= NAIVE_MAX]:
                    ffmpeg_pids.clear()
                    count = transcoders if transcodes else no_decoder
                    system = "ffmpeg per viewer"
                    result = await run(rig, system, kind, n, seconds, start, live_ffmpeg, count)
                    results.append(result)
                    print(row(results[-1]), flush=True)

            facts += await latencies(rig, ws, mjpeg360, naive_copy, naive_mjpeg)
            from camhub.streams.rtsp_reader import open_options

            fast = await asyncio.to_thread(open_ms, f"{rig.rtsp}/main", open_options(10))
            slow = await asyncio.to_thread(open_ms, f"{rig.rtsp}/main", {"rtsp_transport": "tcp"})
            facts.append(
                f"RTSP open of the 1080p stream by PyAV: {fast:.0f} ms with camhub's options "
                f"(probesize 32, no analysis, nobuffer), {slow:.0f} ms with FFmpeg's defaults"
            )
            hand, pyav = mux_costs()
            facts.append(
                f"fMP4 mux of a 1080p frame: hand-written writer {hand:.1f} us, "
                f"PyAV mp4 muxer {pyav:.1f} us (and one frame later)"
            )
            facts.append(
                f"a watched camera's G.711 as the live fMP4's AAC track: "
                f"{live_sound_cost() * 100:.2f} % of a core (once per camera, any number "
                "of viewers)"
            )
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return results, facts


async def latencies(
    rig: Rig, ws: Start, mjpeg: Start, naive_copy: Start, naive_mjpeg: Start
) -> list[str]:
    facts = []
    holder = Viewer()
    t0 = time.time()
    keep = asyncio.create_task(mjpeg(holder, (t0, t0 + 3600), t0))
    while holder.first is None:
        await asyncio.sleep(0.01)
    during = decoders(rig.hub_pid)
    keep.cancel()
    await asyncio.gather(keep, return_exceptions=True)
    left = await idle(rig)
    facts.append(
        f"decoder processes: {during} while an MJPEG viewer watches, "
        f"{decoders(rig.hub_pid)} once nobody needs pixels ({left:.1f} s after the last "
        "viewer left: the grace period, then the decoder and the camera are let go)"
    )
    cold = await first_frame(ws)
    await idle(rig)
    cold_mjpeg = await first_frame(mjpeg)
    await idle(rig)
    # a viewer already watching: new viewers join the running stream
    holder = Viewer()
    t0 = time.time()
    keep = asyncio.create_task(ws(holder, (t0, t0 + 3600), t0))
    while holder.first is None:
        await asyncio.sleep(0.01)
    warm = statistics.median([await first_frame(ws) for _ in range(5)])
    decoding = decoders(rig.hub_pid)
    snap_pass = statistics.median([await snapshot_ms(rig) for _ in range(5)])
    keep.cancel()
    await asyncio.gather(keep, return_exceptions=True)
    await idle(rig)
    snap_cold = await snapshot_ms(rig)
    await idle(rig)
    snap_cold_small = await snapshot_ms(rig, "&resolution=320x180")
    holder = Viewer()
    t0 = time.time()
    keep = asyncio.create_task(mjpeg(holder, (t0, t0 + 3600), t0))
    while holder.first is None:
        await asyncio.sleep(0.01)
    warm_mjpeg = statistics.median([await first_frame(mjpeg) for _ in range(5)])
    snap_jpeg = statistics.median([await snapshot_ms(rig) for _ in range(5)])
    keep.cancel()
    await asyncio.gather(keep, return_exceptions=True)
    await idle(rig)
    naive_first = await first_frame(naive_copy)
    naive_first_mjpeg = await first_frame(naive_mjpeg)
    facts += [
        f"time to first frame, fMP4/WS: {warm:.0f} ms joining a running stream, "
        f"{cold:.0f} ms cold (RTSP open + first keyframe); ffmpeg per viewer "
        f"(-c copy): {naive_first:.0f} ms",
        f"time to first frame, MJPEG 360p: {warm_mjpeg:.0f} ms joining, {cold_mjpeg:.0f} ms cold "
        f"(+ decoder start); ffmpeg per viewer: {naive_first_mjpeg:.0f} ms",
        f"snapshot: {snap_jpeg:.0f} ms with a JPEG stream running, {snap_pass:.0f} ms with only "
        f"a passthrough stream (its last keyframe decoded; decoder processes during "
        f"passthrough: {decoding}), {snap_cold:.0f} ms cold 1080p, {snap_cold_small:.0f} ms "
        f"cold 320x180 (from the sub-stream)",
    ]
    return facts


HEADER = (
    "| system | viewer kind | viewers | camera connections (main/sub) | decoder processes "
    "| fps per viewer (median) | out Mbit/s | CPU (hub + decoders) | CPU per 100 Mbit/s "
    "| errors |\n|---|---|---|---|---|---|---|---|---|---|"
)


def row(r: Result) -> str:
    per = r.cpu / r.mbits * 100 if r.mbits else float("nan")
    return (
        f"| {r.system} | {r.kind} | {r.viewers} | {r.connections} | {r.decoders} "
        f"| {r.fps:.1f} | {r.mbits:.1f} | {r.cpu:.0f}% | {per:.1f}% | {r.errors} |"
    )


def cli() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_camera":
        run_camera(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/10/100 viewers, 3 s windows")
    parser.add_argument("--write", type=Path, help="also write the results to this Markdown file")
    args = parser.parse_args()
    started = time.time()
    print(HEADER, flush=True)
    results, facts = asyncio.run(main(args))
    for fact in facts:
        print(f"- {fact}")
    print(f"\n{len(results)} runs in {time.time() - started:.0f} s")
    if args.write:
        table = "\n".join([HEADER, *(row(r) for r in results), "", *(f"- {f}" for f in facts)])
        args.write.write_text(table + "\n")


if __name__ == "__main__":
    cli()
