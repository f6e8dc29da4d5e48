"""The plain-HTTP listener (seed 003): it only redirects pages.

Pages get a 302 to the HTTPS port; API, session and WebSocket calls get 403
``{"error":"HTTPS required","httpsPort":N}``. Device call-backs (``/hooks/...``)
are passed to the main app: cameras such as Sercomm's can only notify over plain
HTTP, and the hook URL's secret authenticates them.
"""

from __future__ import annotations

import json

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


class RedirectApp:
    def __init__(self, main: ASGIApp, https_port: int) -> None:
        self.main = main
        self.https_port = https_port
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
            host = dict(scope.get("headers", [])).get(b"host", b"localhost").decode("latin-1")
            hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
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
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self.body})
