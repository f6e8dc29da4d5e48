"""Tables of the store, as SQLAlchemy Core metadata.

The migrations in ``migrations/versions`` create exactly these; the metadata is what
queries are written against.

``events`` holds every event. ``event_counts`` is a rollup maintained by the writer in
the same transaction as the inserts: for each period length in :data:`ROLLUP_SPANS`
(a minute, an hour), how many events of one type from one device fell in one period.
Bucketed queries sum those rows instead of scanning the raw table (see ``queries.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Rollup period lengths in ms, largest first.
ROLLUP_SPANS: tuple[int, ...] = (3_600_000, 60_000)

# BIGINT on PostgreSQL; INTEGER on SQLite, so the primary key is the rowid.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JsonData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("device", sa.String(128), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("data", JsonData, nullable=False),
    sa.Index("ix_events_timestamp", "timestamp"),
    sa.Index("ix_events_type_timestamp", "type", "timestamp"),
    sa.Index("ix_events_device_timestamp", "device", "timestamp"),
    sqlite_autoincrement=True,
)

event_counts = sa.Table(
    "event_counts",
    metadata,
    sa.Column("span", sa.Integer, primary_key=True),
    sa.Column("start", sa.BigInteger, primary_key=True),
    sa.Column("device", sa.String(128), primary_key=True),
    sa.Column("type", sa.String(64), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(128), primary_key=True),
    sa.Column("csrf_hash", sa.String(128), nullable=False),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("expires_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_sessions_expires_ms", "expires_ms"),
)
