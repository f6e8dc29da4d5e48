"""Who may reach what: HTTPS-only, authentication, CSRF and the Pro/free split.

Checked in this order by one middleware:

1. Plain HTTP (the redirect listener): pages are redirected to HTTPS, everything else
   (API, session endpoints, WebSocket upgrades) gets 403 ``HTTPS required``. With
   reverse-proxy mode on (a Pro setting), ``X-Forwarded-Proto: https`` counts as HTTPS.
2. Authentication: a token as Bearer header, session cookie or (media routes only)
   ``?token=``; the login, status, logout, dashboard and certificate-info routes are open.
3. Pro: free users are refused direct API access (Bearer or ``?token=``) and, even from
   the dashboard, the Pro features, with ``{"error": "Pro license required", "feature"}``.
4. CSRF: cookie sessions must send ``X-CSRF-Token`` on POST, PUT and DELETE.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from camhub.sim.ipcamera.auth import Session, Via
from camhub.sim.ipcamera.codes import Status
from camhub.sim.ipcamera.host import AccessHost

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

OPEN = frozenset({"/", "/auth", "/auth/status", "/auth/logout", "/cert/info"})
MEDIA = frozenset({"/stream", "/snapshot", "/capture", "/ws"})
PAGE_SUFFIXES = (".html", ".js", ".css", ".ico", ".png", ".svg")
PRO_FEATURES: tuple[tuple[str, str], ...] = (
    ("/api/rtsp/", "rtsp_streaming"),
    ("/api/mqtt/", "mqtt_integration"),
    ("/api/events/export", "event_export"),
    ("/api/storage/stats", "storage_analytics"),
    ("/events", "event_history"),
    ("/cert", "certificate_download"),
)
DIRECT_API = "api_access"
HINT = "Access this feature through the web dashboard or upgrade to Pro"
STATE_CHANGING = frozenset({"POST", "PUT", "DELETE"})


def is_page(path: str) -> bool:
    return path == "/" or path.endswith(PAGE_SUFFIXES)


def pro_feature(path: str) -> str | None:
    if path.startswith("/cert/"):
        return None  # info and regenerate are not the download
    for prefix, feature in PRO_FEATURES:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return feature
    return None


def pro_required(feature: str) -> web.Response:
    return web.json_response(
        {"error": "Pro license required", "feature": feature, "hint": HINT}, status=Status.FORBIDDEN
    )


def build_middleware(host: AccessHost) -> Middleware:
    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith("/__sim/"):
            return await handler(request)
        if not _secure(host, request):
            if is_page(path) and request.headers.get("Upgrade", "").lower() != "websocket":
                address = request.url.host or host.opts.host
                raise web.HTTPFound(f"https://{address}:{host.port}{request.path_qs}")
            return web.json_response(
                {"error": "HTTPS required", "httpsPort": host.port}, status=Status.FORBIDDEN
            )
        if path in OPEN or is_page(path) or path == "/ws":
            return await handler(request)  # /ws runs its own auth_required exchange
        if path == "/cert":  # public for Pro users, a Pro feature for the others
            if not host.settings.pro:
                return pro_required("certificate_download")
            return await handler(request)
        refusal = _refusal(host, request, path)
        return refusal if refusal is not None else await handler(request)

    return access


def _refusal(host: AccessHost, request: web.Request, path: str) -> web.Response | None:
    """The answer refusing this request, or None to let it through."""
    feature = pro_feature(path)
    found = _session(host, request, media=path in MEDIA)
    if found is None:
        if host.auth.enabled:
            bad = bool(request.headers.get("Authorization"))
            return web.json_response(
                {"error": "Invalid token" if bad else "Authentication required"},
                status=Status.UNAUTHORIZED,
            )
        return pro_required(feature) if feature and not host.settings.pro else None
    session, via = found
    if not host.settings.pro and (via is not Via.COOKIE or feature is not None):
        return pro_required(feature or DIRECT_API)
    csrf_ok = request.headers.get("X-CSRF-Token") == session.csrf
    if via is Via.COOKIE and request.method in STATE_CHANGING and not csrf_ok:
        return web.json_response({"error": "Invalid CSRF token"}, status=Status.FORBIDDEN)
    return None


def _secure(host: AccessHost, request: web.Request) -> bool:
    if request.secure:
        return True
    return (
        host.reverse_proxy
        and host.settings.pro
        and request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    )


def request_token(request: web.Request, media: bool) -> tuple[str, Via] | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), Via.BEARER
    if media and request.query.get("token"):
        return request.query["token"], Via.QUERY
    if request.cookies.get("session"):
        return request.cookies["session"], Via.COOKIE
    return None


def _session(host: AccessHost, request: web.Request, media: bool) -> tuple[Session, Via] | None:
    found = request_token(request, media)
    if found is None:
        return None
    session = host.auth.find(found[0])
    return (session, found[1]) if session is not None else None
