"""Engine set-up and migrations.

SQLite (the embedded default, through aiosqlite) runs in WAL mode with
``synchronous=NORMAL``: readers never wait for the writer and a commit costs no
fsync of the database file.

PostgreSQL is reached through asyncpg by URL; an optional ``schema`` puts every
table (and Alembic's version table) in that schema.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from camhub.errors import ConfigError

log = logging.getLogger("camhub.store")

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30.0
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def default_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'camhub.db').resolve()}"


def sqlite_pragmas(dbapi_conn: Any) -> None:
    """Every SQLite connection of the store: the engine's and the event writer's."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    sqlite_pragmas(dbapi_conn)


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for a SQLite or PostgreSQL URL; refuses any other backend."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(["store: not a database URL"]) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername != "sqlite+aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        if schema is not None:
            raise ConfigError(["store: a schema applies to PostgreSQL only"])
        database = parsed.database
        if not database or database == ":memory:" or database.startswith("file:"):
            # the event writer opens a second connection: it must find the same file
            raise ConfigError(["store: an SQLite store needs a file path"])
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, pool_pre_ping=False
        )
        sa.event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    if backend == "postgresql":
        if parsed.drivername != "postgresql+asyncpg":
            parsed = parsed.set(drivername="postgresql+asyncpg")
        connect_args: dict[str, Any] = {}
        if schema is not None:
            if not _SCHEMA_NAME.match(schema):
                raise ConfigError(["store.schema: lowercase letters, digits and _ only"])
            connect_args["server_settings"] = {"search_path": schema}
        return create_async_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    raise ConfigError([f"store: unsupported database {backend!r} (use sqlite or postgresql)"])


def display_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _upgrade(sync_conn: sa.Connection, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


async def migrate(
    engine: AsyncEngine, *, schema: str | None = None, revision: str = "head"
) -> None:
    """Bring the database to ``revision`` (the newest by default); a no-op when it is
    already there. Tests stop at an older revision to check the upgrades."""
    async with engine.begin() as conn:
        if schema is not None:
            await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_upgrade, revision)


async def table_bytes(conn: AsyncConnection, tables: list[str]) -> int:
    """On PostgreSQL, the on-disk size of the given tables with their indexes."""
    total = 0
    for name in tables:
        size = await conn.scalar(
            sa.text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": name}
        )
        total += int(size or 0)
    return total
