"""Request dependencies: app state, authentication, roles, CSRF.

Rules (seed 003, design contract):
- ``Authorization: Bearer <token>``: a session token (or a tapo-rest API key); no CSRF.
- ``camhub_session`` cookie: a session; POST/PUT/PATCH/DELETE must carry a matching
  ``X-CSRF-Token`` header.
- ``?token=``: only on media routes (``<img src>``, players): a session token (seed
  003) or a media token (:mod:`camhub.auth.media`). A media token is accepted there
  and nowhere else, never as ``Bearer``, and views as a guest.
- A guest may read; any state-changing method needs an admin.
There is no bypass for localhost or for any address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection

from camhub.auth.media import is_media_token
from camhub.auth.principal import Principal

if TYPE_CHECKING:
    from camhub.api.state import AppState

SESSION_COOKIE = "camhub_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_state(conn: HTTPConnection) -> AppState:
    state: AppState = conn.app.state.camhub
    return state


def _bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


MEDIA_ONLY = "A media token only opens media URLs (as ?token=)"


async def principal_for(
    conn: HTTPConnection, *, allow_query: bool, allow_media: bool = False
) -> Principal:
    """Authenticate a request or WebSocket; raise 401/403 as JSON errors.

    ``allow_query``: a session token as ``?token=``; ``allow_media``: a media token
    as ``?token=`` too (media routes only, through :func:`media_viewer`).
    """
    state = get_state(conn)
    auth = state.auth
    method = conn.scope.get("method", "GET")
    token = _bearer(conn)
    if token is not None:
        key = auth.api_key(token)
        if key is not None:
            return key
        if is_media_token(token):
            raise HTTPException(403, MEDIA_ONLY)
        session = await auth.session(token)
        if session is None:
            raise HTTPException(401, "Invalid or expired token")
        return session.principal
    qtoken = conn.query_params.get("token") if allow_query else None
    if qtoken and is_media_token(qtoken):
        if not allow_media:
            raise HTTPException(403, MEDIA_ONLY)
        media = await auth.media_principal(qtoken)
        if media is None:
            raise HTTPException(401, "Invalid or expired media token")
        return media
    if qtoken:
        session = await auth.session(qtoken)
        if session is None:
            raise HTTPException(401, "Invalid or expired token")
        p = session.principal
        return Principal(p.username, p.role, "query", p.token_hash)
    cookie = conn.cookies.get(SESSION_COOKIE)
    if cookie:
        session = await auth.session(cookie)
        if session is None:
            raise HTTPException(401, "Invalid or expired session")
        if method not in SAFE_METHODS and not auth.csrf_ok(
            session, conn.headers.get("x-csrf-token")
        ):
            raise HTTPException(403, "Invalid CSRF token")
        p = session.principal
        return Principal(p.username, p.role, "cookie", p.token_hash)
    raise HTTPException(401, "Authentication required")


def _role_check(request: Request, p: Principal) -> Principal:
    if request.method not in SAFE_METHODS and not p.is_admin:
        raise HTTPException(403, "Admin role required")
    return p


async def authenticated(request: Request) -> Principal:
    """Any signed-in user; guests only for safe methods."""
    return _role_check(request, await principal_for(request, allow_query=False))


async def media_viewer(request: Request) -> Principal:
    """Who may view a media route: like :func:`authenticated`, also accepting
    ``?token=``, a session token or a media token. Every media route (snapshot,
    streams, recordings...) depends on this, and only media routes do.

    A media token limited to a device opens only routes whose ``{name}`` is that
    device; routes without a device in their path take unlimited media tokens only.
    """
    p = _role_check(request, await principal_for(request, allow_query=True, allow_media=True))
    if p.via == "media" and p.device is not None and request.path_params.get("name") != p.device:
        raise HTTPException(403, "This media token is for another device")
    return p


async def admin(request: Request) -> Principal:
    p = await principal_for(request, allow_query=False)
    if not p.is_admin:
        raise HTTPException(403, "Admin role required")
    return p


def stream_owner(state: AppState, p: Principal) -> str | None:
    """Whose streams a viewer counts against (``camhub.streams.limits``): the user's,
    by name, whatever session or media token it came with; None for admins (users
    whose role is admin, and API keys), who could lift any limit in the config."""
    if p.via == "apikey" or state.auth.user_role(p.username) == "admin":
        return None
    return p.username


State = Annotated["AppState", Depends(get_state)]
User = Annotated[Principal, Depends(authenticated)]
MediaUser = Annotated[Principal, Depends(media_viewer)]
Admin = Annotated[Principal, Depends(admin)]
