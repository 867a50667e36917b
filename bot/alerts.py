"""What an alert says (pure). Discord embeds are built from these values by the Discord layer;
the demo and the CLI print them as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.articles import Article
from bot.messages import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    NOTICE_COLOUR,
    TITLE_LIMIT,
    Embed,
    EmbedField,
    OutgoingMessage,
    clean_text,
    clip,
    fit_embed,
    plain_text,
    web_url,
)
from bot.quotes import key_quotes, trim_quote
from bot.sources import Source


@dataclass(frozen=True, slots=True)
class KeyQuote:
    """A quotation as an alert shows it: trimmed text, who said it, their role."""

    text: str
    """Trimmed to fit an alert, at a sentence or a word, with an ellipsis."""
    speaker: str
    role: str | None

    def line(self) -> str:
        """The quotation and its speaker on one line of text."""
        return f"“{self.text}” — {self.speaker}"


@dataclass(frozen=True, slots=True)
class Alert:
    """What an alert says about an article, before it is rendered for Discord or a terminal."""

    article_id: int | None
    headline: str
    url: str
    source: str
    published: datetime
    lead: str
    image: str | None
    quotes: tuple[KeyQuote, ...] = ()


class StyleName(StrEnum):
    """The three looks an alert can have (``/alerts style``)."""

    COMPACT = "compact"
    """Headline, outlet, time and link on one line of text."""
    STANDARD = "standard"
    """An embed: linked headline, lead, key quotes, a small picture, outlet and time."""
    FULL = "full"
    """The standard embed with a large picture and each quote's speaker's role."""


MAX_QUOTES = 3
"""Most key quotes an alert shows."""
COMPACT_HEADLINE_LIMIT = 200
COMPACT_SOURCE_LIMIT = 80
QUOTE_CREDIT_LIMIT = 80
"""Longest speaker name (and role) a digest entry or a thread line shows."""


@dataclass(frozen=True, slots=True)
class AlertStyle:
    """How a channel's or a route's alerts look: the style and what it shows. ``lead``,
    ``quotes`` and ``image`` shape the standard and full styles; compact has none of them."""

    name: StyleName = StyleName.STANDARD
    lead: bool = True
    quotes: int = MAX_QUOTES
    """Key quotes shown, 0 to MAX_QUOTES."""
    image: bool = True

    def __post_init__(self) -> None:
        """Refuse a quote count an alert can't show."""
        if not 0 <= self.quotes <= MAX_QUOTES:
            raise ValueError(f"an alert shows 0 to {MAX_QUOTES} quotes, not {self.quotes}")

    def credit(self, quote: KeyQuote, limit: int) -> str | None:
        """A key quote as a digest entry or a thread line shows it in this style: “text” —
        Speaker (full: with the speaker's role); None for a style that shows no quotes."""
        if not self.quotes or self.name is StyleName.COMPACT:
            return None
        who = clip(clean_text(quote.speaker), QUOTE_CREDIT_LIMIT)
        if self.name is StyleName.FULL and quote.role:
            who += ", " + clip(clean_text(quote.role), QUOTE_CREDIT_LIMIT)
        return f"“{clip(clean_text(quote.text), limit)}” — {who}"

    def describe(self) -> str:
        """The style in words, as replies show it ("full: lead, 2 quotes, image")."""
        if self.name is StyleName.COMPACT:
            return "compact: headline, outlet, time and link on one line"
        shown = ["lead"] if self.lead else []
        if self.quotes:
            shown.append(f"{self.quotes} {'quote' if self.quotes == 1 else 'quotes'}")
        if self.image:
            shown.append("large image" if self.name is StyleName.FULL else "image")
        return f"{self.name.value}: " + (", ".join(shown) or "headline only")

    def encode(self) -> str:
        """The style as stored ("full lead=1 quotes=2 image=0"); ``decode`` reads it back."""
        flags = f"lead={int(self.lead)} quotes={self.quotes} image={int(self.image)}"
        return f"{self.name.value} {flags}"

    @classmethod
    def decode(cls, text: str | None) -> AlertStyle:
        """A stored style; the standard style for none, or for anything unreadable."""
        if not text:
            return STANDARD_STYLE
        name, *flags = text.split()
        values = dict(flag.partition("=")[::2] for flag in flags)
        try:
            return cls(
                StyleName(name),
                lead=values.get("lead", "1") == "1",
                quotes=int(values.get("quotes", MAX_QUOTES)),
                image=values.get("image", "1") == "1",
            )
        except ValueError:
            return STANDARD_STYLE


STANDARD_STYLE = AlertStyle()
"""Every alert's look until an admin picks another."""


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
    """A moment as alerts print it (UTC)."""
    return moment.strftime("%d %b %Y %H:%M UTC")


def render_text(alert: Alert, *, width: int = 78, style: AlertStyle = STANDARD_STYLE) -> str:
    """The alert as it would read in Discord, for a terminal."""
    when = format_time(alert.published)
    if style.name is StyleName.COMPACT:
        return f"📰 {alert.headline} · {alert.source} · {when} · {alert.url}"
    lines = ["─" * width, f"📰 {alert.headline}", f"   {alert.source} · {when}"]
    if alert.lead and style.lead:
        lines.append(f"   {alert.lead}")
    for quote in alert.quotes[: style.quotes]:
        role = f", {quote.role}" if quote.role and style.name is StyleName.FULL else ""
        lines.append(f"   {quote.line()}{role}")
    if alert.image and style.image and style.name is StyleName.FULL:
        lines.append(f"   🖼 {alert.image}")
    lines.append(f"   🔗 {alert.url}")
    return "\n".join(lines)


# ---- Discord messages (plain values; the Discord layer turns them into discord.Embed) --------


def alert_message(
    alert: Alert,
    *,
    style: AlertStyle = STANDARD_STYLE,
    explanation: str | None = None,
    role_id: int | None = None,
    user_id: int | None = None,
    also_reported_by: Sequence[str] = (),
) -> OutgoingMessage:
    """One alert in a style. Standard and full: an embed with the linked headline, lead, key
    quotes, source and time, why it matched in the footer; compact: one line of text. The
    route's role, or the person it is for, is mentioned when it came through a topic."""
    mention = f"<@&{role_id}>" if role_id else f"<@{user_id}>" if user_id else None
    if style.name is StyleName.COMPACT:
        return OutgoingMessage(
            content=_compact_line(alert, mention, also_reported_by),
            mention_role=role_id,
            mention_user=user_id,
        )
    full = style.name is StyleName.FULL
    parts = [clean_text(alert.lead)] if alert.lead and style.lead else []
    for quote in alert.quotes[: style.quotes]:
        speaker = clean_text(quote.speaker)
        role = f", {clean_text(quote.role)}" if full and quote.role else ""
        parts.append(f"> “{clean_text(quote.text)}”\n> — **{speaker}**{role}")
    description = clip("\n\n".join(parts), DESCRIPTION_LIMIT)
    picture = web_url(alert.image) if style.image else None
    embed = Embed(
        title=clip(clean_text(alert.headline), TITLE_LIMIT),
        description=description,
        url=web_url(alert.url),
        timestamp=alert.published,
        footer=clip(
            plain_text(f"{alert.source} · matched: {explanation}" if explanation else alert.source),
            FOOTER_LIMIT,
        ),
        thumbnail_url=None if full else picture,
        image_url=picture if full else None,
        fields=(_also_field(also_reported_by),) if also_reported_by else (),
    )
    return OutgoingMessage(
        content=mention, embeds=(fit_embed(embed),), mention_role=role_id, mention_user=user_id
    )


def _compact_line(alert: Alert, mention: str | None, also: Sequence[str]) -> str:
    """'📰 **[Headline](<link>)** · Outlet · <t:…:f>': the link kept from unfurling, the time
    shown in each reader's own zone; without the link when it would pass Discord's limit."""
    headline = clip(clean_text(alert.headline), COMPACT_HEADLINE_LIMIT)
    tail = f" · {clip(clean_text(alert.source), COMPACT_SOURCE_LIMIT)}"
    tail += f" · <t:{int(alert.published.timestamp())}:f>"
    if also:
        tail += f" · also {len(also)} {'outlet' if len(also) == 1 else 'outlets'}"
    head = f"{mention} 📰" if mention else "📰"
    url = web_url(alert.url)
    line = f"{head} **[{headline}](<{url}>)**{tail}" if url else ""
    if not line or len(line) > CONTENT_LIMIT:
        line = f"{head} **{headline}**{tail}"
    return line


def _also_field(outlets: Sequence[str]) -> EmbedField:
    """'Also reported by 3 outlets: A, B, C' (at most five names)."""
    count = len(outlets)
    names = ", ".join(clip(clean_text(name), 60) for name in outlets[:5])
    more = "…" if count > 5 else ""
    noun = "outlet" if count == 1 else "outlets"
    return EmbedField("Also reported by", clip(f"{count} {noun}: {names}{more}", FIELD_VALUE_LIMIT))


SUMMARY_MENTIONS = 50
"""Most people one summary mentions (Discord pings at most 100 users per message)."""


def summary_message(
    alerts: Sequence[Alert], *, for_people: Sequence[Sequence[int]] = (), title: str | None = None
) -> OutgoingMessage:
    """The overflow of a busy channel, rolled into one message of headlines (or, with its own
    ``title``, a person's alerts held through their quiet hours). ``for_people``: for each
    alert, the people whose topics it matched ('here' delivery); each of them is mentioned
    once, in the message's text, and named on their alerts' lines."""
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
    alerts_word = "alert" if count == 1 else "alerts"
    embed = Embed(
        title=title or f"{count} more {alerts_word} in the last few minutes",
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
