"""Building a source's new items into articles: fetch each page, extract it, find its quotes.

One item's failure is its own: a page that can't be read (an error, a job over the pool's time
or memory limit, a dying worker) leaves the feed's text, quotes that can't be found leave none.
Each step that fails is logged once, with the item and its traceback.

Work in flight is bounded: each source builds at most ITEMS_AT_ONCE articles at once, and at
most PAGES_PER_WORKER pages per pool worker are held (fetched, or waiting for the pool, or in
it) at any moment, so a source of huge pages neither fills memory nor the pool's queue.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.articles import (
    Article,
    FailedItem,
    Problem,
    Stage,
    build_article,
    describe,
    prepare_quotes,
)
from bot.feeds import FeedItem, ParsedFeed, parse_feed
from bot.fetch import PAGE_ACCEPT, Fetcher, FetchError, FetchResult
from bot.logs import TRACE
from bot.pool import RemoteTraceback, WorkPool
from bot.pool_worker import JobFailed
from bot.settings import Settings

# The building is the watcher's work: its lines keep the watcher's name (operators filter on it).
log = logging.getLogger("bot.watcher")

ITEMS_AT_ONCE = 2
"""Articles of one source built at once (fetched, extracted, quoted)."""
STAGE_SHARE = 0.4
"""Of a job's time limit, what reading the page and finding the quotations may each take: a
slow stage is dropped inside the job (the page's text or the quotes), before the limit stops
the whole job."""
PAGES_PER_WORKER = 3
"""Article pages held at once per pool worker: one being read, two waiting (of at most
MAX_BODY_BYTES each)."""


class ArticleBuilder:
    """Makes feed items into articles in the work pool, from their pages where they can be read."""

    def __init__(
        self,
        *,
        fetcher: Fetcher,
        pool: WorkPool,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        """Keep the parts a build uses (the watcher's own)."""
        self._fetcher = fetcher
        self._pool = pool
        self._settings = settings
        self._clock = clock
        self._pages = asyncio.Semaphore(PAGES_PER_WORKER * pool.workers)

    async def parse(self, result: FetchResult) -> ParsedFeed:
        """The fetched document as a feed, parsed in the pool."""
        return await self._pool.run(
            parse_feed,
            result.body,
            url=result.final_url,
            content_type=result.content_type,
            max_items=self._settings.max_items_per_feed,
        )

    async def articles(
        self,
        source_id: int,
        source_title: str | None,
        items: Sequence[FeedItem],
        agent: str | None = None,
    ) -> tuple[list[Article], list[FailedItem]]:
        """The items' articles (ITEMS_AT_ONCE at a time), and the items none could be made of.
        Their pages are fetched with ``agent`` (the source's User-Agent) when it has one."""
        gate = asyncio.Semaphore(ITEMS_AT_ONCE)

        async def one(item: FeedItem) -> Article | FailedItem:
            async with gate:
                return await self._article(source_id, source_title, item, agent)

        results = await asyncio.gather(*(one(item) for item in items))
        built = [r for r in results if isinstance(r, Article)]
        return built, [r for r in results if isinstance(r, FailedItem)]

    async def _article(
        self, source_id: int, source_title: str | None, item: FeedItem, agent: str | None
    ) -> Article | FailedItem:
        """The item's article, from its page if that can be read, else from the feed's text;
        with quotes if they can be found. Each step that fails is logged once."""
        problems: list[Problem] = []
        async with self._pages:
            page, page_url = await self._page(item, agent)
            if page is not None:
                try:
                    return self._noted(source_id, item, problems, await self._build(
                        source_id, source_title, item, page, page_url, quotes=True
                    ))  # fmt: skip
                except Exception as exc:  # noqa: BLE001 - the page's failure costs the page
                    problems.append(self._problem_of(source_id, item, Stage.PAGE, exc))
        # Without the page (none, or it failed): the feed's own text, then without quotes.
        for quotes in (True, False):
            try:
                return self._noted(source_id, item, problems, await self._build(
                    source_id, source_title, item, None, page_url, quotes=quotes
                ))  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - the item's failure is its own
                stage = Stage.QUOTES if quotes else None
                if stage is not None:
                    problems.append(self._problem_of(source_id, item, stage, exc))
                    continue
                log.warning(
                    "source %s item %r (%r): no article could be made (tried again next poll): %r",
                    source_id,
                    item.keys[0],
                    item.link,
                    describe(exc),
                    extra={TRACE: _trace(exc)},
                )
                return FailedItem(source_id, item.keys, item.link, describe(exc))
        raise AssertionError("not reached")

    async def _page(self, item: FeedItem, agent: str | None) -> tuple[bytes | None, str | None]:
        if not item.link:
            return None, item.link
        try:
            fetched = await self._fetcher.fetch(item.link, accept=PAGE_ACCEPT, user_agent=agent)
        except FetchError as exc:
            log.info("article page %r unavailable (%r); using the feed's text", item.link, str(exc))
            return None, item.link
        return fetched.body, fetched.final_url

    async def _build(
        self,
        source_id: int,
        source_title: str | None,
        item: FeedItem,
        page: bytes | None,
        page_url: str | None,
        *,
        quotes: bool,
    ) -> Article:
        model = self._settings.spacy_model if quotes else None
        return await self._pool.submit_warm(
            source_id,
            functools.partial(prepare_quotes, model) if model else None,
            build_article,
            item,
            page,
            source_id=source_id,
            source_title=source_title,
            fetched_at=self._clock(),
            page_url=page_url,
            spacy_model=model,
            stage_seconds=self._pool.time_limit * STAGE_SHARE,
        )

    def _noted(
        self, source_id: int, item: FeedItem, earlier: list[Problem], article: Article
    ) -> Article:
        """The article with every problem met on the way; each logged once, here."""
        for problem in article.problems:
            _log_problem(source_id, item.keys[0], item.link, problem)
        if earlier:
            article = replace(article, problems=(*earlier, *article.problems))
        return article

    def _problem_of(
        self, source_id: int, item: FeedItem, stage: Stage, exc: BaseException
    ) -> Problem:
        problem = Problem(stage, describe(exc), _trace(exc))
        _log_problem(source_id, item.keys[0], item.link, problem)
        return problem


def logged_problem(article: Article, stage: Stage, exc: BaseException) -> Problem:
    """What went wrong with an article at one stage, logged once, here."""
    problem = Problem(stage, describe(exc), _trace(exc))
    _log_problem(article.source_id, article.item_key, article.url, problem)
    return problem


def _log_problem(source_id: int, key: str, link: str | None, problem: Problem) -> None:
    log.warning(
        "source %s item %r (%r): kept without its %s: %r",
        source_id,
        key,
        link,
        WITHOUT[problem.stage],
        problem.reason,
        extra={TRACE: problem.trace},
    )


WITHOUT = {
    Stage.PAGE: "page (the feed's text is used)",
    Stage.QUOTES: "quotes",
    Stage.STORY: "story (it starts its own)",
    Stage.TOPICS: "topic matches (the servers' all-articles alerts still go)",
    Stage.INDEX: "quotes and full text (the database refused it)",
}


def _trace(exc: BaseException) -> str:
    """The traceback of an exception, the worker's when it came from one."""
    cause = exc.__cause__
    if isinstance(cause, RemoteTraceback):
        return "\n" + cause.text.rstrip()
    if isinstance(exc, JobFailed):
        return ""  # over a limit, or the worker died: the reason says all there is
    return "\n" + "".join(traceback.format_exception(exc)).rstrip()
