"""The Discord bot: a commands.Bot with its collaborators injected, an explicit extension list,
and one error path for slash commands."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.backup import DailyBackups
from bot.delivery import Deliverer
from bot.errors import UserFacingError
from bot.guilds import ServerSources
from bot.membership import MemberLookup
from bot.metrics import Metrics
from bot.news import News
from bot.routing import Router
from bot.sending import Sender
from bot.settings import Settings
from bot.source_controls import SourceControls
from bot.styles import AlertStyles
from bot.subscriptions import Topics
from bot.topics import MAX_QUERY_CHARS, Topic, parse_topic
from bot.watcher import Watcher

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.sources",
    "cogs.alerts",
    "cogs.topics",
    "cogs.news",
    "cogs.help",
    "cogs.background",
)
GENERIC_ERROR = "Something went wrong on newsbot's side; it has been logged. Please try again."


@dataclass(frozen=True, slots=True)
class BotServices:
    """What the cogs are given (by ``setup()``, from the bot)."""

    settings: Settings
    watcher: Watcher
    server_sources: ServerSources
    router: Router
    topics: Topics
    news: News
    controls: SourceControls
    metrics: Metrics
    styles: AlertStyles
    backups: DailyBackups | None = None


class NotAllowed(app_commands.CheckFailure):
    """A refused check; discord.py hands it (as an AppCommandError) to the tree's on_error."""


def may_manage(interaction: discord.Interaction[Any]) -> bool:
    """Whether this person may use the admin commands here (Manage Server, in a server)."""
    return interaction.guild is not None and interaction.permissions.manage_guild


def manage_server_only() -> Callable[[Any], Any]:
    """Refuse users without Manage Server, even where a server loosened the command's
    integration permissions (``default_permissions`` is only a default)."""

    def predicate(interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild is None:
            raise NotAllowed("This command only works in a server.")
        if not interaction.permissions.manage_guild:
            raise NotAllowed("You need the **Manage Server** permission to do that.")
        return True

    return app_commands.check(predicate)


class TopicTransformer(app_commands.Transformer[Any]):
    """A topic option: the text typed, parsed into a Topic before the command runs, so a
    mistake is answered privately (saying where and why) before anything else happens."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Typed as text."""
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int:
        """At least one character (Discord checks it as the option's min_length)."""
        return 1

    @property
    def max_value(self) -> int:
        """At most MAX_QUERY_CHARS (Discord checks it as the option's max_length)."""
        return MAX_QUERY_CHARS

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> Topic:
        """The topic, or TopicError (the tree's on_error answers with its message)."""
        return parse_topic(str(value))


TopicOption = app_commands.Transform[Topic, TopicTransformer]
"""A slash command option that is a topic (see ``bot.topics``)."""


class NewsTree(app_commands.CommandTree["NewsBot"]):
    """One error path: our user-facing errors become an ephemeral message; anything else is
    logged in full and the user gets a short generic reply."""

    async def on_error(
        self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError
    ) -> None:
        """Answer a failed command privately, and log what isn't the user's mistake."""
        original: BaseException = error
        if isinstance(error, app_commands.CommandInvokeError):
            original = error.original
        elif isinstance(error, app_commands.TransformerError) and isinstance(
            error.__cause__, UserFacingError
        ):
            original = error.__cause__  # a transformer's own refusal (a topic's mistake)
        command = interaction.command.qualified_name if interaction.command else "?"
        outcome = "refused"
        if isinstance(original, UserFacingError):
            message = original.message
        elif isinstance(original, app_commands.CheckFailure) and str(original):
            message = str(original)
        elif isinstance(original, app_commands.TransformerError):
            message = (
                f"newsbot can't use “{str(original.value)[:100]}” there: it may not be able "
                "to see it. Check the bot's permissions, or pick another."
            )
        else:
            log.error("command /%s failed", command, exc_info=original)
            message = GENERIC_ERROR
            outcome = "error"
        interaction.client.metrics.command(command, outcome)
        await reply(interaction, message)


async def reply(interaction: discord.Interaction[Any], message: str) -> None:
    """An ephemeral answer, as a first response or a follow-up."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)


class AdminButtons(discord.ui.View):
    """Buttons under an admin's private preview (an import, a style): only the admin who asked,
    still allowed to manage the server, may press them; a button's failure is answered by the
    same rules as a command's."""

    not_yours = "Only the admin who asked can press these buttons."
    """What anyone else pressing them is told (each kind of preview says it its own way)."""

    def __init__(self, asked: discord.Interaction[Any], *, timeout: float) -> None:
        """Buttons for the answer to ``asked``, taken away after ``timeout`` seconds."""
        super().__init__(timeout=timeout)
        self.asked = asked
        self.user_id = asked.user.id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Let only the admin who asked press the buttons."""
        if interaction.user.id != self.user_id or not may_manage(interaction):
            await reply(interaction, self.not_yours)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: Any
    ) -> None:
        """Answer a button's failure through the same rules as the tree's on_error."""
        if isinstance(error, UserFacingError):
            await reply(interaction, error.message)
            return
        log.error("%s button failed", type(self).__name__, exc_info=error)
        await reply(interaction, GENERIC_ERROR)


class NewsBot(commands.AutoShardedBot):
    """One process of the bot: every shard by default (as many as Discord recommends), or the
    shards SHARD_IDS of SHARD_COUNT, so a large bot runs its shards as separate processes."""

    def __init__(
        self,
        *,
        settings: Settings,
        services: BotServices,
        make_deliverer: Callable[[Sender, MemberLookup], Deliverer],
        background: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        """Build the bot from its settings and the services its cogs are given."""
        shards: dict[str, Any] = {
            "shard_count": settings.shard_count,
            "http_trace": discord_trace(services.metrics),
        }
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NewsTree,
            help_command=None,
            guild_ready_timeout=guild_ready_timeout,
            **shards,
        )
        self.settings = settings
        self.services = services
        self.extension_names = tuple(
            name for name in EXTENSIONS if background or name != "cogs.background"
        )
        from bot.discord_members import DiscordMembers
        from bot.discord_sender import DiscordSender

        self.deliverer = make_deliverer(DiscordSender(self), DiscordMembers(self))
        self.metrics = services.metrics

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: Any
    ) -> None:
        """Count a command that ran to the end."""
        self.metrics.command(command.qualified_name, "ok")

    def gateway_problems(self) -> list[str]:
        """Why this process's gateway connection is not up (empty: every shard it runs is
        connected), for /readyz."""
        if self.is_closed():
            return ["the bot is shutting down"]
        if not self.is_ready():
            return ["the gateway has not connected yet (waiting for READY)"]
        return [
            f"gateway shard {shard_id} is disconnected"
            for shard_id, shard in sorted(self.shards.items())
            if shard.is_closed()
        ]

    def shards_text(self) -> str | None:
        """The shards this process runs, for the status page ("0,1 of 4")."""
        if self.shard_count is None:
            return None
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count)
        return f"{','.join(map(str, ids))} of {self.shard_count}"

    async def setup_hook(self) -> None:
        """Find the gateway, load the routes and extensions, and sync to the dev guild."""
        data = await self.http.request(discord.http.Route("GET", "/gateway/bot"))
        point_discord_py_at(gateway=data["url"])
        await self.services.router.reload()
        for extension in self.extension_names:
            await self.load_extension(extension)
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), guild.id)

    async def close(self) -> None:
        """Stop taking work, let in-flight deliveries finish, then disconnect."""
        self.deliverer.stop()
        for name in list(self.extensions):
            await self.unload_extension(name)
        await super().close()


_CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback$")


def discord_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """Watches discord.py's own HTTP requests: Discord's 429s, and when each interaction got
    its first answer (the callback's time after the interaction's id)."""

    async def on_request_end(
        _session: aiohttp.ClientSession, _context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        status = params.response.status
        if status == 429:
            metrics.rate_limited(params.response.headers.get("X-RateLimit-Scope"))
            return
        found = _CALLBACK.search(params.url.path)
        if found and status < 300:
            created = discord.utils.snowflake_time(int(found.group(1)))
            metrics.answered((discord.utils.utcnow() - created).total_seconds())

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def point_discord_py_at(*, rest_base: str | None = None, gateway: str | None = None) -> None:
    """Aim discord.py at a Discord API other than discord.com's (the fake in tests, or a proxy
    some operators put in front of Discord).

    discord.py has no option for this: it reads two class attributes, set here and nowhere
    else. ``Route.BASE`` is the REST base, read per request, so it is set before logging in
    (from DISCORD_API_BASE_URL). ``DiscordWebSocket.DEFAULT_GATEWAY`` is where shards connect;
    ``setup_hook`` sets it from ``GET /gateway/bot``, so the gateway is wherever the REST base
    says (a plain client would otherwise dial Discord's own).
    """
    if rest_base is not None:
        discord.http.Route.BASE = rest_base.rstrip("/")
    if gateway is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
