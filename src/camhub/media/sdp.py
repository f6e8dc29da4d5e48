"""The SDP (RFC 4566) an RTSP server answers DESCRIBE with, for one H.264 track.

The track is RTP payload type 96, ``H264/90000``, ``packetization-mode=1`` (single
NAL units and FU-A), with ``profile-level-id`` and ``sprop-parameter-sets`` from the
stream's SPS and PPS (RFC 6184 section 8.1), so a client can set up its decoder
before the first keyframe arrives. The session is live (``a=range:npt=0-``) and its
one track is controlled at ``<content base>/trackID=0``.
"""

from __future__ import annotations

from camhub.media.h264 import profile_level_id, sprop_parameter_sets
from camhub.media.rtp import PAYLOAD_TYPE
from camhub.media.types import VideoInfo

TRACK = "trackID=0"


def h264_sdp(info: VideoInfo, session_id: int, host: str, name: str = "camhub") -> str:
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
        f"a=control:{TRACK}",
    ]
    return "".join(f"{line}\r\n" for line in lines)
