"""Recordings keep the camera's sound: G.711 transcoded to AAC (the pictures never
are), AAC remuxed as it came; ffprobe reads h264 + aac of lengths that agree, and the
sound in the file is the scene's (its tone), where the pictures are."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from camhub.recordings.manager import RecordingManager
from camhub.recordings.mp4 import salvage
from camhub.sim.audio import TONE_HZ
from tests.recordings.conftest import recorded
from tests.recordings.media import probe_all, sound, streams_of


def check_av(path: Path, rate: int) -> dict[str, dict[str, object]]:
    """h264 + aac whose durations agree within 0.5 s, the aac at ``rate``, mono."""
    info = probe_all(path)
    streams = streams_of(info)
    assert set(streams) == {"video", "audio"}, info["streams"]
    video, audio = streams["video"], streams["audio"]
    assert video["codec_name"] == "h264" and audio["codec_name"] == "aac"
    assert (int(audio["sample_rate"]), audio["channels"]) == (rate, 1)
    assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=0.5)
    return streams


def tone_share(path: Path) -> float:
    """How much of the file's decoded sound is the scene's 660 Hz tone (0-1)."""
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].rate
        pcm = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    spectrum = np.abs(np.fft.rfft(pcm)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    band = (freqs > TONE_HZ - 20) & (freqs < TONE_HZ + 20)
    return float(spectrum[band].sum() / spectrum.sum())


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


async def test_a_salvaged_file_keeps_its_sound(manager: RecordingManager, tmp_path: Path) -> None:
    recs, _ = await recorded(manager, seconds=6, segment_seconds=60, sound=sound(6))
    path = manager.root / recs[0].path
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    fixed = tmp_path / "fixed.mp4"
    assert salvage(cut, fixed) is not None
    streams = check_av(fixed, 8000)
    assert float(streams["video"]["duration"]) >= 2
