"""Feed item + article page -> Article (pure; runs in the parser processes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.extract import ExtractedPage, ExtractionError, extract_article, html_to_text, make_lead
from bot.feeds import FeedItem
from bot.quotes import Quotation, quotes_of
from bot.urls import normalize_url

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Article:
    source_id: int
    item_key: str
    url: str
    canonical_url: str | None
    title: str
    published: datetime
    author: str | None
    site_name: str | None
    lead: str
    text: str
    image: str | None
    from_page: bool
    """True when the text came from the article page, False for the feed's own content."""
    fetched_at: datetime
    quotes: tuple[Quotation, ...] = ()
    """Every quotation found in the text, key quotes flagged."""
    id: int | None = None

    @property
    def key_quotes(self) -> tuple[Quotation, ...]:
        return tuple(q for q in self.quotes if q.key)


def build_article(
    item: FeedItem,
    page: bytes | None,
    *,
    source_id: int,
    source_title: str | None,
    fetched_at: datetime,
    page_url: str | None = None,
    spacy_model: str | None = None,
) -> Article:
    """Combine a feed item with its page's extracted text; fall back to the feed's own text."""
    extracted: ExtractedPage | None = None
    if page is not None:
        try:
            extracted = extract_article(page, url=page_url or item.link)
        except ExtractionError as exc:
            log.info("no article text in %r: %r", item.link, str(exc))
    title = item.title or (extracted.title if extracted else None) or "(untitled)"
    url = item.link or (page_url or "")
    if extracted is not None:
        text, lead, from_page = extracted.text, extracted.lead, True
    else:
        text = html_to_text(item.content_html) or html_to_text(item.summary_html)
        lead, from_page = make_lead(text, title=title) or _first_line(text), False
    canonical = extracted.canonical_url if extracted else None
    return Article(
        quotes=_quotes(text, spacy_model),
        source_id=source_id,
        item_key=item.keys[0],
        url=url,
        canonical_url=normalize_url(canonical, url) if canonical else None,
        title=title,
        published=item.published or (extracted.published if extracted else None) or fetched_at,
        author=item.author or (extracted.author if extracted else None),
        site_name=(extracted.site if extracted else None) or source_title,
        lead=lead,
        text=text,
        image=item.image or (extracted.image if extracted else None),
        from_page=from_page,
        fetched_at=fetched_at,
    )


def _quotes(text: str, model: str | None) -> tuple[Quotation, ...]:
    if not model or not text:
        return ()
    try:
        return tuple(quotes_of(text, model))
    except LookupError as exc:
        # A missing model costs the quotes, never the article.
        log.warning("no quotations: %r", str(exc))
        return ()


def _first_line(text: str) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= 300 else line[:299].rsplit(" ", 1)[0] + "…"
