"""The story-grouping corpus holds what it claims: sizes, labels, syndication shapes, overlaps."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, timedelta
from itertools import combinations

import pytest

from tests.stories.corpus import KINDS, VARIANT_KINDS, CorpusArticle, build_corpus, words

MIN_COUNTS = {
    "original": 200,
    "negative": 1000,
    "template": 100,
    "short": 100,
    **{kind: 200 for kind in (*VARIANT_KINDS, "updated")},
}


@pytest.fixture(scope="module")
def corpus() -> list[CorpusArticle]:
    return build_corpus()


@pytest.fixture(scope="module")
def originals(corpus: list[CorpusArticle]) -> dict[str, CorpusArticle]:
    return {a.story: a for a in corpus if a.kind == "original"}


def of_kind(corpus: Iterable[CorpusArticle], kind: str) -> list[CorpusArticle]:
    return [a for a in corpus if a.kind == kind]


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def containment(inner: set[tuple[str, ...]], outer: set[tuple[str, ...]]) -> float:
    return len(inner & outer) / len(inner)


def highest_jaccard(articles: Sequence[CorpusArticle]) -> dict[tuple[str, str], float]:
    """The highest 5-shingle Jaccard between two articles, by their kinds, over all pairs.

    Shared shingles are counted through an inverted index, so only pairs that share one cost.
    """
    sets = [shingles(a.text) for a in articles]
    postings: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, shingle_set in enumerate(sets):
        for shingle in shingle_set:
            postings[shingle].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if len(docs) > 1:
            shared.update(combinations(docs, 2))
    highest: dict[tuple[str, str], float] = defaultdict(float)
    for (a, b), n in shared.items():
        first, second = sorted((articles[a].kind, articles[b].kind))
        highest[first, second] = max(highest[first, second], n / (len(sets[a]) + len(sets[b]) - n))
    return highest


@pytest.fixture(scope="module")
def overlaps(corpus: list[CorpusArticle]) -> dict[tuple[str, str], float]:
    return highest_jaccard([a for a in corpus if a.kind in ("original", "negative")])


def test_every_kind_meets_its_minimum(corpus: list[CorpusArticle]) -> None:
    counts = Counter(a.kind for a in corpus)
    assert set(counts) == set(KINDS) == set(MIN_COUNTS)
    assert {kind: n for kind, n in counts.items() if n < MIN_COUNTS[kind]} == {}


def test_ids_are_unique(corpus: list[CorpusArticle]) -> None:
    assert len({a.id for a in corpus}) == len(corpus)


def test_every_variant_belongs_to_an_original(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for article in corpus:
        if article.kind in (*VARIANT_KINDS, "updated"):
            assert article.story in originals, article.id


def test_every_negative_is_a_story_of_its_own(corpus: list[CorpusArticle]) -> None:
    stories = Counter(a.story for a in corpus)
    for article in corpus:
        if article.kind in ("negative", "template", "short"):
            assert article.story == article.id
            assert stories[article.story] == 1


def test_the_same_seed_builds_the_same_corpus(corpus: list[CorpusArticle]) -> None:
    assert build_corpus() == corpus


def test_another_seed_builds_another_corpus(corpus: list[CorpusArticle]) -> None:
    other = build_corpus(seed=8)
    assert [a.text for a in other] != [a.text for a in corpus]


def test_articles_come_in_publication_order_in_utc(corpus: list[CorpusArticle]) -> None:
    assert all(a.published.tzinfo is UTC for a in corpus)
    assert [a.published for a in corpus] == sorted(a.published for a in corpus)


def test_variants_appear_within_72_hours_after_their_original(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for article in corpus:
        if article.kind in (*VARIANT_KINDS, "updated"):
            delay = article.published - originals[article.story].published
            assert timedelta(0) < delay <= timedelta(hours=72), article.id


def test_originals_are_full_articles_with_quotes(originals: dict[str, CorpusArticle]) -> None:
    for article in originals.values():
        paragraphs = article.text.split("\n\n")
        assert 5 <= len(paragraphs) <= 10, article.id
        assert 250 <= len(words(article.text)) <= 600, article.id
        assert '"' in article.text and " said" in article.text, article.id


def test_originals_are_distinct_from_each_other(overlaps: dict[tuple[str, str], float]) -> None:
    assert overlaps["original", "original"] < 0.35


def test_exact_copies_keep_the_text_and_some_keep_the_canonical_url_or_guid(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    copies = of_kind(corpus, "exact")
    for copy in copies:
        original = originals[copy.story]
        assert (copy.title, copy.text) == (original.title, original.text)
        assert (copy.outlet, copy.url) != (original.outlet, original.url)
    same_canonical = [
        c
        for c in copies
        if c.canonical_url in (originals[c.story].canonical_url, originals[c.story].url)
    ]
    same_guid = [c for c in copies if c.guid == originals[c.story].guid]
    assert len(same_canonical) >= 30
    assert len(same_guid) >= 30


def test_dateline_copies_add_a_wire_dateline_and_a_credit(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "dateline"):
        original = originals[copy.story].text.split("\n\n")
        assert (
            ("(Reuters) - " in copy.text) or ("(AP) — " in copy.text) or ("(AFP) - " in copy.text)
        )
        assert "\n\n".join(original[1:]) in copy.text
        assert not copy.text.endswith(original[-1])  # a credit line follows the body


def test_wrapped_copies_carry_a_realistic_amount_of_wrapper(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "wrapped"):
        original = shingles(originals[copy.story].text)
        wrapped = shingles(copy.text)
        assert jaccard(original, wrapped) < 0.8, copy.id
        assert containment(original, wrapped) >= 0.9, copy.id
        wrapper_words = len(words(copy.text)) - len(words(originals[copy.story].text))
        assert 100 <= wrapper_words <= 250, copy.id


def test_truncated_copies_keep_50_to_70_percent_of_the_words(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "truncated"):
        share = len(words(copy.text)) / len(words(originals[copy.story].text))
        assert 0.5 <= share <= 0.7, copy.id


def test_truncated_copies_are_the_start_of_the_original_cut_after_a_sentence(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "truncated"):
        kept = copy.text.split("\n\n… Read the full story at ")[0]
        assert originals[copy.story].text.startswith(kept), copy.id
        assert kept.endswith((".", '"')), copy.id


def changed_share(original: str, edited: str) -> float:
    """How much of the edited text is not the original's words in the original's order."""
    before, after = words(original), words(edited)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    return 1 - kept / len(after)


def test_edited_copies_change_5_to_20_percent_of_their_words_and_drop_a_paragraph(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "edited"):
        original = originals[copy.story].text
        assert 0.05 <= changed_share(original, copy.text) <= 0.2, copy.id
        assert copy.text.count("\n\n") == original.count("\n\n") - 1, copy.id


def test_headline_copies_keep_the_body_under_a_new_title(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for copy in of_kind(corpus, "headline"):
        original = originals[copy.story]
        assert copy.text == original.text
        assert copy.title != original.title


def test_updates_republish_at_the_same_url_with_a_changed_body(
    corpus: list[CorpusArticle], originals: dict[str, CorpusArticle]
) -> None:
    for update in of_kind(corpus, "updated"):
        original = originals[update.story]
        assert (update.url, update.guid) == (original.url, original.guid)
        assert update.text.count("\n\n") == original.text.count("\n\n") + 1
        assert update.text != original.text


def test_negatives_are_distinct_from_each_other(overlaps: dict[tuple[str, str], float]) -> None:
    assert overlaps["negative", "negative"] < 0.35


def test_negatives_are_distinct_from_the_originals(overlaps: dict[tuple[str, str], float]) -> None:
    assert overlaps["negative", "original"] < 0.35


def test_every_template_page_shares_much_of_its_text_with_another(
    corpus: list[CorpusArticle],
) -> None:
    """The issue's pages that are mostly a shared template: each has a sibling far closer to it
    than any two distinct articles are to each other, and is still a story of its own."""
    pages = [shingles(a.text) for a in of_kind(corpus, "template")]
    for i, page in enumerate(pages):
        assert max(jaccard(page, other) for j, other in enumerate(pages) if j != i) > 0.4


def test_short_items_are_a_headline_and_one_line(corpus: list[CorpusArticle]) -> None:
    for article in of_kind(corpus, "short"):
        assert "\n" not in article.text
        assert 8 <= len(words(article.text)) <= 80
