"""/sources add|remove|list|test|defaults (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.alerts import alert_message, clean_text, plain_text
from bot.app import manage_server_only, may_manage, reply
from bot.discord_sender import to_discord_embed
from bot.guilds import ServerSources

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SourcesCog(commands.GroupCog, group_name="sources", group_description="News sources"):
    def __init__(self, sources: ServerSources) -> None:
        self.sources = sources
        super().__init__()

    async def _source_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if not may_manage(interaction):
            return []  # checks don't run for autocomplete: admin lists stay with admins
        assert interaction.guild_id is not None
        found = await self.sources.search(interaction.guild_id, current)
        return [
            app_commands.Choice(name=plain_text(s.name)[:100] or "?", value=s.id) for s in found
        ]

    @app_commands.command(name="add", description="Watch a news site or feed for this server")
    @app_commands.describe(
        url="The feed's or the site's address (http or https)",
        backfill="How many of its newest items to post now (0-5)",
    )
    @manage_server_only()
    async def add(
        self,
        interaction: Interaction,
        url: app_commands.Range[str, 1, 2048],
        backfill: app_commands.Range[int, 0, 5] = 0,
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self.sources.add(
            interaction.guild_id, interaction.user.id, url, backfill=backfill
        )
        title = clean_text(added.title)
        if added.already_watched:
            text = f"Now watching **{title}** here (already known to newsbot)."
        else:
            text = f"Now watching **{title}**: {added.items} items in its feed right now."
        if added.queued:
            text += f" Posting the newest {added.queued} as alerts."
        if not added.has_channel:
            text += " Pick where alerts go with `/alerts channel`."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="remove", description="Stop watching one of this server's sources")
    @app_commands.describe(source="The source to stop watching")
    @manage_server_only()
    async def remove(self, interaction: Interaction, source: int) -> None:
        assert interaction.guild_id is not None
        removed = await self.sources.remove(interaction.guild_id, source)
        await reply(interaction, f"Stopped watching **{clean_text(removed.name)}**.")

    @remove.autocomplete("source")
    async def _remove_source(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._source_choices(interaction, current)

    @app_commands.command(name="list", description="This server's sources and how they are doing")
    @manage_server_only()
    async def list_(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        lines = await self.sources.status(interaction.guild_id)
        if not lines:
            await reply(interaction, "No sources yet: add one with `/sources add`.")
            return
        now = discord.utils.utcnow()
        text = "\n".join(line.describe(now) for line in lines)
        await reply(interaction, text[:1990])

    @app_commands.command(
        name="test", description="See how a source's latest item looks as an alert"
    )
    @app_commands.describe(source="The source to preview")
    @manage_server_only()
    async def test(self, interaction: Interaction, source: int) -> None:
        assert interaction.guild_id is not None
        alert = await self.sources.preview(interaction.guild_id, source)
        message = alert_message(alert)
        await interaction.response.send_message(
            embeds=[to_discord_embed(e) for e in message.embeds], ephemeral=True
        )

    @test.autocomplete("source")
    async def _test_source(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._source_choices(interaction, current)

    @app_commands.command(name="defaults", description="Watch the bot's starter world-news feeds")
    @manage_server_only()
    async def defaults(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        added = await self.sources.add_defaults(interaction.guild_id, interaction.user.id)
        text = f"Added {added.added} starter sources"
        text += f" ({added.already} were already here)." if added.already else "."
        if added.left_out:
            text += (
                f" {added.left_out} were left out: this server now watches {added.cap} "
                "sources, the most it can."
            )
        text += " Their first alerts arrive with their next new stories."
        await reply(interaction, text)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(SourcesCog(bot.services.server_sources))
