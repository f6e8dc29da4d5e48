"""What the emulators' H.264 costs: libx264 from the synthetic scene, per size.

    python bench/h264_encode.py [--seconds 6] [--sizes 640x360,1280x720,1920x1080]

Part 1, per frame (CPU ms, the mean over ``--frames``), side by side: the naive path
(render RGB, let swscale convert to YUV, encode) against the emulators' path
(render straight into YUV 4:2:0, encode), for each profile the emulators use.

Part 2, live: an :class:`H264Feed` at 15 fps with 0, 1 and 3 subscribers for
``--seconds`` each; the process CPU it takes in that time, as a share of one core,
and how many encoders run (one per feed while anyone subscribes, whatever the number
of subscribers; none when nobody does).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import av

from camhub.media.types import AccessUnit
from camhub.sim.h264 import EncoderSettings, H264Feed, Profile, open_encoder
from camhub.sim.video import VideoSource


def per_frame(size: tuple[int, int], profile: Profile, frames: int) -> tuple[float, float, int]:
    """(naive ms, emulator ms, bytes per frame) for one size and profile."""
    w, h = size
    video = VideoSource(width=w, height=h, scene="motion")
    out = []
    size_total = 0
    for yuv in (False, True):
        ctx = open_encoder(EncoderSettings(w, h, profile=profile))
        t0 = time.time()
        cpu = time.process_time()
        for i in range(frames):
            t = t0 + i / 15
            if yuv:
                frame = av.VideoFrame.from_ndarray(video.render_yuv420(t, w, h), format="yuv420p")
            else:
                rgb = av.VideoFrame.from_ndarray(video.render(t, w, h), format="rgb24")
                frame = rgb.reformat(format="yuv420p")
            frame.pts = i * 6000
            for packet in ctx.encode(frame):
                size_total += packet.size if yuv else 0
        out.append((time.process_time() - cpu) / frames * 1000)
    return out[0], out[1], size_total // frames


async def drain(units: AsyncIterator[AccessUnit], stop: asyncio.Event) -> None:
    async with contextlib.aclosing(units):  # type: ignore[type-var]
        async for _ in units:
            if stop.is_set():
                return


async def live(size: tuple[int, int], profile: Profile, seconds: float) -> list[str]:
    feed = H264Feed(VideoSource(scene="motion"), EncoderSettings(*size, profile=profile))
    rows = []
    for subscribers in (0, 1, 3):
        stop = asyncio.Event()
        tasks = [asyncio.create_task(drain(feed.subscribe(), stop)) for _ in range(subscribers)]
        await asyncio.sleep(0.5)  # settle: encoder start
        cpu, start, frames = time.process_time(), time.monotonic(), feed.frames_encoded
        await asyncio.sleep(seconds)
        used = (time.process_time() - cpu) / (time.monotonic() - start)
        encoded = feed.frames_encoded - frames
        running = int(feed.encoding)
        stop.set()
        await asyncio.gather(*tasks)
        rows.append(
            f"| {size[0]}x{size[1]} | {profile} | {subscribers} | {running} "
            f"| {encoded / seconds:.1f} | {used * 100:.1f}% |"
        )
    await feed.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="640x360,1280x720,1920x1080")
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    print("| size | profile | RGB + swscale + x264 ms/frame | YUV + x264 ms/frame | ratio "
          "| kbit/s at 15 fps |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for w, h in sizes:
        for profile in ("baseline", "main"):
            naive, ours, size = per_frame((w, h), profile, args.frames)
            print(f"| {w}x{h} | {profile} | {naive:.2f} | {ours:.2f} | {naive / ours:.1f}x "
                  f"| {size * 8 * 15 / 1000:.0f} |")  # fmt: skip
    print()
    print("| size | profile | subscribers | encoders running | frames/s | CPU (one core) |")
    print("|---|---|---|---|---|---|")
    for w, h in sizes:
        profile: Profile = "baseline" if w <= 640 else "main"
        for row in asyncio.run(live((w, h), profile, args.seconds)):
            print(row)


if __name__ == "__main__":
    main()
