"""``camhub demo`` records events: with the demo's config, motion that camhub's own
detection finds in a synthetic scene becomes clips ffprobe reads, linked to events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from camhub.config import parse_config
from camhub.demo import DEMO_RECORD, demo_config
from camhub.settings import AppSettings
from tests.conftest import in_process
from tests.helpers.wait import until
from tests.recordings.camera import BURSTS, camera, still_cameras
from tests.recordings.media import ffprobe

PASSWORD = "demo-rec-pass-1"


def test_every_demo_device_records_events() -> None:
    raw = demo_config(Path("/tmp/x"), PASSWORD, [{"name": "a"}, {"name": "b", "record": None}])
    assert raw["devices"][0]["record"] == DEMO_RECORD
    assert raw["devices"][1]["record"] is None, "a device's own choice wins"


async def test_motion_in_the_scene_becomes_clips(tmp_path: Path) -> None:
    motion = {"fps": 2, "cooldown": 4, "min_area": 0.001}
    cam = camera(kind=BURSTS, motion=motion)
    raw = demo_config(tmp_path / "data", PASSWORD, [cam])
    settings = AppSettings(config=parse_config(raw), https_port=0, http_port=None)
    with still_cameras():
        async with in_process(settings) as hub:
            h = {"Authorization": f"Bearer {await hub.login('admin', PASSWORD)}"}

            async def clip() -> Any:
                r = await hub.client.get("/api/events", params={"device": "cam"}, headers=h)
                for e in r.json()["events"]:
                    got = await hub.client.get(f"/api/events/{e['id']}/clip", headers=h)
                    if got.status_code == 200:
                        return got
                return None

            found = await until(clip, 60, "a clip of a motion event")
            path = tmp_path / "clip.mp4"
            path.write_bytes(found.content)
            info = ffprobe(path)
            assert info["streams"][0]["codec_name"] == "h264"
            assert info["packets"][0]["flags"].startswith("K")
            assert float(info["format"]["duration"]) >= DEMO_RECORD["post_seconds"]
