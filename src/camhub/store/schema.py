"""Tables of the store, as SQLAlchemy Core metadata.

The migrations in ``migrations/versions`` create exactly these; the metadata is what
queries are written against.

``events`` holds every event, with one index (on ``timestamp``). Two rollups are
maintained by the writer in the same transaction as the inserts, for each period length
in :data:`ROLLUP_SPANS` (1 min, 5 min, 15 min, 1 h): ``event_counts`` counts the events
of one type from one device in one period, ``event_totals`` those of one type from all
devices. Bucketed queries read those rows instead of scanning the raw table, and they
also steer the filtered look-ups in ``events`` that used to need a ``(type, timestamp)``
and a ``(device, timestamp)`` index (see ``queries.py`` and ``docs/performance.md``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Rollup period lengths in ms, largest first; each one divides the one before it.
ROLLUP_SPANS: tuple[int, ...] = (3_600_000, 900_000, 300_000, 60_000)
MINUTE_MS = ROLLUP_SPANS[-1]

# BIGINT on PostgreSQL; INTEGER on SQLite, so the primary key is the rowid. No
# AUTOINCREMENT: the writer numbers the rows itself (see ``event_sequence``).
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
)

# SQLite only: the highest event id ever given, so that ids are not reused after the
# events are cleared (what AUTOINCREMENT did, at a cost on every inserted row).
# PostgreSQL draws ids from the ``events`` sequence.
event_sequence = sa.Table(
    "event_sequence",
    metadata,
    sa.Column("last_id", sa.BigInteger, nullable=False),
)

# Device first in the key: a device's rows of one span are one contiguous range.
event_counts = sa.Table(
    "event_counts",
    metadata,
    sa.Column("span", sa.Integer, primary_key=True),
    sa.Column("device", sa.String(128), primary_key=True),
    sa.Column("start", sa.BigInteger, primary_key=True),
    sa.Column("type", sa.String(64), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

event_totals = sa.Table(
    "event_totals",
    metadata,
    sa.Column("span", sa.Integer, primary_key=True),
    sa.Column("start", sa.BigInteger, primary_key=True),
    sa.Column("type", sa.String(64), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(128), primary_key=True),
    sa.Column("csrf_hash", sa.String(128), nullable=False),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("expires_ms", sa.BigInteger, nullable=False),
    sa.Column("credential", sa.String(64), nullable=True),  # see migration 0003
    sa.Index("ix_sessions_expires_ms", "expires_ms"),
)

# Finished recordings (continuous segments and event clips), see camhub.recordings.
# ``path`` and ``snapshot`` are relative to the recording directory; times in ms.
recordings = sa.Table(
    "recordings",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("device", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # continuous | event
    sa.Column("start_ms", sa.BigInteger, nullable=False),
    sa.Column("end_ms", sa.BigInteger, nullable=False),
    sa.Column("path", sa.String(512), nullable=False, unique=True),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("snapshot", sa.String(512), nullable=True),
    sa.Index("ix_recordings_device_start", "device", "start_ms"),
    sa.Index("ix_recordings_start", "start_ms"),
)

# The events each recording covers (an event may fall in two back-to-back segments).
recording_events = sa.Table(
    "recording_events",
    metadata,
    sa.Column("event_id", sa.BigInteger, primary_key=True),
    sa.Column(
        "recording_id",
        BigId,
        sa.ForeignKey("recordings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Index("ix_recording_events_recording", "recording_id"),
)
