"""The Sercomm camera protocol: INI groups, ``key=value`` answers, vendor error codes.

``/adm/get_group.cgi?group=G[.key]`` answers ``[G]`` then ``key=value`` lines;
``/adm/set_group.cgi?group=G&key=value...`` answers ``OK``, or an ``[ERROR]`` section
with one ``key=code`` line per refused key (:class:`SercommCode`).
"""

from __future__ import annotations

from collections.abc import Mapping

from camhub.drivers.http import STILL_LIMIT, Reply
from camhub.drivers.sercomm.transport import QueryValue, SercommTransport
from camhub.errors import DeviceError, InvalidArgument, MalformedReply, VendorCode


class SercommCode(VendorCode):
    """Why a Sercomm camera refused a key."""

    UNKNOWN_GROUP = 1, "unknown group"
    UNKNOWN_KEY = 2, "unknown key"
    READ_ONLY = 3, "read-only"
    OUT_OF_RANGE = 4, "value out of range"
    BAD_FORMAT = 5, "malformed value"


def code_meaning(code: int) -> str:
    return SercommCode.meaning_of(code, f"refused (code {code})")


class SercommRefused(DeviceError):
    """The camera refused some keys; ``refusals`` holds ``(key, code)`` pairs."""

    def __init__(self, message: str, *, refusals: list[tuple[str, int]], device: str) -> None:
        code = refusals[0][1] if refusals else None
        super().__init__(message, device=device, code=code)
        self.refusals = refusals


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """``[GROUP]`` sections of ``key=value`` lines."""
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current[key.strip()] = value
    return groups


def parse_kv(text: str, sep: str = "=") -> dict[str, str]:
    """Plain ``key=value`` lines (``/util/query.cgi``, ``/adm/date.cgi``...)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        key, found, value = raw.partition(sep)
        if found and key.strip():
            out[key.strip()] = value.strip()
    return out


class SercommProtocol:
    def __init__(self, transport: SercommTransport) -> None:
        self.transport = transport
        self.device = transport.device

    def _malformed(self, what: str) -> DeviceError:
        return MalformedReply(self.device, what)

    def _refused(self, group: str, reply: Reply) -> SercommRefused | None:
        errors = parse_ini(reply.text).get("ERROR")
        if errors is None:
            return None
        refusals = [(k, int(v) if v.strip().isdecimal() else 0) for k, v in errors.items()]
        detail = ", ".join(f"{k}: {code_meaning(c)}" for k, c in refusals)
        return SercommRefused(
            f"{self.device}: the camera refused {group} ({detail})",
            refusals=refusals,
            device=self.device,
        )

    async def list_groups(self) -> list[str]:
        reply = await self.transport.get("/adm/get_group.cgi")
        names = [
            line.strip()[1:-1]
            for line in reply.text.splitlines()
            if line.strip().startswith("[") and line.strip().endswith("]")
        ]
        if not names:
            raise self._malformed("the group list")
        return names

    async def get_group(self, group: str, key: str | None = None) -> dict[str, str]:
        spec = f"{group}.{key}" if key else group
        reply = await self.transport.get("/adm/get_group.cgi", {"group": spec})
        refused = self._refused(group, reply)
        if refused is not None:
            raise refused
        values = parse_ini(reply.text).get(group)
        if values is None or (key is not None and key not in values):
            raise self._malformed(f"get_group {spec}")
        return values

    async def set_group(self, group: str, values: Mapping[str, QueryValue]) -> None:
        reply = await self.transport.get("/adm/set_group.cgi", {"group": group, **values})
        if reply.text.strip() == "OK":
            return
        refused = self._refused(group, reply)
        if refused is not None:
            raise refused
        raise self._malformed(f"set_group {group}")

    async def set_checked(self, group: str, values: Mapping[str, QueryValue]) -> None:
        """:meth:`set_group`, with the camera's refusals as InvalidArgument (one
        ``GROUP.key: meaning`` error per refused key): for values a user gave."""
        try:
            await self.set_group(group, values)
        except SercommRefused as exc:
            raise InvalidArgument(
                f"{self.device} refused the {group} settings",
                errors=[f"{group}.{k}: {code_meaning(c)}" for k, c in exc.refusals],
                device=self.device,
            ) from None

    async def expect_ok(self, path: str, query: Mapping[str, QueryValue] | None = None) -> None:
        reply = await self.transport.get(path, query)
        if reply.text.strip() != "OK":
            raise self._malformed(path)

    async def query(self) -> dict[str, str]:
        """``/util/query.cgi``: model, features, MAC... (any key may be missing)."""
        info = parse_kv((await self.transport.get("/util/query.cgi")).text)
        if not info:
            raise self._malformed("/util/query.cgi")
        return info

    async def query_extension(self) -> dict[str, str]:
        """``/util/query.cgi?extension=yes``: firmware, addresses, ports, clock.

        Only those: the model and features are in :meth:`query`. Empty when the
        firmware does not offer it (HTTP 404).
        """
        try:
            reply = await self.transport.get("/util/query.cgi", {"extension": "yes"})
        except DeviceError as exc:
            if exc.code == 404:
                return {}
            raise
        return parse_kv(reply.text)

    async def user_access(self) -> dict[str, str]:
        return parse_kv((await self.transport.get("/img/query.cgi")).text)

    async def sysinfo(self) -> dict[str, str]:
        """``/adm/sysinfo.cgi`` (admin): ``Firmware Version``, ``Serial Number``,
        ``Firmware Release Date``; empty when the firmware does not offer it."""
        try:
            reply = await self.transport.get("/adm/sysinfo.cgi")
        except DeviceError as exc:
            if exc.code == 404:
                return {}
            raise
        return parse_kv(reply.text, sep=":")

    async def ir_filter(self) -> bool | None:
        """Whether the IR filter is on; None when the camera has none (HTTP 404)."""
        try:
            reply = await self.transport.get("/io/query_filter.cgi")
        except DeviceError as exc:
            if exc.code == 404:
                return None
            raise
        found = parse_kv(reply.text).get("filter")
        if found not in ("0", "1"):
            raise self._malformed("/io/query_filter.cgi")
        return found == "1"

    async def log(self) -> list[str]:
        """``/adm/log.cgi`` (admin): the event log, newest first; empty when absent."""
        try:
            reply = await self.transport.get("/adm/log.cgi")
        except DeviceError as exc:
            if exc.code == 404:
                return []
            raise
        return [line for line in reply.text.splitlines() if line.strip()]

    async def snapshot(self, size: int | None = None, quality: int | None = None) -> bytes:
        query: dict[str, QueryValue] = {}
        if size is not None:
            query["size"] = size
        if quality is not None:
            query["quality"] = quality
        reply = await self.transport.get("/img/snapshot.cgi", query, limit=STILL_LIMIT)
        if not reply.body.startswith(b"\xff\xd8"):
            raise self._malformed("/img/snapshot.cgi: not a JPEG")
        return reply.body

    async def pt_move(self, direction: str, distance: int) -> None:
        await self.transport.get("/pt/ptctrl.cgi", {"mv": f"{direction},{distance}"})

    async def pt_preset(self, number: int) -> None:
        await self.transport.get("/pt/ptctrl.cgi", {"preset": f"move,{number}"})
