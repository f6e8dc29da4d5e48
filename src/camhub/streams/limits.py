"""How much video work viewers may ask of camhub.

The work is per camera and per rendition, not per viewer: each frame is transcoded
once per distinct (size, quality) and shared. So the bounds are:

- **no upscaling**: a size larger than the camera's is made at the camera's
  (:func:`camhub.streams.transcode.target_size`), and asking 4096x4096 of a 640x360
  camera is the same rendition as asking 640x360;
- **renditions per camera**: at most ``MAX_VARIANTS`` at once besides the camera's own
  (which costs nothing: passed through), and together at most the camera's own
  pixel area: every frame costs at most one full-size decode and encode, whoever
  asks, however many ask. A rendition already made is shared without limit; a new
  one past the bounds is refused with 503 (:class:`~camhub.errors.Busy`, naming the
  renditions in use, which the caller may pick instead);
- **streams per user**: at most ``MAX_STREAMS_PER_OWNER`` live streams and
  snapshots in progress at once (all of a user's sessions and media tokens
  together), so one guest account cannot hold every connection and camera. Admins
  are not counted (``camhub.api.deps.stream_owner``): they could lift any limit in
  the config, and one admin account may well feed a hundred displays.

The renditions of a camera are counted from the first frame a viewer gets (its size
is known only then) until the viewer closes.
"""

from __future__ import annotations

from collections import Counter

from camhub.errors import Busy
from camhub.streams.transcode import VariantKey, fit, frame_size, target_size

MAX_VARIANTS = 4
MAX_STREAMS_PER_OWNER = 16
RETRY_AFTER = 5


def describe(key: VariantKey) -> str:
    size = f"{key.width}x{key.height}" if key.width is not None else "source"
    return size if key.quality is None else f"{size}@{key.quality}"


class StreamLimits:
    def __init__(self) -> None:
        self._owners: Counter[str] = Counter()
        # camera -> rendition -> (viewers, pixel area)
        self._variants: dict[str, dict[VariantKey, list[int]]] = {}

    # streams per owner -----------------------------------------------------------------
    def claim_stream(self, owner: str | None) -> None:
        if owner is None:
            return  # camhub's own viewers (motion detection)
        if self._owners[owner] >= MAX_STREAMS_PER_OWNER:
            raise Busy(
                f"at most {MAX_STREAMS_PER_OWNER} live streams and snapshots at once per user",
                retry_after=RETRY_AFTER,
            )
        self._owners[owner] += 1

    def release_stream(self, owner: str | None) -> None:
        if owner is not None and self._owners[owner] > 0:
            self._owners[owner] -= 1
            if not self._owners[owner]:
                del self._owners[owner]

    def streams_of(self, owner: str) -> int:
        return self._owners[owner]

    # renditions per camera -------------------------------------------------------------
    def admit(self, camera: str, key: VariantKey, jpeg: bytes) -> VariantKey:
        """The rendition ``key`` really is for this camera's frames (see
        :func:`~camhub.streams.transcode.fit`), counted as one more viewer of it;
        raise :class:`Busy` if it is new and the camera has no room for it."""
        size = frame_size(jpeg)
        if size is None:
            return VariantKey()  # not a JPEG we can read: passed through as it is
        key = fit(key, *size)
        if key.is_native:
            return key
        variants = self._variants.setdefault(camera, {})
        held = variants.get(key)
        if held is not None:
            held[0] += 1
            return key
        w, h = target_size(*size, key)
        used = sum(area for _, area in variants.values())
        if len(variants) >= MAX_VARIANTS or used + w * h > size[0] * size[1]:
            if not variants:
                del self._variants[camera]
            in_use = sorted(describe(k) for k in variants)
            raise Busy(
                f"{camera}: too many different sizes and qualities at once; "
                "ask for the camera's own, or one in use",
                retry_after=RETRY_AFTER,
                device=camera,
                inUse=in_use,
            )
        variants[key] = [1, w * h]
        return key

    def release(self, camera: str, key: VariantKey) -> None:
        variants = self._variants.get(camera)
        held = variants.get(key) if variants is not None else None
        if variants is None or held is None:
            return
        held[0] -= 1
        if held[0] <= 0:
            del variants[key]
            if not variants:
                del self._variants[camera]

    def variants_of(self, camera: str) -> list[str]:
        return sorted(describe(k) for k in self._variants.get(camera, {}))
