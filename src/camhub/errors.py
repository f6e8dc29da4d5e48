"""The one exception tree of camhub.

Drivers raise these; the API layer maps them to HTTP statuses once, at the edge
(see ``camhub.api.errors``). Messages never contain secrets.

    CamhubError
    ├── ConfigError                  invalid configuration (carries ``problems``)
    ├── NotFound                     unknown device, preset, child...      -> 404
    ├── Conflict                     state forbids the action              -> 409
    ├── InvalidArgument              bad input (``errors`` list)           -> 400
    ├── Unsupported                  capability the device lacks           -> 422
    ├── AuthenticationError          camhub's own auth failures            -> 401
    └── DeviceError                  a device refused or failed            -> 502
        ├── DeviceAuthError          the device refused our credentials    -> 502
        │   └── DeviceLockedOut      ...and locks us out (``seconds_left``) -> 502
        ├── DeviceUnreachable        connection refused / dropped          -> 502
        └── DeviceTimeout            no answer in time (also TimeoutError) -> 504
"""

from __future__ import annotations

from typing import Any


class CamhubError(Exception):
    """Base of every error camhub raises on purpose."""

    status = 500

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        """The JSON body the API answers with."""
        return {"error": self.message, **self.extra}


class ConfigError(CamhubError):
    """A configuration file is invalid; ``problems`` lists ``path: message`` lines."""

    status = 400

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration", errors=problems)
        self.problems = problems


class NotFound(CamhubError):
    status = 404


class Conflict(CamhubError):
    status = 409


class InvalidArgument(CamhubError):
    """Bad input. ``errors`` holds one ``key: message`` entry per problem."""

    status = 400

    def __init__(self, message: str, errors: list[str] | None = None, **extra: Any) -> None:
        if errors is not None:
            extra["errors"] = errors
        super().__init__(message, **extra)
        self.errors = errors or [message]


class Unsupported(CamhubError):
    status = 422


class AuthenticationError(CamhubError):
    status = 401


class DeviceError(CamhubError):
    """A device answered with an error, or with something we cannot use.

    ``code`` is the vendor's own error code where there is one, ``device`` the
    camhub device name; the message gives the vendor's meaning.
    """

    status = 502

    def __init__(
        self,
        message: str,
        *,
        device: str | None = None,
        code: int | str | None = None,
        **extra: Any,
    ) -> None:
        if device is not None:
            extra["device"] = device
        if code is not None:
            extra["code"] = code
        super().__init__(message, **extra)
        self.device = device
        self.code = code


class DeviceAuthError(DeviceError):
    """The device refused camhub's credentials."""


class DeviceLockedOut(DeviceAuthError):
    """The device locked camhub out after failed logins."""

    def __init__(self, message: str, *, seconds_left: int, **kw: Any) -> None:
        super().__init__(message, secondsLeft=seconds_left, **kw)
        self.seconds_left = seconds_left


class DeviceUnreachable(DeviceError):
    """Connection refused, reset or dropped mid-reply."""


class DeviceTimeout(DeviceError, TimeoutError):
    """The device did not answer in time."""

    status = 504
