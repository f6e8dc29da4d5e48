"""Prometheus metrics, one registry per app (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from camhub.hub.hub import Hub


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "camhub_http_requests", "HTTP requests answered", ["method", "status"], registry=r
        )
        self.latency = Histogram(
            "camhub_http_request_seconds",
            "HTTP request handling time",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=r,
        )
        self.events = Counter("camhub_events", "Events recorded", ["type"], registry=r)
        self.devices = Gauge("camhub_devices", "Devices configured", registry=r)
        self.online = Gauge("camhub_devices_online", "Devices online", registry=r)
        self.device_up = Gauge(
            "camhub_device_up", "1 when the device answers", ["device"], registry=r
        )
        self.ws_clients = Gauge("camhub_ws_clients", "WebSocket clients connected", registry=r)
        self.upstreams = Gauge("camhub_stream_upstreams", "Camera connections held", registry=r)
        self.viewers = Gauge("camhub_stream_viewers", "Stream viewers", registry=r)

    def render(self, hub: Hub, upstreams: int, viewers: int) -> bytes:
        names = hub.names()
        self.devices.set(len(names))
        online = 0
        self.device_up.clear()
        for n in names:
            up = hub.coordinator(n).online
            online += up
            self.device_up.labels(n).set(1 if up else 0)
        self.online.set(online)
        self.upstreams.set(upstreams)
        self.viewers.set(viewers)
        return generate_latest(self.registry)
