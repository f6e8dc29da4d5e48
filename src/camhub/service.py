"""``Camhub``: the one service object. It owns the shared HTTP client, the store, auth,
the device hub and the stream hub, starts and stops them in order, and applies a new
configuration (``reload``). The API, the CLI and the compat layers call it; none of
them orchestrates the parts themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from camhub.auth.service import AuthService
from camhub.capabilities import Capability
from camhub.config import Config, load_config
from camhub.drivers import kind_check, resolve
from camhub.drivers.http import same_host_redirects
from camhub.errors import CamhubError, Conflict, NotFound
from camhub.hub.hub import Hub
from camhub.private import private_dir, restrict
from camhub.settings import AppSettings
from camhub.streams.audio import wav_sound
from camhub.streams.feeds import PacketFeed
from camhub.tasks import cancel_and_wait
from camhub.tls import ensure_certificate

if TYPE_CHECKING:
    from camhub.recordings.manager import RecordingManager
    from camhub.store import Store
    from camhub.streams import StreamHub
    from camhub.streams.frames import Frame

log = logging.getLogger("camhub")

KEY_BYTES = 32
HOUSEKEEPING_SECONDS = 3600
VIDEO = frozenset({Capability.STREAM, Capability.SNAPSHOT})  # a recording can be made of


def new_http_session() -> aiohttp.ClientSession:
    """The one HTTP client every driver shares."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=256, limit_per_host=16, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30),
        cookie_jar=aiohttp.DummyCookieJar(),
        raise_for_status=False,
        # also for requests made outside drivers.http (WebSocket handshakes)
        middlewares=(same_host_redirects,),
    )


def secret_key(data_dir: Path) -> bytes:
    """A random key kept in the data dir (0600), for hook URL secrets.

    Written to a temporary file and renamed, so a crash never leaves an empty key
    (with which every hook secret could be computed); a damaged key is replaced.
    """
    path = data_dir / "secret.key"
    if path.exists() and len(key := path.read_bytes()) == KEY_BYTES:
        return key
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(KEY_BYTES))
    os.replace(tmp, path)
    return path.read_bytes()


def hook_base(settings: AppSettings) -> str | None:
    if settings.hook_base_url:
        return settings.hook_base_url
    host = settings.config.server.host
    if host in ("0.0.0.0", "::", ""):
        return None  # cannot guess an address devices can reach; set server.hook_base_url
    if settings.http_port is not None:
        return f"http://{host}:{settings.http_port}"
    return f"{'https' if settings.tls else 'http'}://{host}:{settings.https_port}"


class Camhub:
    """Start with ``async with Camhub(settings) as camhub:`` (or start/stop)."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self._stack = contextlib.AsyncExitStack()
        self._reload_lock = asyncio.Lock()
        self._children_changed = asyncio.Event()
        self._started = False

    # the parts, set by start() ------------------------------------------------------
    http: aiohttp.ClientSession
    store: Store
    auth: AuthService
    hub: Hub
    streams: StreamHub
    recordings: RecordingManager

    @property
    def config(self) -> Config:
        return self.hub.config

    async def __aenter__(self) -> Camhub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Build everything in order; on a failure, close what did start and raise."""
        from camhub.recordings.manager import RecordingManager
        from camhub.store import Store
        from camhub.streams import StreamHub

        settings = self.settings
        data_dir = private_dir(settings.data_dir)
        if settings.tls and settings.self_signed:
            ensure_certificate(settings.cert_path, settings.key_path)
            restrict(settings.cert_path)  # made 0644 by older versions
        config = resolve(settings.config)
        stack = self._stack
        try:
            self.http = new_http_session()
            stack.push_async_callback(self.http.close)
            self.store = await Store.open(config.store, data_dir)
            stack.push_async_callback(self.store.close)
            for path in self.store.local_files():
                restrict(path)  # SQLite gives its journal files the database's mode
            key = secret_key(data_dir)
            self.auth = AuthService(self.store, data_dir / "users.json", key)
            stack.callback(self.auth.close)
            await self.auth.load_users(config)
            self.hub = Hub(config, self.http, self.store, data_dir, hook_base(settings), key)
            self.streams = StreamHub(self.http, self.hub.get, self.hub.emit, data_dir)
            stack.push_async_callback(self.streams.close)
            stack.push_async_callback(self.hub.stop)  # before start: stops what did start
            await self.hub.start()
            await self.streams.sync_devices(self.hub.devices())
            self.recordings = RecordingManager(
                self.store, data_dir, feed_for=self._feed, jpeg_frames_for=self._jpegs
            )
            stack.push_async_callback(self.recordings.close)
            await self.recordings.start(config)
            follow = asyncio.create_task(self._follow_children(), name="camhub-rec-children")
            stack.push_async_callback(cancel_and_wait, follow)
            stack.callback(self.hub.subscribe(self._on_device))
            housekeeping = asyncio.create_task(self._housekeeping(), name="camhub-housekeeping")
            stack.callback(housekeeping.cancel)
        except BaseException:
            await stack.aclose()
            raise
        self._started = True

    async def stop(self) -> None:
        self._started = False
        await self._stack.aclose()

    async def reload(self) -> dict[str, Any]:
        """Re-read the config file and apply it.

        Raises ConfigError (the running config stays) or Conflict (no config file).
        Answers the devices ``added``/``removed``/``changed`` and ``restartNeeded``: the
        sections that only apply at start (listeners, TLS, the store)."""
        path = self.settings.config_path
        if path is None:
            raise Conflict("camhub was not started from a config file")
        new = resolve(await asyncio.to_thread(load_config, path, kind_check))
        return await self.apply(new)

    async def apply(self, new: Config) -> dict[str, Any]:
        async with self._reload_lock:  # one reload at a time: users and devices from one file
            result: dict[str, Any] = dict(await self.hub.reload(new))
            await self.auth.load_users(new)
            await self.streams.sync_devices(self.hub.devices())
            await self.recordings.sync(new, self._cameras_of_parents())
        pending = [
            k
            for k in ("server", "store", "mqtt")
            if getattr(new, k) != getattr(self.settings.config, k)
        ]
        if pending:
            result["restartNeeded"] = pending
        return result

    # recording the cameras a device brings (a tinyCam server's) --------------------
    def _cameras_of_parents(self) -> dict[str, list[str]]:
        out = {}
        for name in self.hub.names():
            children = self.hub.summary(name).get("children") or []
            cams = [c for c in children if VIDEO & self.hub.get(c).capabilities]
            if cams:
                out[name] = cams
        return out

    def _on_device(self, message: dict[str, Any]) -> None:
        device = message.get("device")
        if message.get("type") == "device_removed" or (
            isinstance(device, dict) and "children" in device
        ):
            self._children_changed.set()

    async def _follow_children(self) -> None:
        """Recorders for a parent's cameras as they come and go (``record`` on it)."""
        known = self._cameras_of_parents()
        await self.recordings.sync(self.config, known)
        while True:
            await self._children_changed.wait()
            self._children_changed.clear()
            async with self._reload_lock:
                now = self._cameras_of_parents()
                if now != known:
                    known = now
                    await self.recordings.sync(self.config, now)

    def _feed(self, name: str) -> PacketFeed | None:
        """A recording camera's H.264 (remuxed, never transcoded), from the packet hub;
        an MJPEG camera's JPEGs encoded once instead (in a worker process)."""
        frames = self._jpegs(name)
        if frames is None:
            return None
        from camhub.recordings.source import encoded

        sound = None
        if Capability.AUDIO in self.hub.get(name).capabilities:  # its WAV, beside the JPEGs
            sound = functools.partial(wav_sound, self.http, functools.partial(self.hub.get, name))
        return PacketFeed(
            self.streams.packets, name, fallback=lambda: encoded(frames), fallback_audio=sound
        )

    def _jpegs(self, name: str) -> AsyncIterator[Frame] | None:
        """A recording camera's JPEG frames, from the stream hub's one upstream."""
        try:
            device = self.hub.get(name)
        except NotFound:
            return None
        if not VIDEO & device.capabilities:
            return None
        return self._frames(name)

    async def _frames(self, name: str) -> AsyncIterator[Frame]:
        async with self.streams.subscribe(name) as viewer:
            while True:
                yield await viewer.next_frame()

    async def _housekeeping(self) -> None:
        """Hourly: drop expired sessions, forget old login failures."""
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            try:
                await self.store.delete_expired_sessions()
            except CamhubError as exc:
                log.warning("session clean-up failed: %s", exc.message)
            self.auth.prune()
