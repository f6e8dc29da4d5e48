"""HTTP transport to a Sercomm camera: basic auth, one shared client, errors mapped.

Every request goes through :meth:`SercommTransport.request`, which sends it with
:func:`camhub.drivers.http.fetch` (network failures become camhub errors there) and
turns the camera's HTTP statuses into camhub errors here. An idempotent GET that meets
a connection the camera closed while it sat in the pool (a reboot, a restart) is
tried once more on a fresh connection. Replies are :class:`camhub.drivers.http.Reply`.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from camhub.drivers.http import REPLY_LIMIT, Reply, fetch
from camhub.errors import DeviceAuthError, DeviceError

QueryValue = str | int


class SercommTransport:
    """Sends requests to one camera at ``http://host:port``."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        host: str,
        port: int | None,
        username: str | None,
        password: str | None,
        timeout: float,
        device: str,
    ) -> None:
        self._http = http
        self.base_url = f"http://{host}:{port or 80}"
        self._headers: dict[str, str] = {}
        if username:
            self._headers["Authorization"] = aiohttp.encode_basic_auth(username, password or "")
        self._timeout = timeout
        self.device = device

    def __repr__(self) -> str:
        return f"<SercommTransport {self.base_url}>"

    @property
    def auth_headers(self) -> dict[str, str]:
        """The Authorization header, for media readers that connect on their own."""
        return dict(self._headers)

    async def get(
        self,
        path: str,
        query: Mapping[str, QueryValue] | None = None,
        *,
        limit: int = REPLY_LIMIT,
    ) -> Reply:
        """GET ``path``; the reply may hold ``limit`` bytes (a picture: ``STILL_LIMIT``)."""
        return await self.request("GET", path, query, limit=limit)

    async def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, QueryValue] | None = None,
        body: bytes | None = None,
        *,
        limit: int = REPLY_LIMIT,
    ) -> Reply:
        reply = await fetch(
            self._http,
            method,
            self.base_url + path,
            device=self.device,
            timeout=self._timeout,
            limit=limit,
            retry_disconnected=method == "GET",
            params={k: str(v) for k, v in (query or {}).items()},
            data=body,
            headers=self._headers,
        )
        self._check_status(reply)
        return reply

    def _check_status(self, reply: Reply) -> None:
        if reply.status == 401:
            raise DeviceAuthError(
                f"{self.device}: the camera refused the credentials (or the user lacks the "
                "rights for this request)",
                device=self.device,
                code=401,
            )
        if reply.status == 404:
            raise DeviceError(
                f"{self.device}: this camera does not offer that function",
                device=self.device,
                code=404,
            )
        if reply.status >= 400:
            raise DeviceError(
                f"{self.device}: the camera answered HTTP {reply.status}",
                device=self.device,
                code=reply.status,
            )
