"""A ``tapo-camera`` device's own settings (top level or under ``options:``).

``stream``      the camera account (Tapo app: Advanced settings > Camera account),
                which RTSP wants, not the cloud account the API logs in with:
                ``{username, password, rtsp_port: 554, media_port: 8800}``. With it,
                video comes over RTSP ``stream1``/``stream2``.
``media_port``  the port-8800 stream's port (default 8800, or ``stream.media_port``).
                Without a camera account, video comes from there, with the cloud
                password (see :mod:`.camera_media`).

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
    media_port: int | None = Field(None, ge=1, le=65535)

    @property
    def video_port(self) -> int:
        """Where the port-8800 stream listens."""
        if self.media_port is not None:
            return self.media_port
        return self.stream.media_port if self.stream is not None else 8800
