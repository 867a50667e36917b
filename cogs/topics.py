"""/subscribe, /unsubscribe, /subscriptions list|quiet: a person's own topics and quiet hours
(always private replies).

/subscribe works in a server only (topics follow that server's sources). /unsubscribe and
/subscriptions also work in a DM with the bot, where they cover the person's topics in every
server, so topics in a server they left can still be seen and stopped. Quiet hours are a
person's, in every server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.app import TopicOption, reply
from bot.digests import Period, zone_choices
from bot.errors import UserFacingError
from bot.records import Delivery
from bot.subscriptions import Topics, listing_everywhere
from bot.topics import TOPIC_HINT

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]
MAX_NAMES_FETCHED = 25
"""Servers looked up by REST for a DM listing (those not in this process's cache)."""


class TopicsCog(commands.Cog):
    """/subscribe, /unsubscribe, /subscriptions list|quiet: a person's own topics."""

    def __init__(self, topics: Topics, bot: NewsBot | None = None) -> None:
        """Keep the topics service, and the bot for server names."""
        self.topics = topics
        self.bot = bot

    async def _answer(self, interaction: Interaction, text: str) -> None:
        notice = await self.topics.dms_closed_notice(interaction.user.id)
        await reply(interaction, replies.with_notice(notice, text))

    @app_commands.command(name="subscribe", description="Get alerts about a topic from this server")
    @app_commands.guild_only()
    @app_commands.describe(
        topic=TOPIC_HINT,
        delivery="dm: a direct message (default); here: a mention in the server's alerts "
        "channel; daily or weekly: one digest by DM",
        time="For a digest: when it comes (default 08:00), e.g. 07:30 or 6pm",
        timezone="For a digest: your time zone (default: the one you last chose, else UTC)",
    )
    async def subscribe(
        self,
        interaction: Interaction,
        topic: TopicOption,
        delivery: Literal["dm", "here", "daily", "weekly"] = "dm",
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        """Follow a topic in this server: each article as it comes, or a daily or weekly digest."""
        if interaction.guild_id is None:  # an old client's cached command list
            raise UserFacingError(replies.SUBSCRIBE_IN_A_SERVER)
        user_id, guild_id = interaction.user.id, interaction.guild_id
        digest = None
        if delivery in ("daily", "weekly"):
            digest = await self.topics.digest_schedule(
                user_id, guild_id, Period(delivery), time, timezone
            )
        how = Delivery.HERE if delivery == "here" else Delivery.DM
        sub = await self.topics.subscribe(user_id, guild_id, topic, how, digest=digest)
        await self._answer(interaction, replies.subscribed(sub))

    @subscribe.autocomplete("timezone")
    async def _subscribe_zone(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]

    @app_commands.command(name="unsubscribe", description="Stop following one of your topics")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.describe(topic="One of your topics (in a DM with newsbot: in any server)")
    async def unsubscribe(
        self, interaction: Interaction, topic: app_commands.Range[str, 1, 200]
    ) -> None:
        """Stop following one of your topics."""
        if interaction.guild_id is None:
            removed = await self.topics.unsubscribe_anywhere(interaction.user.id, topic)
            names = await self._server_names([removed.guild_id])
            answer = replies.unsubscribed(removed.topic, names.get(removed.guild_id))
            await self._answer(interaction, answer)
            return
        text = await self.topics.unsubscribe(interaction.user.id, interaction.guild_id, topic)
        await self._answer(interaction, replies.unsubscribed(text))

    @unsubscribe.autocomplete("topic")
    async def _own_topics(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            mine = await self.topics.everywhere(interaction.user.id)
            names = await self._server_names([s.guild_id for s in mine])
            found = replies.topic_choices_everywhere(mine, names, current)
        else:
            mine = await self.topics.mine(interaction.user.id, interaction.guild_id)
            found = replies.own_topic_choices(mine, current)
        return [app_commands.Choice(name=name, value=value) for name, value in found]

    subscriptions = app_commands.Group(
        name="subscriptions",
        description="Your topics and quiet hours",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
    )

    @subscriptions.command(name="list", description="Your topics (in a DM: everywhere)")
    async def list_topics(self, interaction: Interaction) -> None:
        """List your topics (in a DM: in every server), and your quiet hours."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = interaction.user.id
        quiet = await self.topics.quiet_hours_of(user_id)
        if interaction.guild_id is None:
            everywhere = await self.topics.everywhere(user_id)
            names = await self._server_names([s.guild_id for s in everywhere])
            listing = listing_everywhere(everywhere, names)
            await self._answer(interaction, replies.with_quiet_hours(listing, quiet))
            return
        mine = await self.topics.mine(user_id, interaction.guild_id)
        elsewhere = len(await self.topics.everywhere(user_id)) - len(mine)
        counts = await self.topics.recent_counts(user_id, interaction.guild_id) if mine else {}
        listing = replies.topics_here(mine, counts, elsewhere=elsewhere)
        await self._answer(interaction, replies.with_quiet_hours(listing, quiet))

    @subscriptions.command(name="quiet", description="Hours of the day with no DM alerts")
    @app_commands.describe(
        start="When quiet hours begin, e.g. 22:00 or 10pm; off to end them",
        end="When they end, e.g. 07:00 (the next morning if earlier than the start)",
        timezone="Your time zone (default: the one you last chose, else UTC)",
    )
    @app_commands.rename(start="from", end="to")
    async def quiet(
        self,
        interaction: Interaction,
        start: app_commands.Range[str, 1, 20],
        end: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        """Hold DM alerts in these hours; they arrive as one catch-up message after."""
        hours = await self.topics.set_quiet_hours(
            interaction.user.id, interaction.guild_id, start, end, timezone
        )
        await self._answer(interaction, replies.quiet_hours_set(hours))

    @quiet.autocomplete("timezone")
    async def _quiet_zone(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]

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


async def setup(bot: NewsBot) -> None:
    """Load the topic commands."""
    await bot.add_cog(TopicsCog(bot.services.topics, bot))
