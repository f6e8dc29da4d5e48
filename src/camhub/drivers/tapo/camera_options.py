"""A ``tapo-camera`` device's own settings (top level or under ``options:``).

``stream``  the camera account (Tapo app: Advanced settings > Camera account), which
            the camera's video wants, not the cloud account the API logs in with:
            ``{username, password, rtsp_port: 554, media_port: 8800}`` (RTSP
            ``stream1``/``stream2``, and the port-8800 stream).

A bad value is a ConfigError naming the field (``devices.N.stream.rtsp_port: ...``),
checked by the driver registry before the camera is built.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class StreamAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=128)
    rtsp_port: int = Field(554, ge=1, le=65535)
    media_port: int = Field(8800, ge=1, le=65535)


class TapoCameraOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: StreamAccount | None = None
