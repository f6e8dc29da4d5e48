"""The IP Camera app's reply envelope: HTTP statuses and error bodies to camhub errors.

Errors come back as ``{"error": "..."}`` with an HTTP status; settings validation as
``{"success": false, "errors": ["key: message", ...]}``; Pro-gated features as
``{"error": "Pro license required", "feature": "..."}``; login lockout as 429 with
``lockoutRemaining`` seconds.
"""

from __future__ import annotations

from typing import Any

from camhub.errors import (
    DeviceAuthError,
    DeviceError,
    DeviceLockedOut,
    InvalidArgument,
    MalformedReply,
    VendorCode,
)


class ApiStatus(VendorCode):
    """The HTTP statuses the app documents, with their meaning."""

    BAD_REQUEST = 400, "invalid request (bad JSON, missing fields)"
    UNAUTHORIZED = 401, "authentication required or invalid token"
    FORBIDDEN = 403, "forbidden (Pro required, HTTPS required or bad CSRF token)"
    NOT_FOUND = 404, "no such endpoint"
    TOO_MANY_REQUESTS = 429, "rate limit exceeded (login lockout)"
    SERVER_ERROR = 500, "server error"
    UNAVAILABLE = 503, "service unavailable (camera not started)"


def meaning(status: int) -> str:
    return ApiStatus.meaning_of(status, f"HTTP {status}")


def _text(body: Any, key: str) -> str | None:
    if isinstance(body, dict) and isinstance(body.get(key), str):
        return str(body[key])
    return None


def lockout_seconds(body: Any) -> int:
    left = body.get("lockoutRemaining") if isinstance(body, dict) else None
    return left if isinstance(left, int) and not isinstance(left, bool) and left >= 0 else 30


def error_for(status: int, body: Any, device: str) -> Exception:
    """The camhub error an error reply stands for. ``body`` is the parsed JSON or None."""
    vendor = _text(body, "error")
    if (
        status == ApiStatus.BAD_REQUEST
        and isinstance(body, dict)
        and isinstance(body.get("errors"), list)
    ):
        errors = [str(e) for e in body["errors"]]
        return InvalidArgument(f"{device}: invalid settings", errors=errors, device=device)
    if status == ApiStatus.TOO_MANY_REQUESTS:
        left = lockout_seconds(body)
        return DeviceLockedOut(
            f"{device}: too many failed logins, locked out for {left} s",
            seconds_left=left,
            device=device,
            code=status,
        )
    if status == ApiStatus.UNAUTHORIZED:
        return DeviceAuthError(f"{device}: {vendor or meaning(status)}", device=device, code=status)
    extra: dict[str, Any] = {}
    feature = _text(body, "feature")
    if feature is not None:
        extra["feature"] = feature
    if _text(body, "error") == "HTTPS required" and isinstance(body, dict):
        extra["httpsPort"] = body.get("httpsPort")
    detail = f": {vendor}" if vendor else ""
    if feature is not None:
        detail += f" ({feature})"
    return DeviceError(f"{device}: {meaning(status)}{detail}", device=device, code=status, **extra)


def expect_dict(body: Any, what: str, device: str) -> dict[str, Any]:
    """``body`` if it is a JSON object, else the DeviceError of a malformed reply."""
    if not isinstance(body, dict):
        raise MalformedReply(device, what)
    return body
