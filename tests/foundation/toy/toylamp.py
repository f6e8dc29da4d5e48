"""A toy vendor, as a third party would ship it: a driver and an emulator, registered
through entry points (``camhub.drivers`` and ``camhub.emulators``), touching no file of
camhub's. Its lamp speaks a tiny JSON API: ``GET /state``, ``POST /power {"on": ...}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from camhub.capabilities import DeviceState, PowerState
from camhub.drivers import Device, register
from camhub.sim import DemoDevice, Emulator
from camhub.sim.registry import add_demo

KIND = "toy-lamp"


class ToyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colour: str = Field("warm", pattern="^(warm|cold)$")


@register(KIND)
class ToyLamp(Device):
    kind = KIND
    options_model = ToyOptions

    def _url(self, path: str) -> str:
        return f"http://{self.config.host}:{self.config.port}{path}"

    async def poll(self) -> DeviceState:
        async with self.ctx.http.get(self._url("/state")) as resp:
            data = await resp.json()
        return DeviceState.of(PowerState(on=bool(data["on"])), vendor={"colour": data["colour"]})

    async def set_power(self, on: bool) -> None:
        async with self.ctx.http.post(self._url("/power"), json={"on": on}) as resp:
            resp.raise_for_status()


class ToyLampEmulator(Emulator):
    kind = KIND

    def setup(self) -> None:
        self.on = False
        self.app.router.add_get("/state", self._state)
        self.app.router.add_post("/power", self._power)

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response({"on": self.on, "colour": "warm"})

    async def _power(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        self.on = bool(body["on"])
        return web.json_response({"ok": True})


@add_demo
def demo_devices(password: str) -> list[DemoDevice]:
    return [DemoDevice("toy", KIND, "admin")]
