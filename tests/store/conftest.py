"""Store fixtures: one store per test, on SQLite and (marked ``postgres``) PostgreSQL.

PostgreSQL tests use a fresh schema each, dropped afterwards. When the server is not
reachable the session tries to start the local cluster once, and skips those tests
with the reason only if that fails.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from camhub.store import Store
from camhub.store.db import default_url

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"

OpenStore = Callable[..., Awaitable[Store]]


async def _pg_ok() -> bool:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def _start_cluster() -> str | None:
    """Start the local cluster; None on success, else why not."""
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    ctl = shutil.which("pg_ctlcluster")
    if not versions or ctl is None:
        return "PostgreSQL is not reachable on 127.0.0.1:5432 and no local cluster is installed"
    cmd = [ctl, "--skip-systemctl-redirect", versions[-1].name, "main", "start"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        return f"could not start PostgreSQL: {done.stderr.strip() or done.stdout.strip()}"
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    if asyncio.run(_pg_ok()):
        return
    reason = _start_cluster()
    if reason is None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if asyncio.run(_pg_ok()):
                return
            time.sleep(0.5)  # waiting for a server we just started, with a deadline
        reason = "PostgreSQL was started but did not accept connections within 30 s"
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.getfixturevalue("postgres_available")
    return str(request.param)


@dataclass(frozen=True)
class Target:
    """Where this test's store lives: ``Store.open(url, data_dir, schema=schema)``."""

    url: str | None
    data_dir: Path
    schema: str | None

    @property
    def full_url(self) -> str:
        return self.url or default_url(self.data_dir)


@pytest.fixture
def target(backend: str, tmp_path: Path) -> Target:
    if backend == "postgres":
        return Target(PG_URL, tmp_path / "data", f"camhub_test_{uuid.uuid4().hex[:12]}")
    return Target(None, tmp_path / "data", None)


@pytest.fixture
async def open_store(target: Target) -> AsyncIterator[OpenStore]:
    """``await open_store()`` opens a store on this test's database (again and again)."""
    schema = target.schema
    opened: list[Store] = []

    async def factory(**kw: Any) -> Store:
        store = await Store.open(target.url, target.data_dir, schema=schema, **kw)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        await store.close()  # closing twice is harmless
    if schema is not None:
        conn = await asyncpg.connect(PG_DSN)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


@pytest.fixture
async def store(open_store: OpenStore) -> Store:
    return await open_store()
