"""HTTP to a tinyCam Monitor web server: authentication and network errors.

tinyCam takes credentials three ways. The transport logs in once
(``/api/v1/login``) and sends the token with each request; when the server forgets
it (app restart, expiry, logout) it logs in again and retries once. Servers without
``/api/v1/login`` (old versions) get basic auth on every request instead.

Errors come back as text, ``HTTP <status>. <reason>``, usually with that status but
with 200 on some versions; :func:`effective_status` reads both. Network failures
become camhub errors in :mod:`camhub.drivers.http`, whose messages carry no URL, token
or password; this module adds tinyCam's meaning of the statuses.

With its HTTPS option on, tinyCam serves a self-signed certificate generated on the
phone: the certificate is not verified (as for every camera camhub drives).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from camhub.drivers.http import REPLY_LIMIT, fetch
from camhub.errors import DeviceAuthError, DeviceError

_TEXT_STATUS = re.compile(rb"^HTTP (\d{3})\b\.?\s*(.*)", re.DOTALL)

AuthMode = Literal["token", "basic"]


@dataclass(frozen=True)
class Reply:
    status: int  # the effective status (see effective_status)
    content_type: str
    body: bytes = field(repr=False)

    @property
    def reason(self) -> str:
        """The server's own words after ``HTTP <status>.``, or ''."""
        m = _TEXT_STATUS.match(self.body[:300])
        return m[2].decode("utf-8", "replace").strip() if m else ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


def effective_status(status: int, content_type: str, body: bytes) -> int:
    """The HTTP status, or the one an ``HTTP <status>.`` text body announces."""
    if status == 200 and content_type.startswith("text/"):
        m = _TEXT_STATUS.match(body[:300])
        if m:
            return int(m[1])
    return status


class TinyCamTransport:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        username: str,
        password: str,
        device: str,
        timeout: float = 10.0,
        mode: AuthMode = "token",
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.device = device
        self.timeout = timeout
        self.mode: AuthMode = mode
        self.token: str | None = None
        self.access: str | None = None  # "admin" / "guest" once known
        self._login_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<TinyCamTransport {self.device} {self.base_url} {self.mode}>"

    # credentials -----------------------------------------------------------------------
    def basic_header(self) -> dict[str, str]:
        raw = f"{self.username}:{self._password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    def auth_params(self) -> dict[str, str]:
        return {"token": self.token} if self.mode == "token" and self.token else {}

    def auth_headers(self) -> dict[str, str]:
        return self.basic_header() if self.mode == "basic" else {}

    async def login(self, stale: str | None = None) -> None:
        """Get a token (or fall back to basic auth). ``stale``: the token that failed;
        when another task already replaced it, nothing is done."""
        async with self._login_lock:
            if self.mode == "basic" or (self.token is not None and self.token != stale):
                return
            reply = await self._send(
                "/api/v1/login", {"user": self.username, "pwd": self._password}, {}
            )
            if reply.status == 404:  # no token API: an old server
                self.mode, self.token = "basic", None
                return
            if reply.status in (401, 403):
                raise DeviceAuthError(
                    f"{self.device}: the tinyCam server refused the username or password",
                    device=self.device,
                    code=reply.status,
                )
            data = reply.json()
            payload = data.get("data") if isinstance(data, dict) else None
            token = payload.get("token") if isinstance(payload, dict) else None
            if reply.status != 200 or not isinstance(token, str) or not token:
                raise DeviceError(
                    f"{self.device}: unexpected answer to tinyCam login (HTTP {reply.status})",
                    device=self.device,
                    code=reply.status,
                )
            self.token = token
            access = payload.get("access") if isinstance(payload, dict) else None
            self.access = access if access in ("admin", "guest") else None

    async def logout(self) -> None:
        token, self.token = self.token, None
        if self.mode == "token" and token:
            with contextlib.suppress(DeviceError):
                await self._send("/api/v1/logout", {"token": token}, {})

    # requests ----------------------------------------------------------------------------
    async def request(
        self, path: str, params: dict[str, Any] | None = None, *, limit: int = REPLY_LIMIT
    ) -> Reply:
        """GET ``path`` authenticated; re-login once when the token is refused. The
        reply may hold ``limit`` bytes (a picture: ``STILL_LIMIT``)."""
        params = {k: str(v) for k, v in (params or {}).items()}
        if self.mode == "token" and self.token is None:
            await self.login()
        for attempt in (1, 2):
            used = self.token
            reply = await self._send(
                path, {**params, **self.auth_params()}, self.auth_headers(), limit
            )
            token_refused = reply.status == 401 or (
                reply.status == 403 and "token" in reply.reason.lower()
            )
            if attempt == 1 and self.mode == "token" and token_refused:
                await self.login(stale=used)
                continue
            if reply.status == 401:
                raise DeviceAuthError(
                    f"{self.device}: the tinyCam server refused the username or password",
                    device=self.device,
                    code=401,
                )
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        path: str,
        params: dict[str, str],
        headers: dict[str, str],
        limit: int = REPLY_LIMIT,
    ) -> Reply:
        reply = await fetch(
            self.http,
            "GET",
            self.base_url + path,
            device=self.device,
            timeout=self.timeout,
            limit=limit,
            params=params,
            headers=headers,
            allow_redirects=False,
            ssl=False,  # tinyCam's HTTPS uses a self-signed certificate
        )
        ctype = reply.content_type
        return Reply(effective_status(reply.status, ctype, reply.body), ctype, reply.body)
