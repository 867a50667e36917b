"""REST: the application, users, servers, channels, members, commands and messages."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .gateway import Gateway
from .interactions import (
    EPHEMERAL,
)
from .mentions import pings
from .models import FORUM, Channel, Perm, iso_now
from .world import (
    DIRECT_MESSAGES_INTENT,
    GUILD_MESSAGES_INTENT,
    NONCE_WINDOW,
    RECORD,
    ApiError,
    unknown,
)

THREAD_ARCHIVED = 50083
INVALID_CHANNEL_TYPE = 50024


def _rich(embed: dict[str, Any]) -> dict[str, Any]:
    stored = {k: v for k, v in embed.items() if v is not None}
    stored.setdefault("type", "rich")
    return stored


class Rest(Gateway):
    """Discord's REST resources, as the bot reads and changes them."""

    async def _get_me(self, request: web.Request) -> web.Response:
        return self._json(self._me_payload())

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(request.match_info["user_id"])
        if user is None:
            raise unknown("User", 10013)
        return self._json(user.payload())

    async def _get_application(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "id": self.application_id,
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot": self.bot_user.payload(),
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.app_owner.payload(),
                "team": None,
                "flags": self.application_flags,
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": len(self.guilds),
                "hook": True,
                "integration_types_config": {"0": {}},
            }
        )

    def _command_store(self, request: web.Request) -> list[dict[str, Any]]:
        if request.match_info["application_id"] != self.application_id:
            raise unknown("Application", 10002)
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return self.global_commands
        if guild_id not in self.guilds:
            raise ApiError(403, "Missing Access", 50001)
        return self.guild_commands.setdefault(guild_id, [])

    def _stored_command(
        self, body: dict[str, Any], guild_id: str | None, existing: list[dict[str, Any]]
    ) -> dict[str, Any]:
        kind = body.get("type") or 1
        previous = next(
            (c for c in existing if c["name"] == body["name"] and c["type"] == kind), None
        )
        command: dict[str, Any] = {
            "id": previous["id"] if previous else self.new_id(),
            "application_id": self.application_id,
            "version": self.new_id(),
            "type": kind,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": body.get("nsfw", False),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
        }
        if body.get("options"):
            command["options"] = body["options"]
        if guild_id is not None:
            command["guild_id"] = guild_id
        return command

    async def _list_commands(self, request: web.Request) -> web.Response:
        return self._json(self._command_store(request))

    async def _put_commands(self, request: web.Request) -> web.Response:
        store = self._command_store(request)
        body = await self._body(request)
        guild_id = request.match_info.get("guild_id")
        commands = [self._stored_command(c, guild_id, store) for c in body or []]
        store[:] = commands
        return self._json(commands)

    async def _post_command(self, request: web.Request) -> web.Response:
        store = self._command_store(request)
        body = await self._body(request)
        command = self._stored_command(body, request.match_info.get("guild_id"), store)
        store[:] = [c for c in store if c["id"] != command["id"]] + [command]
        return self._json(command, status=201)

    async def _get_channel(self, request: web.Request) -> web.Response:
        return self._json(self._channel(request.match_info["channel_id"]).payload())

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request.match_info["guild_id"])
        data = guild.payload()
        if request.query.get("with_counts") in ("true", "1"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return self._json(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request.match_info["guild_id"])
        return self._json([c.payload() for c in guild.channels])

    async def _get_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request.match_info["guild_id"])
        return self._json([r.payload() for r in guild.roles])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request.match_info["guild_id"])
        member = guild.member(request.match_info["user_id"])
        if member is None:
            raise unknown("Member", 10007)
        return self._json(member.payload())

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = await self._body(request) or {}
        user = self.users.get(str(body.get("recipient_id")))
        if user is None:
            raise unknown("User", 10013)
        return self._json(self.dm_channel(user).payload())

    # ----------------------------------------------------------------- messages

    def _message_payload(
        self,
        channel: Channel,
        body: dict[str, Any],
        *,
        files: list[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        pinged = pings(body.get("content") or "", body.get("allowed_mentions"))
        message: dict[str, Any] = {
            "id": extra.pop("id", None) or self.new_id(),
            "channel_id": channel.id,
            "author": self.bot_user.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": pinged.everyone,
            "mentions": [self.users[u].payload() for u in pinged.users if u in self.users],
            "mention_roles": list(pinged.roles),
            "attachments": [
                {
                    "id": self.new_id(),
                    "filename": name,
                    "size": 0,
                    "url": f"{self.base_url}/attachments/{name}",
                    "proxy_url": f"{self.base_url}/attachments/{name}",
                }
                for name in files or []
            ],
            "embeds": [_rich(e) for e in body.get("embeds") or []],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        self.pinged[message["id"]] = pinged
        if body.get("message_reference"):
            message["type"] = 19
            message["message_reference"] = body["message_reference"]
        message.update(extra)
        return message

    def _store(self, channel: Channel, message: dict[str, Any]) -> None:
        self._messages.setdefault(channel.id, []).append(message)
        channel.last_message_id = message["id"]
        if channel.is_thread:
            channel.message_count += 1

    def _find_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        for message in self._messages.get(channel_id, []):
            if message["id"] == message_id:
                return message
        raise unknown("Message", 10008)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request.match_info["channel_id"])
        if channel.type == FORUM:
            raise ApiError(400, "Cannot execute action on this channel type", INVALID_CHANNEL_TYPE)
        # In a thread (or forum post), Send Messages in Threads on its parent.
        send = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        self._channel(channel.id, need=Perm.VIEW_CHANNEL | send)
        if channel.archived:
            raise ApiError(400, "Thread is archived", THREAD_ARCHIVED)
        body = dict(await self._body(request) or {})
        files = self._files(request)
        if not (
            body.get("content")
            or body.get("embeds")
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise ApiError(400, "Cannot send an empty message", 50006)
        if body.get("embeds") and channel.guild is not None:
            perms = channel.guild.permissions_in(channel.guild.bot_member, channel)
            if not perms & Perm.EMBED_LINKS:
                # Discord refuses an embed-only message and silently drops embeds otherwise.
                if not body.get("content"):
                    raise ApiError(403, "Missing Permissions", 50013)
                body["embeds"] = []
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (channel.id, str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and time.monotonic() - seen[0] < NONCE_WINDOW:
                return self._json(seen[1])
        message = self._message_payload(channel, body, files=files)
        self._store(channel, message)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, str(nonce))] = (time.monotonic(), message)
        await self._dispatch_message("MESSAGE_CREATE", channel, message)
        return self._json(message)

    @staticmethod
    def _files(request: web.Request) -> list[str]:
        record = request[RECORD]
        return record.files

    async def _dispatch_message(
        self, event: str, channel: Channel, message: dict[str, Any]
    ) -> None:
        """MESSAGE_* events go to sessions that asked for them with intents."""
        intent = GUILD_MESSAGES_INTENT if channel.guild is not None else DIRECT_MESSAGES_INTENT
        data = dict(message)
        if channel.guild is not None:
            data["guild_id"] = channel.guild.id
            data["member"] = channel.guild.bot_member.payload(with_user=False)
        for session in list(self.sessions.values()):
            if session.intents & intent:
                await self._send_dispatch(session, event, data)

    async def _list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(
            request.match_info["channel_id"], need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY
        )
        limit = int(request.query.get("limit", 50))
        found = [m for m in self._messages.get(channel.id, []) if not m["flags"] & EPHEMERAL]
        if "before" in request.query:
            found = [m for m in found if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            found = [m for m in found if int(m["id"]) > int(request.query["after"])]
        return self._json(list(reversed(found))[:limit])

    async def _get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(
            request.match_info["channel_id"], need=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY
        )
        return self._json(self._find_message(channel.id, request.match_info["message_id"]))

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("content", "components", "attachments"):
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "embeds" in body:
            message["embeds"] = [_rich(e) for e in body["embeds"] or []]
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be changed by an edit; other flags stay as they were.
            suppress = 1 << 2
            message["flags"] = (message["flags"] & ~suppress) | (int(body["flags"]) & suppress)
        message["edited_timestamp"] = iso_now()

    async def _edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request.match_info["channel_id"])
        message = self._find_message(channel.id, request.match_info["message_id"])
        if message["author"]["id"] != self.bot_user.id:
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        self._apply_edit(message, await self._body(request) or {})
        await self._dispatch_message("MESSAGE_UPDATE", channel, message)
        return self._json(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request.match_info["channel_id"])
        message = self._find_message(channel.id, request.match_info["message_id"])
        if message["author"]["id"] != self.bot_user.id and channel.guild is not None:
            perms = channel.guild.permissions_in(channel.guild.bot_member, channel)
            if not perms & Perm.MANAGE_MESSAGES:
                raise ApiError(403, "Missing Permissions", 50013)
        self._messages[channel.id].remove(message)
        self._deleted.append(message)
        return web.Response(status=204)
