"""The bot's background work: polling sources, delivering the outbox, server membership."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.backup import DailyBackups
from bot.delivery import Deliverer
from bot.errors import StoreUnavailable
from bot.guilds import ServerSources
from bot.metrics import Metrics
from bot.news import News
from bot.watcher import Watcher

if TYPE_CHECKING:
    from bot.app import NewsBot

log = logging.getLogger(__name__)

NOTICE_EVERY = 120  # delivery rounds between checks for failing/recovered sources
STORY_EDITS_EVERY = 15  # delivery rounds between updates of "also reported by" on sent alerts
DIGESTS_EVERY = 15  # delivery rounds between looks for digests that are due
STOP_GRACE_SECONDS = 10.0
RESTART_AFTER = 5.0
"""Seconds before a loop whose round failed unexpectedly starts again."""


class BackgroundCog(commands.Cog):
    """The bot's background work: polling, delivery, daily housekeeping, and joining or leaving
    servers."""

    def __init__(
        self,
        *,
        watcher: Watcher,
        deliverer: Deliverer,
        sources: ServerSources,
        news: News,
        interval: float,
        retention_days: int,
        metrics: Metrics,
        backups: DailyBackups | None = None,
        polls: bool = True,
    ) -> None:
        """``polls``: this process polls sources too (false when `newsbot worker` processes
        do; this one then answers commands and delivers). ``backups``: the daily backup of a
        SQLite store (BACKUP_DIR), made by the housekeeping loop."""
        self.watcher = watcher
        self.metrics = metrics
        self.backups = backups
        self.deliverer = deliverer
        self.sources = sources
        self.news = news
        self.retention_days = retention_days
        self.bot: NewsBot | None = None
        self.deliver.change_interval(seconds=interval)
        self._rounds = 0
        self._busy: set[str] = set()
        self._polls = polls

    async def cog_load(self) -> None:
        """Start the loops."""
        if self._polls:
            self.poll.start()
        self.deliver.start()
        self.prune.start()

    async def cog_unload(self) -> None:
        """Stop the loops, letting a round in flight finish."""
        # A round in flight finishes (a send is recorded, or left pending for next time); an
        # idle loop is simply cancelled.
        for name, loop in (("poll", self.poll), ("deliver", self.deliver)):
            task = loop.get_task()
            if name in self._busy and task is not None and not task.done():
                loop.stop()
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
            loop.cancel()
        self.prune.cancel()

    @tasks.loop(seconds=5)
    async def poll(self) -> None:
        """Poll the sources that are due."""
        self._busy.add("poll")
        try:
            report = await self.watcher.poll_due()
        finally:
            self._busy.discard("poll")
        self.metrics.cycle(report)
        self.metrics.round_done("poll")
        if report.outcomes:
            log.info(
                "polled %d: %d ok, %d failed, %d new articles",
                len(report.outcomes),
                report.sources_ok,
                report.sources_failed,
                report.new_articles,
            )

    @tasks.loop(seconds=2)
    async def deliver(self) -> None:
        """Send the alerts that are due."""
        self._rounds += 1
        self._busy.add("deliver")
        try:
            if self._rounds % NOTICE_EVERY == 1:
                await self.deliverer.queue_source_notices()
            if self._rounds % DIGESTS_EVERY == 1:
                await self.deliverer.queue_due_digests()
            report = await self.deliverer.deliver_due()
        except StoreUnavailable as exc:
            # Nothing of the failed write was kept; the next round tries again.
            log.warning("delivery round cut short: %s", exc)
            return
        finally:
            # "Also reported by" edits go on whatever happened to this round's sends.
            if self._rounds % STORY_EDITS_EVERY == 0:
                await self._edit_story_alerts()
            self._busy.discard("deliver")
        self.metrics.delivered(
            sent=report.sent,
            summarized=report.summarized,
            retried=report.retried,
            failed=report.failed,
            dropped=report.dropped,
        )
        self.metrics.round_done("deliver")
        if report.sent or report.summarized or report.dropped:
            log.info(
                "delivered %d alerts (%d in summaries, %d dropped)",
                report.sent,
                report.summarized,
                report.dropped,
            )

    async def _edit_story_alerts(self) -> None:
        try:
            await self.deliverer.update_story_alerts()
        except StoreUnavailable as exc:
            log.warning("story edits cut short: %s", exc)
        except Exception:
            # Logged, and tried again in STORY_EDITS_EVERY rounds; delivery itself goes on.
            log.exception("updating alerts of growing stories failed")

    @tasks.loop(hours=24)
    async def prune(self) -> None:
        """Daily housekeeping: forget old articles and servers left, and back up the store."""
        # Runs at start-up, then daily; a failed round waits for the next day.
        try:
            removed = await self.news.prune(retention_days=self.retention_days)
            if removed:
                log.info("pruned %d articles older than %d days", removed, self.retention_days)
            await self._reconcile()
        except Exception:
            log.exception("daily housekeeping failed; trying again tomorrow")
        await self._backup()

    async def _backup(self) -> None:
        if self.backups is None:
            return
        try:
            done = await self.backups.run_due(discord.utils.utcnow())
        except Exception:
            log.exception("daily backup failed; trying again tomorrow")
            return
        if done is not None:
            log.info("backed up the store to %s (%d bytes)", str(done.path), done.bytes)

    async def _reconcile(self) -> None:
        """Servers the bot was removed from while it was offline are forgotten too."""
        if self.bot is None or not self.bot.is_ready():
            return
        gone = await self.sources.reconcile(
            [guild.id for guild in self.bot.guilds], shards=self.bot.settings.shards
        )
        if gone:
            log.info("forgot %d servers the bot is no longer in", gone)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Forget servers the bot left while it was offline."""
        await self._reconcile()

    @poll.error
    async def _poll_failed(self, error: BaseException) -> None:
        log.error(
            "polling round failed; the loop starts again in %gs", RESTART_AFTER, exc_info=error
        )
        await asyncio.sleep(RESTART_AFTER)  # a bug that fails every round doesn't spin
        self.poll.restart()

    @deliver.error
    async def _deliver_failed(self, error: BaseException) -> None:
        log.error(
            "delivery round failed; the loop starts again in %gs", RESTART_AFTER, exc_info=error
        )
        await asyncio.sleep(RESTART_AFTER)
        self.deliver.restart()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Remember a server the bot joined."""
        await self.sources.joined(guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Remember a server that came online."""
        await self.sources.joined(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget a server the bot was removed from."""
        log.info("removed from server %s: forgetting its routes", guild.id)
        await self.sources.left(guild.id)


async def setup(bot: NewsBot) -> None:
    """Load the background loops."""
    cog = BackgroundCog(
        watcher=bot.services.watcher,
        deliverer=bot.deliverer,
        sources=bot.services.server_sources,
        news=bot.services.news,
        interval=bot.settings.delivery_interval_seconds,
        retention_days=bot.settings.retention_days,
        metrics=bot.metrics,
        backups=bot.services.backups,
        polls=bot.settings.run_worker,
    )
    cog.bot = bot
    await bot.add_cog(cog)
