"""Alert messages: escaped, within Discord's limits, linked to their real target."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.alerts import Alert, KeyQuote, alert_message, notice_message, summary_message
from bot.messages import clean_text, web_url

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


# ---- links Discord accepts --------------------------------------------------------------------


def test_a_link_with_a_newline_is_read_as_a_browser_reads_it() -> None:
    assert web_url("https://news.example/a\nb") == "https://news.example/ab"
    assert web_url("\t https://news.example/a\r\n") == "https://news.example/a"


def test_a_link_without_a_host_is_no_link() -> None:
    for url in ("https://", "https:///path", "https://:443/", "http://?q=1"):
        assert web_url(url) is None, url


def test_only_http_and_https_links_are_kept() -> None:
    for url in ("javascript:alert(1)", "ftp://news.example/a", "news.example/a", "//x.test/a"):
        assert web_url(url) is None, url
    assert web_url("HTTPS://News.Example/A") == "https://news.example/A"


def test_spaces_controls_and_other_text_are_percent_encoded() -> None:
    assert web_url("https://news.example/a b") == "https://news.example/a%20b"
    assert web_url("https://news.example/a\x00\x7fb") == "https://news.example/a%00%7Fb"
    assert web_url("https://news.example/\u202egnp.exe") == "https://news.example/%E2%80%AEgnp.exe"
    assert web_url('https://news.example/"<x>"') == "https://news.example/%22%3Cx%3E%22"
    assert web_url("https://news.example/100%") == "https://news.example/100%25"
    assert web_url("https://news.example/caf%C3%A9") == "https://news.example/caf%C3%A9"


def test_parentheses_are_encoded_so_a_markdown_link_cannot_end_early() -> None:
    url = web_url("https://en.wiki.test/wiki/Mercury_(planet)")
    assert url == "https://en.wiki.test/wiki/Mercury_%28planet%29"
    line = summary_message([alert(url="https://news.test/a)b(c")]).embeds[0].description
    assert "](https://news.test/a%29b%28c) —" in line


def test_hosts_are_checked_and_written_in_ascii() -> None:
    assert web_url("https://münchen.example/straße") == (
        "https://xn--mnchen-3ya.example/stra%C3%9Fe"
    )
    for url in (
        "https://news example/a",
        "https://news.example\x00.evil.test/",
        "https://-bad-.example/",
        "https://a..b/",
        "https://[::1/",
        "https://[nope]/",
    ):
        assert web_url(url) is None, url
    assert web_url("https://[2001:db8::1]:8443/x") == "https://[2001:db8::1]:8443/x"


def test_a_link_that_hides_its_real_host_is_no_link() -> None:
    assert web_url("https://bbc.co.uk@evil.test/news") is None
    assert web_url("https://user:pass@news.example/") is None
    assert web_url("https://news.example\\@evil.test/") is None


def test_ports_must_be_numbers_in_range() -> None:
    assert web_url("https://news.example:8080/a") == "https://news.example:8080/a"
    for url in ("https://news.example:0/", "https://news.example:65536/", "https://x.test:ab/"):
        assert web_url(url) is None, url


def test_a_link_over_discords_limit_is_no_link() -> None:
    base = "https://news.example/"
    assert web_url(base + "a" * (2048 - len(base))) is not None
    assert web_url(base + "a" * (2049 - len(base))) is None
    # Its encoded form counts: 700 spaces are 2,100 characters on the wire.
    assert web_url(base + " " * 700 + "x") is None


def test_an_alert_with_an_unusable_link_still_goes_without_it() -> None:
    message = alert_message(alert(url="https://", image="https://\n"))
    (embed,) = message.embeds
    assert embed.url is None and embed.thumbnail_url is None
    assert embed.title == "Port strike enters second week"
    (embed,) = alert_message(alert(url="https://news.example/a\nb")).embeds
    assert embed.url == "https://news.example/ab"
