"""Event history and sessions: SQLite (embedded default) or PostgreSQL."""

from camhub.store.store import Store

__all__ = ["Store"]
