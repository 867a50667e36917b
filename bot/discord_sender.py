"""The Discord side of delivery: turns core message values into discord.py calls and Discord's
answers into the core's typed failures."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Literal

import aiohttp
import discord

from bot.messages import Embed, OutgoingMessage
from bot.sending import ChannelRefused, Rejected, TemporaryFailure, ThreadGone
from bot.threads import ForumTag

THREAD_ARCHIVED = 50083
THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVE_MINUTES: Literal[4320] = 4320
"""Threads newsbot starts are archived by Discord after three days without messages (a line
to an archived thread unarchives it)."""

log = logging.getLogger(__name__)


def to_discord_embed(embed: Embed) -> discord.Embed:
    """The discord.py embed for one of our Embed values."""
    result = discord.Embed(
        title=embed.title,
        description=embed.description or None,
        url=embed.url,
        colour=embed.colour,
        timestamp=embed.timestamp,
    )
    if embed.footer:
        result.set_footer(text=embed.footer)
    if embed.thumbnail_url:
        result.set_thumbnail(url=embed.thumbnail_url)
    if embed.image_url:
        result.set_image(url=embed.image_url)
    for field in embed.fields:
        result.add_field(name=field.name, value=field.value, inline=field.inline)
    return result


class DiscordSender:
    """Sends and edits our OutgoingMessage values on Discord (the delivery's Sender)."""

    def __init__(self, bot: discord.Client) -> None:
        """Send through this client's REST session."""
        self._bot = bot

    async def send(self, channel_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """Post a message in a channel; its message id."""
        channel = self._bot.get_partial_messageable(channel_id)
        return await self._post(channel, message, nonce)

    async def send_dm(self, user_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """Post a message in a person's DMs; its message id."""
        return await self._post(await self._dm_channel(user_id), message, nonce)

    async def _dm_channel(self, user_id: int) -> discord.DMChannel:
        with _delivery_errors():
            channel = await self._bot.create_dm(discord.Object(id=user_id))
        return channel

    async def _post(
        self, channel: discord.abc.Messageable, message: OutgoingMessage, nonce: str
    ) -> int:
        with _delivery_errors():
            return await _send(channel, message, nonce)

    # ---- forums and threads

    async def _forum(self, forum_id: int) -> discord.ForumChannel:
        channel = self._bot.get_channel(forum_id)
        if not isinstance(channel, discord.ForumChannel):
            with _delivery_errors():
                channel = await self._bot.fetch_channel(forum_id)
        if not isinstance(channel, discord.ForumChannel):
            raise Rejected(f"channel {forum_id} is not a forum")
        return channel

    async def forum_tags(self, forum_id: int) -> list[ForumTag]:
        """The forum's own tags."""
        forum = await self._forum(forum_id)
        return [ForumTag(tag.id, tag.name) for tag in forum.available_tags]

    async def create_forum_post(
        self, forum_id: int, name: str, message: OutgoingMessage, tags: Sequence[int]
    ) -> int:
        """Open a post in a forum: its id (its first message's too)."""
        forum = await self._forum(forum_id)
        applied = [tag for tag in forum.available_tags if tag.id in tags]
        with _delivery_errors():
            made = await forum.create_thread(
                name=name,
                content=message.content,
                embeds=[to_discord_embed(e) for e in message.embeds],
                applied_tags=applied,
                allowed_mentions=_mentions(message),
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        return made.thread.id

    async def forum_posts_named(self, guild_id: int, forum_id: int, name: str) -> list[int]:
        """The forum's open posts made by the bot with this title, newest first."""
        with _delivery_errors():
            found = await self._bot.http.get_active_threads(guild_id)
        me = self._bot.user.id if self._bot.user else None
        return sorted(
            (
                int(thread["id"])
                for thread in found.get("threads", [])
                if str(thread.get("parent_id")) == str(forum_id)
                and str(thread.get("owner_id")) == str(me)
                and thread.get("name") == name
            ),
            reverse=True,
        )

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Start a thread from a message; its id, the message's (also when the message already
        has one: started before a crash)."""
        with _delivery_errors():
            try:
                made = await self._bot.http.start_thread_with_message(
                    channel_id,
                    message_id,
                    name=name,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
            except discord.HTTPException as exc:
                if exc.code == THREAD_ALREADY_CREATED:
                    return message_id
                raise
        return int(made["id"])

    async def send_in_thread(self, thread_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        """Post in a thread; an archived one is unarchived first. ThreadGone when a moderator
        deleted it."""
        channel = self._bot.get_partial_messageable(thread_id)
        with _thread_errors():
            try:
                return await _send(channel, message, nonce)
            except discord.HTTPException as exc:
                if exc.code != THREAD_ARCHIVED:
                    raise
            await self._bot.http.edit_channel(thread_id, archived=False)
            return await _send(channel, message, nonce)

    async def edit(self, channel_id: int, message_id: int, message: OutgoingMessage) -> None:
        """Replace an alert already posted in a channel."""
        channel = self._bot.get_partial_messageable(channel_id)
        await self._edit(channel.get_partial_message(message_id), message)

    async def edit_dm(self, user_id: int, message_id: int, message: OutgoingMessage) -> None:
        """Replace an alert already sent to a person's DMs."""
        channel = await self._dm_channel(user_id)
        await self._edit(channel.get_partial_message(message_id), message)

    async def _edit(self, target: discord.PartialMessage, message: OutgoingMessage) -> None:
        with _delivery_errors():
            # Only the embeds change (or a compact alert's one line): an edit never pings, and
            # a mention stays as it was.
            if message.embeds:
                await target.edit(embeds=[to_discord_embed(e) for e in message.embeds])
            else:
                await target.edit(
                    content=message.content, allowed_mentions=discord.AllowedMentions.none()
                )

    async def tell_admins(self, guild_id: int, user_id: int | None, text: str) -> None:
        """The server's system channel if the bot may post there, else a DM to the admin who
        set up alerts."""
        guild = self._bot.get_guild(guild_id)
        system = guild.system_channel if guild else None
        with _delivery_errors():
            if system is not None and guild is not None:
                permissions = system.permissions_for(guild.me)
                if permissions.send_messages and permissions.view_channel:
                    await system.send(text, allowed_mentions=discord.AllowedMentions.none())
                    return
            if user_id is not None:
                user = await self._bot.fetch_user(user_id)
                await user.send(text, allowed_mentions=discord.AllowedMentions.none())


def _mentions(message: OutgoingMessage) -> discord.AllowedMentions:
    """Only the route's role, or the message's people, may be pinged."""
    if message.mention_role is not None:
        return discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(id=message.mention_role)]
        )
    if message.mentioned_users:
        return discord.AllowedMentions(
            everyone=False,
            roles=False,
            users=[discord.Object(id=user) for user in message.mentioned_users],
        )
    return discord.AllowedMentions.none()


async def _send(channel: discord.abc.Messageable, message: OutgoingMessage, nonce: str) -> int:
    sent = await channel.send(
        content=message.content,
        embeds=[to_discord_embed(e) for e in message.embeds],
        nonce=nonce,
        allowed_mentions=_mentions(message),
    )
    return sent.id


@contextlib.contextmanager
def _thread_errors() -> Iterator[None]:
    """As ``_delivery_errors``, with a deleted thread (404) told apart."""
    try:
        yield
    except discord.NotFound:
        raise ThreadGone("the thread no longer exists") from None
    except discord.HTTPException:
        with _delivery_errors():
            raise


@contextlib.contextmanager
def _delivery_errors() -> Iterator[None]:
    """Discord's and the network's failures as the core's: refused (403/404), worth another
    try (429 past discord.py's own retries, 5xx, the network), or a message Discord rejects
    (any other 4xx: sending it again won't help)."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as exc:
        raise ChannelRefused(_reason(exc)) from None
    except discord.HTTPException as exc:
        if exc.status == 429 or not 400 <= exc.status < 500:
            raise TemporaryFailure(f"Discord answered {exc.status}") from None
        detail = f" ({exc.text[:200]})" if exc.text else ""
        raise Rejected(f"Discord rejected the message: {exc.status}{detail}") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise TemporaryFailure(f"connection failed ({type(exc).__name__})") from None


def _reason(exc: discord.HTTPException) -> str:
    if isinstance(exc, discord.NotFound):
        return "the channel no longer exists"
    return "the bot lacks permission to post there"
