"""Digests: which routes and people's topics go out as daily or weekly digests, and each
digest queued once (its run recorded in the transaction that queues its outbox row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.records import DigestOwner, OutboxKind
from bot.storage.database import Repository, _insert_ignore
from bot.storage.rows import _pending
from bot.storage.schema import digest_runs, outbox, routes, subscriptions


class Digests(Repository):
    """The digest scheduler's part of the store."""

    async def digest_owners(self) -> list[DigestOwner]:
        """Every route (not paused) and every person's topic delivered as a digest."""
        route_rows = select(routes).where(routes.c.digest.is_not(None), routes.c.paused.is_(False))
        sub_rows = select(subscriptions).where(subscriptions.c.digest.is_not(None))
        async with self._engine.connect() as conn:
            found = [
                DigestOwner(
                    "route",
                    r.id,
                    r.guild_id,
                    r.channel_id,
                    None,
                    r.role_id,
                    r.topic,
                    r.typed,
                    r.digest,
                    r.created_at,
                    r.style,
                )
                for r in await conn.execute(route_rows)
            ]
            found += [
                DigestOwner(
                    "sub",
                    r.id,
                    r.guild_id,
                    r.user_id,
                    r.user_id,
                    None,
                    r.topic,
                    r.typed,
                    r.digest,
                    r.created_at,
                )
                for r in await conn.execute(sub_rows)
            ]
        return found

    async def queue_digest(
        self, owner: DigestOwner, due_at: datetime, body: str, *, now: datetime
    ) -> bool:
        """Queue one digest, once: its run is recorded in the transaction that queues its
        outbox row, so a digest already queued (by this process before a restart, or by
        another) is not queued again. True when this call queued it."""
        async with self._write() as conn:
            recorded = await conn.execute(
                _insert_ignore(self._dialect, digest_runs).values(
                    owner=owner.owner,
                    owner_id=owner.id,
                    due_at=due_at,
                    guild_id=owner.guild_id,
                    queued_at=now,
                )
            )
            if not recorded.rowcount:
                return False
            await conn.execute(
                outbox.insert().values(
                    _pending(
                        OutboxKind.DIGEST,
                        owner.guild_id,
                        owner.channel_id,
                        now,
                        body=body,
                        user_id=owner.user_id,
                        role_id=owner.role_id,
                        style=owner.style,
                    )
                )
            )
        return True
