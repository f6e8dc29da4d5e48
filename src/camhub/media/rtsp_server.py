"""An asyncio RTSP/1.0 server streaming H.264 feeds over TCP-interleaved RTP.

``RtspServer(resolve, auth=...)`` serves, for each URL path ``resolve`` maps to a
:class:`~camhub.media.types.Feed`, the methods a camera client uses:

- ``OPTIONS`` (no credentials needed unless ``auth_options``), ``DESCRIBE`` (an SDP
  with ``sprop-parameter-sets``, and the feed's sound as a second track when it is an
  :class:`~camhub.media.types.AudioFeed` with audio, see :mod:`camhub.media.sdp`;
  ``Content-Base`` is the request URL), ``SETUP`` of either track or both
  (``RTP/AVP/TCP;unicast;interleaved=0-1`` for the video, ``2-3`` for the sound
  unless the client picks: a UDP transport is refused with 461, which makes ffmpeg
  retry over TCP), ``PLAY``, ``TEARDOWN``, and ``GET_PARAMETER`` /
  ``SET_PARAMETER`` as keep-alives.
- 404 for a path without a feed, 401 with the authenticator's challenges when
  credentials are missing or wrong, 454 for an unknown session, 461 for UDP, 501 for
  methods it does not know. A request carrying this connection's session id was
  authenticated at ``SETUP`` and is not challenged again (a long session outlives a
  Digest nonce).
- A session lives on its connection: it times out when the client sends nothing
  (no request, no RTCP) for ``session_timeout`` seconds (announced in the ``Session``
  header), and ends when the connection closes.

Each playing client has its own RTP numbering (:class:`~camhub.media.rtp.Packetizer`)
and a bounded :class:`~camhub.media.queue.KeyframeQueue` between the feed and its
socket: a slow client skips to the next keyframe (its drops are counted in
:meth:`RtspServer.sessions`) and never slows the feed or another client. Sound is
never queued: a unit that finds the client's socket backed up is dropped (counted).
An RTCP sender report goes before each track's first packet and every few seconds,
its NTP time taken from the media timeline (the same for both tracks), so a client
lines the sound up with the pictures. RTP payloads
of an access unit are cut once and shared by every client. Bounded everywhere:
request size (:mod:`camhub.media.rtsp_messages`), connections (``max_connections``,
503 beyond), a write stalled for ``write_timeout`` closes the connection.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from camhub.media.audio import audio_payloads, payload_type
from camhub.media.queue import KeyframeQueue
from camhub.media.rtp import DEFAULT_MTU_PAYLOAD, Packetizer, interleave, payloads, sender_report
from camhub.media.rtsp_auth import Authenticator
from camhub.media.rtsp_messages import Interleaved, Request, RtspError, read_message, response
from camhub.media.sdp import AUDIO_TRACK, TRACK, h264_sdp
from camhub.media.types import AccessUnit, AudioFeed, AudioInfo, Feed

log = logging.getLogger(__name__)

PUBLIC = "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, GET_PARAMETER, SET_PARAMETER"
_NOT_ALLOWED = {"PAUSE", "ANNOUNCE", "RECORD", "REDIRECT"}
SR_INTERVAL = 5.0  # seconds between RTCP sender reports

Resolver = Callable[[str], Feed | None]
Reply = tuple[int, list[tuple[str, str]], bytes, str | None]


@dataclass
class AudioLeg:
    """The sound track of a session, once set up."""

    info: AudioInfo
    channel: int
    url: str
    packetizer: Packetizer
    sent: int = 0  # units written to the socket
    dropped: int = 0  # units the client's backed-up socket had no room for


@dataclass
class Session:
    """One client's stream: what it set up, and what reached it."""

    id: str
    path: str
    feed: Feed
    url: str
    channel: int
    user: str | None
    packetizer: Packetizer = field(default_factory=Packetizer)
    queue: KeyframeQueue = field(default_factory=KeyframeQueue)
    sent: int = 0  # access units written to the socket
    playing: bool = False
    video: bool = True  # the video track is set up
    audio: AudioLeg | None = None
    _anchor: tuple[float, float] | None = None  # (media seconds, wall clock)

    def stats(self) -> dict[str, Any]:
        out = {"session": self.id, "path": self.path, "user": self.user, "sent": self.sent,
               "dropped": self.queue.dropped, "skips": self.queue.skips,
               "playing": self.playing}  # fmt: skip
        if self.audio is not None:
            out.update(audioSent=self.audio.sent, audioDropped=self.audio.dropped)
        return out

    def wallclock(self, media_seconds: float) -> float:
        """The wall-clock time of a media time (both tracks' timeline), for RTCP."""
        if self._anchor is None:
            self._anchor = (media_seconds, time.time())
        return self._anchor[1] + media_seconds - self._anchor[0]


def _split_track(path: str, controls: tuple[str, str]) -> tuple[str, int]:
    """The resource a URL path names (no trailing slash, no track suffix) and the
    track: 0 video, 1 audio."""
    path = path.rstrip("/") or "/"
    for track, control in enumerate(controls):
        if path.endswith("/" + control):
            return path[: -len(control) - 1] or "/", track
    return path, 0


class RtspServer:
    def __init__(
        self,
        resolve: Resolver,
        *,
        auth: Authenticator | None = None,
        auth_options: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        session_timeout: float = 60.0,
        queue_size: int = 64,
        max_connections: int = 64,
        write_timeout: float = 20.0,
        info_timeout: float = 10.0,
        payload_budget: int = DEFAULT_MTU_PAYLOAD,
        name: str = "camhub",
        controls: tuple[str, str] = (TRACK, AUDIO_TRACK),
    ) -> None:
        """``controls``: the SDP names of the video and audio tracks."""
        self.resolve, self.auth, self.auth_options = resolve, auth, auth_options
        self.controls = controls
        self.host, self.port = host, port
        self.session_timeout = session_timeout
        self.queue_size, self.max_connections = queue_size, max_connections
        self.write_timeout, self.info_timeout = write_timeout, info_timeout
        self.payload_budget, self.name = payload_budget, name
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._parts: collections.OrderedDict[int, tuple[AccessUnit, list[bytes]]] = (
            collections.OrderedDict()
        )

    # lifecycle -----------------------------------------------------------------------
    async def start(self) -> int:
        """Listen; returns the port (useful with ``port=0``)."""
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_address=True, limit=8192
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
        conns = list(self._connections)
        for conn in conns:
            conn.abort()
            if conn.task is not None:
                conn.task.cancel()  # e.g. a DESCRIBE still waiting for its feed
        await asyncio.gather(*(c.done.wait() for c in conns))
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    async def __aenter__(self) -> RtspServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # observability -------------------------------------------------------------------
    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def sessions(self) -> list[dict[str, Any]]:
        """Every session now: path, user, access units sent, dropped, skips, playing."""
        return [c.session.stats() for c in self._connections if c.session is not None]

    @property
    def playing(self) -> int:
        return sum(1 for s in self.sessions() if s["playing"])

    # shared work ---------------------------------------------------------------------
    def parts(self, au: AccessUnit) -> list[bytes]:
        """RTP payloads of ``au``, cut once for all clients."""
        hit = self._parts.get(id(au))
        if hit is not None and hit[0] is au:
            return hit[1]
        cut = payloads(au.data, self.payload_budget)
        self._parts[id(au)] = (au, cut)
        while len(self._parts) > 32:
            self._parts.popitem(last=False)
        return cut

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.max_connections:
            writer.write(response(503, None, [("Date", _date())]))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        conn = _Connection(self, reader, writer)
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)


def _date() -> str:
    return email.utils.formatdate(usegmt=True)


class _Connection:
    def __init__(
        self, server: RtspServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.session: Session | None = None
        self.task = asyncio.current_task()
        self.tasks: list[asyncio.Task[None]] = []
        self.done = asyncio.Event()
        self.closing = False
        transport = writer.transport
        transport.set_write_buffer_limits(high=512 * 1024)
        sock = writer.get_extra_info("sockname")
        self.local_host = str(sock[0]) if sock else "127.0.0.1"

    def abort(self) -> None:
        self.closing = True
        self.writer.transport.abort()

    async def run(self) -> None:
        try:
            await self._serve()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            tasks = self._cancel_streaming()
            self.writer.transport.abort()
            try:  # this is the connection's own task: a cancel here ends it quietly
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                self.done.set()

    async def _serve(self) -> None:
        while not self.closing:
            async with asyncio.timeout(self.server.session_timeout):
                try:
                    message = await read_message(self.reader)
                except RtspError as exc:
                    self.writer.write(response(exc.status, None, [("Date", _date())]))
                    await self.writer.drain()
                    if exc.fatal:
                        return
                    continue
            if message is None:
                return
            if isinstance(message, Interleaved):
                continue  # RTCP receiver reports: they only keep the session alive
            try:
                status, headers, body, ctype = await self._dispatch(message)
            except RtspError as exc:
                status, headers, body, ctype = exc.status, [], b"", None
                if exc.fatal:
                    self.closing = True
            except Exception:  # a bug or a broken feed: answer, log, hang up
                log.exception("RTSP %s %s failed", message.method, message.path)
                status, headers, body, ctype = 500, [], b"", None
                self.closing = True
            headers = [("Date", _date()), *headers]
            self.writer.write(response(status, message.cseq, headers, body, ctype))
            await self.writer.drain()
            if status == 200 and message.method == "PLAY":
                self._start_streaming()

    # requests --------------------------------------------------------------------------
    def _session_of(self, request: Request) -> Session | None:
        """This connection's session when the request names it (454 when it names another)."""
        wanted = request.header("session").split(";")[0].strip()
        if not wanted:
            return None
        if self.session is None or not secrets.compare_digest(wanted, self.session.id):
            raise RtspError(454)
        return self.session

    async def _dispatch(self, request: Request) -> Reply:
        method = request.method
        if method in _NOT_ALLOWED:
            return 405, [("Allow", PUBLIC)], b"", None
        if method not in PUBLIC.split(", "):
            return 501, [], b"", None
        session = self._session_of(request)
        user: str | None = None
        needs_auth = self.server.auth is not None and (
            method != "OPTIONS" or self.server.auth_options
        )
        if needs_auth and session is None:
            assert self.server.auth is not None
            user = await self.server.auth.authenticate(request)
            if user is None:
                challenges = self.server.auth.challenges(request)
                return 401, [("WWW-Authenticate", c) for c in challenges], b"", None
        handler = getattr(self, "_on_" + method.lower())
        reply: Reply = await handler(request, session, user)
        return reply

    async def _on_options(
        self, request: Request, session: Session | None, user: str | None
    ) -> Reply:
        return 200, [("Public", PUBLIC)], b"", None

    async def _audio_info(self, feed: Feed) -> AudioInfo | None:
        """The feed's sound, when it has one this server can send."""
        if not isinstance(feed, AudioFeed):
            return None
        try:
            info = await asyncio.wait_for(feed.audio_info(), self.server.info_timeout)
            if info is not None:
                payload_type(info)  # ValueError: a codec RTP cannot carry here
        except (LookupError, TimeoutError, ValueError):
            return None
        return info

    async def _on_describe(
        self, request: Request, session: Session | None, user: str | None
    ) -> Reply:
        path, _ = _split_track(request.path, self.server.controls)
        feed = self.server.resolve(path)
        if feed is None:
            return 404, [], b"", None
        try:
            info = await asyncio.wait_for(feed.video_info(), self.server.info_timeout)
        except LookupError:
            return 404, [], b"", None
        except TimeoutError:
            return 503, [], b"", None
        audio = await self._audio_info(feed)
        base = request.uri.split("?")[0].rstrip("/") + "/"
        sdp = h264_sdp(
            info, secrets.randbits(31), self.local_host, self.server.name, audio,
            self.server.controls,
        )  # fmt: skip
        return 200, [("Content-Base", base)], sdp.encode(), "application/sdp"

    async def _on_setup(self, request: Request, session: Session | None, user: str | None) -> Reply:
        path, track = _split_track(request.path, self.server.controls)
        feed = self.server.resolve(path)
        if feed is None:
            return 404, [], b"", None
        if self.session is not None and session is None:
            return 459, [], b"", None  # one stream per connection; name the session
        if session is not None and session.path != path:
            return 459, [], b"", None
        audio = await self._audio_info(feed) if track == 1 else None
        if track == 1 and audio is None:
            return 404, [], b"", None  # no sound (any more)
        asked = _tcp_channel(request.header("transport"))
        taken = set() if session is None else _channels(session, track)
        channel = asked if asked is not None and asked not in taken else 2 * track
        while channel in taken:
            channel += 2
        if session is None:
            session = Session(
                id=f"{secrets.randbits(63):016X}", path=path, feed=feed, user=user,
                url=request.uri, channel=channel, queue=KeyframeQueue(self.server.queue_size),
                video=track == 0,
            )  # fmt: skip
            self.session = session
        if not session.playing:
            if track == 0:
                session.channel, session.url, session.video = channel, request.uri, True
            else:
                assert audio is not None
                leg = AudioLeg(audio, channel, request.uri, Packetizer(payload_type(audio)))
                session.audio = leg
        if track == 0:
            p, channel = session.packetizer, session.channel
        elif session.audio is not None:
            p, channel = session.audio.packetizer, session.audio.channel
        else:
            return 455, [], b"", None  # playing already: too late to add the sound
        transport = f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1};"
        transport += f"ssrc={p.ssrc:08X};mode=play"
        return 200, [("Transport", transport), self._session_header(session)], b"", None

    async def _on_play(self, request: Request, session: Session | None, user: str | None) -> Reply:
        if session is None:
            return 454 if self.session is None else 455, [], b"", None
        legs: list[tuple[str, Packetizer]] = []
        if session.video:
            legs.append((session.url, session.packetizer))
        if session.audio is not None:
            legs.append((session.audio.url, session.audio.packetizer))
        info = ",".join(f"url={url};seq={p.seq};rtptime={p.rtptime}" for url, p in legs)
        headers = [self._session_header(session), ("Range", "npt=0.000-"), ("RTP-Info", info)]
        return 200, headers, b"", None

    async def _on_teardown(
        self, request: Request, session: Session | None, user: str | None
    ) -> Reply:
        if session is None:
            return 454, [], b"", None
        await self._stop_streaming()
        self.session = None
        return 200, [], b"", None

    async def _on_get_parameter(
        self, request: Request, session: Session | None, user: str | None
    ) -> Reply:
        headers = [self._session_header(session)] if session is not None else []
        return 200, headers, b"", None

    async def _on_set_parameter(
        self, request: Request, session: Session | None, user: str | None
    ) -> Reply:
        if request.body.strip():
            return 451, [], b"", None
        return await self._on_get_parameter(request, session, user)

    def _session_header(self, session: Session) -> tuple[str, str]:
        return "Session", f"{session.id};timeout={int(self.server.session_timeout)}"

    # streaming -------------------------------------------------------------------------
    def _start_streaming(self) -> None:
        session = self.session
        if session is None or session.playing:
            return
        session.playing = True
        self.tasks = []
        if session.video:
            self.tasks += [
                asyncio.create_task(self._pump(session), name=f"rtsp-pump-{session.id}"),
                asyncio.create_task(self._send(session), name=f"rtsp-send-{session.id}"),
            ]
        if session.audio is not None:
            task = self._send_audio(session, session.audio)
            self.tasks.append(asyncio.create_task(task, name=f"rtsp-audio-{session.id}"))

    def _cancel_streaming(self) -> list[asyncio.Task[None]]:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        if self.session is not None:
            self.session.playing = False
        return tasks

    async def _stop_streaming(self) -> None:
        await asyncio.gather(*self._cancel_streaming(), return_exceptions=True)

    async def _pump(self, session: Session) -> None:
        """Feed -> this client's queue; never waits on the client."""
        units = session.feed.subscribe()
        try:
            async for au in units:
                session.queue.put(au)
        except Exception:  # a broken feed ends this client's stream, not the server
            log.exception("RTSP feed for %s failed", session.path)
        finally:
            session.queue.close()
            close = getattr(units, "aclose", None)
            if close is not None:
                await close()

    async def _send(self, session: Session) -> None:
        """This client's queue -> its socket; the connection ends with the feed."""
        last_report = 0.0
        p, channel = session.packetizer, session.channel
        try:
            while (au := await session.queue.get()) is not None:
                data = p.interleaved(self.server.parts(au), au.pts_90k, channel)
                now = time.time()
                if now - last_report >= SR_INTERVAL:  # before the packets: a client
                    last_report = now  # times even the first one from the report
                    wall = session.wallclock(au.pts_90k / 90_000)
                    report = sender_report(p, wall, p.timestamp(au.pts_90k))
                    data = interleave(channel + 1, report) + data
                self.writer.write(data)
                async with asyncio.timeout(self.server.write_timeout):
                    await self.writer.drain()
                session.sent += 1
        except (ConnectionError, TimeoutError):
            pass
        self.closing = True
        self.writer.transport.abort()

    async def _send_audio(self, session: Session, leg: AudioLeg) -> None:
        """The feed's sound -> this client's socket, unit by unit; a unit that finds
        the socket backed up (the video waiting on a slow client) is dropped."""
        feed = session.feed
        assert isinstance(feed, AudioFeed)
        units = feed.subscribe_audio()
        p, channel, marker = leg.packetizer, leg.channel, leg.info.codec == "aac"
        transport = self.writer.transport
        last_report = 0.0
        try:
            async for unit in units:
                if unit.info != leg.info:  # not what the SDP described: cannot be sent
                    leg.dropped += 1
                    continue
                if transport.get_write_buffer_size() >= transport.get_write_buffer_limits()[1]:
                    leg.dropped += 1
                    continue
                data = p.interleaved(audio_payloads(unit), unit.pts, channel, marker)
                now = time.time()
                if now - last_report >= SR_INTERVAL:
                    last_report = now
                    wall = session.wallclock(unit.pts / unit.info.rate)
                    report = sender_report(p, wall, p.timestamp(unit.pts))
                    data = interleave(channel + 1, report) + data
                self.writer.write(data)
                leg.sent += 1
        except (ConnectionError, ValueError):
            pass
        except Exception:  # a broken feed ends this client's sound, not the server
            log.exception("RTSP audio for %s failed", session.path)
        finally:
            close = getattr(units, "aclose", None)
            if close is not None:
                await close()
        if not session.video:  # sound only: the stream has ended
            self.closing = True
            transport.abort()


def _channels(session: Session, track: int) -> set[int]:
    """Interleaved channels the session's other track holds."""
    if track == 1:
        return {session.channel, session.channel + 1} if session.video else set()
    if session.audio is None:
        return set()
    return {session.audio.channel, session.audio.channel + 1}


def _tcp_channel(header: str) -> int | None:
    """The first RTP channel of the first TCP transport offered (None when it names
    none; 461 when no TCP transport is offered)."""
    for spec in header.split(","):
        parts = [p.strip() for p in spec.split(";")]
        if parts[0].upper() != "RTP/AVP/TCP":
            continue
        for part in parts[1:]:
            name, _, value = part.partition("=")
            if name.lower() == "interleaved":
                first = value.split("-")[0]
                if not first.isdigit() or int(first) > 254:
                    raise RtspError(400, "bad interleaved channel")
                return int(first)
        return None
    raise RtspError(461)
