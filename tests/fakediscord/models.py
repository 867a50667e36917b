"""The fake's world: users, guilds, roles, members, channels, and their wire payloads."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntFlag
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000


class Perm(IntFlag):
    """The permission bits the fake reasons about (Discord's values)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_EVERYONE = (
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.MENTION_EVERYONE
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.CREATE_PRIVATE_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)
TEXT, DM, PUBLIC_THREAD, FORUM = 0, 1, 11, 15


class Snowflakes:
    """Real-looking snowflakes (timestamp + increment), so discord.py's created_at is sane."""

    def __init__(self) -> None:
        self._counter: Iterator[int] = itertools.count(1)

    def __call__(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0xFFF))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(eq=False)
class User:
    id: str
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: str
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [role.id for role in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite; type 0 targets a role, type 1 a member."""

    id: str
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class ForumTag:
    """One of a forum's available tags (only an admin creates them)."""

    id: str
    name: str

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "moderated": False,
            "emoji_id": None,
            "emoji_name": None,
        }


@dataclass(eq=False)
class Channel:
    """A guild text channel (type 0), a DM (type 1), a forum (type 15) or a public thread
    (type 11: its ``parent`` is the text channel or forum it is in; its permissions are the
    parent's)."""

    id: str
    name: str | None
    type: int = 0
    guild: Guild | None = None
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)
    last_message_id: str | None = None
    available_tags: list[ForumTag] = field(default_factory=list)
    """A forum's tags."""
    parent: Channel | None = None
    """A thread's text channel or forum."""
    owner_id: str | None = None
    archived: bool = False
    locked: bool = False
    applied_tags: list[str] = field(default_factory=list)
    message_count: int = 0
    created_at: str = field(default_factory=iso_now)
    archived_at: str | None = None

    @property
    def is_thread(self) -> bool:
        return self.type == PUBLIC_THREAD

    def tag(self, name: str) -> ForumTag:
        """A forum's tag by name."""
        return next(t for t in self.available_tags if t.name == name)

    def set_overwrite(
        self, target: Role | Member | User, *, allow: int = 0, deny: int = 0
    ) -> Overwrite:
        target_id = target.user.id if isinstance(target, Member) else target.id
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites = [o for o in self.overwrites if o.id != target_id]
        overwrite = Overwrite(id=target_id, type=kind, allow=allow, deny=deny)
        self.overwrites.append(overwrite)
        return overwrite

    def payload(self) -> dict[str, Any]:
        if self.type == 1:
            return {
                "id": self.id,
                "type": 1,
                "last_message_id": self.last_message_id,
                "flags": 0,
                "recipients": [user.payload() for user in self.recipients],
            }
        assert self.guild is not None
        if self.is_thread:
            return self._thread_payload()
        data = {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild.id,
            "name": self.name,
            "position": self.position,
            "flags": 0,
            "parent_id": None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": self.last_message_id,
            "rate_limit_per_user": 0,
            "permission_overwrites": [o.payload() for o in self.overwrites],
        }
        if self.type == FORUM:
            data.update(
                {
                    "available_tags": [tag.payload() for tag in self.available_tags],
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_auto_archive_duration": 4320,
                    "default_thread_rate_limit_per_user": 0,
                    "default_tag_setting": None,
                }
            )
        return data

    def _thread_payload(self) -> dict[str, Any]:
        assert self.guild is not None and self.parent is not None
        return {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild.id,
            "name": self.name,
            "parent_id": self.parent.id,
            "owner_id": self.owner_id,
            "flags": 0,
            "last_message_id": self.last_message_id,
            "rate_limit_per_user": 0,
            "message_count": self.message_count,
            "member_count": 1,
            "total_message_sent": self.message_count,
            "applied_tags": list(self.applied_tags),
            "thread_metadata": {
                "archived": self.archived,
                "archive_timestamp": self.archived_at or self.created_at,
                "auto_archive_duration": 4320,
                "locked": self.locked,
                "create_timestamp": self.created_at,
                "invitable": True,
            },
        }


@dataclass(eq=False)
class Guild:
    """A guild; build it with FakeDiscord.add_guild, then add channels, roles and members."""

    id: str
    name: str
    owner_id: str
    new_id: Callable[[], str]
    roles: list[Role] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)
    locale: str = "en-US"
    threads: list[Channel] = field(default_factory=list)
    """Threads and forum posts (not listed with the channels, as on Discord)."""
    registry: dict[str, Channel] = field(default_factory=dict)
    """Every channel by id (the world's), so REST finds what is added here."""

    @property
    def everyone(self) -> Role:
        return self.roles[0]

    def add_role(
        self, name: str, *, permissions: int = 0, managed: bool = False, mentionable: bool = False
    ) -> Role:
        role = Role(
            self.new_id(),
            name,
            permissions,
            position=len(self.roles),
            managed=managed,
            mentionable=mentionable,
        )
        self.roles.append(role)
        return role

    def add_member(
        self, user: User, *, roles: tuple[Role, ...] = (), nick: str | None = None
    ) -> Member:
        member = Member(user=user, roles=list(roles), nick=nick)
        self.members[user.id] = member
        return member

    def add_channel(
        self,
        name: str,
        *,
        view: bool = True,
        send: bool = True,
        embed_links: bool = True,
        topic: str | None = None,
        create_threads: bool = True,
        send_in_threads: bool = True,
    ) -> Channel:
        """A text channel; view/send/embed_links/create_threads/send_in_threads=False deny
        that permission (View Channel, Send Messages, Embed Links, Create Public Threads, Send
        Messages in Threads) to the bot member."""
        channel = Channel(
            id=self.new_id(), name=name, guild=self, position=len(self.channels), topic=topic
        )
        denied = 0
        for allowed, bit in (
            (view, Perm.VIEW_CHANNEL),
            (send, Perm.SEND_MESSAGES),
            (embed_links, Perm.EMBED_LINKS),
            (create_threads, Perm.CREATE_PUBLIC_THREADS),
            (send_in_threads, Perm.SEND_MESSAGES_IN_THREADS),
        ):
            if not allowed:
                denied |= bit
        if denied:
            channel.set_overwrite(self.bot_member, deny=denied)
        self.channels.append(channel)
        self.registry[channel.id] = channel
        return channel

    def add_forum(
        self,
        name: str,
        *,
        tags: tuple[str, ...] = (),
        view: bool = True,
        create_posts: bool = True,
        send_in_threads: bool = True,
    ) -> Channel:
        """A forum channel with these available tags; create_posts=False denies Send Messages
        (the forum's "Create Posts"), send_in_threads=False Send Messages in Threads."""
        forum = self.add_channel(
            name, view=view, send=create_posts, send_in_threads=send_in_threads
        )
        forum.type = FORUM
        forum.available_tags = [ForumTag(self.new_id(), tag) for tag in tags]
        return forum

    def add_thread(self, parent: Channel, name: str, *, thread_id: str | None = None) -> Channel:
        """A public thread in a text channel or forum (REST and the tests make them)."""
        thread = Channel(
            id=thread_id or self.new_id(),
            name=name,
            type=PUBLIC_THREAD,
            guild=self,
            parent=parent,
        )
        self.threads.append(thread)
        self.registry[thread.id] = thread
        return thread

    def remove_thread(self, thread: Channel) -> None:
        """A moderator deletes a thread: it answers 404 Unknown Channel from then on."""
        self.threads = [t for t in self.threads if t is not thread]
        self.registry.pop(thread.id, None)

    def remove_member(self, user: User) -> None:
        """The user leaves (or is kicked): GET .../members/{user} answers 404 Unknown Member.
        (No event: a bot without the members intent is not told.)"""
        self.members.pop(user.id, None)

    @property
    def bot_member(self) -> Member:
        return next(m for m in self.members.values() if m.user.bot)

    def member(self, user: User | str) -> Member | None:
        return self.members.get(user if isinstance(user, str) else user.id)

    def base_permissions(self, member: Member) -> int:
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites (a thread's
        are its parent's)."""
        if channel.parent is not None:
            channel = channel.parent
        perms = self.base_permissions(member)
        if perms & Perm.ADMINISTRATOR:
            return ALL_PERMISSIONS
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.everyone.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in member.roles:
            overwrite = by_id.get(role.id)
            if overwrite is not None and overwrite.type == 0:
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        own = by_id.get(member.user.id)
        if own is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    def payload(self) -> dict[str, Any]:
        """The full guild object as GET /guilds/{id} returns it."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner_id,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "widget_enabled": False,
            "max_members": 25_000_000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
        }

    def create_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE dispatch: the guild plus channels, members and gateway extras."""
        data = self.payload()
        data.update(
            {
                "unavailable": False,
                "large": False,
                "member_count": len(self.members),
                "joined_at": self.bot_member.joined_at,
                "lazy": True,
                "channels": [channel.payload() for channel in self.channels],
                "threads": [t.payload() for t in self.threads if not t.archived],
                "members": [member.payload() for member in self.members.values()],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        for channel in data["channels"]:
            channel.pop("guild_id", None)
        return data
