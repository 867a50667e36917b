"""Forums and a thread per story (pure): a story's thread name, the forum tags its topics
earn, and the short lines later copies of the story add to its thread.

A forum channel gets one post per story (titled with its headline, the alert as its first
message, tagged with the forum's own tags that name a matched topic); a text channel set to
``threads: per-story`` gets the alert, and a thread started from it. Later copies of the story
are not alerted there again: each is one line in that thread (outlet, headline, link and any
key quote not heard in the story before), sent in batches at most once every ten minutes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.alerts import STANDARD_STYLE, Alert, AlertStyle, KeyQuote
from bot.messages import CONTENT_LIMIT, OutgoingMessage, clean_text, clip, plain_text, web_url
from bot.records import ThreadMode

THREAD_NAME_LIMIT = 100
"""Discord's longest thread (and forum post) title."""
MAX_FORUM_TAGS = 5
"""Most tags one forum post may carry."""
LINES_EVERY = timedelta(minutes=10)
"""A thread gets at most one message of lines this often."""
LINE_HEADLINE_LIMIT = 200
LINE_QUOTE_LIMIT = 240
LINE_LIMIT = 700
_SPACE = re.compile(r"\s+")


def permissions_needed(mode: ThreadMode | None) -> str:
    """What the bot needs in a channel that takes alerts this way, in Discord's words."""
    if mode is ThreadMode.FORUM:
        return "View Channel, Create Posts, Embed Links and Send Messages in Threads"
    if mode is ThreadMode.PER_STORY:
        return (
            "View Channel, Send Messages, Embed Links, Create Public Threads and Send Messages "
            "in Threads"
        )
    return "View Channel, Send Messages and Embed Links"


@dataclass(frozen=True, slots=True)
class ForumTag:
    """One of a forum's own tags (only its admins make them)."""

    id: int
    name: str


def thread_name(headline: str) -> str:
    """A story's thread or forum post title: its headline, on one line, within Discord's 100
    characters (shown literally: no markdown to escape)."""
    name = _SPACE.sub(" ", plain_text(headline)).strip()
    return clip(name, THREAD_NAME_LIMIT) or "News"


def forum_tags(available: Sequence[ForumTag], topics: Iterable[str]) -> tuple[int, ...]:
    """The forum's tags whose names match a matched topic (or one of its words), ignoring
    case; at most five, in the forum's order. Nothing is created."""
    wanted = {_fold(topic) for topic in topics if topic.strip()}
    chosen = [tag.id for tag in available if _fold(tag.name) in wanted]
    return tuple(chosen[:MAX_FORUM_TAGS])


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _plain_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def new_quote(alert: Alert, heard: Collection[str]) -> KeyQuote | None:
    """The article's first key quote the story hasn't carried before (``heard``: the key
    quotes of its earlier articles), if any."""
    earlier = [_plain_words(text) for text in heard]
    for quote in alert.quotes:
        said = _plain_words(quote.text.rstrip("…"))
        if said and not any(said in before for before in earlier):
            return quote
    return None


def thread_line(
    alert: Alert, quote: KeyQuote | None = None, style: AlertStyle = STANDARD_STYLE
) -> str:
    """One later copy as a line: '📰 **Outlet**: [Headline](<link>) · “quote” — Speaker', in
    the channel's or route's style: compact and styles showing no quotes leave the quote out;
    full names the speaker's role."""
    outlet = clip(clean_text(alert.source), 80)
    headline = clip(clean_text(alert.headline), LINE_HEADLINE_LIMIT)
    url = web_url(alert.url)
    line = f"📰 **{outlet}**: " + (f"[{headline}](<{url}>)" if url else headline)
    credit = style.credit(quote, LINE_QUOTE_LIMIT) if quote is not None else None
    if credit:
        line += f" · {credit}"
    if len(line) > LINE_LIMIT and url:
        line = f"📰 **{outlet}**: {headline} <{url}>"[:LINE_LIMIT]
    return line


def line_messages(lines: Sequence[str]) -> list[tuple[int, OutgoingMessage]]:
    """Lines packed into as few messages as Discord's 2,000 characters allow: (how many of the
    lines, in order, each message holds; the message). Nothing in them pings."""
    packed: list[tuple[int, OutgoingMessage]] = []
    body: list[str] = []
    size = 0
    for whole in lines:
        line = whole[:CONTENT_LIMIT]
        if body and size + 1 + len(line) > CONTENT_LIMIT:
            packed.append((len(body), OutgoingMessage(content="\n".join(body))))
            body, size = [], 0
        size += len(line) + (1 if body else 0)
        body.append(line)
    if body:
        packed.append((len(body), OutgoingMessage(content="\n".join(body))))
    return packed
