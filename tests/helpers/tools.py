"""Outside tools (ffmpeg, ffprobe, VLC) run as subprocesses, with a deadline."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

# the Debian packages that bring the tools the tests use
PACKAGES = {
    "ffmpeg": "ffmpeg",
    "ffprobe": "ffmpeg",
    "cvlc": "vlc-bin vlc-plugin-base",
    "gst-launch-1.0": "gstreamer1.0-tools gstreamer1.0-plugins-good",
    "setpriv": "util-linux",
}


def need(tool: str, package: str | None = None) -> str:
    """The path of ``tool``, or skip the test saying which package installs it
    (``package``, else the one :data:`PACKAGES` knows, else one named like the tool)."""
    path = shutil.which(tool)
    if path is None:
        package = package or PACKAGES.get(tool, tool)
        pytest.skip(f"{tool} is not installed (apt-get install -y {package})")
    return path


async def run(*args: str, timeout: float = 30) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr of ``args``; killed after ``timeout`` seconds."""
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out, err


def as_nobody() -> list[str]:
    """VLC refuses to run as root: run it as nobody then."""
    if os.geteuid() != 0:
        return []
    setpriv = need("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env"]
