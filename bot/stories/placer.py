"""The watcher's story placer: stored articles in, their story out (see ``StoryPlacer`` in the
store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.articles import Article
from bot.stories.index import Placement, StoryIndex, StoryInput


class Stories:
    """A story index for the articles a process stores."""

    def __init__(self, index: StoryIndex | None = None) -> None:
        """Place articles into this index (a new one by default)."""
        self.index = index or StoryIndex()
        self.loaded = False
        self.caught_up: datetime | None = None
        """When the index last took in what other processes stored (``unknown``)."""

    def place(self, article: Article, article_id: int) -> Placement:
        """The article's story, whether it started it, and the stories it joins to it."""
        return self.index.place(story_input(article, article_id))

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        """These stories are one now (the store merged them): the index places their copies
        in ``into``."""
        self.index.merge(into, absorbed)

    def forget(self, article_ids: Sequence[int]) -> None:
        """Drop articles from the index (pruned or deleted)."""
        self.index.forget(article_ids)

    def unknown(self, article_ids: Iterable[int]) -> list[int]:
        """Of these stored articles, the ones not in the index (another worker stored them)."""
        return [i for i in article_ids if i not in self.index]

    def load(self, recent: Iterable[tuple[Article, int]]) -> None:
        """Take these stored articles into the index (oldest first)."""
        _add_all(self.index, recent)
        self.loaded = True

    def rebuilt(self, recent: Iterable[tuple[Article, int]]) -> StoryIndex:
        """A new index like this one's, holding these stored articles (oldest first). It
        touches nothing of this one, so it may be built in a thread while the index serves."""
        index = self.index.empty()
        _add_all(index, recent)
        return index

    def adopt(self, index: StoryIndex) -> None:
        """Serve from an index made by ``rebuilt``."""
        self.index = index
        self.loaded = True


def _add_all(index: StoryIndex, recent: Iterable[tuple[Article, int]]) -> None:
    for article, story_id in recent:
        if article.id is not None:
            index.add(story_input(article, article.id), story_id)


def story_input(article: Article, article_id: int) -> StoryInput:
    """What the index reads of a stored article."""
    guid = article.item_key if article.item_key.startswith("g:") else None
    return StoryInput(
        article_id=article_id,
        source_id=article.source_id,
        url=article.url,
        canonical_url=article.canonical_url,
        guid=guid,
        text=article.text,
        published=min(article.published, article.fetched_at),
    )
