"""/sources add|remove|list|test|defaults|pause|resume|edit|import|export (Manage Server)."""

from __future__ import annotations

import io
import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.alerts import alert_message
from bot.app import AdminButtons, manage_server_only, may_manage, reply
from bot.discord_sender import to_discord_embed
from bot.guilds import ServerSources
from bot.opml import MAX_LIST_BYTES
from bot.source_controls import (
    ControlError,
    ImportPreview,
    SourceControls,
)

if TYPE_CHECKING:
    from bot.app import NewsBot

Interaction = discord.Interaction["NewsBot"]
log = logging.getLogger(__name__)

PROGRESS_EVERY = 1.5
"""Seconds between edits of the import's progress message (Discord rate-limits edits)."""
CONFIRM_SECONDS = 600


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SourcesCog(commands.GroupCog, group_name="sources", group_description="News sources"):
    """/sources: the feeds a server watches."""

    def __init__(self, sources: ServerSources, controls: SourceControls) -> None:
        """Keep the services the commands call."""
        self.sources = sources
        self.controls = controls
        super().__init__()

    async def _source_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if not may_manage(interaction):
            return []  # checks don't run for autocomplete: admin lists stay with admins
        assert interaction.guild_id is not None
        found = await self.sources.search(interaction.guild_id, current)
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in replies.source_choices(found)
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
        """Watch a feed or site for this server."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self.sources.add(
            interaction.guild_id, interaction.user.id, url, backfill=backfill
        )
        await interaction.followup.send(replies.source_added(added), ephemeral=True)

    @app_commands.command(name="remove", description="Stop watching one of this server's sources")
    @app_commands.describe(source="The source to stop watching")
    @manage_server_only()
    async def remove(self, interaction: Interaction, source: int) -> None:
        """Stop watching a source."""
        assert interaction.guild_id is not None
        removed = await self.sources.remove(interaction.guild_id, source)
        await reply(interaction, replies.source_removed(removed))

    @remove.autocomplete("source")
    async def _remove_source(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._source_choices(interaction, current)

    @app_commands.command(name="list", description="This server's sources and how they are doing")
    @manage_server_only()
    async def list_(self, interaction: Interaction) -> None:
        """List the server's sources and how they are doing."""
        assert interaction.guild_id is not None
        lines = await self.sources.status(interaction.guild_id)
        await reply(interaction, replies.sources_listing(lines, discord.utils.utcnow()))

    @app_commands.command(
        name="test", description="See how a source's latest item looks as an alert"
    )
    @app_commands.describe(source="The source to preview")
    @manage_server_only()
    async def test(self, interaction: Interaction, source: int) -> None:
        """Show a source's latest item as an alert."""
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
        """Watch the starter feeds."""
        assert interaction.guild_id is not None
        added = await self.sources.add_defaults(interaction.guild_id, interaction.user.id)
        await reply(interaction, replies.defaults_added(added))

    @app_commands.command(name="pause", description="Stop a source's alerts here until resumed")
    @app_commands.describe(source="The source to pause")
    @manage_server_only()
    async def pause(self, interaction: Interaction, source: int) -> None:
        """Pause a source's alerts in this server."""
        assert interaction.guild_id is not None
        paused = await self.controls.pause(interaction.guild_id, source)
        await reply(interaction, replies.source_paused(paused))

    @app_commands.command(name="resume", description="Post a paused source's new items again")
    @app_commands.describe(source="The paused source")
    @manage_server_only()
    async def resume(self, interaction: Interaction, source: int) -> None:
        """Resume a paused source."""
        assert interaction.guild_id is not None
        resumed = await self.controls.resume(interaction.guild_id, source)
        await reply(interaction, replies.source_resumed(resumed))

    @app_commands.command(
        name="edit", description="Change a source's address, poll interval, name or User-Agent"
    )
    @app_commands.describe(
        source="The source to change",
        url="A new address (checked first; items it has already posted are not posted again)",
        interval="How often to check it: 30m, 2h, 1d… (or default)",
        name="What to call it in this server (or default)",
        user_agent="A User-Agent for a site that refuses newsbot's (or default)",
    )
    @manage_server_only()
    async def edit(  # noqa: PLR0917 - one per option of the command
        self,
        interaction: Interaction,
        source: int,
        url: app_commands.Range[str, 1, 2048] | None = None,
        interval: app_commands.Range[str, 1, 20] | None = None,
        name: app_commands.Range[str, 1, 100] | None = None,
        user_agent: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Change a source's address, interval, name or User-Agent."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        edited = await self.controls.edit(
            interaction.guild_id,
            source,
            url=url,
            interval=interval,
            name=name,
            user_agent=user_agent,
        )
        await interaction.followup.send(replies.source_edited(edited), ephemeral=True)

    @pause.autocomplete("source")
    @resume.autocomplete("source")
    @edit.autocomplete("source")
    async def _controlled_source(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._source_choices(interaction, current)

    @app_commands.command(
        name="import", description="Add feeds from an OPML file or a list of URLs, after a preview"
    )
    @app_commands.describe(
        file="An OPML file from another reader, or a text file of URLs (one a line)",
        urls="Or: feed URLs separated by spaces",
    )
    @manage_server_only()
    async def import_(
        self,
        interaction: Interaction,
        file: discord.Attachment | None = None,
        urls: app_commands.Range[str, 1, 4000] | None = None,
    ) -> None:
        """Preview feeds from an OPML file or a list of URLs, then add them on confirmation."""
        assert interaction.guild_id is not None
        if file is None and urls is None:
            raise ControlError(replies.IMPORT_NEEDS_INPUT)
        if file is not None and file.size > MAX_LIST_BYTES:
            raise ControlError(replies.import_too_large(MAX_LIST_BYTES))
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read() if file is not None else "\n".join((urls or "").split()).encode()
        last = 0.0

        async def progress(done: int, total: int) -> None:
            nonlocal last
            if time.monotonic() - last < PROGRESS_EVERY and done < total:
                return
            last = time.monotonic()
            await interaction.edit_original_response(content=replies.import_progress(done, total))

        preview = await self.controls.preview_import(interaction.guild_id, data, progress=progress)
        view = ImportConfirm(self.controls, preview, interaction)
        text = replies.import_preview(preview)
        if not preview.to_add:
            await interaction.edit_original_response(content=text)
            return
        await interaction.edit_original_response(content=text, view=view)

    @app_commands.command(name="export", description="Download this server's sources as OPML")
    @manage_server_only()
    async def export(self, interaction: Interaction) -> None:
        """Send the server's sources as an OPML file."""
        assert interaction.guild is not None
        sources = await self.sources.status(interaction.guild.id)
        if not sources:
            raise ControlError(replies.NO_SOURCES)
        await interaction.response.defer(ephemeral=True, thinking=True)
        document = await self.controls.export(
            interaction.guild.id, title=replies.export_title(interaction.guild.name)
        )
        await interaction.followup.send(
            replies.exported(len(sources)),
            file=discord.File(io.BytesIO(document), filename="newsbot-sources.opml"),
            ephemeral=True,
        )


class ImportConfirm(AdminButtons):
    """The import's buttons: add the valid feeds, or cancel (only for the admin who asked)."""

    not_yours = replies.IMPORT_NOT_YOURS

    def __init__(
        self, controls: SourceControls, preview: ImportPreview, asked: Interaction
    ) -> None:
        """Buttons for one preview, answering only the admin who asked."""
        super().__init__(asked, timeout=CONFIRM_SECONDS)
        self.controls = controls
        self.preview = preview
        self.add.label = replies.import_button(preview)

    async def on_timeout(self) -> None:
        """Take the buttons away once they expire."""
        # Within the 15 minutes Discord lets a bot edit its answer: the buttons go.
        try:
            content = (await self.asked.original_response()).content
            await self.asked.edit_original_response(
                content=replies.import_expired(content), view=None
            )
        except discord.HTTPException as exc:
            log.info("could not take the expired import buttons away: %r", str(exc))

    @discord.ui.button(label="Add", style=discord.ButtonStyle.success, custom_id="import:add")
    async def add(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        """Add the previewed feeds."""
        await interaction.response.defer()
        self.stop()
        done = await self.controls.confirm_import(self.preview, user_id=interaction.user.id)
        await interaction.edit_original_response(content=replies.import_done(done), view=None)

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="import:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        """Drop the import."""
        self.stop()
        await interaction.response.edit_message(content=replies.IMPORT_CANCELLED, view=None)


async def setup(bot: NewsBot) -> None:
    """Load the /sources commands."""
    await bot.add_cog(SourcesCog(bot.services.server_sources, bot.services.controls))
