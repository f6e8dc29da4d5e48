"""How the tinyCam web server refuses a request: its statuses and their meanings.

An error answer is plain text ``HTTP <status>. <text>`` (:func:`error_response`);
some tinyCam versions send that text with status 200 (``legacy``). Handlers and the
auth helpers raise :class:`Denied`; the emulator's middleware writes the answer.
"""

from __future__ import annotations

from aiohttp import web

from camhub.errors import VendorCode


class Status(VendorCode):
    """The statuses the server answers a refused request with."""

    BAD_REQUEST = 400, "a parameter is missing or invalid"
    UNAUTHORIZED = 401, "no credentials, or a wrong user name or password"
    FORBIDDEN = 403, "invalid token, or the account lacks admin access or root"
    NOT_FOUND = 404, "no such endpoint, camera, preset or file"
    UNAVAILABLE = 503, "the camera is disabled"


class Denied(Exception):
    """Refuse the request with ``status``; ``text`` follows ``HTTP <status>.``."""

    def __init__(self, status: Status, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def error_response(status: Status, text: str, legacy: bool = False) -> web.Response:
    headers = {"WWW-Authenticate": 'Basic realm="tinyCam Monitor"'} if status == 401 else {}
    return web.Response(
        status=200 if legacy else int(status),
        text=f"HTTP {int(status)}. {text}",
        headers=headers,
    )
