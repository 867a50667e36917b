"""The watcher's story placer: stored articles in, their story out (see ``StoryPlacer`` in the
store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.articles import Article
from bot.stories.index import StoryIndex, StoryInput


class Stories:
    """A story index for the articles a process stores."""

    def __init__(self, index: StoryIndex | None = None) -> None:
        self.index = index or StoryIndex()
        self.loaded = False
        self.caught_up: datetime | None = None
        """When the index last took in what other processes stored (``unknown``)."""

    def place(self, article: Article, article_id: int) -> tuple[int, bool]:
        placement = self.index.place(story_input(article, article_id))
        return placement.story_id, placement.new

    def forget(self, article_ids: Sequence[int]) -> None:
        self.index.forget(article_ids)

    def unknown(self, article_ids: Iterable[int]) -> list[int]:
        """Of these stored articles, the ones not in the index (another worker stored them)."""
        return [i for i in article_ids if i not in self.index]

    def load(self, recent: Iterable[tuple[Article, int]]) -> None:
        """Rebuild the index from the stored articles of the last WINDOW (oldest first)."""
        for article, story_id in recent:
            if article.id is not None:
                self.index.add(story_input(article, article.id), story_id)
        self.loaded = True


def story_input(article: Article, article_id: int) -> StoryInput:
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
