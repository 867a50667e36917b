"""The gateway: sessions, IDENTIFY and RESUME, heartbeats, and events dispatched to the shards
that should get them."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from .limits import Limits
from .world import (
    GatewayFrame,
    Session,
)

log = logging.getLogger(__name__)


class Gateway(Limits):
    """The websocket side of the fake, and GET /gateway(/bot) that points at it."""

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
