"""MJPEG over HTTP: reading ``multipart/x-mixed-replace`` and writing its parts.

Cameras are loose with the format, so the reader is forgiving:

- the boundary may be announced with or without quotes, and used in the body with or
  without the leading ``--`` (or announced *with* dashes and used without);
- ``Content-Length`` may be missing, or wrong; the part then ends at the next boundary;
- garbage may sit between parts, and a part may carry no headers at all;
- a truncated frame (no JPEG end marker) is dropped, never handed on;
- when the Content-Type names no boundary, the first ``--token`` line names it.

The writer builds each part as one ``bytes`` object, once, so the same object can be
sent to every viewer.
"""

from __future__ import annotations

import re

BOUNDARY = b"camhubframe"
SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
MAX_FRAME = 16 * 1024 * 1024  # give up on a part larger than this and resync

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
        self.dropped = 0  # truncated or malformed parts skipped

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        frames: list[bytes] = []
        while True:
            frame = self._next()
            if frame is None:
                break
            frames.append(frame)
        if self._pos:
            del self._buf[: self._pos]
            self._scan = max(0, self._scan - self._pos)
            self._pos = 0
        if len(self._buf) > self.max_frame:  # no boundary in sight: resync
            self.dropped += 1
            keep = len(self.boundary) + 4 if self.boundary else 0
            del self._buf[: len(self._buf) - keep]
            self._scan = 0
        return frames

    # internals ---------------------------------------------------------------------
    def _learn_boundary(self) -> bool:
        buf = self._buf
        i = buf.find(b"--", self._pos)
        while i >= 0:
            eol = buf.find(b"\n", i)
            if eol < 0:
                return False
            token = bytes(buf[i:eol]).strip().lstrip(b"-")
            if token and b" " not in token and len(token) <= 200:
                self.boundary = token
                return True
            i = buf.find(b"--", eol)
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
            eol = buf.find(b"\n", b)
            if eol < 0:
                return None
            head_start = eol + 1
            if buf[head_start : head_start + 2] == SOI:  # part without headers
                head_end = body_start = head_start
            elif buf[head_start : head_start + 2] == b"\r\n":  # empty header block
                head_end, body_start = head_start, head_start + 2
            elif buf[head_start : head_start + 1] == b"\n":
                head_end, body_start = head_start, head_start + 1
            else:
                head_end = buf.find(b"\n\r\n", head_start)
                alt = buf.find(b"\n\n", head_start)
                if head_end < 0 or (0 <= alt < head_end):
                    head_end = alt
                    if head_end < 0:
                        if len(buf) - head_start > 8192:  # not headers: skip this boundary
                            self._pos = head_start
                            continue
                        return None
                    body_start = head_end + 2
                else:
                    body_start = head_end + 3
            headers = bytes(buf[head_start:head_end])
            m = _LENGTH.search(headers)
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
