"""/alerts channel (Manage Server)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.alerts import MAX_QUOTES, AlertStyle, StyleName
from bot.app import AdminButtons, TopicOption, manage_server_only, may_manage, reply
from bot.digests import Period, zone_choices
from bot.discord_sender import to_discord_embed
from bot.guilds import ChannelAccess, ServerSources, ThreadChoice
from bot.styles import AlertStyles, StylePreview
from bot.subscriptions import Topics, preview_text
from bot.topics import TOPIC_HINT

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]
log = logging.getLogger(__name__)
STYLE_CONFIRM_SECONDS = 600.0
"""How long a style preview's buttons wait for the admin."""


class AlertChannelTransformer(app_commands.Transformer[Any]):
    """A text or announcement channel, or a forum (not a media channel: Discord's published
    API schema doesn't list that type)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """A channel option."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """The kinds Discord offers in the picker."""
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(
        self, interaction: discord.Interaction[Any], value: Any, /
    ) -> discord.TextChannel | discord.ForumChannel:
        """The server's channel the option names."""
        found = interaction.guild.get_channel(value.id) if interaction.guild else None
        if not isinstance(found, discord.TextChannel | discord.ForumChannel):
            found = await interaction.client.fetch_channel(value.id)
        if not isinstance(found, discord.TextChannel | discord.ForumChannel):
            raise app_commands.TransformerError(value, self.type, self)
        return found


AlertChannel = app_commands.Transform[
    discord.TextChannel | discord.ForumChannel, AlertChannelTransformer
]
THREADS_HINT = (
    "For a text channel: per-story starts a thread from each story's alert for its later "
    "copies; off: plain alerts"
)


def access_of(channel: AlertChannel, member: discord.Member) -> ChannelAccess:
    """What the bot (or the admin asking) may do in a channel, as the core asks it."""
    permissions = channel.permissions_for(member)
    return ChannelAccess(
        view=permissions.view_channel,
        send=permissions.send_messages,
        embed=permissions.embed_links,
        create_threads=permissions.create_public_threads,
        send_in_threads=permissions.send_messages_in_threads,
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AlertsCog(commands.GroupCog, group_name="alerts", group_description="Where alerts go"):
    """/alerts: where a server's alerts go, and topic routes to channels."""

    def __init__(self, sources: ServerSources, topics: Topics, styles: AlertStyles) -> None:
        """Keep the services the commands call."""
        self.sources = sources
        self.topics = topics
        self.styles = styles
        super().__init__()

    async def _route_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if not may_manage(interaction):
            return []  # checks don't run for autocomplete: admin lists stay with admins
        assert interaction.guild_id is not None
        routes = await self.topics.routes(interaction.guild_id)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in replies.route_choices(routes, current)
        ]

    @app_commands.command(name="add", description="Send articles about a topic to a channel")
    @app_commands.describe(
        topic=TOPIC_HINT,
        channel="Where the alerts go",
        role="A role to mention with each alert (optional)",
        mode="instant: each article as it comes (default); digest: one message a day; "
        "weekly: one a week",
        time="For a digest: when it goes (default 08:00), e.g. 07:30 or 6pm",
        timezone="For a digest: the time zone (default: the one last chosen, else UTC)",
        threads=THREADS_HINT,
    )
    @manage_server_only()
    async def add(  # noqa: PLR0917 - one per option of the command
        self,
        interaction: Interaction,
        topic: TopicOption,
        channel: AlertChannel,
        role: discord.Role | None = None,
        mode: Literal["instant", "digest", "weekly"] = "instant",
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 60] | None = None,
        threads: ThreadChoice | None = None,
    ) -> None:
        """Send articles about a topic to a channel (as they come, or as a digest),
        optionally mentioning a role."""
        assert interaction.guild is not None and isinstance(interaction.user, discord.Member)
        me, admin = interaction.guild.me, interaction.user
        digest = None
        if mode != "instant":
            period = Period.DAILY if mode == "digest" else Period.WEEKLY
            digest = await self.topics.digest_schedule(
                admin.id, interaction.guild.id, period, time, timezone
            )
        forum = isinstance(channel, discord.ForumChannel)
        how = await self.sources.channel_mode(channel.id, forum=forum, threads=threads)
        self.sources.check_channel(channel.id, access_of(channel, me), how)
        self.sources.check_member_channel(channel.id, access_of(channel, admin))
        route = await self.topics.add_route(
            interaction.guild.id,
            channel.id,
            topic,
            role_id=role.id if role else None,
            user_id=interaction.user.id,
            role_mentionable=role is None or role.mentionable,
            bot_may_mention=channel.permissions_for(me).mention_everyone,
            member_may_mention=channel.permissions_for(admin).mention_everyone,
            digest=digest,
        )
        await self.sources.set_thread_mode(interaction.guild.id, channel.id, how)
        await reply(interaction, replies.route_added(route, channel.id, how))

    @add.autocomplete("timezone")
    async def _add_zone(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]

    @app_commands.command(name="remove", description="Stop a topic route")
    @app_commands.describe(route="The route to stop")
    @manage_server_only()
    async def remove(self, interaction: Interaction, route: int) -> None:
        """Stop a topic route."""
        assert interaction.guild_id is not None
        await self.topics.remove_route(interaction.guild_id, route)
        await reply(interaction, replies.ROUTE_REMOVED)

    @remove.autocomplete("route")
    async def _remove_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="list", description="This server's topic routes")
    @manage_server_only()
    async def list_(self, interaction: Interaction) -> None:
        """List the server's topic routes."""
        assert interaction.guild_id is not None
        found = await self.topics.routes(interaction.guild_id)
        await reply(interaction, replies.routes_listing(found))

    @app_commands.command(name="pause", description="Pause a topic route")
    @app_commands.describe(route="The route to pause")
    @manage_server_only()
    async def pause(self, interaction: Interaction, route: int) -> None:
        """Pause a topic route."""
        assert interaction.guild_id is not None
        await self.topics.pause_route(interaction.guild_id, route, paused=True)
        await reply(interaction, replies.ROUTE_PAUSED)

    @pause.autocomplete("route")
    async def _pause_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="resume", description="Resume a paused topic route")
    @app_commands.describe(route="The route to resume")
    @manage_server_only()
    async def resume(self, interaction: Interaction, route: int) -> None:
        """Resume a paused topic route."""
        assert interaction.guild_id is not None
        await self.topics.pause_route(interaction.guild_id, route, paused=False)
        await reply(interaction, replies.ROUTE_RESUMED)

    @resume.autocomplete("route")
    async def _resume_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="preview", description="What a topic would have matched this week")
    @app_commands.describe(topic=TOPIC_HINT)
    @manage_server_only()
    async def preview(self, interaction: Interaction, topic: TopicOption) -> None:
        """Show what a topic would have matched lately."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.topics.preview(interaction.guild_id, topic)
        await reply(interaction, preview_text(preview.hits, total=preview.total))

    @app_commands.command(
        name="channel", description="Choose the channel this server's alerts go to"
    )
    @app_commands.describe(
        channel="A text channel (or a forum: a post per story) the bot can view, post and "
        "embed links in",
        threads=THREADS_HINT,
    )
    @manage_server_only()
    async def channel(
        self,
        interaction: Interaction,
        channel: AlertChannel,
        threads: ThreadChoice | None = None,
    ) -> None:
        """Choose the channel the server's alerts go to (a forum: a post per story)."""
        assert interaction.guild is not None and isinstance(interaction.user, discord.Member)
        self.sources.check_member_channel(channel.id, access_of(channel, interaction.user))
        how = await self.sources.set_channel(
            interaction.guild.id,
            channel.id,
            interaction.user.id,
            access_of(channel, interaction.guild.me),
            forum=isinstance(channel, discord.ForumChannel),
            threads=threads,
        )
        await reply(interaction, replies.alerts_channel_set(channel.id, how))

    @app_commands.command(name="style", description="How alerts look in a channel or for a route")
    @app_commands.describe(
        style="compact: one line; standard: the usual card; full: a large picture and quotes",
        route="A topic route (default: the channel's own alerts)",
        channel="A channel (default: the server's alerts channel)",
        lead="Show the article's first lines (standard and full)",
        quotes=f"Key quotes shown, 0 to {MAX_QUOTES} (standard and full)",
        image="Show the article's picture (standard and full)",
    )
    @app_commands.choices(
        style=[app_commands.Choice(name=name.value, value=name.value) for name in StyleName]
    )
    @manage_server_only()
    async def style(  # noqa: PLR0917 - one per option of the command
        self,
        interaction: Interaction,
        style: str,
        route: int | None = None,
        channel: discord.TextChannel | None = None,
        lead: bool = True,
        quotes: app_commands.Range[int, 0, MAX_QUOTES] = MAX_QUOTES,
        image: bool = True,
    ) -> None:
        """Preview a style on the server's latest matching article, then save it."""
        assert interaction.guild_id is not None
        chosen = AlertStyle(StyleName(style), lead=lead, quotes=quotes, image=image)
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self.styles.target(
            interaction.guild_id, route_id=route, channel_id=channel.id if channel else None
        )
        preview = await self.styles.preview(interaction.guild_id, target, chosen)
        shown = replies.style_preview(preview)
        await interaction.edit_original_response(
            content=shown.content,
            embeds=[to_discord_embed(e) for e in shown.embeds],
            view=StyleConfirm(self.styles, preview, interaction),
        )

    @style.autocomplete("route")
    async def _style_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)


class StyleConfirm(AdminButtons):
    """A style preview's buttons: save it, or leave things as they were (for the admin who
    asked only)."""

    not_yours = replies.STYLE_NOT_YOURS

    def __init__(self, styles: AlertStyles, preview: StylePreview, asked: Interaction) -> None:
        """Buttons for one preview."""
        super().__init__(asked, timeout=STYLE_CONFIRM_SECONDS)
        self.styles = styles
        self.preview = preview

    async def on_timeout(self) -> None:
        """Take the buttons away once they expire."""
        try:
            await self.asked.edit_original_response(content=replies.STYLE_EXPIRED, view=None)
        except discord.HTTPException as exc:
            log.info("could not take the expired style buttons away: %r", str(exc))

    @discord.ui.button(label="Save", style=discord.ButtonStyle.success, custom_id="style:save")
    async def save(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        """Keep the previewed style."""
        assert interaction.guild_id is not None
        self.stop()
        await self.styles.save(interaction.guild_id, self.preview, user_id=interaction.user.id)
        await interaction.response.edit_message(
            content=replies.style_saved(self.preview), embeds=[], view=None
        )

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="style:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        """Leave the style as it was."""
        self.stop()
        await interaction.response.edit_message(
            content=replies.STYLE_CANCELLED, embeds=[], view=None
        )


async def setup(bot: NewsBot) -> None:
    """Load the /alerts commands."""
    services = bot.services
    await bot.add_cog(AlertsCog(services.server_sources, services.topics, services.styles))
