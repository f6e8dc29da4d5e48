"""Read H.264 access units (and the sound, when asked) from an RTSP camera with PyAV,
in a thread of its own.

The same reader demuxes an :class:`MpegTsSource`, a transport stream the driver's
own client fetches (the Tapo port-8800 stream): ``open()`` runs in this thread, and
FFmpeg's MPEG-TS demuxer reads the blocking stream it returns; :meth:`stop` closes
that stream, so a read blocked on the camera ends at once.

PyAV's demuxer blocks, but releases the GIL inside FFmpeg (``av_read_frame``), and
demuxing does no decoding: a reader thread costs the event loop one
``call_soon_threadsafe`` per frame. Opening is tuned for latency (RTSP over TCP,
``probesize`` 32 bytes, no analysis, no buffering): the SDP's parameter sets are
enough, so a stream opens in about one round trip per RTSP request.

A camera's sound track (G.711 or AAC, see :mod:`camhub.streams.audio_gate`) is read
on the same connection: described once open (an :class:`AudioInfo` item), its packets
checked by the gate and posted in small batches with the pictures, and dropped right
here while nobody listens (``wants_audio``). A sound track in a codec camhub does not
carry is ignored; no failure of the sound ends the connection.

This module is where RTSP failures become camhub errors, as ``drivers/http.py`` is
for HTTP. PyAV's messages quote the URL, which carries the login, so they are never
shown; the error says what happened and names ``host:port`` only:

==============================================  =========================================
FFmpeg / PyAV says                              camhub error
==============================================  =========================================
401 / 403 on DESCRIBE, SETUP or PLAY            :class:`DeviceAuthError` (``code``)
404 (no such stream path)                       :class:`DeviceError` ``code`` 404
another RTSP 4xx/5xx status                     :class:`DeviceError` (``code``)
no answer or no packet within the timeout       :class:`DeviceTimeout`
refused, reset, unreachable, DNS                :class:`DeviceUnreachable`
not RTSP, or no H.264 it can read               :class:`DeviceError`
a frame larger than :data:`MAX_UNIT`            :class:`DeviceError`
the camera ended the stream                     :class:`DeviceUnreachable`
a stream in another codec (H.265, MJPEG)        :class:`Unsupported`
==============================================  =========================================
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import quote

import av
import av.error

from camhub.capabilities import ByteStream, MpegTsSource, RtspSource
from camhub.drivers.http import peer
from camhub.errors import (
    CamhubError,
    DeviceAuthError,
    DeviceError,
    DeviceTimeout,
    DeviceUnreachable,
    Unsupported,
)
from camhub.media.types import AccessUnit, AudioInfo, StreamInfo
from camhub.streams.audio_gate import AudioGate, audio_info
from camhub.streams.audio_track import AudioBatch
from camhub.streams.nal import NAL_IDR, first_slice_type, parameter_sets, parse_sps

log = logging.getLogger("camhub.streams.rtsp")

MAX_UNIT = 16 * 2**20  # bytes: a larger "frame" is not video, it is a broken camera

# What the reader posts to the loop: the sound's description (when the camera sends
# one camhub reads), then the stream's (None when the SDP had no parameter sets: they
# come with the first keyframe), then access units and batches of sound, then one
# final error.
Item = StreamInfo | AccessUnit | AudioInfo | AudioBatch | CamhubError | None
Post = Callable[[Item], None]
AUDIO_BATCH = 4  # sound units posted at once at most (they also go with each picture)


def open_options(stall_timeout: float) -> dict[str, str]:
    return {
        "rtsp_transport": "tcp",
        "allowed_media_types": "video+audio",
        "fflags": "nobuffer",
        "flags": "low_delay",
        "probesize": "32",
        "analyzeduration": "0",
        "timeout": str(int(stall_timeout * 1_000_000)),  # socket I/O, microseconds
        "user_agent": "camhub",
    }


# MPEG-TS from a driver's stream: the PMT and the first packet are enough to start.
TS_OPTIONS = {"probesize": "32", "analyzeduration": "0", "flags": "low_delay"}


def login_url(source: RtspSource) -> str:
    """The URL FFmpeg needs: the login goes in its userinfo, percent-encoded."""
    if source.username is None:
        return source.url
    scheme, sep, rest = source.url.partition("://")
    user = quote(source.username, safe="")
    password = quote(source.password or "", safe="")
    return f"{scheme}{sep}{user}:{password}@{rest}"


def info_from(sps: bytes, pps: bytes, fps: float | None) -> StreamInfo:
    size = parse_sps(sps)
    return StreamInfo("h264", size.width, size.height, sps, pps, fps)


def translate(exc: BaseException, name: str, where: str, timeout: float) -> CamhubError:
    """The table in the module docstring (``where``: the camera's ``host:port``)."""
    if isinstance(exc, CamhubError):
        return exc
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        code = 401 if isinstance(exc, av.error.HTTPUnauthorizedError) else 403
        msg = f"{name}: the camera refused the stream credentials (RTSP {code})"
        return DeviceAuthError(msg, device=name, code=code)
    if isinstance(exc, av.error.HTTPNotFoundError):
        msg = f"{name}: the camera has no such stream (RTSP 404; check the URL path)"
        return DeviceError(msg, device=name, code=404)
    if isinstance(exc, av.error.HTTPClientError | av.error.HTTPServerError):
        kind = "4xx" if isinstance(exc, av.error.HTTPClientError) else "5xx"
        return DeviceError(f"{name}: the camera refused the stream (RTSP {kind})", device=name)
    if isinstance(exc, av.error.ExitError | TimeoutError):
        return DeviceTimeout(f"{name}: no video from {where} within {timeout:g} s", device=name)
    if isinstance(exc, av.error.InvalidDataError | ValueError | IndexError):
        msg = f"{name}: {where} sent no RTSP H.264 stream camhub can read"
        return DeviceError(msg, device=name)
    if isinstance(exc, OSError):
        if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
            reason = "connection refused"
        elif isinstance(exc, ConnectionResetError) or exc.errno == errno.ECONNRESET:
            reason = "connection reset"
        elif exc.errno is not None and 0 < exc.errno < 4096:
            reason = os.strerror(exc.errno).lower()
        else:
            reason = type(exc).__name__
        return DeviceUnreachable(f"{name}: cannot reach {where}: {reason}", device=name)
    return DeviceError(f"{name}: reading the stream failed ({type(exc).__name__})", device=name)


class _Watched:
    """A driver's stream as FFmpeg reads it. FFmpeg would drop an exception raised in
    a read (PyAV prints it) and read again, so the first failure is kept and shown to
    FFmpeg as the end of the stream; :meth:`RtspReader._read` then raises it."""

    def __init__(self, stream: ByteStream) -> None:
        self.stream = stream
        self.error: Exception | None = None

    def read(self, size: int = -1, /) -> bytes:
        if self.error is not None:
            return b""
        try:
            return self.stream.read(size)
        except Exception as exc:
            self.error = exc
            return b""

    def close(self) -> None:
        self.stream.close()


class RtspReader:
    """One connection to one camera stream. :meth:`start` it; :meth:`stop` lets go.

    The thread ends after the packet it is reading when stopped; a stalled camera
    holds it at most ``stall_timeout`` seconds more (PyAV's interrupt callback).
    """

    def __init__(
        self,
        name: str,
        source: RtspSource | MpegTsSource,
        post: Post,
        *,
        open_timeout: float,
        stall_timeout: float,
        wants_audio: Callable[[], bool] = lambda: False,
    ) -> None:
        """``wants_audio``: whether anyone listens to the sound now (called from the
        reader thread)."""
        self.name = name
        self.wants_audio = wants_audio
        self.gate: AudioGate | None = None
        self.source = source
        self.post = post
        self.open_timeout = open_timeout
        self.stall_timeout = stall_timeout
        self._stop = threading.Event()
        self._stream: ByteStream | None = None
        self._thread = threading.Thread(target=self._run, name=f"camhub-rtsp-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._stream is not None:
            self._stream.close()  # ends a read blocked on the camera

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _send(self, item: Item) -> bool:
        if self._stop.is_set():
            return False
        try:
            self.post(item)
        except RuntimeError:  # the event loop is closed: nobody is listening
            self._stop.set()
            return False
        return True

    def _run(self) -> None:
        try:
            self._read()
            end: CamhubError = DeviceUnreachable(
                f"{self.name}: the camera ended the stream", device=self.name
            )
        except Exception as exc:  # every failure ends this connection; the table says how
            end = translate(exc, self.name, self.where, self.stall_timeout)
        self._send(end)

    @property
    def where(self) -> str:
        if isinstance(self.source, MpegTsSource):
            return self.source.where
        return peer(self.source.url)

    def _open(self) -> av.container.InputContainer:
        timeouts = (self.open_timeout, self.stall_timeout)
        if isinstance(self.source, MpegTsSource):
            stream = _Watched(self.source.open(self.open_timeout, self.stall_timeout))
            self._stream = stream
            if self._stop.is_set():  # stopped while opening
                stream.close()
            # no "nobuffer" here: it would drop the keyframe read while probing
            return av.open(stream, mode="r", format="mpegts", options=TS_OPTIONS, timeout=timeouts)
        url = login_url(self.source)
        return av.open(url, options=open_options(self.stall_timeout), timeout=timeouts)

    def _read(self) -> None:
        try:
            self._demux()
        except Exception:
            self._stream_failure()
            raise
        self._stream_failure()

    def _stream_failure(self) -> None:
        """Raise what the driver's stream raised: PyAV takes it for the end of input."""
        if isinstance(self._stream, _Watched) and self._stream.error is not None:
            raise self._stream.error

    def _demux(self) -> None:
        with self._open() as container:
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec != "h264":
                raise Unsupported(
                    f"{self.name}: the camera streams {codec}; camhub reads H.264 only",
                    device=self.name,
                )
            rate = stream.guessed_rate or stream.average_rate
            fps = float(rate) if rate else None
            sps, pps = parameter_sets(bytes(stream.codec_context.extradata or b""))
            info = info_from(sps, pps, fps) if sps and pps else None
            sound = self._sound(container)
            if sound is not None and not self._send(sound.gate.info):
                return
            if not self._send(info):
                return
            tb = stream.time_base or Fraction(1, 90000)
            scale = tb * 90000
            audio: list[Any] = []  # units waiting to be posted
            streams = (stream,) if sound is None else (stream, sound.stream)
            for packet in container.demux(streams):
                if self._stop.is_set():
                    return
                pts = packet.pts if packet.pts is not None else packet.dts
                if pts is None or packet.size == 0:
                    continue  # the flush packet at the end, or no timing at all
                if sound is not None and packet.stream_index != stream.index:
                    if self._hear(sound, packet, pts, audio):
                        if not self._send(tuple(audio)):
                            return
                        audio.clear()
                    continue
                if audio:
                    if not self._send(tuple(audio)):
                        return
                    audio.clear()
                if packet.size > MAX_UNIT:
                    raise DeviceError(
                        f"{self.name}: the camera sent a frame of {packet.size} bytes",
                        device=self.name,
                    )
                data = bytes(packet)
                # a keyframe is an IDR picture, whatever FFmpeg's parser guessed from
                # bytes that may be garbage
                key = first_slice_type(data) == NAL_IDR
                unit = AccessUnit(data, int(pts * scale), key)
                if not self._send(unit):
                    return

    def _sound(self, container: Any) -> _Sound | None:
        """The camera's sound track when it has one camhub carries."""
        private = self.source.private_sound if isinstance(self.source, MpegTsSource) else None
        if container.streams.audio:
            st = container.streams.audio[0]
            ctx = st.codec_context
            extradata = bytes(ctx.extradata or b"")
            codec, rate, channels = ctx.name, ctx.sample_rate or 0, ctx.channels or 0
        elif private is not None:
            st = next((s for s in container.streams if s.type in ("unknown", "data")), None)
            if st is None:
                return None
            (codec, rate), channels, extradata = private, 1, b""
        else:
            return None
        info = audio_info(codec, rate, channels, extradata)
        if info is None:
            log.info("%s: the camera's %s sound is not carried", self.name, codec)
            return None
        self.gate = AudioGate(self.name, info)
        scale = (st.time_base or Fraction(1, info.rate)) * info.rate
        return _Sound(self.gate, scale, st)

    def _hear(self, sound: _Sound, packet: Any, pts: int, audio: list[Any]) -> bool:
        """Add the packet to ``audio`` when it passes; whether the batch should go."""
        if not self.wants_audio():
            audio.clear()
            return False
        unit = sound.gate.admit(bytes(packet), int(pts * sound.scale), time.monotonic())
        if unit is None:
            return False
        audio.append(unit)
        return len(audio) >= AUDIO_BATCH


@dataclass(frozen=True, slots=True)
class _Sound:
    gate: AudioGate
    scale: Fraction  # stream time base -> samples
    stream: Any  # the track in the container
