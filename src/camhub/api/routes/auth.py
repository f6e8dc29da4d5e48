"""Sign-in, sign-out and status (seed 003's conventions)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from camhub.api.deps import SESSION_COOKIE, State, principal_for
from camhub.auth.service import BadCredentials, LockedOut

router = APIRouter(tags=["auth"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field("admin", max_length=128)
    password: str = Field(max_length=1024)


def lockout_response(exc: LockedOut) -> JSONResponse:
    return JSONResponse(
        {
            "success": False,
            "error": "Too many attempts",
            "lockout": True,
            "lockoutRemaining": exc.remaining,
        },
        status_code=429,
        headers={"Retry-After": str(exc.remaining)},
    )


@router.post("/api/auth")
async def login(body: Credentials, state: State, request: Request) -> Response:
    """Exchange a username and password for a session token and a CSRF token.

    The token also comes back as an HttpOnly cookie for browsers; cookie sessions
    must send ``X-CSRF-Token`` on state-changing requests.
    """
    try:
        session = await state.auth.login(body.username, body.password)
    except LockedOut as exc:
        return lockout_response(exc)
    except BadCredentials:
        return JSONResponse({"success": False, "error": "Invalid password"}, status_code=401)
    assert session.principal is not None
    resp = JSONResponse(
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
async def auth_status(state: State, request: Request) -> dict[str, object]:
    """Whether authentication is on, and who this request is signed in as."""
    out: dict[str, object] = {"enabled": True, "configured": state.auth.enabled}
    try:
        p = await principal_for(request, allow_query=False)
    except HTTPException:
        out["authenticated"] = False
    else:
        out.update(authenticated=True, username=p.username, role=p.role)
    return out


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
    return JSONResponse({"csrfToken": token}, headers={"Cache-Control": "no-store"})


@router.post("/api/auth/logout")
async def logout(state: State, request: Request) -> Response:
    """Revoke the current session (any role may sign itself out)."""
    p = await principal_for(request, allow_query=False)
    if p.token_hash is not None and p.via != "apikey":  # a key lives in the config
        await state.auth.revoke(p.token_hash)
    resp = JSONResponse({"success": True})
    resp.delete_cookie(SESSION_COOKIE)
    return resp
