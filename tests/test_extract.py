"""Article extraction: the NATO page's clutter never survives; leads are real sentences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.extract import (
    ExtractionError,
    clean_lines,
    extract_article,
    html_to_text,
    make_lead,
    split_sentences,
)
from tests.conftest import DEMO_WWW, SAMPLES

NATO_PAGE = DEMO_WWW / "globaltimes" / "2022" / "01" / "nato-chief-warns-real-risk.html"
# The clutter listed in ../shared/samples/README.md.
CLUTTER = [
    "WATCH |",
    "WATCH",
    "5:51",
    "3:02",
    "Source link",
    "Article Categories",
    "Life is like a running cycle",
    "Leave a Reply",
    "Your email address will not be published",
    "maximum upload file size",
    "Drop file here",
]


@pytest.fixture(scope="module")
def nato() -> object:
    page = NATO_PAGE.read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:1")
    return extract_article(page, url="http://127.0.0.1:1/nato.html")


def test_nato_page_keeps_none_of_the_clutter(nato) -> None:  # type: ignore[no-untyped-def]
    for clutter in CLUTTER:
        assert clutter not in nato.text, clutter
        assert clutter not in nato.lead, clutter


def test_nato_page_keeps_every_paragraph_of_the_story(nato) -> None:  # type: ignore[no-untyped-def]
    sample = (SAMPLES / "nato-russia-talks.txt").read_text(encoding="utf-8")
    story = sample.split("Source link")[0]
    after_watch = False
    for raw in story.split("\n\n")[3:]:
        paragraph = raw.strip()
        # A "WATCH |" label and the video's own title after it are the embed, not the story.
        skip = after_watch or paragraph.startswith("WATCH |")
        after_watch = paragraph.startswith("WATCH |")
        if not paragraph or skip:
            continue
        for sentence in split_sentences(paragraph.rstrip(" 0123456789:")):
            assert sentence.rstrip(" 0123456789:") in nato.text, sentence


def test_nato_page_keeps_the_quote_inside_the_video_caption(nato) -> None:  # type: ignore[no-untyped-def]
    assert "said Rose Gottemoeller, former NATO deputy secretary general." in nato.text


def test_nato_page_lead_and_metadata(nato) -> None:  # type: ignore[no-untyped-def]
    assert nato.lead.startswith("NATO said on Wednesday it was willing to talk to Russia")
    assert nato.lead.endswith("warning of a real risk of a new war in Europe.")
    assert nato.title == "NATO chief warns of 'real risk of armed conflict' after talks with Russia"
    assert nato.site == "Daily Global Times"
    assert nato.published == datetime(2022, 1, 12, 18, 30, tzinfo=UTC)
    assert nato.canonical_url and nato.canonical_url.endswith("nato-chief-warns-real-risk.html")


def test_every_demo_page_yields_a_lead_and_no_page_chrome() -> None:
    for page in sorted(DEMO_WWW.glob("*/2026/11/*.html")):
        result = extract_article(page.read_bytes())
        assert len(result.lead.split()) >= 8, page.name
        for chrome in ("Subscribe", "Share on Facebook", "Most read", "cookies"):
            assert chrome not in result.text, (page.name, chrome)


def test_clean_lines_cuts_footer_and_durations() -> None:
    text = "\n".join(
        [
            "WATCH | Something happened:",
            "A caption with a quote. 12:34",
            "Body paragraph.",
            "Advertisement",
            "Source link",
            "Anything after the footer marker.",
        ]
    )
    assert clean_lines(text) == "A caption with a quote.\nBody paragraph."


def test_lead_skips_datelines_and_short_lines_and_joins_short_sentences() -> None:
    text = "By Ana Reyes\nJanuary 12, 2022\nThe port reopened on Monday. Ships queued for days.\n"
    assert make_lead(text) == "The port reopened on Monday. Ships queued for days."


def test_lead_does_not_split_after_abbreviations() -> None:
    text = (
        "Officials in Washington, D.C. and the U.S. Treasury said on Friday that new sanctions "
        "on shipping firms would take effect next month. Markets fell."
    )
    assert make_lead(text).startswith("Officials in Washington, D.C. and the U.S. Treasury said")


def test_long_lead_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "Word " * 200 + "end."
    lead = make_lead(text)
    assert len(lead) <= 300 and lead.endswith("…")


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<p>One &amp; two</p><script>alert(1)</script><p>Three<br>Four</p>"
    assert html_to_text(html) == "One & two\nThree\nFour"


def test_page_without_article_text_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_article(b"<html><body><nav><a href='/'>Home</a></nav></body></html>")


def test_undeclared_latin1_page_is_decoded() -> None:
    body = (
        "<html><head><title>Caf\xe9</title></head><body><article><h1>Caf\xe9 owners protest</h1>"
        + "<p>Owners of the caf\xe9 on the main square said the new rules would hurt trade "
        "during the busy season, and asked the council to think again before the vote.</p>"
        * 4
        + "</article></body></html>"
    ).encode("latin-1")
    result = extract_article(body)
    assert "café on the main square" in result.text


def test_a_huge_page_is_read_up_to_its_element_and_text_budgets() -> None:
    from lxml.html import document_fromstring

    from bot.extract import cut_to_size

    many = document_fromstring("<html><body>" + "<p>Said he.</p>" * 100 + "</body></html>")
    assert cut_to_size(many, max_elements=12)
    assert len(many.findall(".//p")) == 10  # html, body and the first ten paragraphs
    long = document_fromstring("<html><body><p>" + "word " * 1000 + "</p><p>next</p></body>")
    assert cut_to_size(long, max_chars=100)
    (kept,) = long.findall(".//p")
    assert kept.text == ("word " * 20)[:100]
    small = document_fromstring("<html><body><p>Short.</p></body></html>")
    assert not cut_to_size(small)


def test_a_5_mb_page_of_one_paragraph_keeps_its_first_200_000_characters() -> None:
    page = b"<html><body><article><p>" + b"word " * 1_000_000 + b"</p></article></body></html>"
    assert len(extract_article(page).text) == 200_000
