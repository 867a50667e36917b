"""What an alert says (pure). Discord embeds are built from these values by the Discord layer;
the demo and the CLI print them as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.articles import Article
from bot.quotes import trim_quote
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


def alert_for(article: Article, source: Source) -> Alert:
    return Alert(
        article_id=article.id,
        headline=article.title,
        url=article.url,
        source=article.site_name or source.name,
        published=article.published,
        lead=article.lead,
        image=article.image,
        quotes=tuple(
            KeyQuote(trim_quote(q.text), q.speaker, q.role) for q in article.key_quotes if q.speaker
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
