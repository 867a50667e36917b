"""/subscribe, /unsubscribe, /subscriptions: a person's own topics (always private replies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import reply
from bot.subscriptions import COUNT_AT_MOST, Delivery, Topics

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]
TOPIC_HELP = 'Words to watch for: nato russia, "exact phrase", ukraine OR crimea, -sports'


@app_commands.guild_only()
class TopicsCog(commands.Cog):
    def __init__(self, topics: Topics) -> None:
        self.topics = topics

    async def _answer(self, interaction: Interaction, text: str) -> None:
        notice = await self.topics.dms_closed_notice(interaction.user.id)
        await reply(interaction, f"{notice}\n\n{text}" if notice else text)

    @app_commands.command(name="subscribe", description="Get alerts about a topic from this server")
    @app_commands.describe(
        topic=TOPIC_HELP,
        delivery="dm: a direct message (default); here: a mention in the server's alerts channel",
    )
    async def subscribe(
        self,
        interaction: Interaction,
        topic: app_commands.Range[str, 1, 200],
        delivery: Literal["dm", "here"] = "dm",
    ) -> None:
        assert interaction.guild_id is not None
        sub = await self.topics.subscribe(
            interaction.user.id, interaction.guild_id, topic, Delivery(delivery)
        )
        where = "by DM" if sub.delivery is Delivery.DM else "with a mention in the alerts channel"
        await self._answer(
            interaction,
            f"Following “{sub.topic}”: matching articles from this server's sources reach you "
            f"{where}.",
        )

    @app_commands.command(name="unsubscribe", description="Stop following one of your topics")
    @app_commands.describe(topic="One of your topics")
    async def unsubscribe(
        self, interaction: Interaction, topic: app_commands.Range[str, 1, 200]
    ) -> None:
        assert interaction.guild_id is not None
        removed = await self.topics.unsubscribe(interaction.user.id, interaction.guild_id, topic)
        await self._answer(interaction, f"No longer following “{removed}”.")

    @unsubscribe.autocomplete("topic")
    async def _own_topics(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        mine = await self.topics.mine(interaction.user.id, interaction.guild_id)
        needle = current.casefold()
        return [
            app_commands.Choice(name=s.topic[:100], value=s.topic[:100])
            for s in mine
            if needle in s.topic.casefold()
        ][:25]

    @app_commands.command(name="subscriptions", description="Your topics in this server")
    async def subscriptions(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        mine = await self.topics.mine(interaction.user.id, interaction.guild_id)
        if not mine:
            await self._answer(interaction, "You follow no topics here yet: try `/subscribe`.")
            return
        counts = await self.topics.recent_counts(interaction.user.id, interaction.guild_id)
        lines = [
            f"• “{s.topic}” ({s.delivery.value}): {matches_in_a_week(counts.get(s.id))}"
            for s in mine
        ]
        await self._answer(interaction, "\n".join(lines)[:1900])


def matches_in_a_week(count: int | None) -> str:
    if count is None:
        return "matches not counted (the search index can't run this topic)"
    shown = f"{count}+" if count >= COUNT_AT_MOST else str(count)
    return f"{shown} {'match' if count == 1 else 'matches'} in 7 days"


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TopicsCog(bot.services.topics))
