"""Power strips: no switch of their own, sockets reached with ``control_child``.

The strip lists its sockets (``get_child_device_list``, ten a page) and their
components; each socket answers its own methods through ``control_child``
(``{"device_id": ..., "requestData": {...}}`` in, ``{"responseData": {...}}``
out). Sockets report the keys of a sub-plug: ``category``, ``position``,
``slot_number``, ``original_device_id``, ``status_follow_edge``... and, on the
metering models, the protection keys of a P110. The strip itself keeps the
power-protection and price settings of the metering models but no meter of
its own (a P304M answers no ``get_energy_usage``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault
from camhub.sim.tapo_smart.models import ModelSpec
from camhub.sim.tapo_smart.nodes import Handler, Node, Params

PAGE = 10
_TOP_LEVEL_ONLY = ("ip", "ssid", "rssi", "signal_level", "lang", "specs", "time_diff")


class SocketNode(Node):
    """One socket of a power strip."""

    def __init__(self, strip: PowerStripNode, position: int, **kw: Any) -> None:
        self.strip = strip
        self.position = position
        super().__init__(strip.spec, strip.clock, **kw)
        self.methods["get_device_info"] = lambda _: self.info()
        self.methods.pop("get_device_time", None)  # the strip keeps the time
        self.methods.pop("set_device_time", None)

    def install(self) -> None:
        super().install()
        for name in ("qs_component_nego", "get_latest_fw", "get_fw_download_state"):
            self.methods.pop(name, None)
        for name in ("get_auto_update_info", "set_auto_update_info"):
            self.methods.pop(name, None)

    def info(self) -> dict[str, Any]:
        info = self.base_info()
        for key in _TOP_LEVEL_ONLY:
            info.pop(key, None)
        info.update(self.status_info())
        info.update(
            avatar="plug",
            bind_count=1,
            category="plug.powerstrip.sub-plug",
            default_states={"type": "last_states"},
            mac=self.strip.mac.replace("-", ""),
            original_device_id=self.strip.device_id,
            position=self.position,
            slot_number=len(self.strip.children),
            status_follow_edge=True,
        )
        if self.spec.model != "P300":  # the newer strips say which outlets are USB
            info["is_usb"] = False
        if self.has("energy_monitoring"):
            info.update(
                protection_enabled=self.protection["enabled"],
                protection_power=self.protection["protection_power"],
            )
        return dict(sorted(info.items()))

    def install_energy(self) -> None:
        super().install_energy()
        self.methods["get_energy_usage"] = lambda _: self.meter().usage(with_power=False)


class PowerStripNode(Node):
    """The strip: its own settings and the table of its sockets."""

    def __init__(self, spec: ModelSpec, clock: Callable[[], float], **kw: Any) -> None:
        load_w = kw.pop("load_w", spec.load_w)
        super().__init__(spec, clock, **kw)
        self.children = [
            SocketNode(
                self,
                n,
                nickname=f"Plug {n}",
                device_id=f"{self.device_id}{n - 1:02d}",
                components=spec.socket_components,
                load_w=load_w,
            )
            for n in range(1, spec.sockets + 1)
        ]

    def install(self) -> None:
        super().install()
        m = self.methods
        m.update(
            get_child_device_list=lambda p: self._page(
                p, "child_device_list", [c.info() for c in self.children]
            ),
            get_child_device_component_list=lambda p: self._page(
                p,
                "child_component_list",
                [
                    {"component_list": c.component_list(), "device_id": c.device_id}
                    for c in self.children
                ],
            ),
            control_child=self.control_child,
        )
        for name in list(m):  # the sockets keep these, not the strip
            if name.endswith(("_rules", "_rule", "_all_enable", "auto_off_config", "max_power")):
                m.pop(name)
        m.pop("get_next_event", None)
        if self.has("energy_monitoring"):
            for name in list(m):
                if "energy" in name or "power_data" in name or "emeter" in name:
                    m.pop(name)
            m["get_electricity_price_config"] = lambda _: self.price_config()
            m["set_electricity_price_config"] = self.set_price

    def power_w(self) -> float:
        children: list[SocketNode] = getattr(self, "children", [])
        return sum(c.power_w() for c in children)

    def info(self) -> dict[str, Any]:
        info = self.base_info()
        info.update(self.spec.info_extra)
        return dict(sorted(info.items()))

    def device_usage(self) -> dict[str, Any]:
        """The sum of the sockets' usage (the strip's own time is the sockets')."""
        total: dict[str, dict[str, int]] = {}
        for child in self.children:
            for key, window in child.device_usage().items():
                slot = total.setdefault(key, {})
                for span, value in window.items():
                    slot[span] = slot.get(span, 0) + value
        return total

    def tick(self) -> None:
        super().tick()
        children: list[SocketNode] = getattr(self, "children", [])
        for child in children:
            child.tick()

    @staticmethod
    def _page(params: Params, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        start = params.get("start_index", 0)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return {key: items[start : start + PAGE], "start_index": start, "sum": len(items)}

    def control_child(self, params: Params) -> dict[str, Any]:
        child = next((c for c in self.children if c.device_id == params.get("device_id")), None)
        request = params.get("requestData")
        if child is None or not isinstance(request, dict):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return {"responseData": child.handle(request)}


__all__ = ["Handler", "PowerStripNode", "SocketNode"]
