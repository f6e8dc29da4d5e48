"""The other video endpoints of seed 004: SDP, RTSP names and the Flash player.

- ``/img/media.sdp`` answers an SDP (``application/sdp``) describing the camera's first
  stream (``STREAMS.channel1``: H.264 or MPEG-4, with the size, frame rate and bit rate
  of its group) and, while ``AUDIO.audio_in=1``, its audio (``in_audio_type`` 1: G.726
  32 kbit/s, 2: G.711 A-law, 3: G.711 mu-law; an assumption, seed 004 does not say).
  Its ``a=control`` lines name the RTSP tracks of ``/img/media.sav``. Like the real
  camera's, it describes no MJPEG stream.
- ``/img/media.sav``, ``/img/video.sav``, ``/img/audio.sav`` are RTSP resources
  (``rtsp://host:RTSP_RTP.rtsp_port/img/...``, served by :mod:`camhub.sim.sercomm.rtsp`
  when the emulator runs its RTSP server). A plain HTTP GET of them on the HTTP port
  answers **501** with the RTSP URL as text.
- ``/img/media.flv`` answers a valid but empty FLV stream (``video/x-flv``: the header
  and no tags: FLV cannot carry the emulator's JPEG frames). ``/img/media.swf`` and
  ``/img/sc_flvplayer.swf`` answer a minimal valid SWF movie
  (``application/x-shockwave-flash``: one empty frame), not a working player.
"""

from __future__ import annotations

import struct

from aiohttp import web

from camhub.sim.sercomm.host import GroupsHost

RESOLUTIONS = {"1": (160, 120), "2": (320, 240), "3": (640, 480), "4": (1280, 720)}
# in_audio_type -> (RTP payload type, rtpmap or None for a static payload type)
AUDIO_CODECS = {"1": (97, "G726-32/8000"), "2": (8, None), "3": (0, None)}
RTSP_ONLY = ("media.sav", "video.sav", "audio.sav")
FLV_HEADER = b"FLV\x01\x05" + struct.pack(">I", 9) + struct.pack(">I", 0)


def _bits(fields: list[tuple[int, int]]) -> bytes:
    """Pack (value, width) fields MSB first, padded to a byte (SWF's RECT)."""
    acc, n = 0, 0
    for value, width in fields:
        acc = (acc << width) | (value & ((1 << width) - 1))
        n += width
    pad = -n % 8
    return (acc << pad).to_bytes((n + pad) // 8, "big")


def minimal_swf(width: int = 640, height: int = 480, fps: int = 15) -> bytes:
    """An uncompressed SWF 9 movie of one empty frame, ``width`` x ``height`` pixels."""
    nbits = 16  # enough for 20 * 1280 twips, signed
    rect = _bits([(nbits, 5), (0, nbits), (width * 20, nbits), (0, nbits), (height * 20, nbits)])
    body = rect + struct.pack("<HH", fps << 8, 1)
    tags = struct.pack("<H", 1 << 6) + struct.pack("<H", 0)  # ShowFrame, End
    length = 8 + len(body) + len(tags)
    return b"FWS" + bytes([9]) + struct.pack("<I", length) + body + tags


def _address_of(request: web.Request) -> str:
    return request.url.host or "127.0.0.1"


def media_sdp(camera: GroupsHost, address: str) -> str:
    """The SDP of ``/img/media.sdp``, its origin at ``address``."""
    codec, _, _ = camera.g("STREAMS", "channel1", "H264,1").partition(",")
    group = codec if codec in ("H264", "MPEG4") else "H264"
    w, h = RESOLUTIONS.get(camera.g(group, "resolution"), (1280, 720))
    fps = camera.g(group, "frame_rate", "25") or "25"
    rate = camera.g(group, "bit_rate", "768") or "768"
    lines = [
        "v=0",
        f"o=- 1 1 IN IP4 {address}",
        f"s={camera.model.name} media",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=range:npt=now-",
        "m=video 0 RTP/AVP 96",
        f"b=AS:{rate}",
    ]
    if group == "H264":
        profile = {"66": "42", "77": "4D", "100": "64"}.get(camera.g("H264", "profile"), "42")
        lines += [
            "a=rtpmap:96 H264/90000",
            f"a=fmtp:96 packetization-mode=1;profile-level-id={profile}001F",
        ]
    else:
        lines += ["a=rtpmap:96 MP4V-ES/90000", "a=fmtp:96 profile-level-id=1"]
    lines += [f"a=framesize:96 {w}-{h}", f"a=framerate:{fps}", "a=control:trackID=1"]
    if camera.g("AUDIO", "audio_in") == "1":
        payload, rtpmap = AUDIO_CODECS.get(camera.g("AUDIO", "in_audio_type"), (0, None))
        lines.append(f"m=audio 0 RTP/AVP {payload}")
        if rtpmap:
            lines.append(f"a=rtpmap:{payload} {rtpmap}")
        lines.append("a=control:trackID=2")
    return "".join(f"{line}\r\n" for line in lines)


class StreamRoutes:
    """The SDP, the RTSP-only names, and the Flash stream and players."""

    def __init__(self, host: GroupsHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/img/media.sdp", self.sdp)
        for name in RTSP_ONLY:
            r.add_get(f"/img/{name}", self.rtsp_only)
        r.add_get("/img/media.flv", self.flv)
        r.add_get("/img/media.swf", self.swf)
        r.add_get("/img/sc_flvplayer.swf", self.swf)

    async def sdp(self, request: web.Request) -> web.Response:
        return web.Response(
            text=media_sdp(self.host, _address_of(request)), content_type="application/sdp"
        )

    async def rtsp_only(self, request: web.Request) -> web.Response:
        port = self.host.g("RTSP_RTP", "rtsp_port", "554") or "554"
        url = f"rtsp://{_address_of(request)}:{port}{request.path}"
        return web.Response(status=501, text=f"RTSP only: {url}\n", content_type="text/plain")

    async def flv(self, request: web.Request) -> web.Response:
        return web.Response(body=FLV_HEADER, content_type="video/x-flv")

    async def swf(self, request: web.Request) -> web.Response:
        return web.Response(body=minimal_swf(), content_type="application/x-shockwave-flash")
