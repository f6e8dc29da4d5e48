"""The plain-HTTP listener (seed 003): it only redirects pages.

Pages get a 302 to the HTTPS port; API, session and WebSocket calls get 403
``{"error":"HTTPS required","httpsPort":N}``. Device call-backs (``/hooks/...``)
are passed to the main app: cameras such as Sercomm's can only notify over plain
HTTP, and the hook URL's secret authenticates them.

The redirect keeps the name the browser used only when it is a name of this server
(the address the connection came in on, the configured host, the host's own names
and addresses, the certificate's names, the hook base URL's host); any other
``Host`` gets 400, so the listener cannot send a browser, and the ``?token=`` in
its URL, to another site.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIXES = (
    "/api",
    "/auth",
    "/login",
    "/actions",
    "/devices",
    "/metrics",
    "/cert",
    "/refresh-session",
    "/reload-config",
    "/openapi.json",
    "/axis-cgi",
    "/param.cgi",
)


def host_name(host: str) -> str | None:
    """The name in a ``Host`` header (no port, IPv6 without brackets); None if malformed."""
    if host.startswith("["):
        name, sep, rest = host[1:].partition("]")
        if not sep or (rest and not (rest.startswith(":") and rest[1:].isdecimal())):
            return None
    else:
        name, _, port = host.partition(":")
        if port and not port.isdecimal():
            return None
    return name.lower() or None


class RedirectApp:
    def __init__(self, main: ASGIApp, https_port: int, names: Iterable[str] = ()) -> None:
        self.main = main
        self.https_port = https_port
        self.names = {n.lower() for n in names if n}
        self.body = json.dumps({"error": "HTTPS required", "httpsPort": https_port}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            msg = await receive()
            while msg["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                msg = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        path: str = scope.get("path", "/")
        if scope["type"] == "http" and path.startswith("/hooks/"):
            await self.main(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "websocket.http.response.body", "body": self.body})
            return
        if path == "/" or not path.startswith(API_PREFIXES):
            hostname = self._target(scope)
            if hostname is None:
                await self._answer(send, 400, b'{"error": "Unknown host"}')
                return
            query = scope.get("query_string", b"").decode("latin-1")
            location = f"https://{hostname}:{self.https_port}{path}" + (
                f"?{query}" if query else ""
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 302,
                    "headers": [
                        (b"location", location.encode("latin-1")),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self._answer(send, 403, self.body)

    def _target(self, scope: Scope) -> str | None:
        """The host to redirect to (bracketed if IPv6), or None for a foreign one."""
        local = str((scope.get("server") or ("127.0.0.1", 0))[0]).lower()
        raw = dict(scope.get("headers", [])).get(b"host")
        name = local if raw is None else host_name(raw.decode("latin-1"))
        if name is None or (name != local and name not in self.names):
            return None
        return f"[{name}]" if ":" in name else name

    @staticmethod
    async def _answer(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
