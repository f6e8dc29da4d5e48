"""RTSP server and MQTT client settings: ``/api/rtsp/*`` and ``/api/mqtt/*``.

The RTSP server really runs (:mod:`camhub.sim.ipcamera.rtsp`): ``start``, ``stop``,
``restart`` and ``apply-settings`` drive it, and a port already taken answers 500
``{"success": false, "error": ...}``. The MQTT client really runs too
(:mod:`camhub.sim.ipcamera.mqtt`): ``mqttEnabled`` starts and stops it,
``apply-settings`` restarts it with the new settings, ``status`` tells whether it is
connected and ``test`` connects to the broker once. Changing credentials that already
have a password needs that password as ``currentPassword``; first-time setup does not.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from camhub.sim.ipcamera.codes import Status
from camhub.sim.ipcamera.host import Message, SettingsHost
from camhub.sim.ipcamera.mqtt import PhoneMqtt
from camhub.sim.ipcamera.rtsp import IpCameraRtsp

_CRED_SPECS = {"rtspPassword": str, "mqttUsername": str, "mqttPassword": str}


class Services:
    """``/api/rtsp/*`` and ``/api/mqtt/*``; ``broadcast`` tells every WebSocket client."""

    def __init__(
        self,
        host: SettingsHost,
        rtsp: IpCameraRtsp,
        mqtt: PhoneMqtt,
        broadcast: Callable[[Message], Awaitable[None]],
    ) -> None:
        self.host = host
        self.rtsp = rtsp
        self.mqtt = mqtt
        self.broadcast = broadcast

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/api/rtsp/status", self.rtsp_status_route)
        r.add_post("/api/rtsp/start", self.rtsp_start)
        r.add_post("/api/rtsp/stop", self.rtsp_stop)
        r.add_post("/api/rtsp/restart", self.rtsp_restart)
        r.add_post("/api/rtsp/settings", self.rtsp_settings)
        r.add_post("/api/rtsp/apply-settings", self.rtsp_apply)
        r.add_get("/api/mqtt/status", self.mqtt_status_route)
        r.add_get("/api/mqtt/settings", self.mqtt_get)
        r.add_post("/api/mqtt/settings", self.mqtt_settings)
        r.add_post("/api/mqtt/test", self.mqtt_test)
        r.add_post("/api/mqtt/apply-settings", self.mqtt_apply)

    # state -------------------------------------------------------------------------
    def rtsp_status(self) -> dict[str, Any]:
        s = self.host.settings
        return {
            "enabled": s["rtspEnabled"],
            "running": self.rtsp.running,
            "port": s["rtspPort"],
            "path": s["rtspPath"],
            "clients": self.rtsp.clients,
        }

    def mqtt_status(self) -> dict[str, Any]:
        s = self.host.settings
        return {
            "enabled": s["mqttEnabled"],
            "connected": self.mqtt.connected,
            "brokerUrl": s["mqttBrokerUrl"],
            "port": s["mqttPort"],
            "topicPrefix": s["mqttTopicPrefix"],
        }

    # RTSP ----------------------------------------------------------------------------
    async def rtsp_status_route(self, request: web.Request) -> web.Response:
        return web.json_response(self.rtsp_status())

    async def switch_rtsp(self, on: bool, restart: bool = False) -> str | None:
        """Start (or restart) or stop the RTSP server; the error text when it cannot start."""
        rtsp = self.rtsp
        error: str | None = None
        try:
            if not on:
                await rtsp.stop()
            elif restart:
                await rtsp.restart()
            else:
                await rtsp.start()
        except OSError:
            error = f"Failed to start RTSP server on port {self.host.settings['rtspPort']}"
        await self.broadcast({"type": "rtsp_status", **self.rtsp_status()})
        return error

    async def _switch_route(self, on: bool, restart: bool = False) -> web.Response:
        error = await self.switch_rtsp(on, restart)
        if error is not None:
            return web.json_response({"success": False, "error": error}, status=Status.SERVER_ERROR)
        return web.json_response({"success": True, **self.rtsp_status()})

    async def rtsp_start(self, request: web.Request) -> web.Response:
        return await self._switch_route(True)

    async def rtsp_stop(self, request: web.Request) -> web.Response:
        return await self._switch_route(False)

    async def rtsp_restart(self, request: web.Request) -> web.Response:
        return await self._switch_route(True, restart=True)

    async def rtsp_settings(self, request: web.Request) -> web.Response:
        return await self._apply(request, "rtsp", restart=False)

    async def rtsp_apply(self, request: web.Request) -> web.Response:
        return await self._apply(request, "rtsp", restart=True)

    # MQTT ----------------------------------------------------------------------------
    async def mqtt_status_route(self, request: web.Request) -> web.Response:
        return web.json_response(self.mqtt_status())

    async def mqtt_get(self, request: web.Request) -> web.Response:
        s = self.host.settings
        body = {k: v for k, v in s.public().items() if k.startswith("mqtt")}
        body["mqttUsername"] = s.mqtt_username
        body["mqttPassword"] = "********" if s.mqtt_password else ""
        return web.json_response(body)

    async def mqtt_settings(self, request: web.Request) -> web.Response:
        return await self._apply(request, "mqtt", restart=False)

    async def mqtt_apply(self, request: web.Request) -> web.Response:
        return await self._apply(request, "mqtt", restart=True)

    async def mqtt_test(self, request: web.Request) -> web.Response:
        """One real MQTT connection with the current settings (credentials, TLS)."""
        if not self.host.settings["mqttBrokerUrl"]:
            return web.json_response(
                {"success": False, "error": "Broker URL not configured"}, status=Status.BAD_REQUEST
            )
        error = await self.mqtt.test()
        if error is not None:
            return web.json_response({"success": False, "error": error})
        return web.json_response({"success": True, "message": "Connected to broker"})

    async def switch_mqtt(self, on: bool) -> None:
        """``mqttEnabled`` changed: start or stop the client."""
        if on:
            self.mqtt.start()
        else:
            await self.mqtt.stop()
        await self.broadcast({"type": "mqtt_status", **self.mqtt_status()})

    # shared --------------------------------------------------------------------------
    async def _apply(self, request: web.Request, which: str, restart: bool) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "Invalid JSON"}, status=Status.BAD_REQUEST)
        if not isinstance(body, dict):
            return web.json_response({"error": "Expected a JSON object"}, status=Status.BAD_REQUEST)
        current = body.get("currentPassword")
        changes = body.get("settings", {k: v for k, v in body.items() if k != "currentPassword"})
        if not isinstance(changes, dict):
            return web.json_response(
                {"error": "settings must be an object"}, status=Status.BAD_REQUEST
            )
        errors = []
        plain: dict[str, Any] = {}
        creds: dict[str, str] = {}
        for key, value in changes.items():
            if not key.startswith(which):
                errors.append(f"{key}: Unknown {which.upper()} setting")
            elif key in _CRED_SPECS or (which == "rtsp" and key == "rtspUsername"):
                if isinstance(value, str):
                    creds[key] = value
                else:
                    errors.append(f"{key}: Expected string")
            else:
                plain[key] = value
        errors += self.host.settings.validate(plain)
        if (
            "rtspPath" in plain
            and isinstance(plain["rtspPath"], str)
            and not plain["rtspPath"].startswith("/")
        ):
            errors.append("rtspPath: Path must start with /")
        if errors:
            return web.json_response(
                {"success": False, "errors": errors}, status=Status.BAD_REQUEST
            )
        refusal = self._check_credentials(which, creds, current)
        if refusal is not None:
            return refusal
        s = self.host.settings
        if which == "rtsp":
            s.values["rtspUsername"] = creds.get("rtspUsername", s["rtspUsername"])
            s.rtsp_password = creds.get("rtspPassword", s.rtsp_password)
        else:
            s.mqtt_username = creds.get("mqttUsername", s.mqtt_username)
            s.mqtt_password = creds.get("mqttPassword", s.mqtt_password)
        await self.host.apply_settings(plain)
        if restart and which == "rtsp":
            error = await self.switch_rtsp(bool(s["rtspEnabled"]), restart=True)
            if error is not None:
                return web.json_response(
                    {"success": False, "error": error}, status=Status.SERVER_ERROR
                )
        elif restart:
            await self.mqtt.restart()
            await self.broadcast({"type": "mqtt_status", **self.mqtt_status()})
        return web.json_response({"success": True})

    def _check_credentials(
        self, which: str, creds: dict[str, str], current: Any
    ) -> web.Response | None:
        s = self.host.settings
        if which == "rtsp":
            old = {"rtspUsername": s["rtspUsername"], "rtspPassword": s.rtsp_password}
            existing = s.rtsp_password
        else:
            old = {"mqttUsername": s.mqtt_username, "mqttPassword": s.mqtt_password}
            existing = s.mqtt_password
        changing = any(old[k] != v for k, v in creds.items())
        if not changing or not existing:  # nothing to protect, or first-time setup
            return None
        if not isinstance(current, str) or not current:
            return web.json_response(
                {"error": "Current password required for credential changes"},
                status=Status.BAD_REQUEST,
            )
        if not secrets.compare_digest(current.encode(), existing.encode()):
            return web.json_response(
                {"error": "Current password is incorrect"}, status=Status.FORBIDDEN
            )
        return None
