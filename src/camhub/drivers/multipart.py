"""MJPEG over HTTP: reading ``multipart/x-mixed-replace`` and writing its parts.

Cameras are loose with the format, so the reader is forgiving:

- the boundary may be announced with or without quotes, and used in the body with or
  without the leading ``--`` (or announced *with* dashes and used without);
- ``Content-Length`` may be missing, or wrong; the part then ends at the next boundary;
- garbage may sit between parts, and a part may carry no headers at all;
- a truncated frame (no JPEG end marker) is dropped, never handed on;
- when the Content-Type names no boundary, the first ``--token`` line names it.

Whatever comes, the reader stays linear and bounded: each byte is scanned a bounded
number of times (searches resume where the last one stopped; a boundary line and a
header block have a maximum length), and when :data:`MAX_FRAME` bytes go by without a
complete part, it throws them away and counts an overflow (:func:`read_frames` then
gives up on the camera rather than keep reading a stream that never makes a picture).

The writer builds each part as one ``bytes`` object, once, so the same object can be
sent to every viewer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator

from camhub.drivers.http import Body
from camhub.errors import DeviceError

BOUNDARY = b"camhubframe"
SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
MAX_FRAME = 16 * 1024 * 1024  # give up on a part larger than this and resync
MAX_BOUNDARY_LINE = 256  # "--" + a token of at most 200 bytes + whitespace
MAX_HEAD = 8192  # a part's header block

_BOUNDARY_PARAM = re.compile(r'boundary\s*=\s*(?:"([^"]*)"|([^;,\s]+))', re.IGNORECASE)
_LENGTH = re.compile(rb"^content-length\s*:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


def boundary_from_content_type(content_type: str) -> bytes | None:
    """The boundary token of a Content-Type header, without quotes or leading dashes."""
    m = _BOUNDARY_PARAM.search(content_type)
    if m is None:
        return None
    token = (m.group(1) if m.group(1) is not None else m.group(2)).strip().lstrip("-")
    return token.encode("latin-1") or None


def content_type(boundary: bytes = BOUNDARY) -> str:
    return f"multipart/x-mixed-replace; boundary={boundary.decode('latin-1')}"


def build_part(jpeg: bytes, boundary: bytes = BOUNDARY) -> bytes:
    """One complete part: boundary line, headers, the JPEG and its trailing CRLF."""
    return b"".join(
        (
            b"--",
            boundary,
            b"\r\nContent-Type: image/jpeg\r\nContent-Length: ",
            str(len(jpeg)).encode(),
            b"\r\n\r\n",
            jpeg,
            b"\r\n",
        )
    )


def _complete_jpeg(body: bytes) -> bytes | None:
    """The JPEG inside ``body`` (whitespace trimmed), or None when truncated."""
    start = body.find(SOI)
    if start < 0:
        return None
    end = body.rfind(EOI)
    if end < start + 2:
        return None
    return body[start : end + 2]


class MultipartParser:
    """Incremental parser: :meth:`feed` bytes as they arrive, get complete JPEGs."""

    def __init__(self, boundary: bytes | None = None, max_frame: int = MAX_FRAME) -> None:
        self.boundary = boundary.lstrip(b"-") if boundary else None
        self.max_frame = max_frame
        self._buf = bytearray()
        self._pos = 0  # start of unconsumed data in _buf
        self._scan = 0  # where the next boundary search may start (avoids rescans)
        self._learn_at = 0  # where the search for an unknown boundary resumes
        self._since_frame = 0  # bytes fed since the last complete part
        self.dropped = 0  # truncated or malformed parts skipped
        self.overflows = 0  # times max_frame bytes went by without a complete part

    @property
    def buffered(self) -> int:
        """Bytes held, waiting for the rest of a part."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        self._since_frame += len(data)
        frames: list[bytes] = []
        while True:
            frame = self._next()
            if frame is None:
                break
            frames.append(frame)
        if self._pos:
            del self._buf[: self._pos]
            self._scan = max(0, self._scan - self._pos)
            self._learn_at = max(0, self._learn_at - self._pos)
            self._pos = 0
        if frames:
            self._since_frame = len(self._buf)
        elif self._since_frame > self.max_frame:  # no complete part in sight: resync
            self.dropped += 1
            self.overflows += 1
            keep = len(self.boundary) + 4 if self.boundary else MAX_BOUNDARY_LINE
            del self._buf[: max(0, len(self._buf) - keep)]
            self._scan = self._learn_at = 0
            self._since_frame = len(self._buf)
        return frames

    # internals ---------------------------------------------------------------------
    def _learn_boundary(self) -> bool:
        """Take the first ``--token`` line as the boundary; resume where the last
        look stopped, and let go of what comes before a candidate line."""
        buf = self._buf
        i = buf.find(b"--", max(self._pos, self._learn_at))
        while i >= 0:
            eol = buf.find(b"\n", i, i + MAX_BOUNDARY_LINE)
            if eol < 0:
                if len(buf) - i < MAX_BOUNDARY_LINE:
                    break  # the line may still end: look again from here
                i = buf.find(b"--", i + 2)  # too long for a boundary line
                continue
            token = bytes(buf[i:eol]).strip().lstrip(b"-")
            if token and b" " not in token and len(token) <= 200:
                self.boundary = token
                return True
            i = buf.find(b"--", eol)
        # nothing before a candidate line (or the last byte, a possible "-") matters
        self._learn_at = self._pos = i if i >= 0 else max(self._pos, len(buf) - 1)
        return False

    def _find_boundary(self, start: int) -> int:
        """Index of the next boundary token that starts a line (after optional ``--``)."""
        assert self.boundary is not None
        buf, token = self._buf, self.boundary
        i = buf.find(token, start)
        while i >= 0:
            j = i - 2 if i >= 2 and buf[i - 2 : i] == b"--" else i
            if j == 0 or buf[j - 1] == 0x0A:
                return i
            i = buf.find(token, i + 1)
        return -1

    def _head(self, head_start: int) -> tuple[int, int] | None:
        """(end of the headers, start of the body) of a part; None when not all in.

        Raises ``ValueError`` when no header block ends within :data:`MAX_HEAD` bytes.
        """
        buf = self._buf
        if buf[head_start : head_start + 2] == SOI:  # part without headers
            return head_start, head_start
        if buf[head_start : head_start + 2] == b"\r\n":  # empty header block
            return head_start, head_start + 2
        if buf[head_start : head_start + 1] == b"\n":
            return head_start, head_start + 1
        limit = head_start + MAX_HEAD
        crlf = buf.find(b"\n\r\n", head_start, limit)
        lf = buf.find(b"\n\n", head_start, limit)
        if lf >= 0 and (crlf < 0 or lf < crlf):
            return lf, lf + 2
        if crlf >= 0:
            return crlf, crlf + 3
        if len(buf) - head_start > MAX_HEAD:
            raise ValueError("not a header block")
        return None

    def _next(self) -> bytes | None:
        """Parse one part from ``_pos``; None when more data is needed."""
        while True:
            if self.boundary is None and not self._learn_boundary():
                return None
            assert self.boundary is not None
            buf = self._buf
            b = self._find_boundary(self._pos)
            if b < 0:
                # keep a tail that could hold the start of a boundary line
                self._pos = max(self._pos, len(buf) - len(self.boundary) - 3)
                return None
            line = b - 2 if buf[b - 2 : b] == b"--" else b
            self._pos = max(self._pos, line)  # what came before the boundary is garbage
            line_max = len(self.boundary) + MAX_BOUNDARY_LINE
            eol = buf.find(b"\n", b, b + line_max)
            if eol < 0:
                if len(buf) - b > line_max:  # not a boundary line after all
                    self._pos = b + 1
                    continue
                return None
            try:
                head = self._head(eol + 1)
            except ValueError:  # not headers: skip this boundary
                self._pos = eol + 1
                continue
            if head is None:
                return None
            head_end, body_start = head
            m = _LENGTH.search(bytes(buf[eol + 1 : head_end]))
            if m is not None:
                length = int(m.group(1))
                if len(buf) - body_start < length:
                    if length <= self.max_frame:
                        return None
                else:
                    body = bytes(buf[body_start : body_start + length])
                    if body[:2] == SOI and body.rstrip()[-2:] == EOI:
                        self._pos = body_start + length
                        self._scan = self._pos
                        return body
                    # wrong length: fall back to looking for the next boundary
            nxt = self._find_boundary(max(body_start, self._scan))
            if nxt < 0:
                self._scan = max(body_start, len(buf) - len(self.boundary) - 3)
                return None
            self._pos = self._scan = nxt - 2 if buf[nxt - 2 : nxt] == b"--" else nxt
            jpeg = _complete_jpeg(bytes(buf[body_start:nxt]))
            if jpeg is not None:
                return jpeg
            self.dropped += 1


def read_frames(body: Body, *, within: float) -> AsyncGenerator[bytes, None]:
    """The JPEGs of an MJPEG reply as they come, each within ``within`` seconds.

    Memory stays under :data:`MAX_FRAME` plus one read; a stream that goes
    :data:`MAX_FRAME` bytes without a complete picture is a :class:`DeviceError`.
    """
    parser = MultipartParser(boundary_from_content_type(body.headers.get("Content-Type", "")))

    def feed(chunk: bytes) -> list[bytes]:
        frames = parser.feed(chunk)
        if parser.overflows:
            mib = parser.max_frame / 2**20
            msg = f"{body.device}: no complete picture in {mib:g} MiB of stream"
            raise DeviceError(msg, device=body.device)
        return frames

    return body.units(feed, within=within, what="picture")
