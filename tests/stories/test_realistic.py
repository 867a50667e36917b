"""Grouping on real news (the development corpus, read in place; skipped without it): the
issue's targets on the report half of the realistic copies, and the copies are what they say."""

from __future__ import annotations

import pytest

from tests.stories import realistic
from tests.stories.realistic import words

pytestmark = pytest.mark.skipif(
    not realistic.available(), reason=f"the development corpus is absent ({realistic.GOLD})"
)


@pytest.fixture(scope="module")
def report() -> realistic.Run:
    return realistic.run("report")


def test_cut_down_copies_join_their_original(report: realistic.Run) -> None:
    assert report.scores.copies["cut"] + report.scores.copies["aggregator"] > 1000
    assert report.scores.cut_down >= 0.9


def test_edited_copies_join_their_original(report: realistic.Run) -> None:
    assert report.scores.copies["edited"] > 300
    assert report.scores.recall("edited") >= 0.9


def test_no_article_joins_another_story(report: realistic.Run) -> None:
    assert report.scores.false_merges == {}
    assert report.scores.topic_pairs > 100
    assert report.scores.topic_merged == []


def test_cuts_keep_20_to_40_percent_of_the_words_from_the_start(report: realistic.Run) -> None:
    originals = {a.id: a for a in report.articles if a.kind == "original"}
    cuts = [a for a in report.articles if a.kind == "cut"]
    for cut in cuts:
        original = originals[cut.id.split("~")[0]]
        body = cut.text.split("\n\nRead the full story at ")[0]
        share = len(words(body)) / len(words(original.text))
        assert 0.19 <= share <= 0.41, cut.id
        assert original.text.startswith(body.split("\n\n")[0]), cut.id


def test_aggregator_pages_carry_their_own_dates_and_numbers(report: realistic.Run) -> None:
    originals = {a.id: a for a in report.articles if a.kind == "original"}
    for page in (a for a in report.articles if a.kind == "aggregator"):
        original = originals[page.id.split("~")[0]]
        own = set(words(page.text)) - set(words(original.text))
        assert any(w.isdigit() for w in own), page.id


def test_same_topic_pairs_are_from_different_days_and_share_names() -> None:
    articles = {a.id: a for a in realistic.load("tune")}
    pairs = realistic.same_topic_pairs(list(articles.values()))
    assert len(pairs) > 100
    for pair in pairs:
        first, second = articles[pair.first], articles[pair.second]
        assert first.date != second.date
        shared = realistic.topic_terms(first) & realistic.topic_terms(second)
        assert len(shared) >= pair.shared >= 3
