"""Sessions remember which password they were opened with.

``credential`` is a fingerprint of the user's password hash when the session was
opened (never the password, never the hash). A session whose fingerprint no longer
matches, because the password changed, even while camhub was stopped, is refused.
Sessions from before this revision have none and end at their first use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("credential", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("credential")
