"""Names of tinyCam's server presets, kept by camhub.

tinyCam saves and recalls a camera's position by number (``setserverpresetno`` /
``gotoserverpresetno``, 1..n) but cannot list, name or delete them, so camhub keeps
their names in ``<data_dir>/tinycam-presets-<server>.json``: ``{camera id: {number:
name}}``, one file per server, written whole and atomically. The file's :attr:`lock`
is held around each read-change-write, so that two saves cannot pick one number.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path


class PresetNames:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = asyncio.Lock()

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def of(self, camera_id: int) -> dict[str, str]:
        """One camera's names, by preset number (as text)."""
        found = self._load().get(str(camera_id), {})
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if k.isdecimal() and isinstance(v, str)}

    def store(self, camera_id: int, names: dict[str, str]) -> None:
        """Rewrite the file with this camera's names; a crash mid-write leaves the old
        file whole (the new one is written aside, then renamed over it)."""
        data = self._load()
        data[str(camera_id)] = names
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
