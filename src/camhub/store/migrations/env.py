"""Alembic environment: run programmatically by :func:`camhub.store.db.migrate`.

The caller passes an open (sync-facing) connection in ``config.attributes``; the
store runs it through ``AsyncConnection.run_sync``, so no URL or ini file is needed.
"""

from __future__ import annotations

from alembic import context

from camhub.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("camhub migrations run through camhub.store.db.migrate()")

context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
