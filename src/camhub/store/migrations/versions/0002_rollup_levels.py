"""Rollups at 1, 5, 15 and 60 minutes, per device and for all devices; one index on events.

On SQLite ``events`` is also rebuilt without AUTOINCREMENT (it updated
``sqlite_sequence`` for every inserted row); the highest id given so far moves to the
one-row table ``event_sequence``, so ids stay unique across a clear.

``event_counts`` is rebuilt with the device before the start in its key (a device's
rows are one range) and without a rowid on SQLite; ``event_totals`` is new. Both are
filled from the events already stored: the per-minute rows from ``events``, each
coarser level from the per-minute rows. The ``(type, timestamp)`` and ``(device,
timestamp)`` indexes go: the queries find filtered events through the rollups (see
``docs/performance.md``), and every insert used to pay for them.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MINUTE = 60_000
SPANS = (300_000, 900_000, 3_600_000)  # the levels above the minute
OLD_SPANS = (3_600_000, 60_000)


def _rollup_tables() -> None:
    op.create_table(
        "event_counts",
        sa.Column("span", sa.Integer, primary_key=True),
        sa.Column("device", sa.String(128), primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True),
        sa.Column("type", sa.String(64), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_totals",
        sa.Column("span", sa.Integer, primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True),
        sa.Column("type", sa.String(64), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


def _rebuild_sqlite_events(*, autoincrement: bool) -> None:
    """Copy ``events`` into a fresh table (SQLite cannot alter AUTOINCREMENT)."""
    op.create_table(
        "events_rebuilt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sqlite_autoincrement=autoincrement,
    )
    op.execute(
        'INSERT INTO events_rebuilt (id, device, type, "timestamp", data) '
        'SELECT id, device, type, "timestamp", data FROM events ORDER BY id'
    )
    op.drop_table("events")
    op.rename_table("events_rebuilt", "events")
    op.create_index("ix_events_timestamp", "events", ["timestamp"])


def _scalar(sql: str) -> int:
    return int(op.get_bind().execute(sa.text(sql)).scalar() or 0)


def upgrade() -> None:
    op.drop_index("ix_events_device_timestamp", "events")
    op.drop_index("ix_events_type_timestamp", "events")
    if op.get_bind().dialect.name == "sqlite":
        last_id = max(
            _scalar("SELECT max(seq) FROM sqlite_sequence WHERE name = 'events'"),
            _scalar("SELECT max(id) FROM events"),
        )
        op.drop_index("ix_events_timestamp", "events")
        _rebuild_sqlite_events(autoincrement=False)
        seq = op.create_table("event_sequence", sa.Column("last_id", sa.BigInteger, nullable=False))
        op.bulk_insert(seq, [{"last_id": last_id}])
    op.drop_table("event_counts")  # derived data: rebuilt below from the events
    _rollup_tables()
    op.execute(
        sa.text(
            "INSERT INTO event_counts (span, device, start, type, count) "
            'SELECT CAST(:m AS INTEGER), device, "timestamp" - "timestamp" % :m, type, count(*) '
            "FROM events GROUP BY 2, 3, 4"
        ).bindparams(m=MINUTE)
    )
    for span in SPANS:
        op.execute(
            sa.text(
                "INSERT INTO event_counts (span, device, start, type, count) "
                "SELECT CAST(:s AS INTEGER), device, start - start % :s, type, sum(count) "
                "FROM event_counts WHERE span = :m GROUP BY 2, 3, 4"
            ).bindparams(s=span, m=MINUTE)
        )
    op.execute(
        "INSERT INTO event_totals (span, start, type, count) "
        "SELECT span, start, type, sum(count) FROM event_counts GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        last_id = _scalar("SELECT max(last_id) FROM event_sequence")
        op.drop_table("event_sequence")
        _rebuild_sqlite_events(autoincrement=True)
        op.execute(
            sa.text(
                "UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = 'events'"
            ).bindparams(n=last_id)
        )
        op.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'events', :n "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')"
            ).bindparams(n=last_id)
        )
    op.drop_table("event_totals")
    op.drop_table("event_counts")
    op.create_table(
        "event_counts",
        sa.Column("span", sa.Integer, primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True),
        sa.Column("device", sa.String(128), primary_key=True),
        sa.Column("type", sa.String(64), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    for span in OLD_SPANS:
        op.execute(
            sa.text(
                "INSERT INTO event_counts (span, start, device, type, count) "
                'SELECT CAST(:s AS INTEGER), "timestamp" - "timestamp" % :s, device, type, '
                "count(*) FROM events GROUP BY 2, 3, 4"
            ).bindparams(s=span)
        )
    op.create_index("ix_events_type_timestamp", "events", ["type", "timestamp"])
    op.create_index("ix_events_device_timestamp", "events", ["device", "timestamp"])
