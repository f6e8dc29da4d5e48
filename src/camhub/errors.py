"""The one exception tree of camhub.

Drivers raise these; the API layer maps them to HTTP statuses once, at the edge
(see ``camhub.api.errors``). Messages never contain secrets.

    CamhubError
    ├── ConfigError                  invalid configuration (carries ``problems``)
    ├── NotFound                     unknown device, preset, child...      -> 404
    ├── Conflict                     state forbids the action              -> 409
    ├── InvalidArgument              bad input (``errors`` list)           -> 400
    ├── Unsupported                  capability the device lacks           -> 422
    ├── Busy                         a limit is reached, or the database down -> 503
    ├── Busy                         a limit is reached, try again later   -> 503
    │   └── QueueFull                too many password checks waiting      -> 503
    ├── AuthenticationError          camhub's own auth failures            -> 401
    │   ├── BadCredentials           unknown user or wrong password        -> 401
    │   └── LockedOut                too many failures (``remaining`` s)   -> 429
    └── DeviceError                  a device refused or failed            -> 502
        ├── DeviceAuthError          the device refused our credentials    -> 502
        │   └── DeviceLockedOut      ...and locks us out (``seconds_left``) -> 502
        ├── DeviceUnreachable        connection refused / dropped          -> 502
        ├── MalformedReply           an answer camhub cannot use           -> 502
        └── DeviceTimeout            no answer in time (also TimeoutError) -> 504

Vendor code tables (a device's own error codes and statuses) derive from
:class:`VendorCode`, so each member carries its meaning.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Self


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
        super().__init__("Invalid configuration", success=False, errors=problems)
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


class Busy(CamhubError):
    """Not now: a limit is reached or the database is unavailable (503, with
    ``Retry-After: retry_after``)."""

    status = 503

    def __init__(self, message: str, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = retry_after


class AuthenticationError(CamhubError):
    """camhub's own sign-in failed (401); answers are never cached."""

    status = 401

    def __init__(self, message: str = "Invalid password", **extra: Any) -> None:
        super().__init__(message, success=False, **extra)


class BadCredentials(AuthenticationError):
    """Unknown user or wrong password (one answer for both)."""


class LockedOut(AuthenticationError):
    """Too many failed sign-ins: refused without checking for ``remaining`` seconds."""

    status = 429

    def __init__(self, remaining: int) -> None:
        super().__init__("Too many attempts", lockout=True, lockoutRemaining=remaining)
        self.remaining = remaining
        self.retry_after = remaining


class QueueFull(Busy):
    """Too many password checks waiting: nothing was checked, try again soon."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(
            "Too many sign-in attempts at once, try again shortly", retry_after, success=False
        )


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


class MalformedReply(DeviceError):
    """The device answered something camhub cannot use (wrong shape, missing field).

    One wording everywhere: ``<device>: malformed reply: <what>``."""

    def __init__(self, device: str, what: str, **extra: Any) -> None:
        super().__init__(f"{device}: malformed reply: {what}", device=device, **extra)


class DeviceTimeout(DeviceError, TimeoutError):
    """The device did not answer in time."""

    status = 504


class VendorCode(IntEnum):
    """Base of the vendor code tables: each member is a code with its meaning.

    Members are declared ``NAME = value, "meaning"``; ``member.meaning`` is the text.
    :meth:`lookup` and :meth:`meaning_of` take a raw code and never raise::

        class Code(VendorCode):
            NOT_FOUND = 404, "no such endpoint"

        Code.NOT_FOUND.meaning             # "no such endpoint"
        Code.meaning_of(418, "HTTP 418")   # "HTTP 418"
    """

    _value_: int
    meaning: str

    def __new__(cls, value: int, meaning: str) -> Self:
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    @classmethod
    def lookup(cls, code: int) -> Self | None:
        """The member for ``code``, or ``None`` when this table does not know it."""
        # The value map, not ``cls(code)``: for mypy that call has ``__new__``'s
        # (value, meaning) signature, and at run time it raises for unknown codes.
        try:
            known = cls._value2member_map_.get(code)
        except TypeError:  # an unhashable value from a malformed reply
            return None
        return known if isinstance(known, cls) else None

    @classmethod
    def meaning_of(cls, code: int, default: str) -> str:
        """The meaning of ``code``, or ``default`` when this table does not know it."""
        known = cls.lookup(code)
        return known.meaning if known is not None else default
