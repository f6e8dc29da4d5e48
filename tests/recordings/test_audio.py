"""Recordings keep the camera's sound: G.711 transcoded to AAC (the pictures never
are), AAC remuxed as it came; ffprobe reads h264 + aac of lengths that agree, and the
sound in the file is the scene's (its tone), where the pictures are."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from camhub.recordings.manager import RecordingManager
from camhub.recordings.mp4 import salvage
from tests.recordings.conftest import recorded
from tests.recordings.media import check_av, probe_all, sound, streams_of, tone_share


async def test_g711_is_recorded_as_aac_beside_the_untouched_video(
    manager: RecordingManager,
) -> None:
    recs, _ = await recorded(manager, seconds=12, segment_seconds=4, sound=sound(12))
    assert len(recs) >= 3
    for rec in recs:
        path = manager.root / rec.path
        check_av(path, 8000)
        assert tone_share(path) > 0.8, "the camera's sound, not silence or noise"


async def test_aac_from_the_camera_is_remuxed_as_it_came(manager: RecordingManager) -> None:
    units = sound(6, "aac", 44100)
    recs, _ = await recorded(manager, seconds=6, segment_seconds=60, sound=units)
    (rec,) = recs
    path = manager.root / rec.path
    check_av(path, 44100)
    with av.open(str(path)) as container:
        written = [bytes(p) for p in container.demux(audio=0) if p.size]
    sent = {u.data for u in units}
    assert len(written) > 200 and all(w in sent for w in written), "frames copied, not re-encoded"
    assert tone_share(path) > 0.8


async def test_an_event_clip_has_the_sound_of_its_pre_roll_too(manager: RecordingManager) -> None:
    recs, _ = await recorded(
        manager, mode="events", seconds=10, events={5: "motion"}, pre_seconds=2,
        post_seconds=2, sound=sound(10),
    )  # fmt: skip
    (rec,) = recs
    streams = check_av(manager.root / rec.path, 8000)
    assert float(streams["audio"]["duration"]) >= 4


async def test_sound_that_begins_late_starts_a_file_with_sound(
    manager: RecordingManager,
) -> None:
    """A file opened before the camera's sound came is cut where it begins (at that
    keyframe), so the sound is recorded from then, not from the next segment on."""
    late = [u for u in sound(12) if u.pts >= 5 * 8000]
    recs, _ = await recorded(manager, seconds=12, segment_seconds=60, sound=late)
    assert len(recs) == 2
    first = probe_all(manager.root / recs[0].path)
    assert set(streams_of(first)) == {"video"}
    assert float(first["format"]["duration"]) == pytest.approx(5, abs=2.1), "cut near 5 s"
    check_av(manager.root / recs[1].path, 8000)
    assert recs[0].end == recs[1].start, "no gap between them"
    assert tone_share(manager.root / recs[1].path) > 0.8


async def test_a_salvaged_file_keeps_its_sound(manager: RecordingManager, tmp_path: Path) -> None:
    recs, _ = await recorded(manager, seconds=6, segment_seconds=60, sound=sound(6))
    path = manager.root / recs[0].path
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    fixed = tmp_path / "fixed.mp4"
    assert salvage(cut, fixed) is not None
    streams = check_av(fixed, 8000)
    assert float(streams["video"]["duration"]) >= 2
