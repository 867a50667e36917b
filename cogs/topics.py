"""/subscribe, /unsubscribe, /subscriptions: a person's own topics (always private replies).

/subscribe works in a server only (topics follow that server's sources). /unsubscribe and
/subscriptions also work in a DM with the bot, where they cover the person's topics in every
server, so topics in a server they left can still be seen and stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.alerts import clean_text, clip, plain_text
from bot.app import reply
from bot.errors import UserFacingError
from bot.subscriptions import COUNT_AT_MOST, Delivery, Topics, choice_value, listing_everywhere

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]
TOPIC_HELP = 'Words to watch for: nato russia, "exact phrase", ukraine OR crimea, -sports'
IN_A_SERVER = (
    "Subscribe from inside a server: a topic follows that server's sources. Here in a DM, "
    "`/subscriptions` lists your topics in every server and `/unsubscribe` stops one."
)
MAX_NAMES_FETCHED = 25
"""Servers looked up by REST for a DM listing (those not in this process's cache)."""


class TopicsCog(commands.Cog):
    def __init__(self, topics: Topics, bot: NewsBot | None = None) -> None:
        self.topics = topics
        self.bot = bot

    async def _answer(self, interaction: Interaction, text: str) -> None:
        notice = await self.topics.dms_closed_notice(interaction.user.id)
        await reply(interaction, f"{notice}\n\n{text}" if notice else text)

    @app_commands.command(name="subscribe", description="Get alerts about a topic from this server")
    @app_commands.guild_only()
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
        if interaction.guild_id is None:  # an old client's cached command list
            raise UserFacingError(IN_A_SERVER)
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
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.describe(topic="One of your topics (in a DM with newsbot: in any server)")
    async def unsubscribe(
        self, interaction: Interaction, topic: app_commands.Range[str, 1, 200]
    ) -> None:
        if interaction.guild_id is None:
            removed = await self.topics.unsubscribe_anywhere(interaction.user.id, topic)
            names = await self._server_names([removed.guild_id])
            where = names.get(removed.guild_id)
            await self._answer(
                interaction,
                f"No longer following “{removed.topic}”"
                + (f" in **{clip(clean_text(where), 100)}**." if where else "."),
            )
            return
        text = await self.topics.unsubscribe(interaction.user.id, interaction.guild_id, topic)
        await self._answer(interaction, f"No longer following “{text}”.")

    @unsubscribe.autocomplete("topic")
    async def _own_topics(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.casefold()
        if interaction.guild_id is None:
            mine = await self.topics.everywhere(interaction.user.id)
            names = await self._server_names([s.guild_id for s in mine])
            return [
                app_commands.Choice(
                    name=plain_text(f"{s.topic} — {names.get(s.guild_id, 'a server')}")[:100],
                    value=choice_value(s),
                )
                for s in mine
                if needle in s.topic.casefold()
            ][:25]
        mine = await self.topics.mine(interaction.user.id, interaction.guild_id)
        return [
            app_commands.Choice(name=s.topic[:100], value=s.topic[:100])
            for s in mine
            if needle in s.topic.casefold()
        ][:25]

    @app_commands.command(name="subscriptions", description="Your topics (in a DM: everywhere)")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def subscriptions(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild_id is None:
            everywhere = await self.topics.everywhere(interaction.user.id)
            names = await self._server_names([s.guild_id for s in everywhere])
            await self._answer(interaction, listing_everywhere(everywhere, names))
            return
        mine = await self.topics.mine(interaction.user.id, interaction.guild_id)
        elsewhere = len(await self.topics.everywhere(interaction.user.id)) - len(mine)
        topics = "topic" if elsewhere == 1 else "topics"
        also = (
            f"\n\nYou also follow {elsewhere} {topics} in other servers: `/subscriptions` in a DM "
            "with newsbot lists them."
            if elsewhere
            else ""
        )
        if not mine:
            await self._answer(
                interaction, f"You follow no topics here yet: try `/subscribe`.{also}"
            )
            return
        counts = await self.topics.recent_counts(interaction.user.id, interaction.guild_id)
        lines = [
            f"• “{s.topic}” ({s.delivery.value}): {matches_in_a_week(counts.get(s.id))}"
            for s in mine
        ]
        await self._answer(interaction, "\n".join(lines)[:1700] + also)

    async def _server_names(self, guild_ids: list[int]) -> dict[int, str]:
        """The names of servers a person's topics are in (they are or were a member of each),
        from the cache, else looked up (a server on another process's shards)."""
        names: dict[int, str] = {}
        if self.bot is None:
            return names
        looked_up = 0
        for guild_id in dict.fromkeys(guild_ids):
            guild = self.bot.get_guild(guild_id)
            if guild is None and looked_up < MAX_NAMES_FETCHED:
                looked_up += 1
                try:
                    guild = await self.bot.fetch_guild(guild_id, with_counts=False)
                except discord.HTTPException:
                    guild = None  # the bot is no longer there: its topics go soon
            if guild is not None:
                names[guild_id] = guild.name
        return names


def matches_in_a_week(count: int | None) -> str:
    if count is None:
        return "matches not counted (the search index can't run this topic)"
    shown = f"{count}+" if count >= COUNT_AT_MOST else str(count)
    return f"{shown} {'match' if count == 1 else 'matches'} in 7 days"


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TopicsCog(bot.services.topics, bot))
