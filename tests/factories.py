"""Small builders of core values for tests and benchmarks."""

from __future__ import annotations

from datetime import datetime

from bot.articles import Article
from bot.quotes import Attribution, Quotation, QuoteKind, SpeakerKind


def make_article(
    source_id: int,
    key: str,
    when: datetime,
    *,
    title: str = "Headline",
    lead: str = "Lead.",
    site: str = "News Test",
) -> Article:
    """A stored-to-be article with plausible fields; ``key`` is its item key."""
    return Article(
        source_id=source_id,
        item_key=key,
        url=f"https://news.test/{source_id}/{key.replace(':', '-')}",
        canonical_url=None,
        title=title,
        published=when,
        author=None,
        site_name=site,
        lead=lead,
        text="Text.",
        image=None,
        from_page=True,
        fetched_at=when,
    )


def make_quotation(
    text: str,
    speaker: str | None,
    *,
    key: bool = True,
    role: str | None = None,
    kind: SpeakerKind | None = None,
) -> Quotation:
    """A direct quotation spanning all of ``text``, named by "said" when it has a speaker."""
    return Quotation(
        text=text,
        spans=((0, len(text)),),
        speaker=speaker,
        role=role,
        cue="said",
        attribution=Attribution.NAMED if speaker else Attribution.NONE,
        kind=QuoteKind.QUOTE,
        key=key,
        speaker_kind=kind,
    )
