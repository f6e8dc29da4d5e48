"""camhub's files are its user's alone: the data dir 0700, files in it 0600.

The data dir holds the database (events, session hashes), the users' password hashes,
the hook key, the TLS key and camera snapshots. ``camhub serve`` also sets the
process umask to 077, so whatever is created later (SQLite's journal files,
recordings) is private too; these helpers make it so whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed, and make it 0700 if it is ours."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    restrict(path, DIR_MODE)
    return path


def restrict(path: Path, mode: int = FILE_MODE) -> None:
    """chmod ``path`` to ``mode`` if it exists and belongs to this user."""
    with contextlib.suppress(OSError):
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (0600) through a temporary file and a rename, so a
    reader never sees half a file and a crash never leaves one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
