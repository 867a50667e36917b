"""What an alert says (pure). Discord embeds are built from these values by the Discord layer;
the demo and the CLI print them as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.articles import Article
from bot.messages import (
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
