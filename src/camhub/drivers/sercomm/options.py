"""The settings of a ``sercomm`` device entry (under ``options:`` or at its top level).

``ptz_step``  distance of one ``ptz_step`` in the camera's units, 1..127 (default 10;
              up/down moves are capped at 64, the camera's limit).
``notify``    ``camhub`` (default): point the camera's HTTP notify at camhub's hook,
              replacing another target found there (logged once); ``keep``: leave a
              target that is not camhub's alone (then camhub gets no events from it).

This is the driver's ``options_model``: the registry checks it when the config is
loaded, so a bad value is a :class:`~camhub.errors.ConfigError` naming
``devices.<n>.options.<key>``, never a crash at start-up.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SercommOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ptz_step: int = Field(10, ge=1, le=127)
    notify: Literal["camhub", "keep"] = "camhub"

    @field_validator("ptz_step", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be an integer, not true/false")
        return value
