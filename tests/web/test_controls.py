"""The web page draws every capability from the specs and changes devices: headless
Chromium drives one control of each kind on the demo's devices and sees the device's
state change (through the API) and the page show it (through the WebSocket)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from camhub.config import parse_config
from camhub.demo import EmulatorThread, demo_config, start_emulators
from camhub.settings import AppSettings
from tests.conftest import LiveHub, live_hub
from tests.helpers.wait import until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PASSWORD = "web-test-pass"


class Page:
    def __init__(self, page: Any, hub: LiveHub, client: httpx.AsyncClient) -> None:
        self.page = page
        self.hub = hub
        self.client = client
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: self.errors.append(f"dialog {d.message}"))
        page.on(  # a failed load (an asset, the icon) is a console error too
            "console",
            lambda m: (
                self.errors.append(f"{m.text} {m.location.get('url')}")
                if m.type == "error"
                else None
            ),
        )

    def ctl(self, device: str, cap: str, inner: str = "") -> Any:
        return self.page.locator(
            f'.card[data-device="{device}"] [data-cap="{cap}"] {inner}'.strip()
        )

    async def state(self, device: str) -> dict[str, Any]:
        r = await self.client.get(f"/api/devices/{device}")
        state: dict[str, Any] = r.json()["state"]
        return state

    async def becomes(self, device: str, cap: str, check: Any, what: str) -> None:
        async def ok() -> bool:
            return bool(check((await self.state(device)).get(cap) or {}))

        await until(ok, 20, f"{device}.{cap}: {what}")

    async def shows(self, locator: Any, text: str) -> None:
        deadline = time.monotonic() + 15
        while text not in (await locator.inner_text()):
            assert time.monotonic() < deadline, f"the page never showed {text!r}"
            await asyncio.sleep(0.1)


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Page]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    emus = EmulatorThread()
    try:
        devices = start_emulators(emus)
        cfg = parse_config(demo_config(tmp_path / "data", PASSWORD, devices))
        settings = AppSettings(config=cfg, https_port=0, http_port=None)
        async with live_hub(settings) as hub, playwright.async_playwright() as pw:
            token = await hub.login("admin", PASSWORD)
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                async with hub.client(headers={"Authorization": f"Bearer {token}"}) as client:

                    async def online() -> bool:
                        ds = (await client.get("/api/devices")).json()["devices"]
                        return len(ds) >= 14 and all(d["online"] for d in ds)

                    await until(online, 40, "every demo device online")
                    context = await browser.new_context(ignore_https_errors=True)
                    page = await context.new_page()
                    await page.goto(hub.url)
                    await page.fill("#login input[name=username]", "admin")
                    await page.fill("#login input[name=password]", PASSWORD)
                    await page.click("#login button[type=submit]")
                    await page.wait_for_selector('.card[data-device="plug"] [data-cap="power"]')
                    yield Page(page, hub, client)
            finally:
                await browser.close()
    finally:
        emus.stop()


async def test_one_control_of_each_kind_changes_its_device(web: Page) -> None:
    # switch: the plug's power, and the card shows it
    was = (await web.state("plug"))["power"]["on"]
    await web.ctl("plug", "power", "input[type=checkbox]").click()
    await web.becomes("plug", "power", lambda s: s["on"] is (not was), "switched")
    await web.shows(web.ctl("plug", "power", ".state"), "off" if was else "on")
    # slider: brightness
    await web.ctl("bulb", "brightness", "input[type=range]").fill("37")
    await web.becomes("bulb", "brightness", lambda s: s["level"] == 37, "37 %")
    # colour picker
    await web.ctl("bulb", "color", "input[type=color]").fill("#00ff00")
    await web.becomes("bulb", "color", lambda s: s["hue"] == 120, "green")
    # colour temperature (the L930 strip has a white channel)
    await web.ctl("strip", "color_temp", "input[type=range]").fill("4000")
    await web.becomes("strip", "color_temp", lambda s: s["kelvin"] == 4000, "4000 K")
    # effects
    await web.ctl("strip", "effects", "select").select_option("Ocean")
    await web.becomes("strip", "effects", lambda s: s["current"] == "Ocean", "Ocean")
    # light (the phone's torch)
    await web.ctl("phone", "light", "input[type=checkbox]").click()
    await web.becomes("phone", "light", lambda s: s["on"] is True, "torch on")
    # motion detection and arm on the Sercomm camera
    motion = (await web.state("porch"))["motion_detection"]["enabled"]
    await web.ctl("porch", "motion_detection", "input[type=checkbox]").click()
    await web.becomes("porch", "motion_detection", lambda s: s["enabled"] is (not motion), "flip")
    armed = (await web.state("porch"))["arm"]["armed"]
    await web.ctl("porch", "arm", "input[type=checkbox]").click()
    await web.becomes("porch", "arm", lambda s: s["armed"] is (not armed), "arm flipped")
    # PTZ pad
    pan = (await web.state("porch"))["ptz"]["pan"]
    await web.ctl("porch", "ptz", "button[aria-label=right]").click()
    await web.becomes("porch", "ptz", lambda s: s["pan"] > pan, "turned right")
    # presets: save one, it is listed, go to it
    await web.ctl("tapo-cam", "presets", "input").fill("Doorway")
    await web.ctl("tapo-cam", "presets", "button[type=submit]").click()
    await web.becomes(
        "tapo-cam", "presets", lambda s: "Doorway" in [p["name"] for p in s["presets"]], "saved"
    )
    await web.shows(web.ctl("tapo-cam", "presets", "ul"), "Doorway")
    # privacy and LED (switch kind, another vendor)
    await web.ctl("tapo-cam", "privacy", "input[type=checkbox]").click()
    await web.becomes("tapo-cam", "privacy", lambda s: s["on"] is True, "privacy on")
    # energy is shown, children are listed
    await web.shows(web.ctl("plug", "energy", ".energy"), "W now")
    assert await web.ctl("power-strip", "children", "a.child").count() == 3
    # settings form from the driver's schema
    await web.ctl("phone", "settings", "summary").click()
    quality = web.ctl("phone", "settings", 'label:has-text("jpegQuality") input')
    await quality.wait_for()
    await quality.fill("61")
    await web.ctl("phone", "settings", "form button[type=submit]").click()

    async def saved() -> bool:
        r = await web.client.get("/api/devices/phone/settings")
        return bool(r.json().get("jpegQuality") == 61)

    await until(saved, 15, "jpegQuality 61")
    # a snapshot shows
    await web.ctl("porch", "stream", "button:has-text('Snapshot')").click()
    img = web.ctl("porch", "stream", "img.thumb")
    deadline = time.monotonic() + 15
    while not await img.evaluate("el => el.naturalWidth > 0"):
        assert time.monotonic() < deadline, "no snapshot shown"
        await asyncio.sleep(0.1)
    assert web.errors == []


async def test_the_grid_plays_the_tapo_cameras_h264(web: Page) -> None:
    """MSE in the page (its CSP lets the video element play a blob: MediaSource)."""
    await web.page.click("nav [data-view=grid]")
    video = web.page.locator('.tile[data-device="tapo-cam"] video')
    await video.wait_for()
    deadline = time.monotonic() + 30
    while await video.evaluate("v => v.currentTime") < 1.0:
        error = await video.evaluate("v => v.error && v.error.message")
        assert error is None, error
        assert time.monotonic() < deadline, "the H.264 tile never played"
        await asyncio.sleep(0.2)
    assert web.errors == []
