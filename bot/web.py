"""The operator's web server (HTTP_PORT): /healthz, /readyz, /metrics and /status.

Started by ``newsbot run`` and ``newsbot worker`` when HTTP_PORT is set; it binds HTTP_HOST
(loopback by default). /status needs STATUS_TOKEN, as a bearer token or ``?token=``; without
that setting the page is off.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics
from bot.status import CONTENT_SECURITY_POLICY, render_locked, render_status
from bot.storage.operations import Operations

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
"""Seconds /readyz waits for the database before calling it unavailable."""
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class Readiness:
    """What /readyz checks in this process: the database, the gateway (``gateway`` returns the
    reasons it isn't connected; None in a worker), and the loops that must finish rounds."""

    loops: tuple[str, ...]
    within: timedelta
    gateway: Callable[[], list[str]] | None = None


class OpsServer:
    """The aiohttp application and its runner; ``start`` binds, ``stop`` closes."""

    def __init__(
        self,
        *,
        store: Operations,
        metrics: Metrics,
        readiness: Readiness,
        version: str,
        status_token: str | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Serve the ops endpoints for this process."""
        self._store = store
        self._metrics = metrics
        self._readiness = readiness
        self._version = version
        self._token = status_token.encode() if status_token else None
        self._clock = clock
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.app = web.Application(middlewares=[self._headers])
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/readyz", self.readyz)
        self.app.router.add_get("/metrics", self.metrics)
        self.app.router.add_get("/status", self.status)
        self.app.router.add_get("/favicon.ico", self.no_icon)

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port`` (port 0: a free one, then in ``self.port``)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("web server on http://%s:%s (/healthz /readyz /metrics /status)", host, self.port)

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _headers(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def healthz(self, request: web.Request) -> web.Response:
        """Liveness: the process answers."""
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        """Ready: the database answers, the gateway is connected (for this process's shards),
        and the loops finished a round recently. 503 with the reasons otherwise."""
        problems = await self.problems()
        if problems:
            text = "not ready:\n" + "".join(f"- {p}\n" for p in problems)
            return web.Response(status=503, text=text)
        return web.Response(text="ready\n")

    async def problems(self) -> list[str]:
        """Why this process is not ready (empty: it is)."""
        problems = []
        try:
            await asyncio.wait_for(self._store.ping(), DATABASE_TIMEOUT)
        except TimeoutError:
            problems.append(f"the database did not answer within {DATABASE_TIMEOUT:g}s")
        except Exception as exc:  # noqa: BLE001 - any failure to answer is the reason given
            problems.append(f"the database did not answer: {type(exc).__name__}")
        if self._readiness.gateway is not None:
            problems.extend(self._readiness.gateway())
        problems.extend(self._metrics.idle_loops(self._readiness.loops, self._readiness.within))
        return problems

    async def metrics(self, request: web.Request) -> web.Response:
        """Every metric of this process, in the Prometheus text format."""
        try:
            pending, oldest = await asyncio.wait_for(self._store.outbox_backlog(), DATABASE_TIMEOUT)
        except Exception:
            log.warning("outbox depth unavailable for /metrics", exc_info=True)
        else:
            self._metrics.outbox_pending.set(pending)
            age = (self._clock() - oldest).total_seconds() if oldest else 0.0
            self._metrics.outbox_oldest_age.set(max(age, 0.0))
        body = self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def status(self, request: web.Request) -> web.Response:
        """The operator's status page (needs STATUS_TOKEN)."""
        if self._token is None:
            return self._page(
                render_locked("The status page is off: set STATUS_TOKEN to turn it on."), 404
            )
        if not self._authorized(request):
            response = self._page(
                render_locked("This page needs the status token (STATUS_TOKEN)."), 401
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="newsbot status"'
            return response
        report = await self._store.status_report(self._clock(), version=self._version)
        return self._page(render_status(report), 200)

    def _authorized(self, request: web.Request) -> bool:
        assert self._token is not None
        given = request.query.get("token", "")
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            given = value.strip()
        return hmac.compare_digest(given.encode(), self._token)

    @staticmethod
    def _page(html: str, status: int) -> web.Response:
        return web.Response(
            status=status,
            text=html,
            content_type="text/html",
            charset="utf-8",
            headers=PAGE_HEADERS,
        )

    async def no_icon(self, request: web.Request) -> web.Response:
        """Browsers ask for an icon; there is none (204 keeps their consoles clean)."""
        return web.Response(status=204)
