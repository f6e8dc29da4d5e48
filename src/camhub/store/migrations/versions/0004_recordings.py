"""Recordings: finished segments and event clips, and the events each one covers.

``recordings`` indexes the MP4 files under the recording directory (times in ms since
the epoch, ``path`` and ``snapshot`` relative to that directory); ``recording_events``
links an event id to every recording that covers it, and goes with its recording.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_ms", sa.BigInteger, nullable=False),
        sa.Column("end_ms", sa.BigInteger, nullable=False),
        sa.Column("path", sa.String(512), nullable=False, unique=True),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("snapshot", sa.String(512), nullable=True),
    )
    op.create_index("ix_recordings_device_start", "recordings", ["device", "start_ms"])
    op.create_index("ix_recordings_start", "recordings", ["start_ms"])
    op.create_table(
        "recording_events",
        sa.Column("event_id", sa.BigInteger, primary_key=True),
        sa.Column(
            "recording_id",
            BigId,
            sa.ForeignKey("recordings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_recording_events_recording", "recording_events", ["recording_id"])


def downgrade() -> None:
    op.drop_table("recording_events")
    op.drop_table("recordings")
