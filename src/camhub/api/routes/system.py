"""Status, reload, metrics, certificate and device call-back hooks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from camhub import __version__
from camhub.api.deps import Admin, State, User
from camhub.api.state import AppState
from camhub.errors import NotFound
from camhub.tls import cert_info, generate_self_signed

router = APIRouter(tags=["system"])


def _viewers(state: AppState) -> int:
    return sum(state.streams.viewer_count(n) for n in state.hub.names())


@router.get("/api/status")
async def status(state: State, user: User) -> dict[str, Any]:
    names = state.hub.names()
    online = sum(1 for n in names if state.hub.coordinator(n).online)
    return {
        "version": __version__,
        "uptime": int(time.time() - state.started_at),
        "devices": len(names),
        "online": online,
        "store": state.store.url_for_display,
        "streams": {"upstreams": state.streams.upstream_count, "viewers": _viewers(state)},
        "wsClients": state.ws_clients,
        "tls": state.settings.tls,
        "mqtt": state.mqtt.status() if state.mqtt is not None else None,
        "rtspPort": state.rtsp.server.port if state.rtsp is not None else None,
    }


@router.post("/api/reload-config")
async def reload_config(state: State, user: Admin) -> dict[str, Any]:
    """Re-read the config file and apply it; a broken one is refused with its errors."""
    return {"success": True, **await state.service.reload()}


@router.get("/metrics", response_class=Response)
async def metrics(state: State, user: User) -> Response:
    body = state.metrics.render(state.hub, state.streams.upstream_count, _viewers(state))
    return Response(body, media_type="text/plain; version=0.0.4")


def _tls_on(state: AppState) -> None:
    if not state.settings.tls:
        raise NotFound("TLS is off: camhub serves plain HTTP behind a proxy")


@router.get("/cert", response_class=Response)
async def cert(state: State, user: User) -> Response:
    """The server certificate (PEM), to install on clients (signed-in users, as seed 003)."""
    _tls_on(state)
    data = await asyncio.to_thread(state.settings.cert_path.read_bytes)
    return Response(
        data,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="camhub.pem"'},
    )


@router.get("/cert/info")
async def cert_information(state: State) -> dict[str, Any]:
    _tls_on(state)
    info = await asyncio.to_thread(cert_info, state.settings.cert_path)
    return {
        "subject": info.subject,
        "issuer": info.issuer,
        "notBefore": info.not_before,
        "notAfter": info.not_after,
        "serialNumber": info.serial_number,
        "names": info.names,
        "status": info.status,
        "selfSigned": state.settings.self_signed,
        "downloadUrl": "/cert",
    }


@router.post("/cert/regenerate")
async def cert_regenerate(state: State, user: Admin) -> Response:
    """Make a new self-signed certificate (after an address change) and serve it at once."""
    _tls_on(state)
    s = state.settings
    if not s.self_signed:
        return JSONResponse(
            {"error": "the certificate comes from the config; replace its files"}, status_code=409
        )
    async with state.tls_lock:  # two at once could pair one's cert with the other's key
        await asyncio.to_thread(generate_self_signed, s.cert_path, s.key_path)
        for reload in state.tls_reloaders:
            reload()
    return JSONResponse({"success": True})


HOOK_BODY_LIMIT = 65536
HOOK_COMMIT_SECONDS = 10.0


async def _hook(name: str, secret: str, request: Request, state: State) -> Any:
    """A device's call-back. Acknowledged only once the events it made are committed
    to the store: a device that got 200 may forget the event, camhub will not (a
    crash, even kill -9, right after the answer loses nothing)."""
    device = state.hub.check_hook(name, secret)
    body = await request.body()
    if len(body) > HOOK_BODY_LIMIT:
        return JSONResponse({"error": "Request body too large"}, status_code=413)
    await device.handle_hook(dict(request.query_params), body)
    try:
        async with asyncio.timeout(HOOK_COMMIT_SECONDS):
            await state.store.flush()
    except (TimeoutError, RuntimeError):  # the database is failing: let the device retry
        return JSONResponse(
            {"error": "Event store unavailable"}, status_code=503, headers={"Retry-After": "5"}
        )
    return {"success": True}


router.add_api_route(
    "/hooks/{name}/{secret}",
    _hook,
    methods=["GET", "POST"],
    include_in_schema=False,  # for devices, not API users
)
