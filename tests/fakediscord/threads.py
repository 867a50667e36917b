"""Threads and forums: forum posts (a thread with its first message and tags), threads started
from a message, archiving and unarchiving, and threads a moderator deletes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .models import FORUM, TEXT, Channel, Perm, iso_now
from .rest import INVALID_CHANNEL_TYPE, Rest
from .world import ApiError

HAS_THREAD = 1 << 5
THREAD_ALREADY_CREATED = 160004


def _invalid_form(where: str, message: str) -> ApiError:
    return ApiError(
        400,
        "Invalid Form Body",
        50035,
        errors={where: {"_errors": [{"code": "FAKE_VALIDATION", "message": message}]}},
    )


class Threads(Rest):
    """Discord's thread and forum endpoints, over the world's channels."""

    # ----------------------------------------------------------------- test helpers

    def threads_in(self, parent: Channel) -> list[Channel]:
        """The live threads (forum posts) of a text channel or forum, oldest first."""
        assert parent.guild is not None
        return [t for t in parent.guild.threads if t.parent is parent]

    async def archive_thread(self, thread: Channel, *, locked: bool = False) -> None:
        """Discord archives an idle thread (or a moderator does): sending fails until it is
        unarchived."""
        thread.archived, thread.locked, thread.archived_at = True, locked, iso_now()
        await self._thread_event("THREAD_UPDATE", thread)

    async def delete_thread(self, thread: Channel) -> None:
        """A moderator deletes a thread or forum post: 404 Unknown Channel from then on."""
        assert thread.guild is not None and thread.parent is not None
        thread.guild.remove_thread(thread)
        await self._thread_event(
            "THREAD_DELETE",
            thread,
            {
                "id": thread.id,
                "guild_id": thread.guild.id,
                "parent_id": thread.parent.id,
                "type": thread.type,
            },
        )

    async def _thread_event(
        self, event: str, thread: Channel, data: dict[str, Any] | None = None
    ) -> None:
        if self.sessions:
            await self.dispatch(event, data if data is not None else thread.payload())

    # ----------------------------------------------------------------- REST

    async def _create_thread(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/threads: in a forum, a post (thread, first message and tags),
        which needs Send Messages there ("Create Posts"); in a text channel, a thread without a
        message (Create Public Threads)."""
        parent = self._channel(request.match_info["channel_id"])
        body = dict(await self._body(request) or {})
        if parent.type == FORUM:
            return await self._create_forum_post(parent, body)
        if parent.type != TEXT:
            raise ApiError(400, "Cannot execute action on this channel type", INVALID_CHANNEL_TYPE)
        self._channel(parent.id, need=Perm.VIEW_CHANNEL | Perm.CREATE_PUBLIC_THREADS)
        thread = self._new_thread(parent, str(body["name"]))
        await self._thread_event(
            "THREAD_CREATE", thread, {**thread.payload(), "newly_created": True}
        )
        return self._json(thread.payload(), status=201)

    async def _create_forum_post(self, forum: Channel, body: dict[str, Any]) -> web.Response:
        self._channel(forum.id, need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        message_body = dict(body.get("message") or {})
        if not (message_body.get("content") or message_body.get("embeds")):
            raise ApiError(400, "Cannot send an empty message", 50006)
        known = {tag.id for tag in forum.available_tags}
        applied = [str(tag) for tag in body.get("applied_tags") or []]
        if any(tag not in known for tag in applied):
            raise _invalid_form("applied_tags", "A tag that is not one of the forum's")
        if message_body.get("embeds") and forum.guild is not None:
            perms = forum.guild.permissions_in(forum.guild.bot_member, forum)
            if not perms & Perm.EMBED_LINKS:
                message_body["embeds"] = []
        thread = self._new_thread(forum, str(body["name"]))
        thread.applied_tags = applied
        # A forum post's first message has the thread's id.
        message = self._message_payload(thread, message_body, id=thread.id)
        self._store(thread, message)
        payload = thread.payload()
        await self._thread_event("THREAD_CREATE", thread, {**payload, "newly_created": True})
        await self._dispatch_message("MESSAGE_CREATE", thread, message)
        return self._json({**payload, "message": message}, status=201)

    async def _create_thread_from_message(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages/{mid}/threads: the thread has the message's id; a
        message starts one thread at most."""
        parent = self._channel(
            request.match_info["channel_id"], need=Perm.VIEW_CHANNEL | Perm.CREATE_PUBLIC_THREADS
        )
        if parent.type != TEXT:
            raise ApiError(400, "Cannot execute action on this channel type", INVALID_CHANNEL_TYPE)
        message = self._find_message(parent.id, request.match_info["message_id"])
        if message["flags"] & HAS_THREAD:
            raise ApiError(
                400, "A thread has already been created for this message", THREAD_ALREADY_CREATED
            )
        body = dict(await self._body(request) or {})
        thread = self._new_thread(parent, str(body["name"]), thread_id=message["id"])
        message["flags"] |= HAS_THREAD
        message["thread"] = thread.payload()
        await self._thread_event(
            "THREAD_CREATE", thread, {**thread.payload(), "newly_created": True}
        )
        return self._json(thread.payload(), status=201)

    def _new_thread(self, parent: Channel, name: str, *, thread_id: str | None = None) -> Channel:
        assert parent.guild is not None
        thread = parent.guild.add_thread(parent, name, thread_id=thread_id)
        thread.owner_id = self.bot_user.id
        return thread

    async def _update_channel(self, request: web.Request) -> web.Response:
        """PATCH /channels/{id}: for a thread, its name, tags, and archiving (unarchiving a
        locked thread needs Manage Threads; an unlocked one, Send Messages in Threads)."""
        channel = self._channel(request.match_info["channel_id"])
        body = dict(await self._body(request) or {})
        if not channel.is_thread:
            if body.get("name"):
                channel.name = str(body["name"])
            return self._json(channel.payload())
        assert channel.guild is not None and channel.parent is not None
        perms = channel.guild.permissions_in(channel.guild.bot_member, channel)
        manage = bool(perms & Perm.MANAGE_THREADS)
        if "locked" in body and body["locked"] is not None and not manage:
            raise ApiError(403, "Missing Permissions", 50013)
        if body.get("archived") is False:
            if (channel.locked and not manage) or not perms & Perm.SEND_MESSAGES_IN_THREADS:
                raise ApiError(403, "Missing Permissions", 50013)
            channel.archived, channel.archived_at = False, iso_now()
        elif body.get("archived") is True:
            channel.archived, channel.archived_at = True, iso_now()
        if body.get("locked") is not None:
            channel.locked = bool(body["locked"])
        if body.get("name"):
            channel.name = str(body["name"])
        if body.get("applied_tags") is not None:
            known = {tag.id for tag in channel.parent.available_tags}
            tags = [str(tag) for tag in body["applied_tags"]]
            if any(tag not in known for tag in tags):
                raise _invalid_form("applied_tags", "A tag that is not one of the forum's")
            channel.applied_tags = tags
        await self._thread_event("THREAD_UPDATE", channel)
        return self._json(channel.payload())

    async def _active_threads(self, request: web.Request) -> web.Response:
        """GET /guilds/{id}/threads/active: the server's unarchived threads the bot can see."""
        guild = self._guild(request.match_info["guild_id"])
        visible = [
            t
            for t in guild.threads
            if not t.archived and guild.permissions_in(guild.bot_member, t) & Perm.VIEW_CHANNEL
        ]
        return self._json({"threads": [t.payload() for t in visible], "members": []})
