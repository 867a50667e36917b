"""Every real article of the development set goes through ``build_article``, as an article page
and as a feed's own text, in the real pool (worker processes with their time limit), with no
exception and no stage failing."""

from __future__ import annotations

import asyncio
import functools
import html
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.articles import Article, build_article, prepare_quotes
from bot.feeds import FeedItem
from bot.pool import WorkPool

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "polnear-train" / "quotes.jsonl"
TIME_BOUND = 60.0
"""Seconds one article may take (a generous bound: the slowest take about a second)."""
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def page_of(title: str, paragraphs: list[str]) -> bytes:
    """The article as a news site would serve it: head, navigation, byline, footer."""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | Example News</title>"
        '<meta property="og:site_name" content="Example News"></head><body>'
        '<header><nav><a href="/">Home</a> <a href="/politics">Politics</a> '
        '<a href="/subscribe">Subscribe</a></nav></header>'
        f'<main><article><h1>{html.escape(title)}</h1><p class="byline">By Staff</p>\n{body}'
        "</article></main><footer><p>Copyright Example News.</p>"
        '<a href="/privacy">Privacy</a></footer></body></html>'
    ).encode()


def item_of(n: int, title: str, paragraphs: list[str]) -> FeedItem:
    return FeedItem(
        keys=(f"g:polnear-{n}",),
        title=title,
        link=f"https://news.example/politics/{n}",
        guid=f"polnear-{n}",
        summary_html="",
        content_html="".join(f"<p>{html.escape(p)}</p>" for p in paragraphs),
        published=NOW,
        author=None,
        image=None,
    )


@pytest.mark.skipif(not CORPUS.exists(), reason=f"the development set is absent ({CORPUS})")
async def test_every_real_article_is_built_as_a_page_and_as_feed_text() -> None:
    records = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    pool = WorkPool(2, time_limit=TIME_BOUND)
    failures: list[str] = []

    async def build(n: int, record: dict[str, str], as_page: bool) -> Article | None:
        paragraphs = [p.strip() for p in record["text"].split("\n\n") if p.strip()]
        title = paragraphs[0][:200]
        item = item_of(n, title, paragraphs[1:] if as_page else paragraphs)
        try:
            return await pool.submit_warm(
                n % 50,
                functools.partial(prepare_quotes, "en_core_web_sm"),
                build_article,
                item,
                page_of(title, paragraphs[1:]) if as_page else None,
                source_id=1,
                source_title="Example News",
                fetched_at=NOW,
                page_url=item.link,
                spacy_model="en_core_web_sm",
            )
        except Exception as exc:  # noqa: BLE001 - every failure is listed in the assertion
            failures.append(f"{record['id']} ({'page' if as_page else 'feed'}): {exc!r}")
            return None

    try:
        built = await asyncio.gather(
            *(build(n, r, as_page) for n, r in enumerate(records) for as_page in (True, False))
        )
    finally:
        pool.close()
    assert len(records) == 840
    assert failures == []
    degraded = [f"{a.item_key}: {a.degraded}" for a in built if a is not None and a.problems]
    assert degraded == []
    # The page's text is used for all but the shortest (a page needs 15 words of its own).
    from_page = [a for a in built[0::2] if a is not None]
    assert sum(a.from_page for a in from_page) >= len(records) * 0.99
    assert sum(bool(a.quotes) for a in built if a is not None) > len(records)
