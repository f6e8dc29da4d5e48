"""The web page: ``/`` and its assets under ``/web/`` (plain files, no build step)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from camhub.errors import NotFound

router = APIRouter(tags=["web"], include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent.parent.parent / "web"
_ASSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*\.(?:js|css|html|svg|png|ico)$")
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# The page loads only its own scripts; media and the WebSocket come from this origin
# ('self' covers ws:/wss: to this origin in CSP 3 browsers, and no other host).
SECURITY = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
        "connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _file(name: str) -> FileResponse:
    if not _ASSET.match(name):
        raise NotFound("Not found")
    path = WEB_DIR / name
    if not path.is_file():
        raise NotFound("Not found")
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=SECURITY)


@router.get("/")
async def index() -> FileResponse:
    return _file("index.html")


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """For clients that ask here whatever the page says (it links ``icon.svg``)."""
    return _file("icon.svg")


@router.get("/web/{name}")
async def asset(name: str) -> FileResponse:
    return _file(name)
