"""The SMART request envelope over KLAP: methods, multipleRequest, control_child.

Every reply is validated here: a non-zero ``error_code`` becomes a DeviceError
carrying the vendor code and its meaning; anything that is not the expected JSON
shape is a DeviceError too, never a KeyError.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any, Protocol

from camhub.drivers.tapo.klap import KlapTransport
from camhub.drivers.tapo.smart_errors import smart_error
from camhub.errors import DeviceError, MalformedReply

# Devices accept a handful of requests per multipleRequest.
BATCH_SIZE = 5

Request = tuple[str, dict[str, Any] | None]


class SmartCaller(Protocol):
    """What the device layer needs: the main device, or one power-strip socket."""

    device: str

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any: ...

    async def call_many(
        self, requests: list[Request], *, strict: bool = True
    ) -> dict[str, Any]: ...

    async def raw(self, request: dict[str, Any]) -> dict[str, Any]: ...


def _envelope(method: str, params: dict[str, Any] | None, terminal: str) -> dict[str, Any]:
    env: dict[str, Any] = {
        "method": method,
        "request_time_milis": int(time.time() * 1000),
        "terminal_uuid": terminal,
    }
    if params is not None:
        env["params"] = params
    return env


async def batched(caller: SmartCaller, requests: list[Request], *, strict: bool) -> dict[str, Any]:
    """``requests`` in ``multipleRequest`` batches through ``caller``: method -> result
    (or, unless ``strict``, the DeviceError of a method that failed)."""
    results: dict[str, Any] = {}
    for i in range(0, len(requests), BATCH_SIZE):
        batch = [
            {"method": m, **({"params": p} if p is not None else {})}
            for m, p in requests[i : i + BATCH_SIZE]
        ]
        reply = await caller.call("multipleRequest", {"requests": batch})
        responses = reply.get("responses") if isinstance(reply, dict) else None
        if not isinstance(responses, list):
            raise MalformedReply(caller.device, "multipleRequest without responses")
        for item in responses:
            method = item.get("method") if isinstance(item, dict) else None
            if not isinstance(method, str):
                raise MalformedReply(caller.device, "multipleRequest response without method")
            try:
                results[method] = check_reply(item, method, caller.device)
            except DeviceError as exc:
                if strict:
                    raise
                results[method] = exc
    missing = [m for m, _ in requests if m not in results]
    if missing:
        raise MalformedReply(caller.device, f"no answer for {', '.join(missing)}")
    return results


def check_reply(reply: Any, method: str, device: str) -> Any:
    """The ``result`` of one reply envelope, or raise its error."""
    if not isinstance(reply, dict) or not isinstance(reply.get("error_code"), int):
        raise MalformedReply(device, f"no error_code for {method}")
    if reply["error_code"] != 0:
        raise smart_error(reply["error_code"], method=method, device=device)
    return reply.get("result")


class SmartProtocol:
    """Requests to the device itself."""

    def __init__(self, transport: KlapTransport, device: str) -> None:
        self.transport = transport
        self.device = device
        self._terminal = base64.b64encode(secrets.token_bytes(16)).decode()

    def __repr__(self) -> str:
        return f"<SmartProtocol {self.device!r}>"

    def _malformed(self, what: str) -> MalformedReply:
        return MalformedReply(self.device, what)

    def _check(self, reply: Any, method: str) -> Any:
        return check_reply(reply, method, self.device)

    async def raw(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send an envelope as is; return the device's whole reply."""
        env = {"terminal_uuid": self._terminal, **request}
        data = await self.transport.send(json.dumps(env, separators=(",", ":")).encode())
        try:
            reply = json.loads(data)
        except ValueError:
            raise self._malformed("not JSON") from None
        if not isinstance(reply, dict):
            raise self._malformed("not an object")
        return reply

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self._check(await self.raw(_envelope(method, params, self._terminal)), method)

    async def call_many(self, requests: list[Request], *, strict: bool = True) -> dict[str, Any]:
        """Several methods in ``multipleRequest`` batches: method -> result.

        With ``strict`` the first failing method raises; otherwise its entry is the
        DeviceError, so that one unsupported query does not hide the others.
        """
        return await batched(self, requests, strict=strict)


class ChildProtocol:
    """Requests to one socket of a power strip, wrapped in ``control_child``."""

    def __init__(self, parent: SmartProtocol, child_id: str, device: str) -> None:
        self.parent = parent
        self.child_id = child_id
        self.device = device

    def __repr__(self) -> str:
        return f"<ChildProtocol {self.device!r}>"

    async def raw(self, request: dict[str, Any]) -> dict[str, Any]:
        wrapped = {"device_id": self.child_id, "requestData": request}
        result = await self.parent.call("control_child", wrapped)
        inner = result.get("responseData") if isinstance(result, dict) else None
        if not isinstance(inner, dict):
            raise MalformedReply(self.device, "control_child without responseData")
        return inner

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        request: dict[str, Any] = {"method": method}
        if params is not None:
            request["params"] = params
        reply = await self.raw(request)
        return check_reply(reply, method, self.device)

    async def call_many(self, requests: list[Request], *, strict: bool = True) -> dict[str, Any]:
        """A ``multipleRequest`` inside ``control_child`` (as python-kasa's child
        wrapper sends it); a single request goes alone."""
        if len(requests) == 1:
            method, params = requests[0]
            try:
                return {method: await self.call(method, params)}
            except DeviceError as exc:
                if strict:
                    raise
                return {method: exc}
        return await batched(self, requests, strict=strict)
