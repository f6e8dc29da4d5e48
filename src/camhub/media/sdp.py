"""The SDP (RFC 4566) an RTSP server answers DESCRIBE with: an H.264 track, and the
feed's sound when it has one.

The video is RTP payload type 96, ``H264/90000``, ``packetization-mode=1`` (single
NAL units and FU-A), with ``profile-level-id`` and ``sprop-parameter-sets`` from the
stream's SPS and PPS (RFC 6184 section 8.1), so a client can set up its decoder
before the first keyframe arrives. The sound (G.711 or AAC, see
:mod:`camhub.media.audio`) is a second media section. The session is live
(``a=range:npt=0-``); each track is controlled at ``<content base>/<control>``:
``trackID=0`` (video) and ``trackID=1`` (audio) unless the server names them
otherwise (a Tapo camera says ``track1`` and ``track2``).
"""

from __future__ import annotations

from camhub.media.audio import audio_media
from camhub.media.h264 import profile_level_id, sprop_parameter_sets
from camhub.media.rtp import PAYLOAD_TYPE
from camhub.media.types import AudioInfo, VideoInfo

TRACK = "trackID=0"
AUDIO_TRACK = "trackID=1"


def h264_sdp(
    info: VideoInfo,
    session_id: int,
    host: str,
    name: str = "camhub",
    audio: AudioInfo | None = None,
    controls: tuple[str, str] = (TRACK, AUDIO_TRACK),
) -> str:
    pt = PAYLOAD_TYPE
    fmtp = (
        f"packetization-mode=1;profile-level-id={profile_level_id(info.sps)};"
        f"sprop-parameter-sets={sprop_parameter_sets(info.sps, info.pps)}"
    )
    family = "IP6" if ":" in host else "IP4"
    lines = [
        "v=0",
        f"o=- {session_id} 1 IN {family} {host}",
        f"s={name}",
        f"c=IN {family} {'::' if family == 'IP6' else '0.0.0.0'}",
        "t=0 0",
        "a=control:*",
        "a=range:npt=0-",
        f"m=video 0 RTP/AVP {pt}",
        f"a=rtpmap:{pt} H264/90000",
        f"a=fmtp:{pt} {fmtp}",
        f"a=framesize:{pt} {info.width}-{info.height}",
        "a=recvonly",
        f"a=control:{controls[0]}",
    ]
    if audio is not None:
        lines += audio_media(audio, controls[1])
    return "".join(f"{line}\r\n" for line in lines)
