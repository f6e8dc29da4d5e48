"""Pointing a Sercomm camera's HTTP notify at camhub's hook URL, touching only what differs.

The camera calls ``HTTP_NOTIFY.http_url`` on motion when ``http_notify=1`` and
``EVENT.event_mt`` has ``httpn:1``. camhub wants a GET (``http_method=1``) carrying the
event details (``event_data_flag=1``). Each key is written only when the camera holds
another value, so a reconnect to a camera already set up writes nothing.

A target that is not camhub's (the owner's own server) is replaced with ``notify:
camhub`` and left alone with ``notify: keep``; a hook of camhub's from an earlier
``server.hook_base_url`` is always replaced.
"""

from __future__ import annotations

import enum
from typing import Literal

from camhub.drivers.sercomm.protocol import SercommProtocol
from camhub.drivers.sercomm.redact import is_camhub_hook

WANTED = {"http_notify": "1", "http_method": "1", "event_data_flag": "1"}


class NotifyOutcome(enum.Enum):
    READY = "ready"  # camhub's hook is set (maybe it already was)
    REPLACED = "replaced"  # ...and it replaced another target
    KEPT = "kept"  # another target is set and was kept: no events for camhub


def _actions(text: str) -> dict[str, str]:
    return {k: v for k, _, v in (p.partition(":") for p in text.split(";") if p)}


async def configure_notify(
    protocol: SercommProtocol,
    hook_url: str,
    *,
    device: str,
    mode: Literal["camhub", "keep"],
) -> tuple[NotifyOutcome, str]:
    """Set the camera up to call ``hook_url``; the outcome and the target found there."""
    current = await protocol.get_group("HTTP_NOTIFY")
    found = current.get("http_url", "")
    outcome = NotifyOutcome.READY
    if found and found != hook_url and not is_camhub_hook(found, hook_url, device):
        if mode == "keep":
            return NotifyOutcome.KEPT, found
        outcome = NotifyOutcome.REPLACED
    wanted = {**WANTED, "http_url": hook_url}
    changes = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changes:
        await protocol.set_group("HTTP_NOTIFY", changes)
    event_mt = (await protocol.get_group("EVENT", "event_mt"))["event_mt"]
    actions = _actions(event_mt)
    if actions.get("httpn") != "1":
        actions["httpn"] = "1"
        joined = ";".join(f"{k}:{v}" for k, v in actions.items())
        await protocol.set_group("EVENT", {"event_mt": joined})
    return outcome, found
