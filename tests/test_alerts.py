"""Alert messages: escaped, within Discord's limits, linked to their real target."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.alerts import (
    Alert,
    KeyQuote,
    alert_message,
    clean_text,
    notice_message,
    summary_message,
)

WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def alert(**overrides: object) -> Alert:
    values: dict[str, object] = {
        "article_id": 1,
        "headline": "Port strike enters second week",
        "url": "https://news.test/port",
        "source": "Northwind Herald",
        "published": WHEN,
        "lead": "Dockworkers extended their walkout.",
        "image": "https://news.test/port.jpg",
        "quotes": (
            KeyQuote("We are not going back until the offer improves", "Tomas Reyes", None),
        ),
    }
    values.update(overrides)
    return Alert(**values)  # type: ignore[arg-type]


def test_alert_embed_has_linked_headline_lead_quotes_source_and_time() -> None:
    (embed,) = alert_message(alert()).embeds
    assert embed.title == "Port strike enters second week"
    assert embed.url == "https://news.test/port"
    assert embed.description.startswith("Dockworkers extended their walkout.")
    assert "> “We are not going back until the offer improves”\n> — **Tomas Reyes**" in (
        embed.description
    )
    assert (embed.footer, embed.timestamp, embed.thumbnail_url) == (
        "Northwind Herald",
        WHEN,
        "https://news.test/port.jpg",
    )


def test_mentions_never_ping_and_markdown_cannot_break_out() -> None:
    text = clean_text("@everyone @here <@123> <@&456> <#789> **bold** `code` > quote")
    assert "@everyone" not in text and "@here" not in text
    assert re.search(r"(?<!\\)<[@#]", text) is None  # every mention escaped
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text and "\\> quote" in text


def test_masked_links_show_as_text_not_links() -> None:
    text = clean_text("[innocent](https://evil.test)")
    assert text == "\\[innocent\\](https://evil.test)"


def test_invisible_and_direction_changing_characters_are_removed() -> None:
    assert clean_text("a\u200bb\u202ec\u2066d\ufeffe") == "abcde"


def test_a_10000_character_title_and_lead_stay_within_every_limit() -> None:
    message = alert_message(alert(headline="Long " * 2000, lead="word " * 5000))
    (embed,) = message.embeds
    assert len(embed.title) <= 256 and embed.title.endswith("…")
    assert len(embed.description) <= 4096
    assert embed.size() <= 6000


def test_urls_that_are_not_web_links_are_dropped() -> None:
    (embed,) = alert_message(alert(url="javascript:alert(1)", image="file:///etc/passwd")).embeds
    assert embed.url is None and embed.thumbnail_url is None


def test_summary_lists_headlines_within_the_description_limit() -> None:
    many = [alert(headline=f"Story {n} " + "x" * 150) for n in range(60)]
    (embed,) = summary_message(many).embeds
    assert embed.title == "60 more alerts in the last few minutes"
    assert len(embed.description) <= 4096 and embed.description.endswith("more.")


def test_notice_is_one_embed() -> None:
    (embed,) = notice_message("Source X is working again.").embeds
    assert embed.description == "Source X is working again."


def test_explanations_give_back_their_terms() -> None:
    from bot.alerts import terms_of

    assert terms_of(
        'nato, "european union" in title; title:crimea in title; source:bbc.co.uk in source'
    ) == [
        "nato",
        "european union",
        "crimea",
    ]


def test_a_topic_prefers_key_quotes_that_mention_it() -> None:
    from bot.alerts import alert_for
    from bot.quotes import Attribution, Quotation, QuoteKind
    from bot.sources import Source, SourceStatus
    from tests.factories import make_article

    def quote(text: str, speaker: str) -> Quotation:
        return Quotation(text, ((0, 1),), speaker, None, "said", Attribution.NAMED, QuoteKind.QUOTE)

    article = make_article(1, "g:1", WHEN)
    quotes = (
        quote("The harbour will reopen to ferries in the spring", "Ana Duarte"),
        quote("The bridge repairs will take two more years at least", "Tom Baker"),
    )
    from dataclasses import replace

    article = replace(article, quotes=quotes)
    source = Source(
        1,
        "https://x.test/",
        "x",
        "X",
        None,
        None,
        None,
        SourceStatus.OK,
        None,
        0,
        None,
        None,
        None,
        None,
        WHEN,
    )
    (first,) = alert_for(article, source, topic_terms=["bridge"]).quotes[:1]
    assert first.speaker == "Tom Baker"
