"""Headless Chromium for the browser tests (``apt-get install -y chromium``, playwright)."""

from __future__ import annotations

from typing import Any

from tests.helpers.wait import until

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
]  # fmt: skip


async def changes(locator: Any, within: float = 15) -> None:
    """The element's pixels change over time (the camera's clock and block move)."""
    first = await locator.screenshot()

    async def changed() -> bool:
        return bool(await locator.screenshot() != first)

    await until(changed, within, "the picture to change", every=0.2)
