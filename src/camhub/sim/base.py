"""The frame every emulator shares: an aiohttp server on loopback, TLS, faults.

An emulator subclasses :class:`Emulator`, sets ``kind``, ``default_port`` and
``tls``, lists the fault names it knows in ``known_faults``, and builds its routes
in :meth:`Emulator.setup`. Faults can be set at start (``SimOptions.faults``), from a
test (``emulator.set_fault``) or at run time over HTTP:
``POST /__sim/fault?name=NAME&on=1`` and ``GET /__sim/state`` (JSON). Those two
control routes are not part of any vendor API; they exist for tests and the demo.
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from camhub.sim.registry import add as register_emulator
from camhub.tls import generate_self_signed, server_context


@dataclass
class SimOptions:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    model: str | None = None
    login: str = "secure"  # tapo-camera: legacy | secure | tpap
    # RTSP server where the real device has one: None off, 0 any free port.
    rtsp_port: int | None = None
    # The camera account RTSP asks for, distinct from the cloud/admin login (Tapo).
    stream_username: str | None = None
    stream_password: str | None = field(default=None, repr=False)
    # Tapo cameras' port-8800 stream (the cloud password's video): None off, 0 any port.
    media_port: int | None = None
    faults: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)


class Emulator:
    kind: ClassVar[str] = ""
    tls: ClassVar[bool] = False
    known_faults: ClassVar[frozenset[str]] = frozenset()
    default_username: ClassVar[str] = "admin"
    default_password: ClassVar[str] = "admin"

    def __init_subclass__(cls, **kw: Any) -> None:
        """A subclass that defines its own ``kind`` is the emulator of that kind."""
        super().__init_subclass__(**kw)
        if cls.__dict__.get("kind"):
            register_emulator(cls.kind, cls)

    def __init__(self, opts: SimOptions | None = None) -> None:
        self.opts = opts or SimOptions()
        self.username = self.opts.username or self.default_username
        self.password = self.opts.password or self.default_password
        unknown = self.opts.faults - self.known_faults
        if unknown:
            raise ValueError(f"unknown faults for {self.kind}: {', '.join(sorted(unknown))}")
        self.faults: set[str] = set(self.opts.faults)
        self.app = web.Application(client_max_size=4 * 1024 * 1024)
        self.app.router.add_post("/__sim/fault", self._fault_route)
        self.app.router.add_get("/__sim/state", self._state_route)
        self._runner: web.AppRunner | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.port = 0
        self.setup()

    # to override -----------------------------------------------------------------
    def setup(self) -> None:
        """Add routes to ``self.app``."""

    def sim_state(self) -> dict[str, Any]:
        """What ``GET /__sim/state`` shows (positions, switches...)."""
        return {}

    def on_fault(self, name: str, on: bool) -> None:
        """React to a fault being switched (e.g. drop sessions)."""

    # faults --------------------------------------------------------------------
    def set_fault(self, name: str, on: bool = True) -> None:
        if name not in self.known_faults:
            raise ValueError(f"unknown fault {name!r}")
        if on:
            self.faults.add(name)
        else:
            self.faults.discard(name)
        self.on_fault(name, on)

    def fault(self, name: str) -> bool:
        return name in self.faults

    async def _fault_route(self, request: web.Request) -> web.Response:
        name = request.query.get("name", "")
        on = request.query.get("on", "1") not in ("0", "false", "off")
        try:
            self.set_fault(name, on)
        except ValueError as exc:
            return web.json_response(
                {"error": str(exc), "known": sorted(self.known_faults)}, status=400
            )
        return web.json_response({"faults": sorted(self.faults)})

    async def _state_route(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "kind": self.kind,
                "faults": sorted(self.faults),
                "connections": self.connection_count,
                **self.sim_state(),
            }
        )

    # serving -------------------------------------------------------------------
    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.opts.host}:{self.port}"

    @property
    def rtsp_url(self) -> str | None:
        """``rtsp://HOST:PORT`` while the emulator's RTSP server runs, else None."""
        return None

    @property
    def connection_count(self) -> int:
        """Open TCP connections to this emulator right now."""
        if self._runner is None or self._runner.server is None:
            return 0
        return len(self._runner.server.connections)

    def ssl_context(self) -> ssl.SSLContext:
        self._tmp = tempfile.TemporaryDirectory(prefix="camhub-sim-")
        cert, key = Path(self._tmp.name) / "cert.pem", Path(self._tmp.name) / "key.pem"
        generate_self_signed(cert, key, [self.opts.host, "localhost"], common_name=self.kind)
        ctx = server_context(cert, key)
        # Old clients (pytapo's requests stack) may offer TLS 1.2 only.
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    async def start(self) -> str:
        # A camera that stops drops its clients; it does not wait for endless streams.
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.opts.host,
            self.opts.port,
            ssl_context=self.ssl_context() if self.tls else None,
            reuse_address=True,
        )
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
