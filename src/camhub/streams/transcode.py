"""Resize and re-encode JPEG frames, once per (frame, size, quality).

Sizes are never larger than the camera's (see :func:`target_size`). Downscales
decode with libjpeg-turbo's DCT scaling (``min_width``/``min_height``): a
1280x720 frame asked at 320x180 is decoded straight at 1/4 size, which is several times
cheaper than a full decode. The remaining step to the exact size is a nearest-pixel
resample in numpy. Encoding uses 4:2:0 chroma subsampling (1.9x faster than
simplejpeg's default, and what cameras send anyway).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import simplejpeg

from camhub.errors import InvalidArgument

MIN_SIDE = 16
MAX_SIDE = 4096
DEFAULT_QUALITY = 80


@dataclass(frozen=True)
class VariantKey:
    """What a viewer asks for. ``None`` fields keep the camera's own value."""

    width: int | None = None
    height: int | None = None
    quality: int | None = None

    @property
    def is_native(self) -> bool:
        return self.width is None and self.height is None and self.quality is None


def parse_resolution(text: str | None) -> tuple[int | None, int | None]:
    """``"640x360"`` -> (640, 360); ``"640"`` -> (640, None), keeping the aspect ratio;
    None -> (None, None). Raise InvalidArgument."""
    if text is None or text == "":
        return None, None
    if len(text) > 16:  # int() of thousands of digits is slow, then refused
        raise InvalidArgument(
            "resolution must be WIDTHxHEIGHT", errors=["resolution: expected e.g. 640x360"]
        )
    if text.isdecimal():
        return check_size(int(text), None)
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdecimal() or not h.isdecimal():
        raise InvalidArgument(
            "resolution must be WIDTHxHEIGHT", errors=["resolution: expected e.g. 640x360"]
        )
    return check_size(int(w), int(h))


def check_size(width: int | None, height: int | None) -> tuple[int | None, int | None]:
    for label, v in (("width", width), ("height", height)):
        if v is not None and not MIN_SIDE <= v <= MAX_SIDE:
            raise InvalidArgument(
                f"{label} must be between {MIN_SIDE} and {MAX_SIDE}",
                errors=[f"resolution: {label} {v} out of range {MIN_SIDE}..{MAX_SIDE}"],
            )
    return width, height


def check_quality(quality: int | None) -> int | None:
    if quality is not None and not 1 <= quality <= 100:
        raise InvalidArgument(
            "quality must be between 1 and 100", errors=["quality: must be 1..100"]
        )
    return quality


def target_size(src_w: int, src_h: int, key: VariantKey) -> tuple[int, int]:
    """The exact output size; one missing side keeps the aspect ratio. Never larger
    than the source: a bigger size is scaled down, keeping its own aspect ratio, to
    fit the frame (upscaling costs CPU and shows nothing more)."""
    w, h = key.width, key.height
    if w is None and h is None:
        return src_w, src_h
    if w is None:
        assert h is not None
        w = max(1, round(src_w * h / src_h))
    elif h is None:
        h = max(1, round(src_h * w / src_w))
    if w > src_w or h > src_h:
        scale = min(src_w / w, src_h / h)
        w, h = min(src_w, max(1, round(w * scale))), min(src_h, max(1, round(h * scale)))
    return w, h


def frame_size(jpeg: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's header; None if it is not a readable JPEG."""
    try:
        height, width, _, _ = simplejpeg.decode_jpeg_header(jpeg)
    except ValueError:
        return None
    return int(width), int(height)


def fit(key: VariantKey, src_w: int, src_h: int) -> VariantKey:
    """What ``key`` asks of a ``src_w`` x ``src_h`` camera, as one key per distinct
    output: the size it will really have (no upscaling), or none for the camera's."""
    if key.is_native:
        return key
    w, h = target_size(src_w, src_h, key)
    if (w, h) == (src_w, src_h):
        return VariantKey(None, None, key.quality)
    return VariantKey(w, h, key.quality)


def _resample(img: np.ndarray, w: int, h: int) -> np.ndarray:
    ih, iw = img.shape[:2]
    if (iw, ih) == (w, h):
        return img
    ys = (np.arange(h) * ih // h).astype(np.intp)
    xs = (np.arange(w) * iw // w).astype(np.intp)
    return np.ascontiguousarray(img[ys][:, xs])


class Transcoder:
    """Stateless apart from counters (read by tests and ``/metrics``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.encodes = 0
        self.decodes = 0

    def transcode(self, jpeg: bytes, key: VariantKey) -> bytes:
        """The frame at the asked size and quality (may be ``jpeg`` itself)."""
        if key.is_native:
            return jpeg
        try:
            src_h, src_w, _, _ = simplejpeg.decode_jpeg_header(jpeg)
        except ValueError:
            return jpeg  # not decodable: pass through untouched rather than drop
        w, h = target_size(int(src_w), int(src_h), key)
        if (w, h) == (src_w, src_h) and key.quality is None:
            return jpeg
        # DCT-scaled decode to the smallest size still >= the target (never above it).
        min_w, min_h = w, h
        try:
            img = simplejpeg.decode_jpeg(
                jpeg, colorspace="RGB", fastdct=True, fastupsample=True, min_width=min_w,
                min_height=min_h,
            )  # fmt: skip
        except ValueError:
            return jpeg
        out = simplejpeg.encode_jpeg(
            _resample(img, w, h),
            quality=key.quality or DEFAULT_QUALITY,
            colorspace="RGB",
            colorsubsampling="420",
            fastdct=True,
        )
        with self._lock:
            self.decodes += 1
            self.encodes += 1
        return bytes(out)
