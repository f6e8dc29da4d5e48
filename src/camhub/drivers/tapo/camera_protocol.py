"""Tapo camera protocol: the ``multipleRequest`` envelope and vendor error codes.

Every answer is validated here: a non-zero ``error_code`` becomes a DeviceError
carrying the vendor code and its meaning, and any reply of the wrong shape is a
DeviceError saying ``malformed reply`` and naming the device, never a KeyError.
"""

from __future__ import annotations

from typing import Any

from camhub.drivers.tapo.camera_errors import TapoCameraError, device_error
from camhub.drivers.tapo.camera_transport import CameraTransport
from camhub.errors import DeviceError, MalformedReply

Batch = list[tuple[str, dict[str, Any]]]

# Codes a firmware answers for a method or section it does not have.
NOT_SUPPORTED_CODES = frozenset(
    {
        TapoCameraError.NOT_SUPPORTED,
        TapoCameraError.UNSUPPORTED_METHOD_PARAM,
        TapoCameraError.METHOD_NOT_EXIST,
        TapoCameraError.SET_PARAM_NOT_EXIST,
    }
)


def dig(data: Any, keys: tuple[str, ...], device: str) -> Any:
    """``data[k1][k2]...`` or a DeviceError naming the device and the missing field."""
    cur = data
    for key in keys:
        if not isinstance(cur, dict) or key not in cur:
            raise MalformedReply(device, f"no {'.'.join(keys)}")
        cur = cur[key]
    return cur


def section(data: Any, keys: tuple[str, ...], device: str) -> dict[str, Any]:
    """Like :func:`dig`, for a field that must be an object."""
    value = dig(data, keys, device)
    if not isinstance(value, dict):
        raise MalformedReply(device, f"{'.'.join(keys)} is not an object")
    return value


class CameraProtocol:
    """Wraps calls in ``multipleRequest`` and turns vendor error codes into errors."""

    def __init__(self, transport: CameraTransport, device: str) -> None:
        self.transport = transport
        self.device = device

    async def send(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = await self.transport.send(request)
        code = reply.get("error_code", 0)
        if not isinstance(code, int):
            raise MalformedReply(self.device, "error_code is not a number")
        if code != 0:
            raise device_error(code, self.device, str(request.get("method")))
        return reply

    async def multiple(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send a batch; return each response (``method``, ``result``, ``error_code``)."""
        reply = await self.send({"method": "multipleRequest", "params": {"requests": requests}})
        result = reply.get("result")
        responses = result.get("responses") if isinstance(result, dict) else None
        if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
            raise MalformedReply(self.device, "multipleRequest without a list of responses")
        if len(responses) != len(requests):
            raise MalformedReply(
                self.device, f"{len(responses)} answers to {len(requests)} multipleRequest items"
            )
        return responses

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One named method; return its ``result`` or raise its error."""
        return (await self.calls([(method, params)]))[0]

    async def calls(self, batch: Batch) -> list[dict[str, Any]]:
        """Several named methods in one request; the first failing one raises."""
        out: list[dict[str, Any]] = []
        for item in await self.try_calls(batch):
            if isinstance(item, DeviceError):
                raise item
            out.append(item)
        return out

    async def try_calls(self, batch: Batch) -> list[dict[str, Any] | DeviceError]:
        """Several named methods in one request; each entry is the method's
        ``result`` or its DeviceError, so one missing feature hides nothing else."""
        responses = await self.multiple([{"method": m, "params": p} for m, p in batch])
        out: list[dict[str, Any] | DeviceError] = []
        for (method, _), resp in zip(batch, responses, strict=True):
            code = resp.get("error_code", 0)
            if not isinstance(code, int):
                out.append(MalformedReply(self.device, f"error_code of {method} is not a number"))
            elif code != 0:
                out.append(device_error(code, self.device, method))
            else:
                result = resp.get("result", {})
                out.append(result if isinstance(result, dict) else {})
        return out
