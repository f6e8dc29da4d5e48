"""A camera's live WAV read as sound units: placeholder sizes, any split of the bytes,
PCM and G.711, refusals that say why, and units placed on the wall clock."""

from __future__ import annotations

import struct

import pytest

from camhub.media.types import AudioInfo, AudioUnit
from camhub.media.wav import FLOOD_S, LATE_S, SETTLE_S, UNIT_S, WavError, WavReader
from camhub.sim.video import tone_wav


def live(wav: bytes) -> bytes:
    """A finished WAV made to look live, as cameras send it: endless sizes."""
    head = bytearray(wav[:44])
    struct.pack_into("<I", head, 4, 0xFFFFFFFF)
    struct.pack_into("<I", head, 40, 0xFFFFFFFF)
    return bytes(head) + wav[44:]


def header(tag: int, channels: int, rate: int, bits: int, *extra_chunks: bytes) -> bytes:
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    chunks = b"".join(extra_chunks) + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    return b"RIFF\0\0\0\0WAVE" + chunks + b"data\0\0\0\0"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def read(wav: bytes, piece: int, clock: Clock) -> list[AudioUnit]:
    """All of ``wav`` in pieces of ``piece`` bytes at ``clock``, then what settling held."""
    reader = WavReader(clock)
    units = [u for i in range(0, len(wav), piece) for u in reader.feed(wav[i : i + piece])]
    clock.now += SETTLE_S
    return units + reader.feed(b"")


def test_a_live_pcm_wav_in_any_pieces_gives_the_same_units() -> None:
    wav = live(tone_wav(1.0, 440.0, 8000))
    whole = read(wav, len(wav), Clock(1000.0))
    assert [u.data for u in read(wav, 1, Clock(1000.0))] == [u.data for u in whole]
    assert whole[0].info == AudioInfo("pcm_s16le", 8000, 1)
    per_unit = int(8000 * UNIT_S)
    assert len(whole) == 8000 // per_unit and {u.samples for u in whole} == {per_unit}
    assert b"".join(u.data for u in whole) == wav[44:]
    assert [u.pts for u in whole] == [1000 * 8000 - 8000 + i * per_unit for i in range(20)]


def test_a_second_sent_at_once_is_placed_where_it_was_captured() -> None:
    """A server that sends its sound in bursts: the units end where the burst came."""
    clock = Clock(1000.0)
    reader = WavReader(clock)
    assert reader.feed(header(1, 1, 8000, 16)) == []
    got = []
    for second in range(3):
        clock.now = 1001.0 + second
        for _ in range(4):  # a second of sound in four reads, a millisecond apart
            clock.now += 0.001
            got += reader.feed(bytes(4000))
    # the first second came by 1001.004 s: it was captured over the second before that
    assert got[0].pts == round(1001.004 * 8000) - 8000
    assert [u.pts for u in got] == [got[0].pts + 400 * i for i in range(len(got))]
    assert got[-1].pts + 400 <= round(clock.now * 8000), "nothing from the future"


def test_a_pause_leaves_a_gap_jitter_does_not_and_a_flood_is_refused() -> None:
    clock = Clock(1000.0)
    reader = WavReader(clock)
    reader.feed(header(1, 1, 8000, 16))
    units = []
    for _ in range(40):  # 2 s of sound in 50 ms pieces, in real time
        clock.now += 0.05
        units += reader.feed(bytes(800))
    origin = units[0].pts
    clock.now += 0.07  # a late piece (jitter): the count goes on
    more = reader.feed(bytes(800))
    assert more[0].pts == units[-1].pts + 400 and reader.replaced == 0
    clock.now += LATE_S + 1  # the camera paused: placed afresh where it is now
    late = reader.feed(bytes(800))
    assert late[0].pts == round(clock.now * 8000) - 400 and reader.replaced == 1
    assert late[0].pts > origin + (len(units) + 2) * 400
    with pytest.raises(WavError, match="faster than"):
        reader.feed(bytes(2 * 8000 * int(FLOOD_S + 1)))


@pytest.mark.parametrize(("tag", "codec"), [(6, "pcm_alaw"), (7, "pcm_mulaw")])
def test_g711_in_a_wav(tag: int, codec: str) -> None:
    units = read(header(tag, 1, 8000, 8) + bytes(800), 1 << 20, Clock(5.0))
    assert units[0].info == AudioInfo(codec, 8000, 1) and units[0].samples == 400


def test_extensible_format_stereo_and_chunks_before_the_format() -> None:
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 16000, 64000, 4, 16, 22, 16, 3)
    fmt += struct.pack("<H", 1) + bytes(14)  # sub-format: PCM
    list_chunk = b"LIST" + struct.pack("<I", 3) + b"abc\0"  # odd size: padded
    wav = (
        b"RIFF\0\0\0\0WAVE"
        + list_chunk
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data\xff\xff\xff\xff"
    )
    units = read(wav + bytes(3200), 1 << 20, Clock(5.0))
    assert units[0].info == AudioInfo("pcm_s16le", 16000, 2) and units[0].samples == 800


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<html><body>login</body></html>", "not a WAV"),
        (header(1, 1, 8000, 24), "24-bit"),
        (header(3, 1, 8000, 32), "format 3"),
        (header(1, 6, 8000, 16), "6 channels"),
        (header(1, 1, 1000, 16), "1000 Hz"),
        (b"RIFF\0\0\0\0WAVEdata\0\0\0\0", "no fmt"),
        (b"RIFF\0\0\0\0WAVE" + b"junk" + struct.pack("<I", 1 << 20), "header over"),
        (b"RIFF\0\0\0\0WAVE" + (b"junk" + struct.pack("<I", 100) + bytes(100)) * 60, "over"),
    ],
)
def test_what_is_not_understood_is_refused_saying_why(data: bytes, why: str) -> None:
    with pytest.raises(WavError, match=why):
        WavReader(Clock(0.0)).feed(data)
