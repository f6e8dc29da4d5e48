"""Live video over the ``/api/ws`` WebSocket.

Client messages (JSON text):

    {"type": "subscribe", "device": "porch", "fps": 5, "resolution": "640x360", "quality": 70}
    {"type": "unsubscribe", "device": "porch"}

``fps``, ``resolution`` (``WIDTHxHEIGHT``) and ``quality`` (1-100) are optional.
Answers (JSON text): ``{"type": "subscribed", "device", "fps", "resolution",
"quality"}``, ``{"type": "unsubscribed", "device"}`` or ``{"type": "error", "device",
"error", "errors"?}``. Subscribing again to the same device replaces the parameters.

Frames arrive as binary messages, one JPEG each:

    +----------------+---------------------------+------------------+
    | 2 bytes        | N bytes                   | rest             |
    | N, big-endian  | JSON header (UTF-8)       | the JPEG         |
    +----------------+---------------------------+------------------+

The header is ``{"device": name, "timestamp": ms}`` (``timestamp``: when camhub got
the frame from the camera, ms since the epoch). In a browser:
``const n = new DataView(buf).getUint16(0); JSON.parse(new TextDecoder().decode(
new Uint8Array(buf, 2, n))); new Blob([new Uint8Array(buf, 2 + n)], {type: "image/jpeg"})``.

A frame may arrive just before its subscription's ack. A client that reads slowly
skips frames; it never makes the camera or other viewers wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from camhub.errors import CamhubError, InvalidArgument
from camhub.streams import StreamHub, Viewer, parse_resolution
from camhub.tasks import cancel_and_wait

log = logging.getLogger("camhub.api.ws")

MAX_SUBSCRIPTIONS = 64


def _number(msg: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = msg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidArgument(
            f"{key} must be a number from {low:g} to {high:g}",
            errors=[f"{key}: must be {low:g}..{high:g}"],
        )
    return float(value)


class WsMedia:
    """The video side of one WebSocket connection."""

    def __init__(
        self,
        send_bytes: Callable[[bytes], Awaitable[None]],
        streams: StreamHub,
        can_view: Callable[[str], bool],
        notify: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        owner: str | None = None,
    ) -> None:
        self.owner = owner  # the user, for the limits of camhub.streams.limits
        self.send_bytes = send_bytes
        self.notify = notify
        self.streams = streams
        self.can_view = can_view
        self._pumps: dict[str, asyncio.Task[None]] = {}

    async def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        device = msg.get("device")
        if not isinstance(device, str) or not device:
            return {"type": "error", "error": "device is required", "errors": ["device: required"]}
        try:
            if msg.get("type") == "unsubscribe":
                await self._stop(device)
                return {"type": "unsubscribed", "device": device}
            return await self._subscribe(device, msg)
        except CamhubError as exc:
            return {"type": "error", "device": device, **exc.payload()}

    async def _subscribe(self, device: str, msg: dict[str, Any]) -> dict[str, Any]:
        if not self.can_view(device):
            return {"type": "error", "device": device, "error": f"Device {device} not found"}
        fps = _number(msg, "fps", 0.1, 60)
        quality = _number(msg, "quality", 1, 100)
        resolution = msg.get("resolution")
        if resolution is not None and not isinstance(resolution, str):
            raise InvalidArgument("resolution must be a string like 640x360")
        width, height = parse_resolution(resolution)
        await self._stop(device)
        if len(self._pumps) >= MAX_SUBSCRIPTIONS:
            raise InvalidArgument(f"at most {MAX_SUBSCRIPTIONS} live videos per connection")
        viewer = self.streams.subscribe(
            device, width, height, None if quality is None else int(quality), fps, owner=self.owner
        )
        await viewer.open()
        self._pumps[device] = asyncio.create_task(self._pump(device, viewer))
        return {
            "type": "subscribed",
            "device": device,
            "fps": fps,
            "resolution": resolution,
            "quality": None if quality is None else int(quality),
        }

    async def _pump(self, device: str, viewer: Viewer) -> None:
        try:
            while True:
                variant = await viewer.next_variant()
                await self.send_bytes(variant.ws_message(device))
        except CamhubError as exc:
            log.info("live video of %s ended: %s", device, exc.message)
            if self._pumps.get(device) is asyncio.current_task():
                del self._pumps[device]  # no longer counts against the limit
            if self.notify is not None:
                with contextlib.suppress(Exception):  # the socket may be gone too
                    await self.notify({"type": "error", "device": device, **exc.payload()})
        except Exception as exc:  # the socket went away under us
            log.debug("live video of %s stopped: %s", device, type(exc).__name__)
        finally:
            viewer.close()

    async def _stop(self, device: str) -> None:
        await cancel_and_wait(self._pumps.pop(device, None))

    async def close(self) -> None:
        for device in list(self._pumps):
            await self._stop(device)
