"""Outside tools (ffmpeg, ffprobe, VLC) run as subprocesses, with a deadline."""

from __future__ import annotations

import asyncio
import shutil

import pytest


def need(tool: str) -> str:
    """The path of ``tool``, or skip the test saying how to install it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install -y ffmpeg vlc-bin vlc-plugin-base)")
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
