"""Who is calling: the result of authenticating a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "guest"]


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    via: Literal["bearer", "cookie", "query", "apikey", "media"]
    token_hash: str | None = field(default=None, repr=False)
    # The password fingerprint a login was verified with (see AuthService.open_session).
    credential: str | None = field(default=None, repr=False)
    # A media token's device (None: any); media principals are always guests.
    device: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
