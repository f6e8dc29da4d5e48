"""Checks of request parameters, as strict as the devices' (-1008 otherwise)."""

from __future__ import annotations

import base64
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault

Params = dict[str, Any]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def int_in(params: Params, key: str, lo: int, hi: int) -> int | None:
    """``params[key]`` if it is an int within [lo, hi]; None if absent; else -1008."""
    if key not in params:
        return None
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SmartFault(SmartCode.PARAMS_ERROR)
    return value


def bool_of(params: Params, key: str) -> bool | None:
    if key not in params:
        return None
    if not isinstance(params[key], bool):
        raise SmartFault(SmartCode.PARAMS_ERROR)
    return bool(params[key])
