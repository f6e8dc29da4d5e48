"""``settings`` of the Tapo smart devices: a device's own knobs, typed by a JSON Schema.

Every device has its name (``nickname``); lights add their smooth on/off
(``on_off_gradually``: one switch on v1 firmware, on and off fade times from v2) and
light strips the number of 10 cm segments they are cut to (``segment``).

Each mixin declares its settings (:meth:`Settings._setting_fields`), what it reads
(:meth:`Settings._settings_queries`, :meth:`Settings._settings_from`) and how it
writes its keys (:meth:`Settings._write_settings`). The schema is a pydantic model
built from the declared fields; an update is validated against it, key by key, before
anything is written.
"""

from __future__ import annotations

import base64
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_values import b64text, num
from camhub.errors import DeviceError, InvalidArgument

Fields = dict[str, tuple[Any, FieldInfo]]
FADE_MAX_S = 60  # what the devices answer as max_duration
SEGMENTS_MAX = 50  # a 5 m run of 10 cm segments (the device reports no maximum)


class Settings(TapoSmartDevice):
    """``settings``: the device's name, and what the other mixins add."""

    def _setting_fields(self) -> Fields:
        return {"nickname": (str, Field(title="Name", min_length=1, max_length=64))}

    def _settings_queries(self) -> list[Request]:
        return self._info_queries()  # none for a socket: its strip lists its info

    def _settings_from(self, got: dict[str, Any]) -> dict[str, Any]:
        return {"nickname": b64text(self.info.get("nickname"))}

    async def _write_settings(self, changes: dict[str, Any]) -> None:
        if "nickname" in changes:
            nickname = base64.b64encode(changes["nickname"].encode()).decode()
            await self._set(nickname=nickname)

    # the capability ------------------------------------------------------------------
    def settings_schema(self) -> dict[str, Any]:
        model = create_model(  # type: ignore[call-overload]
            f"{type(self).__name__}Settings",
            __config__=ConfigDict(extra="forbid"),
            **self._setting_fields(),
        )
        schema: dict[str, Any] = model.model_json_schema()
        return schema

    async def get_settings(self) -> dict[str, Any]:
        queries = self._settings_queries()
        got = await self.proto.call_many(queries, strict=False) if queries else {}
        await self._read_info(got)
        return self._settings_from(got)

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        optional: Fields = {}
        for key, (kind, field) in self._setting_fields().items():
            optional[key] = (kind | None, FieldInfo.merge_field_infos(field, default=None))
        model = create_model(  # type: ignore[call-overload]
            "SettingsChange", __config__=ConfigDict(extra="forbid"), **optional
        )
        try:
            valid = model.model_validate(changes)
        except ValidationError as exc:
            errors = [
                f"{'.'.join(map(str, e['loc'])) or '(body)'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            ]
            raise InvalidArgument("invalid settings", errors, device=self.name) from None
        given = {k: v for k, v in valid.model_dump().items() if k in changes and v is not None}
        if given:
            await self._apply_settings(given)
        return await self.get_settings()

    @command
    async def _apply_settings(self, changes: dict[str, Any]) -> None:
        await self._write_settings(changes)


class LightSettings(Settings):
    """A light's smooth on/off, and a strip's segments."""

    _fade_max: tuple[int, int] = (FADE_MAX_S, FADE_MAX_S)  # on, off: the last answer

    def _setting_fields(self) -> Fields:
        fields = super()._setting_fields()
        fade = self.components.get("on_off_gradually", 0)
        if fade == 1:
            fields["fade"] = (bool, Field(title="Smooth on/off"))
        elif fade > 1:
            names = (("fade_on_s", "on"), ("fade_off_s", "off"))
            for (key, title), top in zip(names, self._fade_max, strict=True):
                fields[key] = (int, Field(title=f"Fade {title} (s, 0: off)", ge=0, le=top))
        if "segment" in self.components:
            fields["segments"] = (int, Field(title="Segments (10 cm)", ge=0, le=SEGMENTS_MAX))
        return fields

    def _settings_queries(self) -> list[Request]:
        queries = super()._settings_queries()
        if "on_off_gradually" in self.components:
            queries.append(("get_on_off_gradually_info", None))
        if "segment" in self.components:
            queries.append(("get_device_segment", None))
        return queries

    def _settings_from(self, got: dict[str, Any]) -> dict[str, Any]:
        out = super()._settings_from(got)
        fades = got.get("get_on_off_gradually_info")
        if isinstance(fades, DeviceError):
            raise fades
        if isinstance(fades, dict) and isinstance(fades.get("enable"), bool):
            out["fade"] = fades["enable"]
        elif isinstance(fades, dict):
            parts = [fades.get("on_state"), fades.get("off_state")]
            on_max, off_max = (num(p, "max_duration") or FADE_MAX_S for p in parts)
            self._fade_max = (on_max, off_max)
            for key, part in zip(("fade_on_s", "fade_off_s"), parts, strict=True):
                on = isinstance(part, dict) and part.get("enable") is True
                out[key] = (num(part, "duration") or 0) if on else 0
        segments = got.get("get_device_segment")
        if isinstance(segments, DeviceError):
            raise segments
        if (count := num(segments, "segment")) is not None:
            out["segments"] = count
        return out

    async def _write_settings(self, changes: dict[str, Any]) -> None:
        await super()._write_settings(changes)
        if "fade" in changes:
            await self.proto.call("set_on_off_gradually_info", {"enable": changes["fade"]})
        fades: dict[str, Any] = {}
        for key, state in (("fade_on_s", "on_state"), ("fade_off_s", "off_state")):
            if key in changes:
                seconds = changes[key]
                fades[state] = (
                    {"enable": True, "duration": seconds} if seconds else {"enable": False}
                )
        if fades:
            await self.proto.call("set_on_off_gradually_info", fades)
        if "segments" in changes:
            await self.proto.call("set_device_segment", {"segment": changes["segments"]})
