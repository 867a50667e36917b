"""/news answers with hostile feed text: nothing pings, nothing breaks out of its place, every
limit holds (titles, descriptions, fields, 6000 per message), links keep their real target."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.answers import article_page, coverage_message, quote_page, story_message
from bot.charts import DayCount
from bot.messages import (
    DESCRIPTION_LIMIT,
    EMBEDS_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    Embed,
    OutgoingMessage,
)
from bot.news import ArticlePage, Coverage, QuotePage, Scope, StoryCopies
from bot.quotes import Attribution, Quotation, QuoteKind
from bot.sources import Source, SourceStatus
from bot.storage.queries import Listing, QuoteListing

WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
HOSTILE = (
    "@everyone @here <@123> <@&456> <#789> [innocent](https://evil.test) **bold** `code` "
    "> quote ||spoiler|| discord.gg/invite \u202eevil\u202c \u200bzero "
)
LONG = HOSTILE + "word " * 3000


def source() -> Source:
    return Source(
        id=1,
        url="https://news.test/feed",
        added_url="https://news.test/feed",
        title=LONG,
        site_url=None,
        etag=None,
        last_modified=None,
        status=SourceStatus.OK,
        next_poll_at=None,
        error_count=0,
        last_error=None,
        failing_since=None,
        last_success_at=None,
        last_polled_at=None,
        created_at=WHEN,
    )


SCOPE = Scope({1: source()})


def listing(number: int, **extra: object) -> Listing:
    quote = Quotation(
        text=LONG,
        spans=((0, 1),),
        speaker=LONG,
        role=LONG,
        cue="said",
        attribution=Attribution.NAMED,
        kind=QuoteKind.QUOTE,
        key=True,
    )
    values: dict[str, object] = {
        "id": number,
        "source_id": 1,
        "title": LONG,
        "url": "https://news.test/a",
        "site_name": None,
        "published": WHEN - timedelta(hours=number),
        "lead": LONG,
        "image": None,
        "snippet": "\x02" + HOSTILE + "\x03 " + LONG,
        "quote": quote,
        "outlets": 3,
    }
    values.update(extra)
    return Listing(**values)  # type: ignore[arg-type]


def messages() -> list[OutgoingMessage]:
    items = [listing(n) for n in range(5)]
    quotes = [QuoteListing(item.quote, item) for item in items if item.quote]
    days = [DayCount(date(2026, 11, d), d) for d in range(1, 31)]
    top = [(LONG, 9)] * 5
    return [
        article_page(ArticlePage(LONG, items, 0, True, SCOPE), empty_hint=LONG),
        article_page(ArticlePage(LONG, [], 0, False, SCOPE), empty_hint="Try more."),
        quote_page(QuotePage(LONG, quotes, 3, False, SCOPE), empty_hint=LONG),
        story_message(StoryCopies(items, SCOPE)),
        coverage_message(Coverage(LONG, days, 40, 90, 5, top, top, top)),
    ]


def texts(embed: Embed) -> list[str]:
    return [
        embed.title,
        embed.description,
        embed.footer or "",
        *(f.name for f in embed.fields),
        *(f.value for f in embed.fields),
    ]


@pytest.mark.parametrize("index", range(5))
def test_hostile_text_never_pings_and_stays_in_place(index: int) -> None:
    message = messages()[index]
    assert message.mention_role is None and message.mention_user is None
    assert message.content is None
    for embed in message.embeds:
        for text in texts(embed):
            assert "@everyone" not in text and "@here" not in text
            assert re.search(r"(?<!\\)<[@#]", text) is None
            assert "](https://evil.test)" not in text.replace("\\]", "")
            assert "\u202e" not in text and "\u200b" not in text.replace("@\u200b", "")
            assert re.search(r"(?<!\\)`", text) is None  # no code span can open


@pytest.mark.parametrize("index", range(5))
def test_every_limit_holds(index: int) -> None:
    for embed in messages()[index].embeds:
        assert len(embed.title) <= TITLE_LIMIT
        assert len(embed.description) <= DESCRIPTION_LIMIT
        assert all(len(f.value) <= FIELD_VALUE_LIMIT for f in embed.fields)
        assert embed.size() <= EMBEDS_TOTAL_LIMIT


def test_the_matched_words_are_bold_and_the_rest_escaped() -> None:
    (embed,) = messages()[0].embeds
    assert "**@\u200beveryone" in embed.description  # the highlight opens, the ping doesn't
    assert "\\*\\*bold\\*\\*" in embed.description
