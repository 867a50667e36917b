"""/news latest|search|quotes|coverage: asking about recent coverage (thin adapter over
bot.news). Answers are private unless `public` is set; mistakes are always answered privately,
before anything is shown."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.answers import (
    COVERAGE_FILE,
    article_page,
    coverage_message,
    quote_page,
    story_message,
)
from bot.app import NotAllowed, TopicOption
from bot.charts import coverage_chart
from bot.discord_sender import to_discord_embed
from bot.messages import OutgoingMessage, choice_name
from bot.news import DEFAULT_DAYS, MAX_DAYS, News, Scope
from bot.topics import TOPIC_HINT, Topic

if TYPE_CHECKING:
    from bot.app import NewsBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["NewsBot"]
Fetch = Callable[[int], Awaitable[tuple[OutgoingMessage, bool]]]
"""A page number -> that page's message, and whether there is a next one."""

PUBLIC_HELP = "Show the answer to everyone in the channel (default: only you)"
NOT_YOURS = "Only the person who asked can turn these pages; run the command yourself to browse."


class Pager(discord.ui.View):
    """◀ ▶ under an answer: only the asker may page; when the buttons expire they are removed."""

    def __init__(self, fetch: Fetch, *, asker: int, has_next: bool, timeout: float) -> None:
        """A pager starting at the first page."""
        super().__init__(timeout=timeout)
        self.fetch = fetch
        self.asker = asker
        self.page = 0
        self.message: discord.WebhookMessage | None = None
        self._update(has_next)

    def _update(self, has_next: bool) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = not has_next

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Let only the asker turn the pages."""
        if interaction.user.id != self.asker:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return False
        return True

    async def _turn(self, interaction: Interaction, step: int) -> None:
        self.page = max(0, self.page + step)
        message, has_next = await self.fetch(self.page)
        self._update(has_next)
        await interaction.response.edit_message(
            embeds=[to_discord_embed(e) for e in message.embeds], view=self
        )

    @discord.ui.button(label="◀ Newer", style=discord.ButtonStyle.secondary, custom_id="previous")
    async def previous(self, interaction: Interaction, _: discord.ui.Button[Pager]) -> None:
        """Show the newer page."""
        await self._turn(interaction, -1)

    @discord.ui.button(label="Older ▶", style=discord.ButtonStyle.secondary, custom_id="next")
    async def next(self, interaction: Interaction, _: discord.ui.Button[Pager]) -> None:
        """Show the older page."""
        await self._turn(interaction, +1)

    async def on_timeout(self) -> None:
        """Take the buttons away once they expire."""
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException as exc:  # the answer was deleted, or Discord is down
                log.info("could not remove expired page buttons: %r", str(exc))

    async def on_error(  # type: ignore[override]
        self, interaction: Interaction, error: Exception, item: discord.ui.Item[Pager]
    ) -> None:
        """Log a failed page turn and say so."""
        log.error("paging failed", exc_info=error)
        from bot.app import GENERIC_ERROR, reply

        await reply(interaction, GENERIC_ERROR)


@app_commands.guild_only()
class NewsCog(commands.GroupCog, group_name="news", group_description="Ask about recent news"):
    """/news: questions about recent coverage in the server's sources."""

    def __init__(self, news: News, *, buttons_seconds: float) -> None:
        """Keep the news service and how long page buttons stay."""
        self.news = news
        self.buttons_seconds = buttons_seconds
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Refuse the commands outside a server."""
        if interaction.guild_id is None:  # guild-only, but an old client may offer it in a DM
            raise NotAllowed("This command only works in a server.")
        return True

    async def _scope(self, interaction: Interaction) -> Scope:
        assert interaction.guild_id is not None
        return await self.news.scope(interaction.guild_id)

    async def _answer_pages(self, interaction: Interaction, fetch: Fetch, *, public: bool) -> None:
        await interaction.response.defer(ephemeral=not public, thinking=True)
        message, has_next = await fetch(0)
        embeds = [to_discord_embed(e) for e in message.embeds]
        if not has_next:
            await interaction.followup.send(embeds=embeds, ephemeral=not public)
            return
        pager = Pager(
            fetch, asker=interaction.user.id, has_next=has_next, timeout=self.buttons_seconds
        )
        pager.message = await interaction.followup.send(
            embeds=embeds, view=pager, ephemeral=not public, wait=True
        )

    @app_commands.command(
        name="latest", description="The newest articles from this server's sources"
    )
    @app_commands.describe(
        topic=TOPIC_HINT,
        hours="How far back to look, in hours (1–168; default 24)",
        source="Only this source",
        public=PUBLIC_HELP,
    )
    async def latest(
        self,
        interaction: Interaction,
        topic: TopicOption | None = None,
        hours: app_commands.Range[int, 1, 168] = 24,
        source: app_commands.Range[str, 1, 200] | None = None,
        public: bool = False,
    ) -> None:
        """The newest articles from the server's sources."""
        scope = await self._scope(interaction)
        parsed = self.news.query(topic) if topic else None
        chosen = self.news.pick_source(scope, source) if source else None
        hint = "Try more `hours`" + (" or a broader topic." if parsed else ".")

        async def fetch(page: int) -> tuple[OutgoingMessage, bool]:
            found = await self.news.latest(
                scope, topic=parsed, hours=hours, source=chosen, page=page
            )
            return article_page(found, empty_hint=hint), found.has_next

        await self._answer_pages(interaction, fetch, public=public)

    @latest.autocomplete("source")
    async def _source_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        sources = await self.news.sources_of(interaction.guild_id)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in self.news.source_choices(sources, current)
        ]

    @app_commands.command(
        name="search", description="Search stored articles from this server's sources"
    )
    @app_commands.describe(
        query=TOPIC_HINT,
        days=f"How far back to search, in days (1–{MAX_DAYS}; default {DEFAULT_DAYS})",
        public=PUBLIC_HELP,
    )
    async def search(
        self,
        interaction: Interaction,
        query: TopicOption,
        days: app_commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS,
        public: bool = False,
    ) -> None:
        """Search the stored articles."""
        scope = await self._scope(interaction)
        parsed = self.news.query(query)

        async def fetch(page: int) -> tuple[OutgoingMessage, bool]:
            found = await self.news.search(scope, parsed, days=days, page=page)
            hint = "Try other words or more `days`."
            return article_page(found, empty_hint=hint), found.has_next

        await self._answer_pages(interaction, fetch, public=public)

    @app_commands.command(name="quotes", description="Recent key quotes, newest first")
    @app_commands.describe(
        speaker="Who said them (any part of the name)",
        topic=TOPIC_HINT,
        days=f"How far back, in days (1–{MAX_DAYS}; default {DEFAULT_DAYS})",
        public=PUBLIC_HELP,
    )
    async def quotes(
        self,
        interaction: Interaction,
        speaker: app_commands.Range[str, 1, 100] | None = None,
        topic: TopicOption | None = None,
        days: app_commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS,
        public: bool = False,
    ) -> None:
        """Recent key quotes, newest first."""
        scope = await self._scope(interaction)
        parsed: Topic | None = self.news.query(topic) if topic else None

        async def fetch(page: int) -> tuple[OutgoingMessage, bool]:
            found = await self.news.quotes(
                scope, speaker=speaker, topic=parsed, days=days, page=page
            )
            hint = "Try more `days`, or another spelling of the name."
            return quote_page(found, empty_hint=hint), found.has_next

        await self._answer_pages(interaction, fetch, public=public)

    @quotes.autocomplete("speaker")
    async def _speaker_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        if not current.strip():
            return []
        sources = await self.news.sources_of(interaction.guild_id)
        names = await self.news.speakers(sources, current)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in replies.text_choices(names)
        ]

    @app_commands.command(name="story", description="Every outlet's copy of a recent story")
    @app_commands.describe(
        article="A recent headline (start typing to pick one)", public=PUBLIC_HELP
    )
    async def story(
        self,
        interaction: Interaction,
        article: app_commands.Range[str, 1, 200],
        public: bool = False,
    ) -> None:
        """Every outlet's copy of a recent story."""
        scope = await self._scope(interaction)
        found = await self.news.story(scope, article)
        message = story_message(found)
        await interaction.response.send_message(
            embeds=[to_discord_embed(e) for e in message.embeds], ephemeral=not public
        )

    @story.autocomplete("article")
    async def _headline_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        sources = await self.news.sources_of(interaction.guild_id)
        found = await self.news.headlines(sources, current)
        return [app_commands.Choice(name=choice_name(title), value=str(i)) for i, title in found]

    @app_commands.command(
        name="coverage", description="How much coverage a topic got, with a chart"
    )
    @app_commands.describe(
        topic=TOPIC_HINT,
        days=f"How many days (1–{MAX_DAYS}; default {DEFAULT_DAYS})",
        public=PUBLIC_HELP,
    )
    async def coverage(
        self,
        interaction: Interaction,
        topic: TopicOption,
        days: app_commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS,
        public: bool = False,
    ) -> None:
        """How much coverage a topic got, with a chart."""
        scope = await self._scope(interaction)
        parsed = self.news.query(topic)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        found = await self.news.coverage(scope, parsed, days=days)
        # Drawing takes ~0.1 s of CPU: off the event loop, so the gateway keeps its heartbeat.
        png = await asyncio.to_thread(coverage_chart, found.days, title=found.heading)
        message = coverage_message(found)
        await interaction.followup.send(
            embeds=[to_discord_embed(e) for e in message.embeds],
            file=discord.File(io.BytesIO(png), filename=COVERAGE_FILE),
            ephemeral=not public,
        )


async def setup(bot: NewsBot) -> None:
    """Load the /news commands."""
    await bot.add_cog(NewsCog(bot.services.news, buttons_seconds=bot.settings.news_buttons_seconds))
