"""Devices, and one route per capability action, generated from the capability specs.

Every :class:`~camhub.capabilities.Action` with a runner becomes a route under
``/api/devices/{name}/``: the route looks the device up, checks it has the capability,
validates the arguments with the action's model, runs the action and asks the device's
coordinator to refresh its state. Media actions (snapshot, streams) are served by the
media routers. Driver errors are translated at the edge (``camhub.api.errors``).
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from camhub.api.deps import Admin, State, User, admin, authenticated, get_state
from camhub.api.state import AppState
from camhub.auth.principal import Principal
from camhub.capabilities import SPECS, Action, Capability, Spec
from camhub.drivers.base import Device
from camhub.errors import Unsupported

router = APIRouter(prefix="/api/devices", tags=["devices"])
capabilities_router = APIRouter(tags=["devices"])


def device_with(state: AppState, name: str, cap: Capability) -> Device:
    """The device, if it has the capability; else 404 / 422."""
    device = state.hub.get(name)
    if cap not in device.capabilities:
        raise Unsupported(f"{name} does not support {cap}", device=name, capability=str(cap))
    return device


@capabilities_router.get("/api/capabilities")
async def list_capabilities(user: User) -> dict[str, Any]:
    """Every capability: its state's JSON Schema and its actions' argument schemas."""
    return {"capabilities": [spec.describe() for spec in SPECS.values()]}


@router.get("")
async def list_devices(state: State, user: User) -> dict[str, Any]:
    return {"devices": [state.hub.summary(n) for n in state.hub.names()]}


@router.get("/{name}")
async def get_device(name: str, state: State, user: User) -> dict[str, Any]:
    return state.hub.describe(name)


@router.post("/{name}/refresh")
async def refresh_device(name: str, state: State, user: User) -> dict[str, Any]:
    """Poll the device now and return its fresh description."""
    await state.hub.coordinator(name).refresh()
    return state.hub.describe(name)


def _endpoint(spec: Spec, action: Action) -> Any:
    """A FastAPI endpoint for one action, with a signature FastAPI can read."""
    run = action.run
    assert run is not None
    params = re.findall(r"{(\w+)}", action.path)

    async def endpoint(**kw: Any) -> dict[str, Any]:
        app_state: AppState = kw["state"]
        name: str = kw["name"]
        device = device_with(app_state, name, spec.capability)
        result = await run(device, kw.get("args"), {p: kw[p] for p in params})
        if not action.changes_state:
            return result
        if action.refresh:
            app_state.hub.coordinator(name).request_refresh()
        return {"success": True, **result}

    who = admin if action.admin_only else authenticated
    signature = [
        inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, annotation=str),
        *(inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=str) for p in params),
        inspect.Parameter(
            "state", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Any, Depends(get_state)]
        ),
        inspect.Parameter(
            "user", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Principal, Depends(who)]
        ),
    ]
    if action.args is not None:
        where = Query() if action.method == "GET" else Body()
        signature.append(
            inspect.Parameter(
                "args", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[action.args, where]
            )
        )
    endpoint.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    endpoint.__name__ = f"{spec.capability}_{action.name}"
    endpoint.__doc__ = f"{spec.title}: {action.summary}."
    return endpoint


def _add_action_routes() -> None:
    for spec in SPECS.values():
        for action in spec.actions:
            if action.run is None:
                continue  # a media route
            router.add_api_route(
                f"/{{name}}/{action.path}",
                _endpoint(spec, action),
                methods=[action.method],
                summary=f"{spec.title}: {action.summary}",
            )


_add_action_routes()

__all__ = ["Admin", "capabilities_router", "device_with", "router"]
