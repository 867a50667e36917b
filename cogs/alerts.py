"""/alerts channel (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import manage_server_only, reply
from bot.guilds import ChannelAccess, ServerSources

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AlertsCog(commands.GroupCog, group_name="alerts", group_description="Where alerts go"):
    def __init__(self, sources: ServerSources) -> None:
        self.sources = sources
        super().__init__()

    @app_commands.command(
        name="channel", description="Choose the channel this server's alerts go to"
    )
    @app_commands.describe(channel="A text channel the bot can view, post and embed links in")
    @manage_server_only()
    async def channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        me = interaction.guild.me
        permissions = channel.permissions_for(me)
        access = ChannelAccess(
            view=permissions.view_channel,
            send=permissions.send_messages,
            embed=permissions.embed_links,
        )
        await self.sources.set_channel(
            interaction.guild.id, channel.id, interaction.user.id, access
        )
        await reply(interaction, f"Alerts will go to {channel.mention}.")


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AlertsCog(bot.services.server_sources))
