"""Every real article of the dev corpus through quote finding: no exception, no runaway."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from bot.quotes import find_quotations, is_english, load_model, mark_key
from tests.quotes.corpus import GOLD, available, load_articles

if TYPE_CHECKING:
    from spacy.language import Language

pytestmark = pytest.mark.skipif(
    not available(), reason=f"the dev corpus is not here ({GOLD}); see tests/quotes/corpus.py"
)

CPU_SECONDS_PER_ARTICLE = 5.0
"""A hang guard, not a speed figure (bench/quotes.py measures speed): the longest of the 840
articles takes about 0.3 CPU-seconds, and the pool gives each article job 20 s in all. An
article over this bound means some step has gone super-linear again. CPU time, not wall time,
so other work on the machine does not count."""


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_model("en_core_web_sm")


def test_every_real_article_is_read_without_an_exception_or_a_runaway(nlp: Language) -> None:
    articles = load_articles()
    failures: list[str] = []
    slow: list[tuple[float, str]] = []
    quotations = 0
    for article in articles:
        started = time.process_time()
        try:
            found = mark_key(
                find_quotations(article.text, nlp if is_english(article.text) else None)
            )
        except Exception as exc:  # noqa: BLE001 -- every failure is collected and reported
            failures.append(f"{article.id}: {type(exc).__name__}: {exc}")
            continue
        spent = time.process_time() - started
        if spent > CPU_SECONDS_PER_ARTICLE:
            slow.append((spent, article.id))
        quotations += sum(q.is_quotation for q in found)
        for quote in found:
            assert all(0 <= a <= b <= len(article.text) for a, b in quote.spans), article.id
    assert len(articles) == 840
    assert failures == []
    assert slow == []
    assert quotations > 5000  # the corpus has 8,413 gold segments: the finder did read them
