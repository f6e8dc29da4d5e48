"""A camera's audio passed through (WAV as the device serves it), for every route that
offers it (``audio.wav``, tinyCam's ``receive.wav``).

Through the bounded reader: each 4 KiB must come within the device timeout, so a
camera that trickles (or stops) is let go of instead of holding the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp

from camhub.capabilities import AudioDriver, Capability
from camhub.drivers.base import Device
from camhub.drivers.http import open_body
from camhub.errors import DeviceError

AUDIO_PIECE = 4096  # each within the device timeout: at least 400 B/s at 10 s


async def open_audio(
    http: aiohttp.ClientSession, device: Device
) -> tuple[str, AsyncIterator[bytes]]:
    """(content type, the audio's bytes); DeviceError when the camera refuses."""
    source = await device.need(Capability.AUDIO, AudioDriver).audio_source()
    timeout = device.config.timeout
    body = await open_body(http, source, device=device.name, timeout=timeout)
    if body.status != 200:
        body.close()
        raise DeviceError(f"{device.name}: audio refused ({body.status})", device=device.name)

    async def pieces() -> AsyncIterator[bytes]:
        try:
            async for piece in body.pieces(AUDIO_PIECE, within=timeout):
                yield piece
        finally:
            body.close()

    return body.headers.get("Content-Type", "audio/x-wav"), pieces()
