"""The app's WebSocket as an event feed: connect, authenticate, read, reconnect.

One background task per device. It connects to ``/ws?token=...``, answers an
``auth_required`` prompt with the token (logging in again if the token is refused),
hands every JSON message to the device, and when the socket drops reconnects with
exponential backoff (reset once a connection is authenticated). Network failures of
the socket become camhub errors in :mod:`camhub.drivers.http`, like every request's;
the handshake is bounded by the device's timeout. After a reconnection the
device may catch up on what it missed (``on_reconnect``). Any other exception (a bug in
a handler or in the event sink) is logged once per kind, with its traceback at debug
level, and the feed reconnects with backoff rather than dying while the device looks
online.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from camhub.drivers.http import translate_errors
from camhub.drivers.ipcamera.transport import IpCameraTransport
from camhub.errors import CamhubError, DeviceLockedOut
from camhub.tasks import cancel_and_wait

log = logging.getLogger(__name__)

FIRST_DELAY = 0.25
MAX_DELAY = 30.0
HEARTBEAT = 15.0


class EventFeed:
    def __init__(
        self,
        transport: IpCameraTransport,
        on_message: Callable[[dict[str, Any]], None],
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.transport = transport
        self.on_message = on_message
        self.on_reconnect = on_reconnect  # after every authenticated connection but the first
        self.connected = asyncio.Event()  # set while an authenticated socket is open
        self.connections = 0  # authenticated connections so far
        self._task: asyncio.Task[None] | None = None
        self._bugs: set[str] = set()  # kinds of unexpected failure already logged

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"ipcamera-ws-{self.transport.device}"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.connected.clear()

    async def _run(self) -> None:
        delay = FIRST_DELAY
        quiet = False  # one log line per outage, not one per attempt
        while True:
            wait = 0.0
            bug = False
            try:
                await self._session()
                problem = "closed by the camera"
            except DeviceLockedOut as exc:
                wait, problem = float(exc.seconds_left), exc.message
            except CamhubError as exc:  # network failures too (drivers.http)
                problem = exc.message
            except Exception as exc:  # a bug in a handler must not end the feed quietly
                bug = True
                problem = ""
                self._report_bug(exc)
            if self.connected.is_set():
                self.connected.clear()
                if not bug:  # a handler that fails on every message must not spin
                    delay, quiet = FIRST_DELAY, False
            if not quiet and not bug:  # a bug has its own line (_report_bug)
                log.warning("%s: event socket %s; reconnecting", self.transport.device, problem)
                quiet = True
            await asyncio.sleep(max(wait, delay * random.uniform(0.8, 1.2)))
            delay = min(delay * 2, MAX_DELAY)

    def _report_bug(self, exc: Exception) -> None:
        """One warning per kind of failure; the traceback of each at debug level."""
        kind = type(exc).__name__
        if kind not in self._bugs:
            self._bugs.add(kind)
            log.warning(
                "%s: event socket handler failed (%s); reconnecting", self.transport.device, kind
            )
        log.debug("%s: event socket handler failed", self.transport.device, exc_info=exc)

    async def _session(self) -> None:
        t = self.transport
        token = await t.ensure_token()
        async with translate_errors(t.device, t.timeout, url=t.ws_url):
            ws = await t.http.ws_connect(
                t.ws_url, params={"token": token}, ssl=False, heartbeat=HEARTBEAT
            )
        async with translate_errors(t.device, url=t.ws_url), ws:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                kind = data.get("type")
                if kind == "auth_required":
                    token = await self.transport.login(stale=token)
                    await ws.send_str(json.dumps({"type": "auth", "token": token}))
                elif (kind == "connected" and data.get("authenticated") is True) or (
                    kind == "auth" and data.get("success") is True
                ):
                    self.connections += 1
                    self.connected.set()
                    if self.connections > 1 and self.on_reconnect is not None:
                        try:
                            await self.on_reconnect()
                        except CamhubError as exc:
                            log.warning("%s: %s", self.transport.device, exc.message)
                elif kind == "auth":  # refused: a fresh login before the next attempt
                    await self.transport.login(stale=token)
                    return
                else:
                    self.on_message(data)
