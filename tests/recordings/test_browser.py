"""Headless Chromium plays recordings from the web page's timeline: an event's clip
from its marker, and the recordings from any point clicked on the day's bar, with the
camera's sound (G.711 recorded as AAC) decoded along.

Needs ``apt-get install -y chromium`` and the ``playwright`` package (its own browser
downloads are not used: ``executable_path=/usr/bin/chromium``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, live_hub, make_settings
from tests.helpers.wait import until
from tests.recordings.camera import camera, still_cameras
from tests.recordings.conftest import recorded
from tests.recordings.media import T0, sound

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
VIDEO_STATE = "v => [v.currentTime, v.videoWidth, v.readyState, v.error ? v.error.code : 0]"
AUDIO_BYTES = "v => v.webkitAudioDecodedByteCount"  # Chromium's count of sound decoded


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    with still_cameras():
        settings = make_settings(tmp_path / "data", devices=[camera()])
        async with live_hub(settings) as live, playwright.async_playwright() as pw:
            manager = live.state.service.recordings
            recs, _ = await recorded(
                manager, mode="events", seconds=20, events={3: "motion", 12: "person"},
                pre_seconds=1, post_seconds=3, sound=sound(20),
            )  # fmt: skip
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                context = await browser.new_context(ignore_https_errors=True)
                page = await context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                await page.goto(live.url)
                await page.fill("#login input[name=username]", "admin")
                await page.fill("#login input[name=password]", ADMIN_PASSWORD)
                await page.click("#login button[type=submit]")
                await page.wait_for_selector("#timeline")
                day = time.strftime("%Y-%m-%d", time.localtime(T0 / 1000))
                await page.fill("#tl-date", day)
                await page.wait_for_selector(".tl-mark[data-event]")
                yield page, recs
                assert errors == [], errors
            finally:
                await browser.close()


async def plays(page: Any, width: int = 320, within: float = 20) -> None:
    """The timeline's video shows pictures of ``width``, its time moves on, and its
    sound is decoded."""
    video = page.locator("#tl-video")
    deadline = time.monotonic() + within
    first = None
    while time.monotonic() < deadline:
        now, w, ready, error = await video.evaluate(VIDEO_STATE)
        assert error == 0, f"the video failed (MediaError {error})"
        if w == width and ready >= 2:
            if first is None:
                first = now
            elif now > first + 0.3 and await video.evaluate(AUDIO_BYTES) > 0:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the recording did not play (state {await video.evaluate(VIDEO_STATE)})")


async def test_the_timeline_plays_an_event_clip_and_from_any_point(page: Any) -> None:
    page, recs = page
    assert await page.locator(".tl-range").count() == 2
    assert await page.locator(".tl-mark").count() == 2
    thumbs = page.locator("#tl-events img")
    assert await thumbs.count() == 2
    # events 9 s apart share a pixel of the day's bar: the topmost marker, then a
    # thumbnail under the bar
    await page.locator(".tl-mark").last.click()
    await plays(page)
    assert "/clip" in await page.locator("#tl-video").get_attribute("src")
    first_event = await page.locator(".tl-mark").first.get_attribute("data-event")
    await page.locator(f"#tl-events figure[data-event='{first_event}']").click()
    await plays(page)
    assert f"/api/events/{first_event}/clip" in await page.locator("#tl-video").get_attribute("src")
    # zoomed to a minute around that event, a click inside the second recording plays
    # it from there
    await page.select_option("#tl-span", "60000")
    await until(lambda: page.locator(".tl-range").count(), 10, "the zoomed bar")
    box = await page.locator("#tl-bar").bounding_box()
    second = recs[1]
    start = T0 + 3000 - 30_000  # the window: 30 s each side of the first event
    at = (second.start + 1500 - start) / 60_000
    await page.mouse.click(box["x"] + box["width"] * at, box["y"] + box["height"] / 2)
    await plays(page)
    played = await page.locator("#tl-video").get_attribute("data-recording")
    assert played == str(second.id)
    for i in range(2):
        assert await thumbs.nth(i).evaluate("img => img.naturalWidth") > 0
