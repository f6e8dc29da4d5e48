"""Synthetic video and audio for the camera emulators.

Frames are JPEGs of a chosen size with a textured background, a moving block and the
time burned in. A *scene* decides when the block moves, so that motion detection has
something to find: ``quiet`` (never), ``motion`` (always) or ``bursts`` (moves for
``burst`` seconds out of every ``period``). Each JPEG carries its capture time in a
COM segment (``camhub-ts=<ms>``) so a viewer can measure end-to-end latency.

A frame is rendered and encoded once per (tick, size, quality) however many clients
read it, so several emulated cameras at 15 fps fit on one core.

:meth:`VideoSource.render_yuv420` draws the same picture straight into planar YUV
4:2:0 (BT.601, limited range) for the H.264 encoder (:mod:`camhub.sim.h264`):
measured, converting an RGB frame costs more than x264 encoding it.
"""

from __future__ import annotations

import asyncio
import io
import math
import struct
import time
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import simplejpeg

Scene = Literal["quiet", "motion", "bursts"]

# 3x5 bitmap digits, rows top to bottom, 3 bits each.
_DIGITS = {
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7), ":": (0, 2, 0, 2, 0), ".": (0, 0, 0, 0, 2),
    "-": (0, 0, 7, 0, 0), " ": (0, 0, 0, 0, 0),
}  # fmt: skip


def _glyph(ch: str) -> np.ndarray:
    rows = _DIGITS.get(ch, _DIGITS[" "])
    return np.array([[(r >> (2 - c)) & 1 for c in range(3)] for r in rows], dtype=bool)


_GLYPHS = {ch: _glyph(ch) for ch in _DIGITS}


def text_box(text: str, x: int, y: int, scale: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the black box :func:`draw_text` paints."""
    return y - scale, y + 6 * scale, x - scale, x + len(text) * 4 * scale + scale


def draw_text(img: np.ndarray, text: str, x: int, y: int, scale: int) -> None:
    """Burn ``text`` (digits and : . -) into ``img`` in white on black, in place."""
    h, w = img.shape[:2]
    top, bottom, left, right = text_box(text, x, y, scale)
    img[max(0, top) : min(h, bottom), max(0, left) : min(w, right)] = 0
    for i, ch in enumerate(text):
        g = np.kron(_GLYPHS.get(ch, _GLYPHS[" "]), np.ones((scale, scale), dtype=bool))
        gx = x + i * 4 * scale
        sub = img[y : y + g.shape[0], gx : gx + g.shape[1]]
        sub[g[: sub.shape[0], : sub.shape[1]]] = 255


def add_timestamp_comment(jpeg: bytes, ts_ms: int) -> bytes:
    """Insert a COM segment ``camhub-ts=<ms>`` right after SOI."""
    payload = f"camhub-ts={ts_ms}".encode()
    return b"".join((jpeg[:2], b"\xff\xfe", struct.pack(">H", len(payload) + 2), payload, jpeg[2:]))


def jpeg_timestamp(jpeg: bytes) -> int | None:
    """The capture time a synthetic frame carries, or None."""
    if jpeg[2:4] != b"\xff\xfe":
        return None
    n = struct.unpack(">H", jpeg[4:6])[0]
    text = jpeg[6 : 4 + n]
    if not text.startswith(b"camhub-ts="):
        return None
    return int(text[10:])


def jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG, read from its header."""
    h, w, _, _ = simplejpeg.decode_jpeg_header(jpeg)
    return int(w), int(h)


def rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited-range Y, U, V (float arrays) of RGB values (last axis)."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return y, u, v


def _planes(buf: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y, U, V views of an I420 buffer of shape (h * 3 // 2, w)."""
    flat = buf.reshape(-1)
    cw, ch = w // 2, h // 2
    y = flat[: w * h].reshape(h, w)
    u = flat[w * h : w * h + cw * ch].reshape(ch, cw)
    v = flat[w * h + cw * ch :].reshape(ch, cw)
    return y, u, v


BLOCK_RGB = (230, 200, 40)
_BLOCK_YUV = tuple(round(float(c)) for c in rgb_to_yuv(np.array(BLOCK_RGB)))


@dataclass
class _Cached:
    key: tuple[int, int, int, int]
    data: bytes


class VideoSource:
    """One synthetic camera's picture."""

    def __init__(
        self,
        width: int = 1280,
        height: int = 720,
        fps: float = 15.0,
        scene: Scene = "bursts",
        period: float = 20.0,
        burst: float = 5.0,
        seed: int = 0,
    ) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.scene: Scene = scene
        self.period, self.burst = period, burst
        self.t0 = time.time()
        rng = np.random.default_rng(seed)
        self._backgrounds: dict[tuple[int, int], np.ndarray] = {}
        self._yuv_backgrounds: dict[tuple[int, int], np.ndarray] = {}
        self._tint = rng.integers(40, 120, size=3)
        self._cache: dict[tuple[int, int, int], _Cached] = {}

    # scene -----------------------------------------------------------------------
    def moving(self, t: float) -> bool:
        """Ground truth: is the block moving at time ``t``?"""
        if self.scene == "quiet":
            return False
        if self.scene == "motion":
            return True
        return (t - self.t0) % self.period < self.burst

    def _block_pos(self, t: float) -> tuple[float, float]:
        """Block centre as fractions of the frame; it only advances while moving."""
        rel = t - self.t0
        if self.scene == "quiet":
            travelled = 0.0
        elif self.scene == "motion":
            travelled = rel
        else:
            cycles, into = divmod(rel, self.period)
            travelled = cycles * self.burst + min(into, self.burst)
        return 0.5 + 0.35 * math.sin(travelled * 0.9), 0.5 + 0.3 * math.sin(travelled * 1.3)

    def _background(self, w: int, h: int) -> np.ndarray:
        bg = self._backgrounds.get((w, h))
        if bg is None:
            yy, xx = np.mgrid[0:h, 0:w]
            base = ((xx // 40 + yy // 40) % 2 * 30).astype(np.uint8)
            bg = np.empty((h, w, 3), dtype=np.uint8)
            for c in range(3):
                bg[..., c] = base + np.uint8(self._tint[c])
            self._backgrounds[(w, h)] = bg
        return bg

    # frames ----------------------------------------------------------------------
    def tick(self, t: float | None = None) -> int:
        return int(((time.time() if t is None else t) - self.t0) * self.fps)

    def render(self, t: float, width: int | None = None, height: int | None = None) -> np.ndarray:
        w, h = width or self.width, height or self.height
        img = self._background(w, h).copy()
        cx, cy = self._block_pos(t)
        bw, bh = max(4, w // 8), max(4, h // 6)
        x0 = int(cx * w - bw / 2)
        y0 = int(cy * h - bh / 2)
        img[max(0, y0) : y0 + bh, max(0, x0) : x0 + bw] = BLOCK_RGB
        draw_text(img, _stamp(t), 8, 8, max(1, h // 120))
        return img

    def _yuv_background(self, w: int, h: int) -> np.ndarray:
        bg = self._yuv_backgrounds.get((w, h))
        if bg is None:
            rgb = self._background(w, h)
            bg = np.empty((h * 3 // 2, w), dtype=np.uint8)
            y, u, v = _planes(bg, w, h)
            yy, uu, vv = rgb_to_yuv(rgb)
            y[:] = np.clip(np.rint(yy), 0, 255)
            u[:] = np.clip(np.rint(uu[::2, ::2]), 0, 255)
            v[:] = np.clip(np.rint(vv[::2, ::2]), 0, 255)
            self._yuv_backgrounds[(w, h)] = bg
        return bg

    def render_yuv420(
        self, t: float, width: int | None = None, height: int | None = None
    ) -> np.ndarray:
        """The picture of :meth:`render` as an I420 buffer of shape (h * 3 // 2, w).

        ``width`` and ``height`` must be even (4:2:0 subsampling).
        """
        w, h = width or self.width, height or self.height
        if w % 2 or h % 2:
            raise ValueError("YUV 4:2:0 needs an even width and height")
        buf = self._yuv_background(w, h).copy()
        y, u, v = _planes(buf, w, h)
        cx, cy = self._block_pos(t)
        bw, bh = max(4, w // 8), max(4, h // 6)
        x0 = max(0, int(cx * w - bw / 2)) & ~1
        y0 = max(0, int(cy * h - bh / 2)) & ~1
        y[y0 : y0 + bh, x0 : x0 + bw] = _BLOCK_YUV[0]
        u[y0 // 2 : (y0 + bh) // 2, x0 // 2 : (x0 + bw) // 2] = _BLOCK_YUV[1]
        v[y0 // 2 : (y0 + bh) // 2, x0 // 2 : (x0 + bw) // 2] = _BLOCK_YUV[2]
        stamp, scale = _stamp(t), max(1, h // 120)
        draw_text(y, stamp, 8, 8, scale)
        top, bottom, left, right = text_box(stamp, 8, 8, scale)
        box = (
            slice(max(0, top) // 2, min(h, bottom + 1) // 2),
            slice(max(0, left) // 2, min(w, right + 1) // 2),
        )
        u[box] = 128
        v[box] = 128
        return buf

    def frame(
        self,
        t: float | None = None,
        width: int | None = None,
        height: int | None = None,
        quality: int = 80,
    ) -> bytes:
        """The JPEG for the tick containing ``t`` (default: now), cached per tick."""
        now = time.time() if t is None else t
        w, h = width or self.width, height or self.height
        tick = self.tick(now)
        key = (w, h, quality)
        hit = self._cache.get(key)
        if hit is not None and hit.key == (tick, w, h, quality):
            return hit.data
        frame_t = self.t0 + tick / self.fps
        jpeg = simplejpeg.encode_jpeg(
            self.render(frame_t, w, h), quality=quality, colorspace="RGB", colorsubsampling="420"
        )
        data = add_timestamp_comment(jpeg, int(time.time() * 1000))
        self._cache[key] = _Cached((tick, w, h, quality), data)
        return data

    async def frames(
        self,
        fps: float | None = None,
        width: int | None = None,
        height: int | None = None,
        quality: int = 80,
    ) -> AsyncIterator[bytes]:
        """Yield frames at ``fps`` (at most the source's rate), paced by the clock."""
        rate = min(fps or self.fps, self.fps)
        interval = 1.0 / rate
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            yield self.frame(width=width, height=height, quality=quality)
            next_at += interval
            delay = next_at - loop.time()
            if delay < -interval:  # fell behind: skip instead of bursting
                next_at = loop.time()
                delay = 0
            await asyncio.sleep(max(0.0, delay))


def _stamp(t: float) -> str:
    """The wall-clock time burned into a frame: ``HH:MM:SS.mmm``."""
    return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


def tone_wav(seconds: float = 1.0, freq: float = 440.0, rate: int = 8000) -> bytes:
    """A mono 16-bit PCM WAV of a sine tone."""
    n = int(seconds * rate)
    samples = (np.sin(2 * np.pi * freq * np.arange(n) / rate) * 0.3 * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()
