"""An outbox row as the message to send: its alert in its channel's style, a notice, a digest."""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING

from bot.alerts import STANDARD_STYLE, AlertStyle, alert_for, alert_message, notice_message
from bot.digest_queue import DigestQueue
from bot.messages import OutgoingMessage
from bot.records import OutboxEntry, OutboxKind

if TYPE_CHECKING:
    from bot.articles import Article
    from bot.sources import Source
    from bot.storage.articles import Articles
    from bot.storage.topics import Topics

ChannelStyles = MutableMapping[int, AlertStyle]
"""Channels' styles by channel id, kept for one delivery round (or one pass of edits)."""


class AlertRenderer:
    """Renders outbox rows, reading what they are about from the store."""

    def __init__(self, *, topics: Topics, articles: Articles, digests: DigestQueue) -> None:
        """Keep where channels' styles (``topics``) and alerts' articles are read from, and the
        digests' renderer."""
        self._topics = topics
        self._articles = articles
        self._digests = digests

    async def render(
        self,
        entry: OutboxEntry,
        *,
        channel_id: int,
        styles: ChannelStyles,
        also: Sequence[str] = (),
    ) -> OutgoingMessage | None:
        """The message for a row posted in ``channel_id`` (for a DM, the person's id).
        ``styles``: the channels' styles read so far (a channel's is read once, into it)."""
        if entry.kind is OutboxKind.NOTICE:
            return notice_message(entry.body or "")
        if entry.kind is OutboxKind.DIGEST:
            return await self._digests.render(entry, await self.style_of(entry, channel_id, styles))
        found = await self.article_of(entry)
        if found is None:
            return None
        article, source = found
        return alert_message(
            alert_for(article, source, topic_terms=entry.terms),
            style=await self.style_of(entry, channel_id, styles),
            explanation=entry.explanation,
            role_id=entry.role_id,
            user_id=entry.user_id if entry.kind is OutboxKind.HERE else None,
            also_reported_by=also,
        )

    async def style_of(
        self, entry: OutboxEntry, channel_id: int, styles: ChannelStyles
    ) -> AlertStyle:
        """How an alert (or digest) looks: its route's style, else its channel's; one sent by
        DM, the standard."""
        if entry.kind is OutboxKind.DM or (entry.kind is OutboxKind.DIGEST and entry.user_id):
            return STANDARD_STYLE
        if entry.style is not None:
            return AlertStyle.decode(entry.style)
        if channel_id not in styles:
            styles[channel_id] = AlertStyle.decode(await self._topics.channel_style(channel_id))
        return styles[channel_id]

    async def article_of(self, entry: OutboxEntry) -> tuple[Article, Source] | None:
        """The stored article an alert is about, with its source (None if either is gone)."""
        return (
            await self._articles.article_with_source(entry.article_id) if entry.article_id else None
        )
