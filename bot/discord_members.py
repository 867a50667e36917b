"""The Discord side of membership: the REST member lookup (GET /guilds/{id}/members/{user}),
which needs no privileged intent, as the core's ``MemberLookup``."""

from __future__ import annotations

import aiohttp
import discord

from bot.sending import TemporaryFailure


class DiscordMembers:
    """Whether someone is still in a server, asked of Discord (the delivery's MemberLookup)."""

    def __init__(self, bot: discord.Client) -> None:
        """Ask through this client's REST session."""
        self._bot = bot

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """Whether the user is a member of the server (false if either is unknown)."""
        try:
            await self._bot.http.get_member(guild_id, user_id)
        except discord.NotFound:
            return False  # Unknown Member (or user, or server)
        except discord.Forbidden:
            return False  # the bot itself is no longer in that server
        except discord.HTTPException as exc:
            raise TemporaryFailure(f"Discord answered {exc.status}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TemporaryFailure(f"connection failed ({type(exc).__name__})") from None
        return True
