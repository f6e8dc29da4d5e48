"""The API's own description, for signed-in users: ``/openapi.json`` and ``/api/docs``.

They are not public: the schema lists every route and parameter, which helps nobody
who cannot sign in. A browser signed in to camhub's page sends its session cookie,
so the Swagger page and the schema it fetches both load.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from camhub.api.deps import User

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi(request: Request, user: User) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema, headers={"Cache-Control": "no-store"})


@router.get("/api/docs")
async def swagger(request: Request, user: User) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="camhub API")
