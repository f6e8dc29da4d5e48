"""Headless Chromium plays camhub's H.264 over ``video.ws`` with Media Source Extensions.

A small page (below, not camhub's own) opens the WebSocket with ``?token=``, builds a
SourceBuffer from the ``mse`` message's codecs and appends every binary message: the
video element's time advances and its pixels change. Needs ``apt-get install -y
chromium`` and the ``playwright`` package (see tests/streams/test_browser.py).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveHub, live_hub, make_settings
from tests.helpers.browser import ARGS, CHROMIUM, changes
from tests.video.conftest import MAIN, rtsp_device, two_streams
from tests.video.rtsp_camera import RtspCamera

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline width="640" height="360"></video>
<script>
const video = document.getElementById("v");
const state = window.mse = {codecs: null, appended: 0, errors: []};
const source = new MediaSource();
video.src = URL.createObjectURL(source);
let buffer = null;
const queue = [];
function pump() {
  if (!buffer || buffer.updating || !queue.length) return;
  buffer.appendBuffer(queue.shift());
  state.appended += 1;
  const ranges = buffer.buffered;
  if (ranges.length && ranges.end(ranges.length - 1) - video.currentTime > 2)
    video.currentTime = ranges.end(ranges.length - 1) - 0.2;  // stay at the live edge
  if (video.paused) video.play().catch(e => state.errors.push(String(e)));
}
function start(codecs) {
  buffer = source.addSourceBuffer(`video/mp4; codecs="${codecs}"`);
  buffer.mode = "sequence";
  buffer.addEventListener("updateend", pump);
  buffer.addEventListener("error", () => state.errors.push("SourceBuffer error"));
  pump();
}
function connect(url) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onmessage = ev => {
    if (typeof ev.data === "string") {
      const msg = JSON.parse(ev.data);
      if (msg.type === "mse" && !buffer) {
        state.codecs = msg.codecs;
        if (source.readyState === "open") start(msg.codecs);
        else source.addEventListener("sourceopen", () => start(msg.codecs), {once: true});
      } else if (msg.type === "error") state.errors.push(msg.error);
      return;
    }
    queue.push(ev.data);
    pump();
  };
}
</script></body></html>"""


@pytest.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[tuple[Any, LiveHub]]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    async with RtspCamera(two_streams()) as cam:
        settings = make_settings(tmp_path / "data", devices=[rtsp_device(cam)], tls=False)
        async with live_hub(settings) as live, playwright.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page()
                await page.set_content(PAGE)
                yield page, live
            finally:
                await browser.close()


async def test_chromium_plays_the_mse_websocket(browser_page: tuple[Any, LiveHub]) -> None:
    page, live = browser_page
    token = await live.login()
    url = live.url.replace("http://", "ws://") + f"/api/devices/cam/video.ws?token={token}"
    await page.evaluate("url => connect(url)", url)
    deadline = time.monotonic() + 20
    played = 0.0
    while played < 1.5:
        if time.monotonic() > deadline:
            state = await page.evaluate("() => window.mse")
            raise AssertionError(f"the video did not play: {state}")
        await asyncio.sleep(0.2)
        played = await page.evaluate("() => document.getElementById('v').currentTime")
    state = await page.evaluate("() => window.mse")
    assert state["errors"] == [] and state["codecs"].startswith("avc1.")
    size = await page.evaluate("() => { const v = document.getElementById('v');"
                               " return [v.videoWidth, v.videoHeight]; }")  # fmt: skip
    assert tuple(size) == MAIN
    await changes(page.locator("#v"))
