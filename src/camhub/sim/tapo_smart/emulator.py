"""Tapo smart plugs, bulbs, light strips and power strips over KLAP v2 (port 80).

Routes: :class:`~camhub.sim.tapo_smart.routes.KlapRoutes`.

Faults: ``session-expiry`` (drop every session now, and while on, each new session
serves one request: clients see 403 and must handshake again), ``bad-credentials``
(the device's account password changed: handshake1 proves a different hash),
``slow`` (answers after ``slow_seconds``, 3 s by default), ``drop`` (the connection
is closed without an answer).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from camhub.sim.base import Emulator, SimOptions
from camhub.sim.tapo_smart.klap import KlapServer
from camhub.sim.tapo_smart.lights import LightNode
from camhub.sim.tapo_smart.models import MODELS, ModelSpec
from camhub.sim.tapo_smart.nodes import Node
from camhub.sim.tapo_smart.power_strip import PowerStripNode
from camhub.sim.tapo_smart.routes import KlapRoutes


class TapoSmartEmulator(Emulator):
    """Shared frame of the four KLAP emulators; subclasses pick models and node type."""

    tls = False
    default_port: ClassVar[int] = 80
    default_username = "user@example.com"
    default_password = "tapo-password"
    known_faults = frozenset({"session-expiry", "bad-credentials", "slow", "drop"})
    models: ClassVar[tuple[str, ...]] = ()
    node_class: ClassVar[type[Node]] = Node

    def __init__(self, opts: SimOptions | None = None) -> None:
        opts = opts or SimOptions()
        model = (opts.model or self.models[0]).upper()
        if model not in self.models:
            raise ValueError(f"{self.kind} models are {', '.join(self.models)}, not {model}")
        self.spec: ModelSpec = MODELS[model]
        self.clock_offset = 0.0
        self.slow_seconds = float(opts.extra.get("slow_seconds", 3.0))
        self.node = self.node_class(
            self.spec,
            self.clock,
            nickname=str(opts.extra.get("nickname", self.spec.default_nickname)),
            load_w=float(opts.extra.get("load_w", self.spec.load_w)),
        )
        super().__init__(opts)
        self.klap = KlapServer(
            self.username, self.password, int(opts.extra.get("session_timeout", 86400))
        )
        for name in self.faults:
            self.on_fault(name, True)

    def clock(self) -> float:
        """The device's clock; tests may fast-forward it with :meth:`advance`."""
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the device clock forward; energy accrues for sockets that are on."""
        self.clock_offset += seconds
        for node in self.all_nodes():
            if node.energy is not None:
                node.energy.advance()
            node.tick()  # timers, schedules, auto-off and protection that fell due

    def all_nodes(self) -> list[Node]:
        return [self.node, *getattr(self.node, "children", [])]

    # emulator hooks ----------------------------------------------------------------
    def setup(self) -> None:
        KlapRoutes(self).add(self.app)

    def on_fault(self, name: str, on: bool) -> None:
        if not hasattr(self, "klap"):
            return  # applied once the session table exists
        if name == "session-expiry":
            self.klap.single_use = on
            if on:
                self.klap.drop_all()
        elif name == "bad-credentials":
            password = self.password + "-changed-in-the-app" if on else self.password
            self.klap.set_credentials(self.username, password)

    def sim_state(self) -> dict[str, Any]:
        state = self._node_state(self.node)
        state.update(model=self.spec.model, sessions=len(self.klap.sessions))
        children = getattr(self.node, "children", None)
        if children is not None:
            for key in ("on", "power_w"):
                state.pop(key, None)
            state["children"] = [self._node_state(c) for c in children]
        return state

    @staticmethod
    def _node_state(node: Node) -> dict[str, Any]:
        state: dict[str, Any] = {"nickname": node.nickname, "on": node.on}
        if isinstance(node, LightNode):
            state["brightness"] = node.brightness
            if node.has("color_temperature"):
                state["color_temp"] = node.color_temp
            if node.has("color"):
                state.update(hue=node.hue, saturation=node.saturation)
            state.update(node.effect_names())
        if node.energy is not None:
            state["power_w"] = round(node.power_w(), 2)
            state["today_energy_wh"] = node.energy.usage()["today_energy"]
        return state

    def handle(self, envelope: Any) -> dict[str, Any]:
        return self.node.handle(envelope)


class TapoPlugEmulator(TapoSmartEmulator):
    kind = "tapo-plug"
    models = ("P110", "P100", "P105", "P110M", "P115")


class TapoBulbEmulator(TapoSmartEmulator):
    kind = "tapo-bulb"
    models = ("L530", "L510", "L520", "L610", "L535", "L630")
    node_class = LightNode


class TapoStripEmulator(TapoSmartEmulator):
    kind = "tapo-strip"
    models = ("L930", "L900", "L920")
    node_class = LightNode


class TapoPowerStripEmulator(TapoSmartEmulator):
    kind = "tapo-power-strip"
    models = ("P304M", "P300", "P304", "P316")
    node_class = PowerStripNode
