"""Sign-in, sign-out, status and media tokens (seed 003's conventions).

Every answer here carries ``Cache-Control: no-store``: tokens must not sit in a cache.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from camhub.api.deps import SESSION_COOKIE, State, principal_for
from camhub.auth.media import DEFAULT_TTL, MAX_TTL, MIN_TTL
from camhub.errors import NotFound

router = APIRouter(tags=["auth"])

NO_STORE = {"Cache-Control": "no-store"}


def client_address(conn: HTTPConnection) -> str | None:
    """The caller's address, for the per-address login buckets."""
    return conn.client.host if conn.client is not None else None


def no_store(body: dict[str, Any], status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers={**NO_STORE, **headers})


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field("admin", max_length=128)
    password: str = Field(max_length=1024)


@router.post("/api/auth")
async def login(body: Credentials, state: State, request: Request) -> Response:
    """Exchange a username and password for a session token and a CSRF token.

    The token also comes back as an HttpOnly cookie for browsers; cookie sessions
    must send ``X-CSRF-Token`` on state-changing requests.
    """
    session = await state.auth.login(body.username, body.password, client_address(request))
    assert session.principal is not None
    resp = no_store(
        {
            "success": True,
            "token": session.token,
            "csrfToken": session.csrf_token,
            "username": session.principal.username,
            "role": session.principal.role,
        }
    )
    resp.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        # Behind a TLS proxy the browser speaks HTTPS even though we do not.
        secure=state.settings.tls or state.settings.config.server.trust_forwarded_proto,
        samesite="strict",
        max_age=30 * 24 * 3600,
    )
    return resp


@router.get("/api/auth/status")
async def auth_status(state: State, request: Request) -> Response:
    """Whether authentication is on, and who this request is signed in as."""
    out: dict[str, object] = {"enabled": True, "configured": state.auth.enabled}
    try:
        p = await principal_for(request, allow_query=False)
    except HTTPException:
        out["authenticated"] = False
    else:
        out.update(authenticated=True, username=p.username, role=p.role)
    return no_store(out)


class MediaTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device: str | None = Field(None, max_length=128, description="one device only; null: any")
    ttl: int = Field(DEFAULT_TTL, ge=MIN_TTL, le=MAX_TTL, description="seconds")


@router.post("/api/auth/media-token")
async def media_token(body: MediaTokenRequest, state: State, request: Request) -> Response:
    """A short-lived, view-only token for media URLs (``?token=`` on snapshot and
    stream routes), refused everywhere else. Any signed-in user may get one; it ends
    with the session it was made from. ``expires``: ms since the epoch."""
    p = await principal_for(request, allow_query=False)
    if body.device is not None and body.device not in state.hub.names():
        raise NotFound(f"Device {body.device} not found", device=body.device)
    token, expires = state.auth.media_token(p, body.device, body.ttl)
    return no_store({"token": token, "expires": expires, "device": body.device})


@router.get("/api/auth/csrf")
async def csrf_token(state: State, request: Request) -> Response:
    """A new CSRF token for a cookie session (a browser tab opened without one).

    Only this site's pages can read the answer (same-origin policy), and the cookie
    is SameSite=Strict, so another site can neither get nor use it.
    """
    p = await principal_for(request, allow_query=False)
    if p.via != "cookie" or p.token_hash is None:
        return JSONResponse({"error": "Only cookie sessions use CSRF tokens"}, status_code=400)
    token = await state.auth.new_csrf(p.token_hash)
    if token is None:
        raise HTTPException(401, "Invalid or expired session")
    return no_store({"csrfToken": token})


@router.post("/api/auth/logout")
async def logout(state: State, request: Request) -> Response:
    """Revoke the current session (any role may sign itself out)."""
    p = await principal_for(request, allow_query=False)
    if p.token_hash is not None and p.via != "apikey":  # a key lives in the config
        await state.auth.revoke(p.token_hash)
    resp = no_store({"success": True})
    resp.delete_cookie(SESSION_COOKIE)
    return resp
