"""The Discord side of delivery: turns core message values into discord.py calls and Discord's
answers into the core's typed failures."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import aiohttp
import discord

from bot.messages import Embed, OutgoingMessage
from bot.sending import ChannelRefused, Rejected, TemporaryFailure

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
        mentions = discord.AllowedMentions.none()
        if message.mention_role is not None:
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(id=message.mention_role)]
            )
        elif message.mentioned_users:
            mentions = discord.AllowedMentions(
                everyone=False,
                roles=False,
                users=[discord.Object(id=user) for user in message.mentioned_users],
            )
        with _delivery_errors():
            sent = await channel.send(
                content=message.content,
                embeds=[to_discord_embed(e) for e in message.embeds],
                nonce=nonce,
                allowed_mentions=mentions,
            )
        return sent.id

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
