"""The session table behind :class:`camhub.auth.service.AuthService`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from camhub.clock import now_ms
from camhub.store.schema import sessions


class SessionTable:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        token_hash: str,
        csrf_hash: str,
        username: str,
        role: str,
        expires_ms: int,
        credential: str | None = None,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(sessions).values(
                    token_hash=token_hash,
                    csrf_hash=csrf_hash,
                    username=username,
                    role=role,
                    expires_ms=int(expires_ms),
                    credential=credential,
                )
            )

    async def get(self, token_hash: str) -> dict[str, object] | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        sessions.c.username,
                        sessions.c.role,
                        sessions.c.csrf_hash,
                        sessions.c.expires_ms,
                        sessions.c.credential,
                    ).where(sessions.c.token_hash == token_hash)
                )
            ).first()
        if row is None:
            return None
        return {
            "username": row.username,
            "role": row.role,
            "csrf_hash": row.csrf_hash,
            "expires_ms": int(row.expires_ms),
            "credential": row.credential,
        }

    async def set_csrf(self, token_hash: str, csrf_hash: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(sessions)
                .where(sessions.c.token_hash == token_hash)
                .values(csrf_hash=csrf_hash)
            )

    async def delete(self, token_hash: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash))

    async def beyond(self, username: str, keep: int) -> list[str]:
        """Token hashes of ``username``'s sessions past the newest ``keep`` (every
        session lasts as long, so the latest to expire is the newest)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(sessions.c.token_hash)
                .where(sessions.c.username == username)
                .order_by(sessions.c.expires_ms.desc(), sessions.c.token_hash)
                .offset(keep)
            )
            return [str(r.token_hash) for r in rows]

    async def delete_expired(self) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.delete(sessions).where(sessions.c.expires_ms < now_ms()))
        return int(result.rowcount)
