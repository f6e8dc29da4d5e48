"""A recorder turns real H.264 into MP4 files ffprobe and PyAV read: continuous segments
back to back, event clips with pre- and post-roll, merged when events overlap."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import pytest

from camhub.recordings import recorder as recorder_module
from camhub.recordings.manager import RecordingManager
from camhub.store.recordings import Recording
from tests.recordings.conftest import play, recorder, rows
from tests.recordings.media import T0, clip, duration_s, ffprobe

GOP_MS = 1000  # the clips' keyframe interval


def check_file(manager: RecordingManager, rec: Recording, width: int = 320) -> dict[str, object]:
    """ffprobe and PyAV agree the file is a playable H.264 MP4 of the indexed length."""
    path = manager.root / rec.path
    assert path.stat().st_size == rec.bytes
    info = ffprobe(path)
    (stream,) = info["streams"]  # type: ignore[misc]
    assert stream["codec_name"] == "h264" and stream["width"] == width
    packets = info["packets"]
    assert packets[0]["flags"].startswith("K"), "a recording starts with a keyframe"
    assert duration_s(info) == pytest.approx((rec.end - rec.start) / 1000, abs=0.07)
    with av.open(str(path)) as container:
        first = next(container.decode(video=0))
        assert first.width == width
    return info


async def test_continuous_segments_are_back_to_back(manager: RecordingManager) -> None:
    units = clip(20)
    rec, clock = recorder(manager, "continuous", segment_seconds=4)
    end = play(rec, clock, units)
    await rec.stop()
    found = await rows(manager)
    assert len(found) == 5
    assert found[0].start == T0 and abs(found[-1].end - (end + 1000 / 15)) <= 1
    for a, b in itertools.pairwise(found):
        assert a.end == b.start, "no gap and no overlap between segments"
    frames = 0
    for r in found:
        assert r.kind == "continuous" and r.end - r.start == 4000
        assert r.path.endswith(" 4sec continuous.mp4")
        frames += len(check_file(manager, r)["packets"])  # type: ignore[arg-type]
        assert r.snapshot is None, "made when asked for"
        snap = await manager.snapshot_of(r)
        assert snap is not None and snap.read_bytes()[:2] == b"\xff\xd8", "a JPEG"
    assert frames == len(units), "every picture recorded exactly once"


async def test_event_clips_have_pre_and_post_roll_and_merge_when_events_overlap(
    manager: RecordingManager,
) -> None:
    units = clip(30)
    rec, clock = recorder(manager, "events", pre_seconds=2, post_seconds=3)
    half = [u for u in units if u.pts_90k < 6 * 90_000]
    play(rec, clock, half, events={5: (1, "person")})
    assert rec.pending(1) is not None and rec.pending(1) >= 1, "its clip is being recorded"
    assert rec.pending(99) is None
    rest = units[len(half) :]
    play(rec, clock, rest, start=T0 + 6000, events={1: (2, "motion"), 14: (3, "motion")})
    await rec.stop()
    first, second = await rows(manager)
    links = await manager.index.event_ids([first.id, second.id])
    assert links == {first.id: [1, 2], second.id: [3]}, "events 5 s and 7 s apart share a clip"
    # event 1 at 5 s, event 2 at 7 s: from the keyframe at or before 5-2 s to the first
    # keyframe at or after 7+3 s
    assert T0 + 3000 - GOP_MS < first.start <= T0 + 3000
    assert T0 + 10_000 <= first.end < T0 + 10_000 + GOP_MS
    assert T0 + 18_000 - GOP_MS < second.start <= T0 + 18_000
    assert T0 + 23_000 <= second.end < T0 + 23_000 + GOP_MS
    assert first.kind == second.kind == "event"
    assert first.path.endswith("sec person.mp4") and second.path.endswith("sec motion.mp4")
    for r in (first, second):
        check_file(manager, r)
    clips = await manager.index.for_events([1, 2, 3])
    assert {e: r.id for e, r in clips.items()} == {1: first.id, 2: first.id, 3: second.id}


async def test_a_new_picture_size_starts_a_new_file(manager: RecordingManager) -> None:
    small, large = clip(6), clip(6, width=640, height=360)
    rec, clock = recorder(manager, "continuous", segment_seconds=60)
    end = play(rec, clock, small)
    play(rec, clock, large, start=end + 1000 // 15)
    await rec.stop()
    a, b = await rows(manager)
    assert a.end == b.start
    check_file(manager, a, width=320)
    check_file(manager, b, width=640)


async def test_a_gap_in_the_video_shows_as_a_gap(manager: RecordingManager) -> None:
    units = clip(5)
    rec, clock = recorder(manager, "continuous", segment_seconds=60)
    end = play(rec, clock, units)
    play(rec, clock, units, start=end + 10_000)
    await rec.stop()
    a, b = await rows(manager)
    assert b.start - a.end >= 9_000
    for r in (a, b):
        check_file(manager, r)


async def test_a_long_event_is_cut_into_files_that_follow_each_other(
    manager: RecordingManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "MAX_CLIP_MS", 3000)
    units = clip(12)
    rec, clock = recorder(manager, "events", pre_seconds=1, post_seconds=30)
    play(rec, clock, units, events={2: (7, "motion")})
    await rec.stop()
    found = await rows(manager)
    assert len(found) >= 3
    for a, b in itertools.pairwise(found):
        assert a.end == b.start
    assert all(r.end - r.start <= 3000 for r in found[:-1])
    assert found[0].start <= T0 + 1000
    assert (await manager.index.for_events([7]))[7].id == found[0].id


def test_clip_cache_is_real_h264(tmp_path: Path) -> None:
    """The test video is what a camera sends: Annex-B, SPS/PPS on each keyframe."""
    units = clip(3)
    keyframes = [u for u in units if u.keyframe]
    assert len(keyframes) == 3 and all(b"\x00\x00\x00\x01\x67" in k.data for k in keyframes)


async def test_an_event_delivered_late_links_to_the_file_that_covers_it(
    manager: RecordingManager,
) -> None:
    units = clip(10)
    rec, clock = recorder(manager, "continuous", segment_seconds=2)
    first = [u for u in units if u.pts_90k < 7 * 90_000]
    play(rec, clock, first)
    rec.on_event({"id": 41, "timestamp": T0 + 3000, "type": "motion", "device": "cam"})
    rec.on_event({"id": 42, "timestamp": clock.now + 60_000, "type": "motion"})  # clock ahead
    play(rec, clock, units[len(first) :], start=T0 + 7000)
    await rec.stop()

    clips = await manager.index.for_events([41, 42])  # stop() waited for the links
    found = await rows(manager)
    assert clips[41].start == T0 + 2000 and clips[41].end == T0 + 4000
    assert clips[42].start == T0 + 6000, "an event from the future counts as now"
    assert len(found) == 5
