"""The codes the IP Camera app answers errors with, and their meanings (seed 003).

HTTP errors carry ``{"error": "..."}`` (or ``{"success": false, "errors": [...]}``
for settings) with a :class:`Status`; the WebSocket closes with a :class:`WsClose`.
"""

from __future__ import annotations

from camhub.errors import VendorCode


class Status(VendorCode):
    """HTTP statuses of the app's error answers."""

    BAD_REQUEST = 400, "invalid request (bad JSON, missing or invalid fields)"
    UNAUTHORIZED = 401, "authentication required, or an invalid password or token"
    FORBIDDEN = 403, "forbidden (Pro license or HTTPS required, bad CSRF token)"
    NOT_FOUND = 404, "nothing to serve yet (no capture taken)"
    TOO_MANY_ATTEMPTS = 429, "too many failed logins: locked out for a while"
    SERVER_ERROR = 500, "server error (event history unavailable, RTSP port taken)"
    UNAVAILABLE = 503, "service unavailable (camera not started, WebSocket down)"


class WsClose(VendorCode):
    """Close codes of the app's WebSocket ``/ws``."""

    GOING_AWAY = 1001, "the server dropped the connection"
    AUTH = 4001, "closed for lack of (valid) authentication"
