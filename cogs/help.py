"""/help topics: the topic language, explained privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import reply
from bot.topics import HELP

if TYPE_CHECKING:
    from bot.app import NewsBot


@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
class HelpCog(commands.GroupCog, group_name="help", group_description="How newsbot works"):
    """/help: how newsbot works."""

    @app_commands.command(name="topics", description="How to write a topic")
    async def topics(self, interaction: discord.Interaction[NewsBot]) -> None:
        """Explain the topic language."""
        await reply(interaction, HELP)


async def setup(bot: NewsBot) -> None:
    """Load the /help commands."""
    await bot.add_cog(HelpCog())
