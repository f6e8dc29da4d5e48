"""tinyCam compatibility completed (seed 002): the event list links each event's clip
and picture, ``filter=pin``, ``get_file`` serves MP4 and JPEG, ``param.cgi`` deletes,
pins (``_pin`` names) and unpins recordings."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.conftest import ADMIN_PASSWORD, InProcess
from tests.recordings.conftest import manager_of, recorded
from tests.recordings.media import ffprobe

ADMIN = {"Authorization": "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()}
CAM_ID = zlib.crc32(b"cam") & 0x7FFFFFFF


def file_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["file"][0]


async def test_event_list_links_clips_that_get_file_serves(hub: InProcess, tmp_path: Path) -> None:
    manager = manager_of(hub)
    recs, ids = await recorded(
        manager, mode="events", seconds=20, events={3: "person", 12: "motion"},
        pre_seconds=1, post_seconds=2,
    )  # fmt: skip
    c = hub.client
    r = await c.get("/api/v1/get_cam_event_list", params={"cameraId": CAM_ID}, headers=ADMIN)
    listed = r.json()["data"]
    assert [e["motion"] for e in listed] == ["motion", "person"]  # newest first
    person = listed[1]
    name = recs[0].path.rsplit("/", 1)[1]
    assert person["video"] == "/api/v1/get_file?file=" + f"/cam/{name}".replace(" ", "%20")
    assert file_of(person["image"]) == f"/cam/{name}.jpg"
    assert person["duration"] == recs[0].end - recs[0].start
    video = await c.get(person["video"], headers=ADMIN)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    saved = tmp_path / "clip.mp4"
    saved.write_bytes(video.content)
    assert ffprobe(saved)["packets"][0]["flags"].startswith("K")
    part = await c.get(person["video"], headers={**ADMIN, "Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == video.content[:10]
    image = await c.get(person["image"], headers=ADMIN)
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    for hostile in (f"/cam/../{name}", f"/other/{name}", "/cam/../../camhub.db", name):
        r = await c.get("/api/v1/get_file", params={"file": hostile}, headers=ADMIN)
        assert r.status_code == 404, hostile
    assert ids  # the events were stored before they were recorded


async def test_param_cgi_pins_unpins_and_deletes(hub: InProcess) -> None:
    manager = manager_of(hub)
    (first, second), _ = await recorded(
        manager, mode="events", seconds=20, events={3: "motion", 12: "person"},
        pre_seconds=1, post_seconds=2,
    )  # fmt: skip
    c = hub.client
    listed = (await c.get("/api/v1/get_cam_event_list", headers=ADMIN)).json()["data"]
    target = file_of(listed[1]["video"])
    r = await c.get("/param.cgi", params={"action": "pin", "root.Filename": target}, headers=ADMIN)
    assert r.status_code == 200 and r.text == "OK"
    pinned = (await c.get("/api/v1/get_cam_event_list?filter=pin", headers=ADMIN)).json()["data"]
    assert len(pinned) == 1 and pinned[0]["video"].endswith("_pin.mp4")
    assert (await c.get(pinned[0]["video"], headers=ADMIN)).status_code == 200
    old = await c.get("/api/v1/get_file", params={"file": target}, headers=ADMIN)
    assert old.status_code == 404, "the file is renamed _pin"
    pin_name = file_of(pinned[0]["video"])
    r = await c.get(
        "/param.cgi", params={"action": "delete", "root.Filename": pin_name}, headers=ADMIN
    )
    assert r.status_code == 400 and "pinned" in r.text
    r = await c.get(
        "/param.cgi", params={"action": "unpin", "root.Filename": pin_name}, headers=ADMIN
    )
    assert r.status_code == 200
    assert (await c.get("/api/v1/get_cam_event_list?filter=pin", headers=ADMIN)).json()[
        "data"
    ] == []
    r = await c.get(
        "/param.cgi", params={"action": "delete", "root.Filename": target}, headers=ADMIN
    )
    assert r.status_code == 200
    assert not (manager.root / first.path).exists()
    left = (await c.get("/api/v1/get_cam_event_list", headers=ADMIN)).json()["data"]
    assert "video" not in left[1] and "video" in left[0]
    r = await c.get("/param.cgi", params={"action": "pin", "root.Filename": target}, headers=ADMIN)
    assert r.status_code == 404
    assert second.id in {x.id for x in await manager.index.find()}
