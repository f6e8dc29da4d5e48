"""Query parameters as the tinyCam server reads them: a bad value is a 400."""

from __future__ import annotations

from aiohttp import web

from camhub.sim.tinycam.codes import Denied, Status


def int_param(
    request: web.Request, name: str, lo: int | None = None, hi: int | None = None
) -> int | None:
    """An optional integer query parameter within bounds; :class:`Denied` (400) otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Denied(Status.BAD_REQUEST, f"Invalid {name}.") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise Denied(Status.BAD_REQUEST, f"Invalid {name}.")
    return value
