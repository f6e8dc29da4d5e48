"""A camera's audio passed through (WAV as the device serves it), for every route that
offers it (``audio.wav``, tinyCam's ``receive.wav``); and the same sound as
:class:`~camhub.media.types.AudioUnit` s (:func:`wav_sound`), which a recording of an
MJPEG camera carries beside its pictures.

Through the bounded reader: each 4 KiB must come within the device timeout, so a
camera that trickles (or stops) is let go of instead of holding the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable

import aiohttp

from camhub.capabilities import AudioDriver, Capability
from camhub.drivers.base import Device
from camhub.drivers.http import open_body
from camhub.errors import CamhubError, DeviceError
from camhub.media.types import AudioUnit
from camhub.media.wav import WavError, WavReader

log = logging.getLogger("camhub.streams")

AUDIO_PIECE = 4096  # each within the device timeout: at least 400 B/s at 10 s
SOUND_RETRY = (5.0, 15.0, 60.0)  # seconds before asking a camera for its sound again


async def open_audio(
    http: aiohttp.ClientSession, device: Device
) -> tuple[str, AsyncGenerator[bytes, None]]:
    """(content type, the audio's bytes); DeviceError when the camera refuses."""
    source = await device.need(Capability.AUDIO, AudioDriver).audio_source()
    timeout = device.config.timeout
    body = await open_body(http, source, device=device.name, timeout=timeout)
    if body.status != 200:
        body.close()
        raise DeviceError(f"{device.name}: audio refused ({body.status})", device=device.name)

    async def pieces() -> AsyncGenerator[bytes, None]:
        try:
            async for piece in body.pieces(AUDIO_PIECE, within=timeout):
                yield piece
        finally:
            body.close()

    return body.headers.get("Content-Type", "audio/x-wav"), pieces()


async def wav_sound(
    http: aiohttp.ClientSession,
    device: Callable[[], Device],
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[AudioUnit]:
    """The camera's WAV as units on the epoch timeline, for as long as it is read.

    A camera that refuses, drops or sends what is not WAV is asked again after a
    while (:data:`SOUND_RETRY`), each trouble logged once until the sound is back;
    ``device`` is looked up each time (a reload may replace it)."""
    failures = 0
    while True:
        name = "?"
        try:
            dev = device()
            name = dev.name
            _, pieces = await open_audio(http, dev)
            reader = WavReader(clock)
            async with contextlib.aclosing(pieces):
                async for piece in pieces:
                    for unit in reader.feed(piece):
                        if failures:
                            log.info("%s: sound is back", name)
                            failures = 0
                        yield unit
            problem = "the sound ended"
        except CamhubError as exc:
            problem = exc.message
        except WavError as exc:
            problem = str(exc)
        if not failures:
            log.warning("%s: no sound for the recording (%s); asking again", name, problem)
        failures += 1
        await asyncio.sleep(SOUND_RETRY[min(failures, len(SOUND_RETRY)) - 1])
