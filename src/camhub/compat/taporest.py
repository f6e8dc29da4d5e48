"""tapo-rest compatible routes, at tapo-rest's own paths.

    POST /login                          {"password"} -> the raw session id (text/plain)
    GET  /devices                        the configured devices, as tapo-rest lists them
    GET  /actions                        every action route, one per line (public)
    GET  /actions/{type}/{action}?device=NAME&...
    GET  /refresh-session?device=NAME    log in to the device again
    POST /reload-config                  re-read the config file

A tapo-rest session is a camhub session (same store, so it survives restarts, and
valid on the native API as admin); tapo-rest's ``server.api_keys`` are accepted as
bearer tokens too. Every route but ``/login`` and the ``/actions`` list wants
``Authorization: Bearer``, of an admin: guests are refused. Errors have camhub's
JSON shape; statuses follow tapo-rest (unknown device 404, wrong device type 400)
except where camhub's contract is stricter (bad password 401, lockout 429).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.datastructures import QueryParams

from camhub.api.deps import State, principal_for
from camhub.api.routes.auth import client_address
from camhub.auth.principal import Principal
from camhub.compat import taporest_tables as t
from camhub.compat.taporest_actions import CHILD_HANDLERS, HANDLERS, Call
from camhub.drivers.base import Device
from camhub.errors import DeviceError, InvalidArgument, NotFound

router = APIRouter(tags=["tapo-rest"])

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RANGE = {t.U8: 255, t.U16: 65535}


async def bearer_admin(request: Request) -> Principal:
    """tapo-rest authenticates with ``Authorization: Bearer`` only (no cookie, so no
    cross-site request can fire an action), and camhub wants an admin for it."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(401, "Bearer token required", headers={"WWW-Authenticate": "Bearer"})
    principal = await principal_for(request, allow_query=False)
    if not principal.is_admin:
        raise HTTPException(403, "Admin role required")
    return principal


TapoRestAdmin = Annotated[Principal, Depends(bearer_admin)]


class LoginBody(BaseModel):
    password: str = Field(max_length=1024)


@router.post("/login", response_class=PlainTextResponse)
async def login(body: LoginBody, state: State, request: Request) -> Response:
    """Exchange the server password for a session id, returned as raw text.

    The same lockout as ``/api/auth``: failures count against the admin accounts
    from the caller's address, and a locked admin cannot sign in here either."""
    user = await state.auth.verify_any_admin(body.password, client_address(request))
    # BadCredentials here too when the password changed while it was being checked
    session = await state.auth.open_session(user.username, user.role, user.credential)
    return PlainTextResponse(session.token, headers={"Cache-Control": "no-store"})


@router.get("/actions", response_class=PlainTextResponse)
async def list_actions() -> PlainTextResponse:
    """Every action route, one per line, as tapo-rest lists them (no sign-in needed)."""
    return PlainTextResponse("\n".join(t.route_uris()))


def tapo_type(device: Device) -> str | None:
    """The device's tapo-rest type: its configured model, else the one it reported."""
    for model in (device.config.model, device.model):
        if model and model.upper() in t.GROUP_BY_TYPE:
            return model.upper()
    return None


@router.get("/devices")
async def list_devices(state: State, user: TapoRestAdmin) -> list[dict[str, Any]]:
    """The configured Tapo devices: ``[{"name", "device_type", "ip_addr"}]``."""
    out = []
    for cfg in state.hub.config.devices:
        if cfg.name not in state.hub.names():
            continue
        device_type = tapo_type(state.hub.get(cfg.name))
        if device_type is not None:
            out.append({"name": cfg.name, "device_type": device_type, "ip_addr": cfg.host})
    return out


def _parse(param: t.Param, raw: str | None) -> tuple[Any, str | None]:
    """(value, error) for one query value."""
    if raw is None:
        return None, None if not param.required else f"{param.name}: missing field"
    if param.kind in _INT_RANGE:
        # isdecimal, not isdigit: "²".isdigit() is true, but int("²") fails
        if not raw.isdecimal() or int(raw) > _INT_RANGE[param.kind]:
            return None, f"{param.name}: not an integer in 0..{_INT_RANGE[param.kind]}"
        return int(raw), None
    if param.kind == t.DATE:
        try:
            if not _DATE.match(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw), None
        except ValueError:
            return None, f"{param.name}: not a date (YYYY-MM-DD)"
    if param.kind == t.COLOR and raw not in t.COLORS:
        return None, f"{param.name}: unknown colour, expected one of {', '.join(t.COLORS)}"
    if param.kind == t.EFFECT and raw not in t.EFFECTS:
        return None, f"{param.name}: unknown effect, expected one of {', '.join(t.EFFECTS)}"
    return raw, None


def parse_query(action: t.Action, query: QueryParams) -> tuple[str, dict[str, Any]]:
    """The device name and the action's parameters; InvalidArgument lists every problem."""
    errors = [] if query.get("device") else ["device: missing field"]
    params: dict[str, Any] = {}
    for param in action.params:
        value, error = _parse(param, query.get(param.name))
        if error:
            errors.append(error)
        elif value is not None:
            params[param.name] = value
    if errors:
        raise InvalidArgument("Failed to deserialize query string", errors=errors)
    return query["device"], params


@router.get("/actions/{device_type}/{action}")
async def run_action(
    device_type: str, action: str, request: Request, state: State, user: TapoRestAdmin
) -> Response:
    """Run one tapo-rest action on ``?device=NAME``; see ``GET /actions`` for the list."""
    group = t.GROUP_BY_TYPE.get(device_type.upper()) if device_type.islower() else None
    spec = group.action(action) if group is not None else None
    if group is None or spec is None:
        raise NotFound(f"No action /{device_type}/{action}; GET /actions lists them")
    name, params = parse_query(spec, request.query_params)
    if name not in state.hub.names():
        raise NotFound("Provided device name was not found", device=name)
    device = state.hub.get(name)
    actual = tapo_type(device)
    if actual is None or t.GROUP_BY_TYPE[actual] is not group:
        raise InvalidArgument(
            f"This route is reserved to {', '.join(group.types)} devices, but the provided "
            f"name refers to a {actual or device.kind} device"
        )
    handlers = CHILD_HANDLERS if any(p.name == "child" for p in spec.params) else HANDLERS
    result = await handlers[spec.name](Call(state, device, group, params))
    if not spec.name.startswith("get-"):
        state.hub.coordinator(name).request_refresh()
    if result is None:
        return Response(status_code=200)
    return JSONResponse(result)


@router.get("/refresh-session", response_class=Response)
async def refresh_session(device: str, state: State, user: TapoRestAdmin) -> Response:
    """Drop the device session and log in to the device again, now."""
    if device not in state.hub.names():
        raise NotFound(f"Unknown device: {device}", device=device)
    coordinator = state.hub.coordinator(device)
    await coordinator.reconnect()  # forgets the vendor session and logs in afresh
    if not coordinator.online:
        raise DeviceError(
            f"Failed to refresh device's session: {coordinator.last_error}", device=device
        )
    return Response(status_code=200)


@router.post("/reload-config")
async def reload_config(state: State, user: TapoRestAdmin) -> dict[str, Any]:
    """Re-read the config file, as ``POST /api/reload-config`` does."""
    return {"success": True, **await state.service.reload()}
