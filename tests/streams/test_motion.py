"""camhub's own motion detection on the synthetic scenes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from camhub.sim.video import VideoSource, jpeg_size
from tests.helpers.mjpeg import MjpegCamera
from tests.helpers.wait import until
from tests.streams.conftest import Rig

FAST = {"fps": 10, "cooldown": 0.0, "min_area": 0.01}


async def watch(rig: Rig, scene: str, **motion: Any) -> MjpegCamera:
    cam = MjpegCamera(VideoSource(320, 240, fps=15, scene=scene, period=1.0, burst=0.5))  # type: ignore[arg-type]
    await cam.start()
    rig.add_mjpeg("yard", cam, motion={**FAST, **motion})
    await rig.hub.sync_devices(rig.devices.values())
    return cam


async def test_bursts_of_motion_raise_events_with_a_saved_snapshot(rig: Rig) -> None:
    cam = await watch(rig, "bursts")
    try:
        await until(lambda: len(rig.events) >= 2, timeout=10, what="motion events")
        name, event = rig.events[0]
        assert name == "yard" and event.type == "motion"
        assert 0.01 <= event.data["area"] <= 1
        saved = rig.data_dir / "snapshots" / event.data["snapshot"]
        assert jpeg_size(saved.read_bytes()) == (320, 240)
        # the watcher is just one more viewer of the single camera connection
        assert cam.max_active == 1
    finally:
        await rig.hub.close()
        await cam.stop()


async def test_a_quiet_scene_raises_nothing(rig: Rig) -> None:
    cam = await watch(rig, "quiet")
    try:
        watcher = rig.hub.motion.watchers["yard"]
        await until(lambda: watcher.frames_analysed >= 20, timeout=10, what="frames")
        assert rig.events == []
    finally:
        await rig.hub.close()
        await cam.stop()


async def test_a_masked_region_is_ignored_and_sync_turns_detection_off(rig: Rig) -> None:
    cam = await watch(rig, "motion", masks=[(0, 0, 1, 1)])
    try:
        watcher = rig.hub.motion.watchers["yard"]
        await until(lambda: watcher.frames_analysed >= 15, timeout=10, what="frames")
        assert rig.events == []
        del rig.devices["yard"]
        await rig.hub.sync_devices(rig.devices.values())
        assert rig.hub.motion.watchers == {}
        await until(lambda: cam.active == 0, what="camera released")
    finally:
        await rig.hub.close()
        await cam.stop()


def test_snapshot_names_cannot_escape_the_folder(tmp_path: Path) -> None:
    from camhub.streams.motion import snapshot_path

    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "yard-1.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (tmp_path / "secret.jpg").write_bytes(b"x")
    assert snapshot_path(tmp_path, "yard-1.jpg") == folder / "yard-1.jpg"
    for hostile in ["../secret.jpg", "..%2fsecret.jpg", "/etc/passwd", ".hidden.jpg", "a/b.jpg"]:
        assert snapshot_path(tmp_path, hostile) is None
