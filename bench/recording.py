"""Recording benchmark: what one recorded camera costs, and how many this machine
records while camhub serves 100 live viewers.

    python bench/recording.py                 # everything (~4 min)
    python bench/recording.py --quick         # shorter, fewer camera counts (~2 min)
    python bench/recording.py --write /tmp/recording.md   # then paste into docs/performance.md

1. **Cost per camera**, in this process, side by side in one run, as CPU seconds
   per second of video (= the share of one core a live camera keeps busy):
   - H.264 remux (no transcoding): 1080p and 720p at 15 fps, GOP 1 s, through a real
     recorder, the fMP4 writer thread, the SQLite index and a snapshot per segment
     (continuous, 10 s segments), the video played in as fast as it goes;
   - MJPEG: JPEG frames (640x480 and 1280x720, 15 fps) encoded to H.264 in the worker
     process (decode + x264 ``superfast``), the worker's CPU counted too;
   - the camera's sound: G.711 (8 kHz, a Tapo's) transcoded to AAC as a recording
     writes it (decode, AAC encode, mux), and AAC-LC (44.1 kHz, an Android app's)
     remuxed; measured alone, per second of sound.
2. **Write throughput**: the fMP4 writer alone, megabytes and pictures per second.
3. **Capacity**: a ``camhub`` hub process (plain HTTP) serves 100 viewers of a 1280x720
   15 fps MJPEG camera while recording N cameras continuously. Each recorded camera
   replays real 1080p H.264 at its real pace (what the packet hub would hand over; the
   cost of reading RTSP is the packet hub's, see bench/video.py). A count is held when
   every camera's GOPs reach disk (>= 95 % of them, none dropped) and the viewers keep
   >= 95 % of their frames.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import fanout  # bench/fanout.py: its camera, viewers and process helpers
from camhub.config import RecordConfig, parse_config
from camhub.media import h264
from camhub.media.types import AccessUnit, AudioUnit, VideoInfo
from camhub.media.wav import SETTLE_S, WavReader
from camhub.recordings import mp4
from camhub.recordings.audio import AudioOut, AudioSample
from camhub.recordings.manager import RecordingManager
from camhub.recordings.mp4 import Sample, SegmentWriter
from camhub.recordings.recorder import Recorder
from camhub.recordings.source import encoded
from camhub.sim.audio import SoundFeed, SoundSource, open_audio_encoder
from camhub.sim.h264 import EncoderSettings, open_encoder
from camhub.sim.video import VideoSource, tone_wav
from camhub.store import Store

FPS = 15
NOISE = 4  # grey levels of grain added to the test video (1080p: ~5 Mbit/s)
HOST = fanout.HOST
UNIT = struct.Struct(">qBI")


# --- test video ---------------------------------------------------------------------
def encode_clip(seconds: float, width: int, height: int, crf: int) -> list[AccessUnit]:
    """Real libx264 H.264 of the emulators' scene with sensor-like noise (the clean
    scene compresses to a tenth of what a camera sends), pts from 0 (90 kHz), GOP 1 s."""
    ctx = open_encoder(EncoderSettings(width, height, fps=FPS, gop_seconds=1, crf=crf))
    video = VideoSource(width, height, FPS, scene="motion")
    rng = np.random.default_rng(1)
    grain = [rng.integers(-NOISE, NOISE + 1, (height * 3 // 2, width), np.int16) for _ in range(7)]
    out: list[AccessUnit] = []
    for i in [*range(int(seconds * FPS)), None]:
        if i is None:
            packets = ctx.encode(None)
        else:
            yuv = video.render_yuv420(video.t0 + i / FPS, width, height).astype(np.int16)
            noisy = np.clip(yuv + grain[i % len(grain)], 16, 235).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(noisy, format="yuv420p")
            frame.pts, frame.time_base = round(i * 90_000 / FPS), Fraction(1, 90_000)
            packets = ctx.encode(frame)
        for p in packets:
            data = bytes(p)
            out.append(AccessUnit(data, int(p.pts or 0), h264.is_keyframe(data)))
    return out


def save_units(units: list[AccessUnit], path: Path) -> None:
    with path.open("wb") as f:
        for u in units:
            f.write(UNIT.pack(u.pts_90k, u.keyframe, len(u.data)) + u.data)


def load_units(path: Path) -> list[AccessUnit]:
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        pts, key, n = UNIT.unpack_from(data, pos)
        pos += UNIT.size
        out.append(AccessUnit(data[pos : pos + n], pts, bool(key)))
        pos += n
    return out


def mbps(units: list[AccessUnit]) -> float:
    seconds = (units[-1].pts_90k - units[0].pts_90k) / 90_000 + 1 / FPS
    return sum(len(u.data) for u in units) * 8 / seconds / 1e6


# --- 1. cost per camera ----------------------------------------------------------------
@dataclass
class Cost:
    what: str
    size: str
    bitrate: float  # Mbit/s of the H.264 written
    video_s: float
    cpu_s: float

    @property
    def core_share(self) -> float:
        return self.cpu_s / self.video_s


async def remux_cost(units: list[AccessUnit], video_s: float, tmp: Path, size: str) -> Cost:
    store = await Store.open(None, tmp)
    manager = RecordingManager(store, tmp)
    await manager.start(parse_config({}))
    clock = [0]
    rec = Recorder("cam", RecordConfig(mode="continuous", segment_seconds=10), lambda: None,
                   manager, lambda: clock[0])  # fmt: skip
    span = units[-1].pts_90k + 90_000 // FPS
    start_ms = (time.time_ns() // 1_000_000) - int(video_s * 1000) - 60_000
    loops = max(1, round(video_s * 90_000 / span))
    cpu0 = time.process_time()
    for n in range(loops):
        for u in units:
            pts = u.pts_90k + n * span
            clock[0] = start_ms + pts // 90
            rec.unit(AccessUnit(u.data, pts, u.keyframe))
        await asyncio.sleep(0)
    await rec.stop()
    cpu = time.process_time() - cpu0
    await manager.close()
    await store.close()
    return Cost("H.264 remux", size, mbps(units), loops * span / 90_000, cpu)


@dataclass
class Jpeg:
    jpeg: bytes
    timestamp: int


async def mjpeg_cost(width: int, height: int, video_s: float) -> Cost:
    """The worker's start (imports, x264 set-up) is as costly as seconds of encoding:
    two runs of different lengths, and their difference, leave it out."""
    video = VideoSource(width, height, FPS, scene="motion")
    frames = [video.frame(video.t0 + i / FPS, width, height, 80) for i in range(FPS * 4)]

    async def source(seconds: float) -> AsyncIterator[Jpeg]:
        for i in range(max(1, int(seconds * FPS))):
            yield Jpeg(frames[i % len(frames)], 1_000_000 + i * 1000 // FPS)

    async def run(seconds: float) -> tuple[float, int]:
        written = 0
        cpu0 = time.process_time()
        child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        async for au in encoded(source(seconds)):
            written += len(au.data)
        child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu0
        cpu += (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
        return cpu, written

    await run(0)  # warm the caches the worker's start reads
    short_cpu, short_bytes = await run(video_s / 4)
    long_cpu, long_bytes = await run(video_s)
    span = video_s * 3 / 4
    rate = (long_bytes - short_bytes) * 8 / span / 1e6
    return Cost("MJPEG -> H.264", f"{width}x{height}", rate, span, long_cpu - short_cpu)


def sound_units(seconds: float, codec: str, rate: int) -> list[AudioUnit]:
    """The emulators' microphone, encoded as the emulated cameras send it."""
    feed = SoundFeed(SoundSource(VideoSource(scene="motion")), codec, rate)
    ctx = open_audio_encoder(codec, rate)
    units: list[AudioUnit] = []
    for first in range(0, int(seconds * rate), feed.chunk):
        units += feed._encode(ctx, first)
    return units


def wav_units(seconds: float, rate: int) -> list[AudioUnit]:
    """An MJPEG camera's live WAV (16-bit PCM) as the recorder gets it: the same sound
    as the G.711 row, read by :class:`~camhub.media.wav.WavReader` in 4 KiB pieces."""
    decoder = av.CodecContext.create("pcm_alaw", "r")
    decoder.sample_rate, decoder.layout = rate, "mono"  # type: ignore[attr-defined]
    pcm = b"".join(
        bytes(frame.to_ndarray().astype("<i2").tobytes())
        for u in sound_units(seconds, "pcm_alaw", rate)
        for frame in decoder.decode(av.Packet(u.data))  # type: ignore[attr-defined]
    )
    header = bytearray(tone_wav(0.001, 440.0, rate)[:44])
    wav = bytes(header) + pcm
    clock = [1000.0]
    reader = WavReader(lambda: clock[0])
    units: list[AudioUnit] = []
    for i in range(0, len(wav), 4096):
        clock[0] += 4096 / (2 * rate)
        units += reader.feed(wav[i : i + 4096])
    clock[0] += SETTLE_S
    return units + reader.feed(b"")


def sound_cost(units: list[AudioUnit], tmp: Path) -> float:
    """CPU seconds per second of sound of a recording's sound track (AudioOut)."""
    rate = units[0].info.rate
    out = av.open(str(tmp / "sound.mp4"), "w", format="mp4", options=mp4.FMP4)
    track = AudioOut(out, units[0].info)
    cpu0 = time.process_time()
    for u in units:
        out.mux(track.packets(AudioSample(u.pts * 90_000 // rate, u), 0))
    out.mux(track.flush())
    out.close()
    seconds = (units[-1].pts + units[-1].samples - units[0].pts) / rate
    return (time.process_time() - cpu0) / seconds


def write_throughput(units: list[AccessUnit], tmp: Path, seconds: float) -> tuple[float, float]:
    """(MB/s, pictures/s) of the fMP4 writer alone, on the disk under ``tmp``."""
    samples = [Sample(u.data, u.pts_90k, 90_000 // FPS, u.keyframe) for u in units]
    span = units[-1].pts_90k + 90_000 // FPS
    written = pictures = 0
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < seconds:
        path = tmp / f"w{n}.mp4"
        w = SegmentWriter(path, 1920, 1080)
        for loop in range(3):
            w.write([Sample(s.data, s.pts + loop * span, s.duration, s.keyframe) for s in samples])
            pictures += len(samples)
        written += w.close()
        path.unlink()
        n += 1
    elapsed = time.perf_counter() - t0
    return written / elapsed / 1e6, pictures / elapsed


# --- 3. capacity: the hub process -------------------------------------------------------
class ReplayFeed:
    """A camera's feed replaying recorded H.264 at its real pace, looping."""

    def __init__(self, units: list[AccessUnit]) -> None:
        self.units = units
        found = h264.parameter_sets(units[0].data)
        assert found is not None
        self.info = VideoInfo(found[0], found[1], *h264.sps_size(found[0]))

    async def video_info(self) -> VideoInfo:
        return self.info

    async def subscribe(self) -> AsyncIterator[AccessUnit]:
        span = self.units[-1].pts_90k + 90_000 // FPS
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        n = 0
        while True:
            for u in self.units:
                pts = u.pts_90k + n * span
                delay = t0 + pts / 90_000 - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield AccessUnit(u.data, pts, u.keyframe)
            n += 1


def run_hub(
    cameras: int, port: int, camera_url: str, units_path: str, warm: float, seconds: float
) -> None:
    """The hub under test: camhub serving the live camera and recording ``cameras``."""
    from camhub import drivers
    from camhub.capabilities import HttpSource
    from camhub.drivers import Device
    from camhub.server import serve
    from camhub.settings import AppSettings

    class BenchCamera(Device):  # the live camera: an MJPEG URL
        kind = "bench-mjpeg"
        needs_host = False

        async def stream_source(self) -> HttpSource:
            return HttpSource(camera_url)

    drivers.register(BenchCamera.kind)(BenchCamera)
    units = load_units(Path(units_path))
    tmp = Path(tempfile.mkdtemp(prefix="camhub-bench-rec-"))
    config = parse_config({
        "server": {"host": HOST, "https_port": port, "http_port": None, "tls": False,
                   "data_dir": str(tmp)},
        "users": [{"username": "admin", "password": fanout.PASSWORD, "role": "admin"}],
        "devices": [{"name": "cam", "kind": "bench-mjpeg"}],
    })  # fmt: skip
    settings = AppSettings(config=config, tls=False, https_port=port, http_port=None)

    async def main() -> None:
        from camhub.api.app import create_app

        app = create_app(settings)
        ready = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(serve(settings, lambda url: ready.set_result(url), app))
        await ready
        manager: RecordingManager = app.state.camhub.service.recordings
        feeds = {f"rec{i}": ReplayFeed(units) for i in range(cameras)}
        manager.feed_for = feeds.get
        record = {"mode": "continuous", "segment_seconds": 10}
        await manager.sync(
            parse_config({"devices": [{"name": n, "record": record} for n in feeds]})
        )
        print("hub ready", flush=True)
        await asyncio.sleep(warm)
        recs = list(manager.recorders.values())
        gops0 = sum(r.gops for r in recs)
        lags: list[float] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            t = loop.time()
            await asyncio.sleep(0.05)
            lags.append((loop.time() - t - 0.05) * 1000)
        backlog = sum(n for r in recs for f, n in r._backlog if not f.done())
        stats = {
            "gops": sum(r.gops for r in recs) - gops0,
            "dropped": sum(r.dropped_gops for r in recs),
            "backlog": backlog,
            "lag_p99": sorted(lags)[int(len(lags) * 0.99)] if lags else 0.0,
        }
        print("stats " + json.dumps(stats), flush=True)
        server.cancel()

    asyncio.run(main())


@dataclass
class Capacity:
    cameras: int
    hub_cpu: float
    fps_median: float
    viewers_95: float
    gops_share: float
    dropped: int
    backlog_s: float  # video handed to the writers and not on disk yet, in seconds
    lag_p99: float

    @property
    def held(self) -> bool:
        # a GOP a second goes to the writers: up to a second of it waits in normal work
        recording = self.gops_share >= 0.95 and self.dropped == 0 and self.backlog_s < 2
        return self.viewers_95 >= 0.95 and recording


async def capacity(
    cameras: int, units: Path, rate: float, camera_url: str, viewers: int, seconds: float
) -> Capacity:
    """``rate``: bytes a second each camera writes."""
    port = fanout.free_port()
    warm = 5.0  # recorders' first files, viewers connecting
    proc = subprocess.Popen(
        [sys.executable, __file__, "_hub", str(cameras), str(port), camera_url,
         str(units), str(warm), str(seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = await asyncio.to_thread(proc.stdout.readline)
        assert "hub ready" in line, line
        token = await fanout.token_for(port)
        path = f"/api/devices/cam/stream.mjpeg?token={token}"
        start = time.time() + warm
        window = (start, start + seconds)
        vs = [fanout.Viewer() for _ in range(viewers)]
        tasks = [asyncio.create_task(fanout.view(port, path, v, window)) for v in vs]
        await asyncio.sleep(max(0.0, start - time.time()))
        cpu0 = fanout.cpu_seconds(proc.pid)
        await asyncio.sleep(seconds)
        cpu = (fanout.cpu_seconds(proc.pid) - cpu0) / seconds * 100
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        out = await asyncio.wait_for(asyncio.to_thread(proc.stdout.read), 60)
        stats = json.loads(next(x for x in out.splitlines() if x.startswith("stats "))[6:])
    finally:
        proc.kill()
        proc.wait()
    rates = [v.frames / seconds for v in vs]
    expected = cameras * seconds  # one GOP a second from each camera
    return Capacity(
        cameras=cameras,
        hub_cpu=cpu,
        fps_median=statistics.median(rates),
        viewers_95=sum(r >= 0.95 * fanout.FPS for r in rates) / len(rates),
        gops_share=(stats["gops"] / expected) if cameras else 1.0,
        dropped=int(stats["dropped"]),
        backlog_s=stats["backlog"] / (cameras * rate) if cameras else 0.0,
        lag_p99=float(stats["lag_p99"]),
    )


# --- main ------------------------------------------------------------------------------
async def main(args: argparse.Namespace) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="camhub-bench-rec-"))
    video_s = 30.0 if args.quick else 90.0
    print("encoding the test video ...", file=sys.stderr)
    clips = {
        "1920x1080": encode_clip(10, 1920, 1080, crf=26),
        "1280x720": encode_clip(10, 1280, 720, crf=26),
    }
    lines = ["| what | picture | H.264 written | CPU per second of video | cameras per core |",
             "|---|---|---|---|---|"]  # fmt: skip
    costs: list[Cost] = []
    for size, units in clips.items():
        costs.append(await remux_cost(units, video_s, tmp / f"remux-{size}", size))
    for w, h in ((640, 480), (1280, 720)):
        costs.append(await mjpeg_cost(w, h, video_s / 2))
    for c in costs:
        lines.append(
            f"| {c.what} | {c.size} | {c.bitrate:.2f} Mbit/s | {c.core_share * 1000:.1f} ms "
            f"({c.core_share * 100:.2f} % of a core) | {1 / c.core_share:.0f} |"
        )
    sound_s = 60.0 if args.quick else 300.0
    sounds = {
        "G.711 -> AAC": lambda: sound_units(sound_s, "pcm_alaw", 8000),
        "AAC remux": lambda: sound_units(sound_s, "aac", 44100),
        "WAV (PCM) -> AAC": lambda: wav_units(sound_s, 8000),
    }
    for what, make in sounds.items():
        units = make()
        rate = units[0].info.rate
        share = sound_cost(units, tmp)
        lines.append(
            f"| sound: {what} | {rate} Hz mono | - | {share * 1000:.2f} ms "
            f"({share * 100:.3f} % of a core) | {1 / share:.0f} |"
        )
    mb_s, pics = write_throughput(clips["1920x1080"], tmp, 5.0 if args.quick else 10.0)
    lines += ["", f"fMP4 writer alone (1080p, {mbps(clips['1920x1080']):.2f} Mbit/s): "
              f"{mb_s:.1f} MB/s, {pics:.0f} pictures/s "
              f"(= {pics / FPS:.0f} cameras at 15 fps on one core)", ""]  # fmt: skip

    rate = mbps(clips["1920x1080"])
    units_path = tmp / "1080p.units"
    save_units(clips["1920x1080"], units_path)
    cam_port = fanout.free_port()
    camera = fanout.spawn([sys.executable, fanout.__file__, "_camera", str(cam_port)], "ready")
    camera_url = f"http://{HOST}:{cam_port}/video.mjpeg"
    counts = [0, 32, 128] if args.quick else [0, 32, 64, 128, 192]
    seconds = 8.0 if args.quick else 15.0
    lines += [
        f"{args.viewers} MJPEG viewers (1280x720, 15 fps) + N cameras recorded (1080p H.264):",
        "",
        "| cameras recorded | written | hub CPU | viewer fps (median) | viewers >= 95 % frames "
        "| GOPs recorded | dropped | writer backlog | loop lag p99 | held |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    try:
        for n in counts:
            print(f"capacity: {n} cameras ...", file=sys.stderr)
            c = await capacity(n, units_path, rate / 8 * 1e6, camera_url, args.viewers, seconds)
            lines.append(
                f"| {c.cameras} | {c.cameras * rate / 8:.1f} MB/s | {c.hub_cpu:.0f} % | "
                f"{c.fps_median:.1f} | {c.viewers_95 * 100:.0f} % | {c.gops_share * 100:.0f} % | "
                f"{c.dropped} | {c.backlog_s:.1f} s | {c.lag_p99:.0f} ms | "
                f"{'yes' if c.held else 'no'} |"
            )
    finally:
        camera.kill()
        camera.wait()
    return "\n".join(lines)


def cli() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_hub":
        _, _, n, port, url, units, warm, seconds = sys.argv
        run_hub(int(n), int(port), url, units, float(warm), float(seconds))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    table = asyncio.run(main(args))
    print(table)
    if args.write:
        args.write.write_text(table + "\n")


if __name__ == "__main__":
    cli()
