"""Quiet hours: each person's hours without DM alerts, and the alerts held through them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.records import OutboxStatus
from bot.storage.database import Repository, _upsert
from bot.storage.schema import outbox, quiet_hours


class Quiet(Repository):
    """People's quiet hours (stored as ``bot.quiet.QuietHours`` text) and held alerts."""

    async def quiet_hours(self, user_ids: Sequence[int]) -> dict[int, str]:
        """The stored quiet hours of those of these people who have set them."""
        if not user_ids:
            return {}
        query = select(quiet_hours.c.user_id, quiet_hours.c.hours).where(
            quiet_hours.c.user_id.in_(list(dict.fromkeys(user_ids)))
        )
        async with self._engine.connect() as conn:
            return {int(user): hours for user, hours in await conn.execute(query)}

    async def set_quiet_hours(self, user_id: int, hours: str | None, *, now: datetime) -> None:
        """Keep a person's quiet hours (None: they have none any more)."""
        async with self._write() as conn:
            if hours is None:
                await conn.execute(delete(quiet_hours).where(quiet_hours.c.user_id == user_id))
                return
            statement = _upsert(
                self._dialect, quiet_hours, ["user_id"], replace=["hours", "updated_at"]
            )
            await conn.execute(statement.values(user_id=user_id, hours=hours, updated_at=now))

    async def hold(self, entry_ids: Sequence[int], until: datetime, *, now: datetime) -> None:
        """Hold these pending alerts until ``until`` (the end of their person's quiet hours),
        with no attempt counted; the time they were first held is kept."""
        async with self._write() as conn:
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_(list(entry_ids)),
                    outbox.c.status == OutboxStatus.PENDING.value,
                )
                .values(
                    next_attempt_at=until,
                    held_at=func.coalesce(outbox.c.held_at, now),
                    claimed_by=None,
                    claimed_until=None,
                )
            )
