"""The long-running processes: the Discord bot (``newsbot run``, and ``sync-commands`` which
logs in only to register the slash commands) and the polling worker (``newsbot worker``).

Each builds its parts through the composition root (``bot.services``), runs until SIGTERM or
SIGINT, and lets the work in flight finish before it closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.errors import CommandError
from bot.services import build_bot, metrics_of, open_services, operations, settle_heap
from bot.settings import Settings

NO_TOKEN = (
    "DISCORD_TOKEN is not set, so the bot can't log in to Discord. Put the token from the "
    "Discord developer portal in the environment or in .env (see .env.example). To see "
    "newsbot work without Discord, run `newsbot demo`."
)


def discord_token(settings: Settings) -> str:
    """The bot's token, or a CommandError saying how to set one."""
    if settings.discord_token is None:
        raise CommandError(NO_TOKEN)
    return settings.discord_token.get_secret_value()


async def run_bot(settings: Settings, token: str, *, sync_only: bool = False) -> int:
    """Run the bot until SIGTERM or SIGINT; or (``sync_only``) register its slash commands
    globally and stop."""
    from bot.app import point_discord_py_at

    point_discord_py_at(rest_base=settings.discord_api_base_url)
    async with open_services(settings, role="gateway") as services:
        bot = build_bot(settings, services, background=not sync_only)
        async with bot:
            if sync_only:
                await bot.login(token)
                synced = await bot.tree.sync()
                print(f"registered {len(synced)} slash commands globally")
                return 0
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
            settle_heap()
            loops = ("poll", "deliver") if settings.run_worker else ("deliver",)
            async with operations(
                services, loops=loops, gateway=bot.gateway_problems, shards=bot.shards_text
            ):
                await bot.start(token)
    return 0


async def run_worker(settings: Settings) -> int:
    """Poll until SIGTERM or SIGINT (the cycle in progress finishes first)."""
    from bot.poll_report import CycleReport

    async with open_services(settings, role="worker") as services:
        metrics = metrics_of(services)
        watcher = services.watcher(router=services.router())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        logging.getLogger("newsbot.worker").info("worker %r polling", settings.worker_name)
        settle_heap()

        def after_cycle(report: CycleReport) -> None:
            metrics.cycle(report)
            metrics.round_done("poll")
            if settings.stats_file is not None:
                metrics.write_stats(settings.stats_file, worker=settings.worker_name)

        async with operations(services, loops=("poll",)):
            await watcher.run(stop, after_cycle=after_cycle)
    return 0
