"""FakeDiscord: Discord's REST API and gateway on 127.0.0.1, for the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from . import spec
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
from .mentions import Pings, pings
from .models import DEFAULT_EVERYONE, Channel, Guild, Member, Perm, Role, Snowflakes, User, iso_now

log = logging.getLogger(__name__)

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


def _ceil_ms(seconds: float) -> float:
    return math.ceil(max(seconds, 0.0) * 1000) / 1000


class FakeDiscord:
    """A fake Discord for end-to-end tests; see tests/fakediscord/__init__.py for the summary."""

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

    # ----------------------------------------------------------------- lifecycle

    @property
    def rest_base(self) -> str:
        """Assign to discord.http.Route.BASE."""
        return self.base_url + self.api_path

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/gateway"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._get_upload)
        self._add_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- world building

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
        guild = Guild(id=self.new_id(), name=name, owner_id=owner.id, new_id=self.new_id)
        guild.roles.append(Role(guild.id, "@everyone", int(DEFAULT_EVERYONE)))
        bot_role = guild.add_role(self.bot_user.username, permissions=bot_permissions, managed=True)
        guild.add_member(self.bot_user, roles=(bot_role,))
        guild.add_member(owner)
        self.guilds[guild.id] = guild
        original_add = guild.add_channel

        def add_channel(name: str, **kwargs: Any) -> Channel:
            channel = original_add(name, **kwargs)
            self.channels[channel.id] = channel
            return channel

        guild.add_channel = add_channel  # type: ignore[method-assign]
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

    # ----------------------------------------------------------------- fault injection

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        global_: bool = False,
        body: dict[str, Any] | None = None,
        processed: bool = False,
        when: Callable[[Any], bool] | None = None,
    ) -> Injection:
        """Fail the next `times` matching requests (path relative to the API base, fullmatch;
        `when`: and whose JSON body it accepts); `processed=True` does each request's work
        before answering with the failure."""
        injection = Injection(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=0.25 if retry_after is None else retry_after,
            global_=global_,
            body=body,
            processed=processed,
            when=when,
        )
        self.injections.append(injection)
        return injection

    def hold(self, method: str, path_regex: str, seconds: float) -> None:
        """Do matching requests' work at once but answer them ``seconds`` late: the window in
        which a client has sent a message and not yet learned that it went out."""
        self.holds.append((method.upper(), re.compile(path_regex), seconds))

    # ----------------------------------------------------------------- HTTP plumbing

    def _relative(self, request: web.Request) -> str | None:
        if request.path.startswith(self.api_path + "/"):
            return request.path[len(self.api_path) :]
        return None

    async def _read_body(self, request: web.Request, record: RecordedRequest) -> None:
        if not request.can_read_body:
            return
        ctype = request.content_type
        if ctype == JSON:
            text = await request.text()
            try:
                record.json = json.loads(text) if text else None
            except json.JSONDecodeError:
                raise ApiError(400, "400: Bad Request", 50109) from None
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    record.json = json.loads(await part.text())
                else:
                    record.file_bodies.append(bytes(await part.read()))
                    record.files.append(part.filename or part.name or "")

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = self._relative(request)
        if path is None:
            return await handler(request)  # type: ignore[no-any-return]
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            time=time.time(),
        )
        self.requests.append(record)
        request[RECORD] = record
        try:
            response = await self._serve(request, record, path, handler)
        except ApiError as exc:
            response = self._json(exc.body, status=exc.status)
        record.status = response.status
        self._notify()
        return response

    async def _serve(
        self,
        request: web.Request,
        record: RecordedRequest,
        path: str,
        handler: Callable[[web.Request], Any],
    ) -> web.StreamResponse:
        await self._read_body(request, record)
        operation: spec.Operation | None = None
        problems: list[str] = []
        if record.json is not None or request.method in ("POST", "PUT", "PATCH"):
            operation, problems = spec.validate_body(request.method, path, record.json)
        else:
            operation = spec.find_operation(request.method, path)
        record.operation = operation.operation_id if operation else None
        self.violations.extend(str(p) for p in problems)

        after: Injection | None = None
        for injection in self.injections:
            if injection.matches(request.method, path, record.json):
                injection.hits += 1
                if not injection.processed:
                    return self._fault(injection, path)
                after = injection
                break

        route = request.match_info.route.resource
        template = route.canonical if route is not None else path
        if not self._is_webhook(path):
            self._check_auth(request)
        bucket = self._bucket(request, template)
        allowed, remaining, reset_after = bucket.take(time.monotonic())
        headers = self._ratelimit_headers(bucket, remaining, reset_after)
        if not allowed:
            return self._rate_limited(reset_after, headers, scope="user", is_global=False)
        if problems:
            response = self._json(_form_errors(problems), status=400)
        else:
            try:
                response = await handler(request)
            except ApiError as exc:
                response = self._json(exc.body, status=exc.status)
            for method, pattern, seconds in self.holds:
                if method in ("*", request.method) and pattern.fullmatch(path):
                    self._notify()
                    await asyncio.sleep(seconds)
        if after is not None:
            return self._fault(after, path)
        response.headers.update(headers)
        return response

    @staticmethod
    def _is_webhook(path: str) -> bool:
        return path.startswith(("/webhooks/", "/interactions/"))

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, "401: Unauthorized", 0)

    def _bucket(self, request: web.Request, template: str) -> Bucket:
        info = request.match_info
        major = "+".join(
            info[k]
            for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
            if k in info
        )
        key = (f"{request.method} {template}", major)
        bucket = self._buckets.get(key)
        if bucket is None:
            is_message = template.startswith(self.api_path + "/channels/{channel_id}/messages")
            limit, window = self.message_bucket if is_message else self.default_bucket
            name = hashlib.sha1(key[0].encode()).hexdigest()[:32]
            bucket = self._buckets[key] = Bucket(name, limit, window)
        return bucket

    @staticmethod
    def _ratelimit_headers(bucket: Bucket, remaining: int, reset_after: float) -> dict[str, str]:
        after = _ceil_ms(reset_after)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket.name,
        }

    def _rate_limited(
        self, retry_after: float, headers: dict[str, str], *, scope: str, is_global: bool
    ) -> web.Response:
        after = _ceil_ms(retry_after)
        body = {"message": "You are being rate limited.", "retry_after": after, "global": is_global}
        extra = dict(headers)
        extra.update(
            {
                "Retry-After": str(math.ceil(after)),
                "X-RateLimit-Scope": scope,
                # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
                "Via": "1.1 google",
            }
        )
        if is_global:
            extra["X-RateLimit-Global"] = "true"
        return self._json(body, status=429, headers=extra)

    def _fault(self, injection: Injection, path: str) -> web.Response:
        if injection.status == 429:
            bucket = Bucket("injected", 1, injection.retry_after)
            headers = self._ratelimit_headers(bucket, 0, injection.retry_after)
            if injection.global_:
                headers = {}
            scope = "global" if injection.global_ else "user"
            return self._rate_limited(
                injection.retry_after, headers, scope=scope, is_global=injection.global_
            )
        body = (
            injection.body
            or ERRORS.get(injection.status)
            or {
                "message": f"{injection.status}: fault injected",
                "code": 0,
            }
        )
        return self._json(body, status=injection.status)

    @staticmethod
    def _json(
        body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
        response = web.Response(status=status, text=json.dumps(body), headers=headers)
        response.headers["Content-Type"] = JSON
        return response

    async def _unknown_route(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(f"{request.method} {request.path}")
        log.warning("fake discord: unknown route %s %s", request.method, request.path)
        return self._json({"message": "404: Not Found", "code": 0}, status=404)

    # ----------------------------------------------------------------- REST routes

    def _add_routes(self, app: web.Application) -> None:
        base = self.api_path
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/{application_id}/commands", self._list_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("POST", "/applications/{application_id}/commands", self._post_command),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._list_commands,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
            ),
            (
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._post_command,
            ),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._list_messages),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("POST", "/interactions/{interaction_id}/{webhook_token}/callback", self._callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._followup),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
            ),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, base + path, handler)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.identifies,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    def _me_payload(self) -> dict[str, Any]:
        data = self.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return data

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
            "id": self.new_id(),
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

    def _find_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        for message in self._messages.get(channel_id, []):
            if message["id"] == message_id:
                return message
        raise unknown("Message", 10008)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(
            request.match_info["channel_id"], need=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES
        )
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

    # ----------------------------------------------------------------- gateway

    def _live_session(self, guild_id: str | None = None) -> Session:
        """The connected session that gets this server's events (its shard's)."""
        live = [s for s in self.sessions.values() if s.ws is not None and _on_shard(s, guild_id)]
        if not live:
            raise RuntimeError("no bot is connected to the fake gateway (for that shard)")
        return live[-1]

    def connected_shards(self) -> set[int]:
        """The shard ids of the connected sessions (0 for an unsharded one)."""
        return {(s.shard or [0, 1])[0] for s in self.sessions.values() if s.ws is not None}

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a DISPATCH to every session of the shard it belongs to (buffered for RESUME if
        the session is disconnected): a server's events go to its shard, the rest to shard 0."""
        if not self.sessions:
            raise RuntimeError("no gateway session to dispatch to")
        guild_id = _guild_of(event, data)
        for session in list(self.sessions.values()):
            if _on_shard(session, guild_id):
                await self._send_dispatch(session, event, data)

    async def _send_dispatch(self, session: Session, event: str, data: Any) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.events.append(frame)
            if session.ws is not None and not session.ws.closed:
                await self._send(session.ws, frame)

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        self.gateway_log.append(
            GatewayFrame(
                "send", frame["op"], frame.get("t"), frame.get("s"), frame.get("d"), time.time()
            )
        )
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(json.dumps(frame))
        self._notify()

    async def drop_gateway(self, code: int | None = 4000, *, invalidate: bool = False) -> None:
        """Close every gateway connection (code 4000 by default; None drops the TCP connection).

        `invalidate=True` also forgets the sessions, so a RESUME is refused with INVALID_SESSION
        (d=false) and the client must IDENTIFY again."""
        if invalidate:
            self.sessions.clear()
        for ws, request in list(self._sockets.items()):
            if code is None:
                if request.transport is not None:
                    request.transport.abort()
            else:
                await ws.close(code=code, message=b"fake discord dropped the connection")

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets[ws] = request
        session: Session | None = None
        try:
            await self._send(
                ws,
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                },
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                self.gateway_log.append(GatewayFrame("recv", op, None, None, d, time.time()))
                self._notify()
                if op == 1:
                    self.heartbeats += 1
                    await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    session = await self._identify(ws, d)
                elif op == 6:
                    session = await self._resume(ws, d)
        finally:
            self._sockets.pop(ws, None)
            if session is not None and session.ws is ws:
                session.ws = None
            self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        if d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        self.identifies += 1
        session = Session(
            id=secrets.token_hex(16), intents=int(d.get("intents", 0)), shard=d.get("shard")
        )
        self.sessions[session.id] = session
        session.ws = ws
        ready: dict[str, Any] = {
            "v": 10,
            "user": self._me_payload(),
            "guilds": [
                {"id": g.id, "unavailable": True}
                for g in self.guilds.values()
                if _on_shard(session, g.id)
            ],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._send_dispatch(session, "READY", ready)
        for guild in self.guilds.values():
            if _on_shard(session, guild.id):
                await self._send_dispatch(session, "GUILD_CREATE", guild.create_payload())
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(d.get("session_id") or "")
        if session is None or d.get("token") != self.token:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        seq = d.get("seq") or 0
        async with session.lock:
            session.ws = ws
            for frame in session.events:
                if frame["s"] > seq:
                    await self._send(ws, frame)
        self.resumes += 1
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        return session


def _guild_of(event: str, data: Any) -> str | None:
    """The server an event is about, if any."""
    if not isinstance(data, dict):
        return None
    if data.get("guild_id"):
        return str(data["guild_id"])
    if event.startswith("GUILD_") and "id" in data:
        return str(data["id"])
    return None


def _on_shard(session: Session, guild_id: str | None) -> bool:
    """Whether a session gets a server's events: Discord sends them to shard
    (guild_id >> 22) % shard_count, and events of no server (DMs) to shard 0."""
    if session.shard is None:
        return True
    shard_id, shard_count = session.shard
    if guild_id is None:
        return bool(shard_id == 0)
    return (int(guild_id) >> 22) % shard_count == shard_id


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


def _rich(embed: dict[str, Any]) -> dict[str, Any]:
    stored = {k: v for k, v in embed.items() if v is not None}
    stored.setdefault("type", "rich")
    return stored


def _form_errors(problems: list[str]) -> dict[str, Any]:
    """Discord's 50035 Invalid Form Body shape, nesting errors by the path in the body."""
    errors: dict[str, Any] = {}
    for problem in problems:
        parts = problem.split(": ", 2)
        where, message = (parts[1], parts[2]) if len(parts) == 3 else ("body", problem)
        keys = re.findall(r"\.([^.\[]+)|\[(\d+)\]", where.removeprefix("body"))
        node = errors
        for name, index in keys:
            node = node.setdefault(name or index, {})
        node.setdefault("_errors", []).append({"code": "FAKE_VALIDATION", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
