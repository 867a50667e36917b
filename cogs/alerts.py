"""/alerts channel (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import manage_server_only, may_manage, reply
from bot.guilds import ChannelAccess, ServerSources
from bot.subscriptions import Topics, preview_text

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]


def access_of(channel: discord.TextChannel, member: discord.Member) -> ChannelAccess:
    """What the bot (or the admin asking) may do in a channel, as the core asks it."""
    permissions = channel.permissions_for(member)
    return ChannelAccess(
        view=permissions.view_channel,
        send=permissions.send_messages,
        embed=permissions.embed_links,
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AlertsCog(commands.GroupCog, group_name="alerts", group_description="Where alerts go"):
    def __init__(self, sources: ServerSources, topics: Topics) -> None:
        self.sources = sources
        self.topics = topics
        super().__init__()

    async def _route_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if not may_manage(interaction):
            return []  # checks don't run for autocomplete: admin lists stay with admins
        assert interaction.guild_id is not None
        needle = current.casefold()
        choices = []
        for route in await self.topics.routes(interaction.guild_id):
            name = f"{route.topic or 'everything'} → #{route.channel_id}"
            if needle in name.casefold():
                choices.append(app_commands.Choice(name=name[:100], value=route.id))
        return choices[:25]

    @app_commands.command(name="add", description="Send articles about a topic to a channel")
    @app_commands.describe(
        topic='Words to watch for: nato russia, "exact phrase", ukraine OR crimea, -sports',
        channel="Where the alerts go",
        role="A role to mention with each alert (optional)",
    )
    @manage_server_only()
    async def add(
        self,
        interaction: Interaction,
        topic: app_commands.Range[str, 1, 200],
        channel: discord.TextChannel,
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None and isinstance(interaction.user, discord.Member)
        me, admin = interaction.guild.me, interaction.user
        self.sources.check_channel(channel.id, access_of(channel, me))
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
        )
        ping = f", mentioning {role.mention}" if role else ""
        await reply(
            interaction, f"Articles about “{route.topic}” will go to {channel.mention}{ping}."
        )

    @app_commands.command(name="remove", description="Stop a topic route")
    @app_commands.describe(route="The route to stop")
    @manage_server_only()
    async def remove(self, interaction: Interaction, route: int) -> None:
        assert interaction.guild_id is not None
        await self.topics.remove_route(interaction.guild_id, route)
        await reply(interaction, "Route removed.")

    @remove.autocomplete("route")
    async def _remove_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="list", description="This server's topic routes")
    @manage_server_only()
    async def list_(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.topics.routes(interaction.guild_id)
        if not found:
            await reply(interaction, "No topic routes yet: add one with `/alerts add`.")
            return
        lines = [
            f"• “{r.topic or 'everything'}” → <#{r.channel_id}>"
            + (f" (mentions <@&{r.role_id}>)" if r.role_id else "")
            + (" — paused" if r.paused else "")
            for r in found
        ]
        await reply(interaction, "\n".join(lines)[:1900])

    @app_commands.command(name="pause", description="Pause a topic route")
    @app_commands.describe(route="The route to pause")
    @manage_server_only()
    async def pause(self, interaction: Interaction, route: int) -> None:
        assert interaction.guild_id is not None
        await self.topics.pause_route(interaction.guild_id, route, paused=True)
        await reply(interaction, "Route paused: `/alerts resume` restarts it.")

    @pause.autocomplete("route")
    async def _pause_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="resume", description="Resume a paused topic route")
    @app_commands.describe(route="The route to resume")
    @manage_server_only()
    async def resume(self, interaction: Interaction, route: int) -> None:
        assert interaction.guild_id is not None
        await self.topics.pause_route(interaction.guild_id, route, paused=False)
        await reply(interaction, "Route resumed.")

    @resume.autocomplete("route")
    async def _resume_route(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._route_choices(interaction, current)

    @app_commands.command(name="preview", description="What a topic would have matched this week")
    @app_commands.describe(topic='Words to watch for: nato russia, "exact phrase", -sports')
    @manage_server_only()
    async def preview(
        self, interaction: Interaction, topic: app_commands.Range[str, 1, 200]
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.topics.preview(interaction.guild_id, topic)
        await reply(interaction, preview_text(preview.hits, total=preview.total))

    @app_commands.command(
        name="channel", description="Choose the channel this server's alerts go to"
    )
    @app_commands.describe(channel="A text channel the bot can view, post and embed links in")
    @manage_server_only()
    async def channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None and isinstance(interaction.user, discord.Member)
        self.sources.check_member_channel(channel.id, access_of(channel, interaction.user))
        await self.sources.set_channel(
            interaction.guild.id,
            channel.id,
            interaction.user.id,
            access_of(channel, interaction.guild.me),
        )
        await reply(interaction, f"Alerts will go to {channel.mention}.")


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AlertsCog(bot.services.server_sources, bot.services.topics))
