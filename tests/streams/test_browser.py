"""Headless Chromium shows live video on camhub's web page: <img> MJPEG and the WS grid.

Needs ``apt-get install -y chromium`` and the ``playwright`` package (its own browser
downloads are not used: ``executable_path=/usr/bin/chromium``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, live_hub, make_settings
from tests.helpers.browser import ARGS, CHROMIUM, changes
from tests.helpers.mjpeg import MjpegCamera, camera_device
from tests.helpers.wait import until

pytestmark = pytest.mark.browser


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    async with MjpegCamera() as cam:
        settings = make_settings(tmp_path / "data", devices=[camera_device(cam)])
        async with live_hub(settings) as live, playwright.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                context = await browser.new_context(ignore_https_errors=True)
                page = await context.new_page()
                await page.goto(live.url)
                await page.fill("#login input[name=username]", "admin")
                await page.fill("#login input[name=password]", ADMIN_PASSWORD)
                await page.click("#login button[type=submit]")
                await page.wait_for_selector(".card[data-device=cam]")
                assert not await page.is_visible("#login"), "the sign-in form stays after sign-in"
                assert await page.is_visible("#nav")
                yield page
            finally:
                await browser.close()


async def natural_width(locator: Any, width: int, within: float = 15) -> None:
    """Poll from Python: the page's CSP (rightly) forbids eval'd wait functions."""

    async def shown() -> bool:
        return bool(await locator.evaluate("el => el.naturalWidth") == width)

    await until(shown, within, f"a {width}px wide picture", every=0.1)


async def test_live_mjpeg_img_plays(page: object) -> None:
    await page.click(".card[data-device=cam] .live-btn")  # type: ignore[attr-defined]
    img = page.locator("#live-img")  # type: ignore[attr-defined]
    await natural_width(img, 320)
    await changes(img)


async def test_websocket_grid_plays(page: object) -> None:
    await page.click("nav [data-view=grid]")  # type: ignore[attr-defined]
    img = page.locator(".tile[data-device=cam] img")  # type: ignore[attr-defined]
    await natural_width(img, 320)  # the grid asks 480 wide; a 320 camera is not upscaled
    await changes(img)
