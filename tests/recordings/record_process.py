"""A camhub recorder in its own process, for the kill -9 test: records one emulated
camera (real libx264 H.264) continuously into ``DATA_DIR`` until it is killed.

    python -m tests.recordings.record_process DATA_DIR
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from camhub.config import parse_config
from camhub.recordings.manager import RecordingManager
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.video import VideoSource
from camhub.store import Store


async def main(data_dir: Path) -> None:
    store = await Store.open(None, data_dir)
    feed = H264Feed(VideoSource(320, 180, scene="motion"), EncoderSettings(320, 180))
    manager = RecordingManager(store, data_dir, feed_for=lambda name: feed)
    record = {"mode": "continuous", "segment_seconds": 600}
    await manager.start(parse_config({"devices": [{"name": "cam", "record": record}]}))
    print("recording", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
