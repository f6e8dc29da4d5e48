"""HTTPS to the IP Camera app: token login, re-login on 401, lockout, network errors.

All requests go through the shared ``aiohttp.ClientSession``; the app's certificate is
self-signed, so it is not verified. Network failures become camhub errors in
:mod:`camhub.drivers.http`; the app's statuses and lockout are read here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp

from camhub.drivers.http import REPLY_LIMIT, STILL_LIMIT, fetch
from camhub.drivers.ipcamera.protocol import ApiStatus, error_for, expect_dict, lockout_seconds
from camhub.errors import DeviceAuthError, DeviceLockedOut, MalformedReply

log = logging.getLogger(__name__)


class IpCameraTransport:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        password: str | None,
        device: str,
        timeout: float = 10.0,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._password = password or ""
        self.device = device
        self.timeout = timeout
        self._token: str | None = None
        self._locked_until = 0.0
        self._login_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<IpCameraTransport {self.device!r} {self.base_url}>"

    @property
    def token(self) -> str | None:
        return self._token

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/ws"

    # login ----------------------------------------------------------------------------
    async def login(self, stale: str | None = None) -> str:
        """A valid token: log in unless another task already replaced ``stale``."""
        async with self._login_lock:
            if self._token is not None and self._token != stale:
                return self._token
            left = self._locked_until - time.monotonic()
            if left > 0:
                raise DeviceLockedOut(
                    f"{self.device}: locked out after failed logins",
                    seconds_left=int(left + 0.999),
                    device=self.device,
                )
            status, body = await self._send("POST", "/auth", {"password": self._password}, None)
            if status == ApiStatus.TOO_MANY_REQUESTS:
                self._locked_until = time.monotonic() + lockout_seconds(body)
            if status != 200:
                raise error_for(status, body, self.device)
            answer = expect_dict(body, "login", self.device)
            token = answer.get("token")
            if answer.get("success") is not True or not isinstance(token, str) or not token:
                raise DeviceAuthError(f"{self.device}: login refused", device=self.device)
            self._token = token
            return token

    async def ensure_token(self) -> str:
        return self._token if self._token is not None else await self.login()

    async def logout(self) -> None:
        if self._token is not None:
            await self.request("POST", "/auth/logout", retry=False)
            self._token = None

    # requests -------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        *,
        retry: bool = True,
    ) -> Any:
        """Send with the token; log in again once on 401. Returns the parsed JSON."""
        _, answer = await self._authed(method, path, body, params, retry)
        return answer

    async def request_bytes(self, path: str, params: dict[str, str] | None = None) -> bytes:
        """GET a binary resource (JPEG, PEM) with the token."""
        token = await self.ensure_token()
        for attempt in (1, 2):
            status, data = await self._send(
                "GET", path, None, params, token=token, raw=True, limit=STILL_LIMIT
            )
            if status == ApiStatus.UNAUTHORIZED and attempt == 1:
                token = await self.login(stale=token)
                continue
            if status != 200:
                raise error_for(status, _maybe_json(data), self.device)
            assert isinstance(data, bytes)
            return data
        raise AssertionError("unreachable")

    async def _authed(
        self, method: str, path: str, body: Any, params: dict[str, str] | None, retry: bool
    ) -> tuple[int, Any]:
        token = await self.ensure_token()
        status, answer = await self._send(method, path, body, params, token=token)
        if status == ApiStatus.UNAUTHORIZED and retry:
            token = await self.login(stale=token)
            status, answer = await self._send(method, path, body, params, token=token)
        if status != 200:
            raise error_for(status, answer, self.device)
        return status, answer

    async def _send(
        self,
        method: str,
        path: str,
        body: Any,
        params: dict[str, str] | None,
        *,
        token: str | None = None,
        raw: bool = False,
        limit: int = REPLY_LIMIT,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = await fetch(
            self.http,
            method,
            self.base_url + path,
            device=self.device,
            timeout=self.timeout,
            limit=limit,
            json=body,
            params=params,
            headers=headers,
            ssl=False,
            allow_redirects=False,
        )
        data, status = reply.body, reply.status
        if raw and status == 200:
            return status, data
        parsed = _maybe_json(data)
        if status == 200 and parsed is None and data.strip():
            raise MalformedReply(self.device, f"{method} {path}")
        return status, parsed


def _maybe_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
