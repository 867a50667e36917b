"""What an alert says (pure). Discord embeds are built from these values by the Discord layer;
the demo and the CLI print them as text."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as percent_encode

from bot.articles import Article
from bot.quotes import key_quotes, trim_quote
from bot.sources import Source


@dataclass(frozen=True, slots=True)
class KeyQuote:
    text: str
    """Trimmed to fit an alert, at a sentence or a word, with an ellipsis."""
    speaker: str
    role: str | None

    def line(self) -> str:
        return f"“{self.text}” — {self.speaker}"


@dataclass(frozen=True, slots=True)
class Alert:
    article_id: int | None
    headline: str
    url: str
    source: str
    published: datetime
    lead: str
    image: str | None
    quotes: tuple[KeyQuote, ...] = ()


def alert_for(article: Article, source: Source, *, topic_terms: Sequence[str] = ()) -> Alert:
    """The alert for an article; with the terms of the topic that matched, the key quotes
    that mention them are preferred."""
    chosen = key_quotes(article.quotes, topic_terms=topic_terms) if topic_terms else None
    return Alert(
        article_id=article.id,
        headline=article.title,
        url=article.url,
        source=article.site_name or source.name,
        published=article.published,
        lead=article.lead,
        image=article.image,
        quotes=tuple(
            KeyQuote(trim_quote(q.text), q.speaker, q.role)
            for q in (article.key_quotes if chosen is None else chosen)
            if q.speaker
        ),
    )


def format_time(moment: datetime) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC")


def render_text(alert: Alert, *, width: int = 78) -> str:
    """The alert as it would read in Discord, for a terminal."""
    rule = "─" * width
    lines = [
        rule,
        f"📰 {alert.headline}",
        f"   {alert.source} · {format_time(alert.published)}",
    ]
    if alert.lead:
        lines.append(f"   {alert.lead}")
    lines.extend(f"   {quote.line()}" for quote in alert.quotes)
    lines.append(f"   🔗 {alert.url}")
    return "\n".join(lines)


# ---- Discord messages (plain values; the Discord layer turns them into discord.Embed) --------

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
EMBEDS_TOTAL_LIMIT = 6000
ALERT_COLOUR = 0x2B6CB0
NOTICE_COLOUR = 0xD69E2E

_INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF, 0x00AD]
)
_INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?(discord(?:app)?)\.(com/invite|gg)/([A-Za-z0-9-]+)", re.IGNORECASE
)
"""A Discord server invite in feed text."""
_DOT_LEADER = "\u2024"
"""Shown for the dots of an invite's address: it reads the same, but isn't a link, and Discord
makes no invite card of it."""
_MARKDOWN = str.maketrans({ch: "\\" + ch for ch in "\\*_~`|[]<>#"})


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    title: str
    description: str = ""
    url: str | None = None
    colour: int = ALERT_COLOUR
    timestamp: datetime | None = None
    footer: str | None = None
    thumbnail_url: str | None = None
    fields: tuple[EmbedField, ...] = ()
    image_url: str | None = None
    """A picture under the embed (``attachment://name.png`` for a file sent with it)."""

    def size(self) -> int:
        """Characters Discord counts toward its 6000 per message."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer or "")
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    content: str | None = None
    embeds: tuple[Embed, ...] = ()
    mention_role: int | None = None
    """The one role this message may ping (a route's configured role); nothing else pings."""
    mention_user: int | None = None
    """The one person this message may ping (their topic, delivered 'here')."""
    mention_users: tuple[int, ...] = ()
    """People a summary of their 'here' alerts may ping (each once)."""

    @property
    def mentioned_users(self) -> tuple[int, ...]:
        """Everyone this message may ping."""
        return (self.mention_user, *self.mention_users) if self.mention_user else self.mention_users


def clean_text(text: str) -> str:
    """Feed text made safe to show: invisible and direction-changing characters removed,
    markdown and mentions escaped (nothing pings, nothing breaks out of its place), and Discord
    invites shown as text (readable, not a link to click)."""
    text = text.translate(_INVISIBLE).translate(_MARKDOWN)
    text = text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")
    return _INVITE.sub(lambda found: _DOT_LEADER.join(found.groups()[:2]) + "/" + found[3], text)


def plain_text(text: str) -> str:
    """Text for a place Discord shows literally (an embed footer: no markdown, no mentions):
    only invisible and direction-changing characters go."""
    return text.translate(_INVISIBLE)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip("\\") + "…"


LINK_LIMIT = 2048
"""Longest link Discord takes in an embed (its url, thumbnail and image)."""
_EDGES = "".join(map(chr, range(0x21)))
"""What a browser strips from both ends of a link (C0 controls and space)."""
_TAB_NEWLINE = dict.fromkeys(map(ord, "\t\n\r"))
"""What a browser removes from anywhere in a link."""
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9-]{1,63})*\.?")
_URL_SAFE = "!$&'*+,-./:;=?@_~#%" + "".join(
    map(chr, [*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B)])
)
"""Characters a link keeps as they are (RFC 3986's, less the parentheses that would end a
markdown link); the rest are percent-encoded, as a browser sends them."""
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def web_url(url: str | None) -> str | None:
    """A link Discord accepts in an embed or a markdown link, or None when there is none.

    Read as a browser reads an href (the WHATWG URL standard): spaces and control characters at
    either end are dropped, and tabs and newlines anywhere, so the link opens the page a reader
    of the feed would have opened. What else a URL may not hold (spaces, controls, non-ASCII
    text, quotes, brackets, parentheses, a lone ``%``) is percent-encoded; a host is written in
    its ASCII (IDNA) form. None for anything but http(s), a missing or malformed host, a user
    name or password in it (a link that hides its real host), or over 2048 characters."""
    if not url:
        return None
    url = url.strip(_EDGES).translate(_TAB_NEWLINE)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    host, port = _host_and_port(authority)
    if host is None:
        return None
    tail = _BAD_ESCAPE.sub("%25", percent_encode(tail, safe=_URL_SAFE))
    link = f"{scheme.lower()}://{host}{port}{tail or '/'}"
    return link if len(link) <= LINK_LIMIT else None


def _host_and_port(authority: str) -> tuple[str | None, str]:
    """(host in ASCII form, ":port" or ""), or (None, "") when either is unusable."""
    if "@" in authority or "\\" in authority:
        return None, ""
    host, port = authority, ""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return None, ""
        host, port = host[: end + 1], host[end + 1 :]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None, ""
    elif ":" in host:
        host, port = host.split(":", 1)
        port = ":" + port
    if port and not (port[1:].isdigit() and 0 < int(port[1:]) < 65536):
        return None, ""
    if port:
        port = f":{int(port[1:])}"
    if not host.startswith("["):
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None, ""
        if not _HOST.fullmatch(host):
            return None, ""
    return host, port


def terms_of(explanation: str) -> list[str]:
    """The matched words of an explanation ("nato, russia in title; crimea in text")."""
    words: list[str] = []
    for part in explanation.split(";"):
        listed = part.rsplit(" in ", 1)[0]
        for raw in listed.split(","):
            term = raw.strip().removeprefix("title:").strip('"')
            if term and not term.startswith("source:"):
                words.append(term)
    return words


def alert_message(
    alert: Alert,
    *,
    explanation: str | None = None,
    role_id: int | None = None,
    user_id: int | None = None,
    also_reported_by: Sequence[str] = (),
) -> OutgoingMessage:
    """One alert as an embed: linked headline, lead, key quotes, source and time; with why it
    matched in the footer, and the route's role mentioned, when it came through a topic."""
    parts = [clean_text(alert.lead)] if alert.lead else []
    for quote in alert.quotes:
        speaker = clean_text(quote.speaker)
        parts.append(f"> “{clean_text(quote.text)}”\n> — **{speaker}**")
    description = clip("\n\n".join(parts), DESCRIPTION_LIMIT)
    embed = Embed(
        title=clip(clean_text(alert.headline), TITLE_LIMIT),
        description=description,
        url=web_url(alert.url),
        timestamp=alert.published,
        footer=clip(
            plain_text(f"{alert.source} · matched: {explanation}" if explanation else alert.source),
            FOOTER_LIMIT,
        ),
        thumbnail_url=web_url(alert.image),
        fields=(_also_field(also_reported_by),) if also_reported_by else (),
    )
    content = f"<@&{role_id}>" if role_id else f"<@{user_id}>" if user_id else None
    return OutgoingMessage(
        content=content, embeds=(fit_embed(embed),), mention_role=role_id, mention_user=user_id
    )


def _also_field(outlets: Sequence[str]) -> EmbedField:
    """'Also reported by 3 outlets: A, B, C' (at most five names)."""
    count = len(outlets)
    names = ", ".join(clip(clean_text(name), 60) for name in outlets[:5])
    more = "…" if count > 5 else ""
    noun = "outlet" if count == 1 else "outlets"
    return EmbedField("Also reported by", clip(f"{count} {noun}: {names}{more}", FIELD_VALUE_LIMIT))


def fit_embed(embed: Embed) -> Embed:
    """Within Discord's 6000 characters per message, shortening the description first."""
    over = embed.size() - EMBEDS_TOTAL_LIMIT
    if over <= 0:
        return embed
    keep = max(0, len(embed.description) - over)
    return Embed(
        title=embed.title,
        description=clip(embed.description, keep) if keep else "",
        url=embed.url,
        colour=embed.colour,
        timestamp=embed.timestamp,
        footer=embed.footer,
        thumbnail_url=embed.thumbnail_url,
        fields=embed.fields,
        image_url=embed.image_url,
    )


SUMMARY_MENTIONS = 50
"""Most people one summary mentions (Discord pings at most 100 users per message)."""


def summary_message(
    alerts: Sequence[Alert], *, for_people: Sequence[Sequence[int]] = ()
) -> OutgoingMessage:
    """The overflow of a busy channel, rolled into one message of headlines. ``for_people``:
    for each alert, the people whose topics it matched ('here' delivery); each of them is
    mentioned once, in the message's text, and named on their alerts' lines."""
    people = [tuple(p) for p in for_people] + [()] * (len(alerts) - len(for_people))
    lines = []
    for alert, whom in zip(alerts, people, strict=False):
        headline = clip(clean_text(alert.headline), 200)
        url = web_url(alert.url)
        line = f"• [{headline}]({url}) — {clean_text(alert.source)}" if url else f"• {headline}"
        if whom:
            line += " · for " + ", ".join(f"<@{user}>" for user in whom[:3])
            line += "…" if len(whom) > 3 else ""
        lines.append(line)
    body = ""
    shown = 0
    for line in lines:
        if len(body) + len(line) + 1 > DESCRIPTION_LIMIT - 40:
            break
        body += line + "\n"
        shown += 1
    if shown < len(lines):
        body += f"…and {len(lines) - shown} more."
    count = len(alerts)
    embed = Embed(
        title=f"{count} more {'alert' if count == 1 else 'alerts'} in the last few minutes",
        description=body.strip(),
    )
    mentioned = tuple(dict.fromkeys(user for whom in people for user in whom))
    content = None
    if mentioned:
        named = " ".join(f"<@{user}>" for user in mentioned[:SUMMARY_MENTIONS])
        more = len(mentioned) - SUMMARY_MENTIONS
        content = named + (f" and {more} more" if more > 0 else "") + ": your topics matched."
    return OutgoingMessage(
        content=content, embeds=(embed,), mention_users=mentioned[:SUMMARY_MENTIONS]
    )


def notice_message(text: str) -> OutgoingMessage:
    """A note from newsbot itself (a source failing or recovering)."""
    return OutgoingMessage(
        embeds=(
            Embed(title="newsbot", description=clip(text, DESCRIPTION_LIMIT), colour=NOTICE_COLOUR),
        )
    )
