"""Media building blocks: H.264 bitstreams, RTP, and an RTSP server.

The bottom layer of camhub's video path: nothing here imports the rest of camhub.
:mod:`camhub.media.types` is the *feed* interface (access units in, any number of
consumers out) that the emulators' encoders and camhub's packet hub both provide;
:mod:`camhub.media.rtsp_server` serves feeds to RTSP clients (VLC, ffmpeg, NVRs).
"""

from camhub.media.types import AccessUnit, Feed, VideoInfo

__all__ = ["AccessUnit", "Feed", "VideoInfo"]
