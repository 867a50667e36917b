"""Properties that hold for any input: extraction, topic parsing, matching and alert rendering
never raise on random Unicode, quotation marks, names, empty or huge text (other than their own
typed errors), and an alert always fits Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBEDS_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    OutgoingMessage,
    alert_for,
    alert_message,
    notice_message,
    summary_message,
)
from bot.articles import Article, build_article
from bot.extract import (
    MAX_TEXT_CHARS,
    ExtractionError,
    clean_lines,
    extract_article,
    html_to_text,
    make_lead,
    split_sentences,
)
from bot.feeds import FeedItem
from bot.matcher import Matcher, MatchInput
from bot.quotes import Attribution, Quotation, QuoteKind
from bot.sources import Source, SourceStatus
from bot.topics import TopicError, parse_topic

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
QUOTE_MARKS = "\"'“”‘’«»„‚‹›「」『』"
NAMES = ["Jens Stoltenberg", "Kaja Kallas", "São Paulo", "Mr. Lee", "O'Neill", "al-Assad", "習近平"]
WORDS = ["said", "told", "NATO", "Russia", "the", "minister", "OR", "-", "(", ")", "title:",
         "source:", "according to", "he", "she", "\u200b", "\u202e", "@everyone", "`",
         "*"]  # fmt: skip

texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.lists(
        st.one_of(
            st.sampled_from(NAMES),
            st.sampled_from(WORDS),
            st.sampled_from(list(QUOTE_MARKS)),
            st.text(max_size=12),
            st.just("\n"),
            st.just(". "),
        ),
        max_size=60,
    ).map(" ".join),
)
TAGS = ["p", "div", "span", "a", "li", "br", "h1", "script", "style", "article", "figure",
        "blockquote", "table", "td", "meta", "title", "head", "body", "html", "svg"]  # fmt: skip


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    """Markup from random tags (often unclosed), attributes and text."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        kind = draw(st.sampled_from(["open", "close", "text", "element"]))
        text = draw(texts)
        if kind == "open":
            parts.append(f'<{tag} class="{draw(st.text(max_size=8))}">')
        elif kind == "close":
            parts.append(f"</{tag}>")
        elif kind == "text":
            parts.append(text)
        else:
            parts.append(f"<{tag}>{text}</{tag}>")
    return "".join(parts)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- extraction --------------------------------------------------------------------------------


@FAST
@given(page=st.one_of(html_pages(), texts, st.binary(max_size=2000)))
def test_extraction_raises_only_its_own_error(page: str | bytes) -> None:
    try:
        extracted = extract_article(page, url="https://news.example/a")
    except ExtractionError:
        return
    assert extracted.text and len(extracted.text) <= 200_000
    assert len(extracted.lead) <= 300


@FAST
@given(text=texts)
def test_text_helpers_never_raise(text: str) -> None:
    assert "<" not in html_to_text(f"<p>{text.replace('<', '')}</p>")
    clean_lines(text)
    for sentence in split_sentences(text):
        assert sentence.strip()
    assert len(make_lead(text, title=text[:20])) <= 300


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<html></html>",
        b"<p>Said he.</p>" * 50_000,
        b"<div>" * 100_000,
        ("<p>" + "A. " * 40_000 + "</p>").encode(),
        "<p>“" * 20_000 + "Quoted, said the minister.",
        ("<html><head>" + "<meta name=x content=y>" * 20_000 + "</head><body><p>T</p>").encode(),
    ],
    ids=["empty", "bare", "many-paragraphs", "deep-divs", "abbreviations", "open-quotes", "head"],
)
def test_huge_and_degenerate_pages_end_in_an_article_or_its_error(page: str | bytes) -> None:
    try:
        extracted = extract_article(page)
    except ExtractionError as exc:
        assert str(exc)
    else:
        assert 0 < len(extracted.text) <= MAX_TEXT_CHARS


@FAST
@given(page=st.one_of(html_pages(), st.binary(max_size=2000)), summary=texts, title=texts)
def test_an_article_is_always_built_from_any_page_and_feed_text(
    page: str | bytes, summary: str, title: str
) -> None:
    item = FeedItem(
        keys=("g:x",),
        title=title,
        link="https://news.example/a",
        guid="x",
        summary_html=summary,
        content_html="",
        published=None,
        author=None,
        image=None,
    )
    raw = page.encode("utf-8", "surrogatepass") if isinstance(page, str) else page
    article = build_article(item, raw, source_id=1, source_title="S", fetched_at=NOW)
    assert article.item_key == "g:x" and "\x00" not in article.text
    article.text.encode("utf-8")  # storable: no lone surrogates


# ---- topics and matching -----------------------------------------------------------------------


@FAST
@given(typed=texts)
def test_topic_parsing_raises_only_topic_errors(typed: str) -> None:
    try:
        topic = parse_topic(typed)
    except TopicError as exc:
        assert str(exc)
        return
    assert parse_topic(topic.text).text == topic.text


def topics_from(typed: list[str]) -> dict[int, object]:
    found = {}
    for n, text in enumerate(typed):
        try:
            found[n] = parse_topic(text)
        except TopicError:
            continue
    return found


@FAST
@given(
    typed=st.lists(texts, max_size=8),
    title=texts,
    lead=texts,
    text=texts,
    domain=st.sampled_from(["bbc.co.uk", "news.example", "", "xn--n3h.example"]),
)
def test_matching_never_raises_and_explains_every_match(
    typed: list[str], title: str, lead: str, text: str, domain: str
) -> None:
    topics = topics_from([*typed, *NAMES])
    matcher = Matcher(topics)  # type: ignore[arg-type]
    found = matcher.match(MatchInput(title, lead, text, domain))
    for match in found:
        assert found.explain(match)
    changed = matcher.changed(dict(list(topics.items())[: len(topics) // 2]))  # type: ignore[arg-type]
    changed.match(MatchInput(title, lead, text, domain))


def test_matching_a_huge_article_never_raises() -> None:
    topics = topics_from(["nato russia", '"european union"', "ukraine OR crimea", "-sports x"])
    text = " ".join(["NATO Russia European Union Crimea said he."] * 20_000)
    found = Matcher(topics).match(MatchInput(text[:1000], text[:300], text, "bbc.co.uk"))  # type: ignore[arg-type]
    assert len(found) == 3


# ---- rendering ---------------------------------------------------------------------------------


def assert_within_discord_limits(message: OutgoingMessage) -> None:
    assert message.content is None or len(message.content) <= CONTENT_LIMIT
    assert len(message.embeds) <= 10
    for embed in message.embeds:
        assert len(embed.title) <= TITLE_LIMIT
        assert len(embed.description) <= DESCRIPTION_LIMIT
        assert embed.footer is None or len(embed.footer) <= FOOTER_LIMIT
        assert len(embed.fields) <= 25
        for field in embed.fields:
            assert 0 < len(field.name) <= FIELD_NAME_LIMIT
            assert 0 < len(field.value) <= FIELD_VALUE_LIMIT
        for url in (embed.url, embed.thumbnail_url):
            assert url is None or (len(url) <= 2048 and url.startswith(("http://", "https://")))
    assert sum(embed.size() for embed in message.embeds) <= EMBEDS_TOTAL_LIMIT


big_texts = st.one_of(texts, st.builds(lambda t, n: t * n, texts, st.integers(1, 5000)))


@st.composite
def articles(draw: st.DrawFn) -> Article:
    quotes = tuple(
        Quotation(
            text=draw(big_texts),
            spans=((0, 1),),
            speaker=draw(st.one_of(st.none(), st.sampled_from(NAMES), texts)),
            role=draw(st.one_of(st.none(), texts)),
            cue="said",
            attribution=Attribution.NAMED,
            kind=QuoteKind.QUOTE,
            key=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 5)))
    )
    return Article(
        source_id=1,
        item_key="g:x",
        url=draw(st.one_of(st.just("https://news.example/a"), texts)),
        canonical_url=None,
        title=draw(big_texts),
        published=NOW,
        author=None,
        site_name=draw(st.one_of(st.none(), big_texts)),
        lead=draw(big_texts),
        text=draw(texts),
        image=draw(st.one_of(st.none(), st.just("https://news.example/i.png"), texts)),
        from_page=True,
        fetched_at=NOW,
        quotes=quotes,
        id=7,
    )


SOURCE = Source(
    1, "https://news.example/feed", "x", "News", None, None, None, SourceStatus.OK,
    NOW, 0, None, None, NOW, NOW, NOW,
)  # fmt: skip


@FAST
@given(
    article=articles(),
    explanation=st.one_of(st.none(), big_texts),
    mention=st.sampled_from([(None, None), (123, None), (None, 456)]),
    outlets=st.lists(big_texts, max_size=30),
    terms=st.lists(texts, max_size=4),
)
def test_an_alert_always_fits_discord_s_limits(
    article: Article,
    explanation: str | None,
    mention: tuple[int | None, int | None],
    outlets: list[str],
    terms: list[str],
) -> None:
    alert = alert_for(article, SOURCE, topic_terms=terms)
    message = alert_message(
        alert,
        explanation=explanation,
        role_id=mention[0],
        user_id=mention[1],
        also_reported_by=outlets,
    )
    assert_within_discord_limits(message)
    assert_within_discord_limits(summary_message([alert] * 50))


@FAST
@given(text=big_texts)
def test_a_notice_always_fits_discord_s_limits(text: str) -> None:
    assert_within_discord_limits(notice_message(text))
