"""tinyCam / Axis compatible routes (``/api/v1/*``, ``/axis-cgi/*``, ``/param.cgi``):
see camhub.compat.tinycam."""

from camhub.compat.tinycam import router

__all__ = ["router"]
