"""The fake's shared world state: its users, servers, channels, messages, commands and what it
recorded (requests, gateway frames, violations); the other modules serve it over HTTP and the
gateway."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .interactions import (
    EPHEMERAL,
    InteractionHandle,
)
from .mentions import Pings
from .models import DEFAULT_EVERYONE, Channel, Guild, Perm, Role, Snowflakes, User

JSON = "application/json"
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12
NONCE_WINDOW = 300.0  # Discord dedupes an enforced nonce for "a few minutes"
INTERACTION_TOKEN_LIFETIME = 15 * 60.0

ERRORS: dict[int, dict[str, Any]] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "Unknown Channel", "code": 10003},
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
}


class ApiError(Exception):
    """Raised by a handler to answer with Discord's error shape."""

    def __init__(self, status: int, message: str, code: int, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code, **extra}


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, f"Unknown {what}", code)


@dataclass(eq=False)
class RecordedRequest:
    """One request the fake received; `path` is relative to the API base (/channels/1/messages)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    time: float
    operation: str | None = None
    status: int | None = None
    files: list[str] = field(default_factory=list)
    file_bodies: list[bytes] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(eq=False)
class Injection:
    """A fault: the next `times` requests matching method and path (fullmatch) get `status`.

    By default the request is refused before any work is done (a 5xx from Discord's edge: the
    message is not stored). With `processed` the request is carried out first and only its answer
    is replaced (the message is stored, the client hears a failure)."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    global_: bool
    body: dict[str, Any] | None
    processed: bool = False
    hits: int = 0
    when: Callable[[Any], bool] | None = None
    """Only requests whose JSON body this accepts (e.g. one message among many)."""

    def matches(self, method: str, path: str, body: Any = None) -> bool:
        return (
            self.hits < self.times
            and self.method in ("*", method)
            and self.pattern.fullmatch(path) is not None
            and (self.when is None or self.when(body))
        )


@dataclass(eq=False)
class Bucket:
    """A fixed-window rate limit, the way Discord's headers describe one."""

    name: str
    limit: int
    window: float
    started: float = 0.0
    used: int = 0

    def take(self, now: float) -> tuple[bool, int, float]:
        if now >= self.started + self.window:
            self.started, self.used = now, 0
        reset_after = self.started + self.window - now
        if self.used >= self.limit:
            return False, 0, reset_after
        self.used += 1
        return True, self.limit - self.used, reset_after


@dataclass(eq=False)
class GatewayFrame:
    direction: str  # "recv" (from the bot) or "send" (to the bot)
    op: int
    t: str | None
    s: int | None
    d: Any
    time: float


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


RECORD = web.RequestKey("fake_discord_record", RecordedRequest)


class World:
    """What the fake Discord knows, and the helpers every part of it uses to build and read it."""

    def __init__(
        self,
        *,
        token: str = "fake.bot.token",
        heartbeat_interval_ms: int = 41250,
        message_bucket: tuple[int, float] = (5, 5.0),
        default_bucket: tuple[int, float] = (50, 1.0),
        interaction_deadline: float = 3.0,
        api_path: str = "/api/v10",
        bot_name: str = "newsbot",
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.message_bucket = message_bucket
        self.default_bucket = default_bucket
        self.interaction_deadline = interaction_deadline
        self.api_path = api_path
        self.new_id = Snowflakes()

        self.application_id = self.new_id()
        # New applications share their id with their bot user.
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.app_owner = User(self.new_id(), "app-owner")
        self.application_flags = 0
        self.users: dict[str, User] = {u.id: u for u in (self.bot_user, self.app_owner)}
        self.pinged: dict[str, Pings] = {}
        """Whom each message (by id) notified, by the rules for content and allowed_mentions."""
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, Channel] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionHandle] = {}

        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[str] = []
        self.violations: list[str] = []
        self.injections: list[Injection] = []
        self.holds: list[tuple[str, re.Pattern[str], float]] = []
        self.gateway_log: list[GatewayFrame] = []
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0

        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._deleted: list[dict[str, Any]] = []
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._dm_channels: dict[str, Channel] = {}
        self._sockets: dict[web.WebSocketResponse, web.Request] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._uploads: dict[str, tuple[bytes, str]] = {}
        self.base_url = ""

    # ----------------------------------------------------------------- addresses

    @property
    def rest_base(self) -> str:
        """Assign to discord.http.Route.BASE."""
        return self.base_url + self.api_path

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/gateway"

    # ----------------------------------------------------------------- world building

    def _me_payload(self) -> dict[str, Any]:
        data = self.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return data

    def upload(
        self, filename: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """A file a user attached to a command: pass it as the attachment option's value. Its
        bytes are served at its URL, as Discord's CDN serves attachments."""
        attachment_id = self.new_id()
        self._uploads[attachment_id] = (data, content_type)
        url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    async def _get_upload(self, request: web.Request) -> web.Response:
        found = self._uploads.get(request.match_info["attachment_id"])
        if found is None:
            return web.Response(status=404)
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    def add_user(self, name: str, *, bot: bool = False) -> User:
        user = User(self.new_id(), name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self, name: str, *, owner_id: str | None = None, bot_permissions: int = 0
    ) -> Guild:
        """A guild the bot is in: @everyone, the bot's managed role, the bot and owner members."""
        owner = self.users.get(owner_id or "") or self.add_user(f"{name}-owner")
        guild = Guild(
            id=self.new_id(),
            name=name,
            owner_id=owner.id,
            new_id=self.new_id,
            registry=self.channels,
        )
        guild.roles.append(Role(guild.id, "@everyone", int(DEFAULT_EVERYONE)))
        bot_role = guild.add_role(self.bot_user.username, permissions=bot_permissions, managed=True)
        guild.add_member(self.bot_user, roles=(bot_role,))
        guild.add_member(owner)
        self.guilds[guild.id] = guild
        return guild

    def dm_channel(self, user: User) -> Channel:
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = Channel(id=self.new_id(), name=None, type=1, recipients=[user])
            self._dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    # ----------------------------------------------------------------- inspection

    def messages(
        self, channel: Channel | str, *, include_ephemeral: bool = False
    ) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first; ephemeral interaction replies only if asked."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        found = self._messages.get(channel_id, [])
        if include_ephemeral:
            return list(found)
        return [m for m in found if not (m.get("flags") or 0) & EPHEMERAL]

    @property
    def deleted_messages(self) -> list[dict[str, Any]]:
        return list(self._deleted)

    def requests_matching(
        self, method: str | None = None, path: str | None = None, *, status: int | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method, path regex (fullmatch) and status."""
        pattern = re.compile(path) if path else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (pattern is None or pattern.fullmatch(r.path))
            and (status is None or r.status == status)
        ]

    def commands(self, guild: Guild | str | None = None) -> list[dict[str, Any]]:
        """Registered commands: global, or for one guild."""
        if guild is None:
            return list(self.global_commands)
        return list(self.guild_commands.get(guild.id if isinstance(guild, Guild) else guild, []))

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper must not hang
        what: str = "condition",
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"fake discord: {what} not reached in {timeout}s") from None

    def _notify(self) -> None:
        self._changed.set()

    @staticmethod
    async def _body(request: web.Request) -> Any:
        """The body the middleware already parsed (and validated) for this request."""
        record = request[RECORD]
        return record.json

    def _channel(self, channel_id: str, *, need: int = Perm.VIEW_CHANNEL) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise unknown("Channel", 10003)
        if channel.guild is not None:
            perms = channel.guild.permissions_in(channel.guild.bot_member, channel)
            if not perms & Perm.VIEW_CHANNEL:
                raise ApiError(403, "Missing Access", 50001)
            if perms & need != need:
                raise ApiError(403, "Missing Permissions", 50013)
        return channel

    def _guild(self, guild_id: str) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise unknown("Guild", 10004)
        return guild
