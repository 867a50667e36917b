"""``/alerts style``: how a channel's alerts, or a route's, look; shown first on the server's
latest matching article, then saved (pure core: the cog only renders what this returns)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts import AlertStyle, alert_for, alert_message
from bot.errors import UserFacingError
from bot.messages import OutgoingMessage
from bot.records import Route
from bot.topics import parse_topic

if TYPE_CHECKING:
    from bot.storage.articles import Articles
    from bot.storage.guilds import Guilds
    from bot.storage.queries import Queries
    from bot.storage.topics import Topics

PREVIEW_WINDOW = timedelta(days=30)
"""How far back the preview looks for the latest matching article."""
NO_SUCH_ROUTE = "This server has no such route: pick one from the list."
NO_ALERTS_CHANNEL = (
    "This server has no alerts channel yet: choose one with `/alerts channel`, "
    "or name a channel or a route."
)


@dataclass(frozen=True, slots=True)
class StyleTarget:
    """Whose look changes: a channel's own alerts, or one route's (in its channel)."""

    channel_id: int
    route: Route | None = None


@dataclass(frozen=True, slots=True)
class StylePreview:
    """A style as it would look, before an admin saves it."""

    target: StyleTarget
    style: AlertStyle
    message: OutgoingMessage | None
    """The latest matching article of the last 30 days in this style (None: there is none)."""


class AlertStyles:
    """Preview and save alert styles (the delivery reads them when it sends)."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        topics: Topics,
        queries: Queries,
        articles: Articles,
        guilds: Guilds,
        on_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Styles kept with the channels and routes (``topics``); the preview reads the latest
        article of the server's sources; ``clock`` says when now is (for the preview's week);
        ``on_change`` is told of a route's new style (the router keeps routes in memory)."""
        self._topics = topics
        self._queries = queries
        self._articles = articles
        self._guilds = guilds
        self._clock = clock
        self._on_change = on_change

    async def target(
        self, guild_id: int, *, route_id: int | None, channel_id: int | None
    ) -> StyleTarget:
        """The route named, else the channel named, else the server's alerts channel."""
        if route_id is not None:
            found = [r for r in await self._topics.routes_of(guild_id) if r.id == route_id]
            if not found:
                raise UserFacingError(NO_SUCH_ROUTE)
            return StyleTarget(found[0].channel_id, found[0])
        if channel_id is None:
            config = await self._guilds.guild(guild_id)
            channel_id = config.alerts_channel_id if config is not None else None
            if channel_id is None:
                raise UserFacingError(NO_ALERTS_CHANNEL)
        return StyleTarget(channel_id)

    async def preview(self, guild_id: int, target: StyleTarget, style: AlertStyle) -> StylePreview:
        """The server's latest article of the last 30 days that the target would alert (a
        route: its topic; a channel: any), in ``style``, mentioning no one."""
        from bot.storage.fulltext import UnsearchableQuery

        scope = [source.id for source in await self._guilds.guild_source_names(guild_id)]
        route = target.route
        topic = parse_topic(route.topic) if route is not None and route.topic else None
        try:
            latest = await self._queries.latest(
                scope, self._clock() - PREVIEW_WINDOW, topic=topic, limit=1
            )
        except UnsearchableQuery:
            latest = []
        found = await self._articles.article_with_source(latest[0].id) if latest else None
        message = None
        if found is not None:
            terms = [term.words for term in topic.terms()] if topic is not None else []
            message = alert_message(alert_for(*found, topic_terms=terms), style=style)
        return StylePreview(target, style, message)

    async def save(self, guild_id: int, preview: StylePreview, *, user_id: int) -> None:
        """Keep the previewed style for its channel or route."""
        style, route = preview.style.encode(), preview.target.route
        if route is None:
            await self._topics.set_channel_style(
                guild_id, preview.target.channel_id, style, user_id=user_id, now=self._clock()
            )
        elif not await self._topics.set_route_style(guild_id, route.id, style):
            raise UserFacingError(NO_SUCH_ROUTE)
        elif self._on_change is not None:
            await self._on_change()
