"""Interactions: the callback and webhook routes a bot answers with, and invoking commands and
clicking components as a person would."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .interactions import (
    APPLICATION_COMMAND,
    ATTACHMENT,
    AUTOCOMPLETE,
    CHANNEL,
    EPHEMERAL,
    LOADING,
    MENTIONABLE,
    MESSAGE_COMPONENT,
    ROLE,
    USER,
    CommandUnavailable,
    InteractionHandle,
    build_options,
    find_component,
    member_payload,
    new_token,
)
from .models import Channel, Guild, Member, Perm, User
from .threads import Threads
from .world import (
    INTERACTION_TOKEN_LIFETIME,
    ApiError,
    unknown,
)


def _dm_permissions() -> int:
    return int(
        Perm.VIEW_CHANNEL
        | Perm.SEND_MESSAGES
        | Perm.EMBED_LINKS
        | Perm.ATTACH_FILES
        | Perm.READ_MESSAGE_HISTORY
        | Perm.ADD_REACTIONS
        | Perm.USE_EXTERNAL_EMOJIS
    )


class Interactions(Threads):
    """Slash commands, autocomplete and components, from the person's side and the bot's."""

    # ----------------------------------------------------------------- interactions

    def _handle_for(self, token: str, *, app_id: str | None = None) -> InteractionHandle:
        handle = self.interactions.get(token)
        if app_id is not None and app_id != self.application_id:
            handle = None
        if handle is None or time.monotonic() - handle.created > INTERACTION_TOKEN_LIFETIME:
            raise unknown("Webhook", 10015)
        return handle

    def _interaction_message(
        self,
        handle: InteractionHandle,
        body: dict[str, Any],
        *,
        kind: int,
        flags: int | None = None,
        files: list[str] | None = None,
    ) -> dict[str, Any]:
        channel = self.channels[handle.channel_id] if handle.channel_id else None
        assert channel is not None
        user = handle.payload.get("member", {}).get("user") or handle.payload.get("user")
        metadata = {
            "id": handle.id,
            "type": handle.type,
            "user": user,
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        message = self._message_payload(
            channel,
            body,
            type=kind,
            files=files,
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_metadata=metadata,
        )
        if flags is not None:
            message["flags"] = flags
        return message

    async def _callback(self, request: web.Request) -> web.Response:
        handle = self.interactions.get(request.match_info["webhook_token"])
        if handle is None or handle.id != request.match_info["interaction_id"]:
            raise ApiError(404, "Unknown interaction", 10062)
        if time.monotonic() - handle.created > self.interaction_deadline:
            raise ApiError(404, "Unknown interaction", 10062)
        if handle.callback_type is not None:
            raise ApiError(400, "Interaction has already been acknowledged.", 40060)
        body = await self._body(request) or {}
        kind = body.get("type")
        data = body.get("data") or {}
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
        }.get(handle.type, {4, 5, 6, 7, 9})
        if kind not in allowed:
            raise ApiError(400, "Interaction callback type is invalid for this interaction", 50035)

        resource: dict[str, Any] = {"type": kind}
        message: dict[str, Any] | None = None
        channel = self.channels.get(handle.channel_id or "")
        flags = int(data.get("flags") or 0)
        if kind in (4, 5):
            msg_type = 20 if handle.type == APPLICATION_COMMAND else 0
            loading = LOADING if kind == 5 else 0
            message = self._interaction_message(
                handle,
                data if kind == 4 else {},
                kind=msg_type,
                flags=(flags & EPHEMERAL) | loading,
            )
            if kind == 4:
                message["flags"] = flags
            assert channel is not None
            self._store(channel, message)
        elif kind in (6, 7):
            message = handle.payload.get("message")
            if message is not None:
                stored = self._find_message(message["channel_id"], message["id"])
                if kind == 7:
                    self._apply_edit(stored, data)
                message = stored
        handle.callback_type = kind
        handle.callback = body
        handle.original = message
        handle._notify()
        self._notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        if message is not None:
            resource["message"] = message
        interaction = {
            "id": handle.id,
            "type": handle.type,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        return self._json({"interaction": interaction, "resource": resource})

    def _webhook_message(self, request: web.Request) -> tuple[InteractionHandle, dict[str, Any]]:
        handle = self._handle_for(
            request.match_info["webhook_token"], app_id=request.match_info["webhook_id"]
        )
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            if handle.original is None or handle.original_deleted:
                raise unknown("Message", 10008)
            return handle, handle.original
        for message in [*handle.followups, *([handle.original] if handle.original else [])]:
            if message["id"] == message_id:
                return handle, message
        raise unknown("Message", 10008)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        return self._json(self._webhook_message(request)[1])

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        handle, message = self._webhook_message(request)
        body = await self._body(request) or {}
        self._apply_edit(message, body)
        message["flags"] = message["flags"] & ~LOADING
        handle.edits.append(body)
        handle._notify()
        return self._json(message)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        handle, message = self._webhook_message(request)
        if message is handle.original:
            handle.original_deleted = True
        channel_messages = self._messages.get(message["channel_id"], [])
        if message in channel_messages:
            channel_messages.remove(message)
            self._deleted.append(message)
        handle._notify()
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        handle = self._handle_for(
            request.match_info["webhook_token"], app_id=request.match_info["webhook_id"]
        )
        if handle.callback_type is None:
            raise unknown("Webhook", 10015)
        body = await self._body(request) or {}
        message = self._interaction_message(
            handle, body, kind=0, flags=int(body.get("flags") or 0), files=self._files(request)
        )
        channel = self.channels[message["channel_id"]]
        self._store(channel, message)
        handle.followups.append(message)
        handle._notify()
        if request.query.get("wait") in ("true", "1", "True"):
            return self._json(message)
        return web.Response(status=204)

    # ----------------------------------------------------------------- invoking

    def _command(self, name: str, guild: Guild | None, kind: int = 1) -> dict[str, Any]:
        pools = ([*self.guild_commands.get(guild.id, [])] if guild else []) + self.global_commands
        for command in pools:
            if command["name"] == name and command["type"] == kind:
                return command
        registered = sorted({c["name"] for c in pools})
        raise CommandUnavailable(
            f"/{name} is not registered here (registered: {registered}); sync first"
        )

    def _default_user(self) -> User:
        for user in self.users.values():
            if user.username == "tester":
                return user
        return self.add_user("tester")

    def _context(
        self, guild: Guild | None, channel: Channel | None, user: User | None, dm: bool
    ) -> tuple[Guild | None, Channel, User, Member | None]:
        user = user or self._default_user()
        if dm:
            return None, self.dm_channel(user), user, None
        if guild is None and channel is not None:
            guild = channel.guild
        if guild is None:
            if len(self.guilds) != 1:
                raise ValueError("say which guild (or dm=True): the fake has several or none")
            guild = next(iter(self.guilds.values()))
        if channel is None:
            if not guild.channels:
                raise ValueError(f"guild {guild.name} has no channels; add one")
            channel = guild.channels[0]
        member = guild.member(user) or guild.add_member(user)
        return guild, channel, user, member

    def _base_interaction(
        self,
        kind: int,
        *,
        guild: Guild | None,
        channel: Channel,
        user: User,
        member: Member | None,
        member_permissions: int | None,
        locale: str,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": self.new_id(),
            "application_id": self.application_id,
            "type": kind,
            "token": new_token(),
            "version": 1,
            "channel_id": channel.id,
            "channel": channel.payload(),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None and member is not None:
            bot_perms = guild.permissions_in(guild.bot_member, channel)
            payload.update(
                {
                    "guild_id": guild.id,
                    "guild": {"id": guild.id, "locale": guild.locale, "features": []},
                    "guild_locale": guild.locale,
                    "member": member_payload(guild, member, channel, member_permissions),
                    "app_permissions": str(bot_perms),
                    "authorizing_integration_owners": {"0": guild.id},
                    "context": 0,
                }
            )
            payload["channel"]["permissions"] = payload["member"]["permissions"]
        else:
            payload.update(
                {
                    "user": user.payload(),
                    "app_permissions": str(_dm_permissions()),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        return payload

    def _resolver(
        self, guild: Guild | None, channel: Channel
    ) -> tuple[dict[str, Any], Callable[[int, Any, dict[str, Any]], None]]:
        resolved: dict[str, Any] = {}

        def resolve(kind: int, value: Any, entry: dict[str, Any]) -> None:
            target_id = entry["value"]
            if kind in (USER, MENTIONABLE) and target_id in self.users:
                user = self.users[target_id]
                resolved.setdefault("users", {})[target_id] = user.payload()
                member = guild.member(user) if guild else None
                if member is not None and guild is not None:
                    resolved.setdefault("members", {})[target_id] = member_payload(
                        guild, member, channel, None
                    ) | {"user": None}
                    resolved["members"][target_id].pop("user")
                return
            if kind in (ROLE, MENTIONABLE) and guild is not None:
                role = next((r for r in guild.roles if r.id == target_id), None)
                if role is not None:
                    resolved.setdefault("roles", {})[target_id] = role.payload()
                    return
            if kind == ATTACHMENT and isinstance(value, dict):
                resolved.setdefault("attachments", {})[target_id] = value
                return
            if kind == CHANNEL and target_id in self.channels:
                target = self.channels[target_id]
                data = target.payload()
                if target.guild is not None:
                    member = target.guild.bot_member
                    data["permissions"] = str(target.guild.permissions_in(member, target))
                resolved.setdefault("channels", {})[target_id] = data
                return
            raise ValueError(f"option {entry['name']}: nothing with id {target_id} to resolve")

        return resolved, resolve

    def _check_available(self, command: dict[str, Any], guild: Guild | None, perms: int) -> None:
        contexts = command.get("contexts")
        if guild is None and (
            command.get("dm_permission") is False or (contexts and 1 not in contexts)
        ):
            raise CommandUnavailable(f"/{command['name']} is not available in DMs")
        needed = command.get("default_member_permissions")
        lacking = needed is not None and (
            int(needed) == 0
            or (perms & int(needed) != int(needed) and not perms & Perm.ADMINISTRATOR)
        )
        if guild is not None and lacking:
            raise CommandUnavailable(
                f"/{command['name']} needs permissions {needed}; this member has {perms}"
            )

    async def invoke(
        self,
        command_name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: Guild | None = None,
        channel: Channel | None = None,
        user: User | None = None,
        dm: bool = False,
        member_permissions: int | None = None,
        subcommand: str | None = None,
        focused: str | None = None,
        locale: str = "en-US",
        enforce_permissions: bool = True,
    ) -> InteractionHandle:
        """Send INTERACTION_CREATE for a registered slash command (autocomplete if `focused`)."""
        guild, channel, user, member = self._context(guild, channel, user, dm)
        command = self._command(command_name, guild)
        kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
        payload = self._base_interaction(
            kind,
            guild=guild,
            channel=channel,
            user=user,
            member=member,
            member_permissions=member_permissions,
            locale=locale,
        )
        if enforce_permissions:
            perms = int(payload["member"]["permissions"]) if "member" in payload else 0
            self._check_available(command, guild, perms)
        resolved, resolve = self._resolver(guild, channel)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command["type"],
            "options": build_options(
                command, options or {}, subcommand=subcommand, focused=focused, resolve=resolve
            ),
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        payload["data"] = data
        return await self._send_interaction(payload)

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        user: User | None = None,
        *,
        values: list[str] | None = None,
        member_permissions: int | None = None,
    ) -> InteractionHandle:
        """Press a button (or choose select `values`) on a message the bot sent."""
        stored = self._find_message(message["channel_id"], message["id"])
        component = find_component(stored, custom_id)
        channel = self.channels[stored["channel_id"]]
        guild, channel, user, member = self._context(
            channel.guild, channel, user, channel.type == 1
        )
        payload = self._base_interaction(
            MESSAGE_COMPONENT,
            guild=guild,
            channel=channel,
            user=user,
            member=member,
            member_permissions=member_permissions,
            locale="en-US",
        )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None or component["type"] in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        payload["data"] = data
        payload["message"] = dict(stored)
        return await self._send_interaction(payload)

    async def _send_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        session = self._live_session(payload.get("guild_id"))
        handle = InteractionHandle(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            channel_id=payload.get("channel_id"),
            created=time.monotonic(),
        )
        self.interactions[handle.token] = handle
        await self._send_dispatch(session, "INTERACTION_CREATE", payload)
        return handle
