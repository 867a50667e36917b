"""The watcher: poll due sources, find new items, fetch and extract their articles, store them.

One source's failure is recorded against it and never stops the others. A poll whose result the
store refuses to write (locked, disk full) is not a failure of the source: it stays due, and
polling pauses for a minute.

One item's failure is its own: an article is kept without what could not be made of it (its
page, its quotes: see ``bot/article_builder.py``), topics that can't be matched leave the
server's all-articles alerts. An item that fails even so is tried again on the next polls and
given up after MAX_ATTEMPTS; the source stays ok.

Work in flight is bounded: at most ``http_concurrency`` sources are polled at once, and the
article builder bounds each source's articles and pages in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.article_builder import ArticleBuilder, logged_problem
from bot.articles import Article, Problem, Stage
from bot.backoff import next_failure_poll, next_success_poll
from bot.errors import StoreUnavailable
from bot.feeds import EARLIEST, FeedError, FeedItem, NotAFeed
from bot.fetch import Fetcher, FetchError
from bot.poll_report import CycleReport, PollOutcome
from bot.pool import WorkPool
from bot.pool_worker import JobFailed
from bot.routing import Router
from bot.settings import Settings
from bot.sources import Source, SourceStatus
from bot.storage.articles import Articles
from bot.storage.ingest import Ingest, PollRecord, PollSuccess
from bot.storage.sources import Sources
from bot.stories import Stories
from bot.urls import check_url

log = logging.getLogger(__name__)

MAX_BACKFILL = 5
RETRY_AFTER_STATUSES = frozenset({429, 503})
IDLE_SLEEP_SECONDS = 5.0
STORE_RETRY_SECONDS = 60.0
"""After the store refused a write, due sources wait this long before they are fetched again
(they stay due: nothing about them was recorded)."""
TOPIC_CHECK_SECONDS = 2.0
CATCH_UP_MARGIN = timedelta(minutes=15)
"""How far back each cycle looks for articles other workers stored: an article is stamped
when fetched and stored when its source's poll ends, so a slow poll's lands late."""

ArticleSink = Callable[[Source, Sequence[Article]], Awaitable[None]]


class Watcher:
    """Polls the sources that are due and turns their new items into stored articles."""

    def __init__(
        self,
        *,
        sources: Sources,
        ingest: Ingest,
        articles: Articles,
        router: Router,
        fetcher: Fetcher,
        pool: WorkPool,
        settings: Settings,
        on_articles: ArticleSink | None = None,
        stories: Stories | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Keep the parts a poll uses (built once, in bot.services): the repositories of
        sources, of polls' writes and of articles (for the story index), and the ``router``
        that plans each article's alerts (refreshed each cycle when it matches topics)."""
        self._sources = sources
        self._ingest = ingest
        self._articles = articles
        self._fetcher = fetcher
        self._pool = pool
        self._settings = settings
        self._on_articles = on_articles
        self._router = router
        self._stories = stories
        self._stories_loading = asyncio.Lock()
        self._clock = clock
        self._in_flight: set[int] = set()
        self._store_retry_at: datetime | None = None
        self._polling = asyncio.Semaphore(settings.http_concurrency)
        self._builder = ArticleBuilder(fetcher=fetcher, pool=pool, settings=settings, clock=clock)

    # ---- adding -------------------------------------------------------------------------------

    async def add_source(
        self,
        url: str,
        *,
        backfill: int = 0,
        join: Callable[[Source], Awaitable[None]] | None = None,
        refetch: bool = False,
    ) -> PollOutcome:
        """Watch ``url`` (a feed, or a page naming one) and poll it at once: the one way a
        source is added and polled in the same step (``/sources add``, ``newsbot demo``).

        A new source is created leased to this process, so no polling cycle, in this process or
        in another worker, takes it while this poll runs; recording the poll ends the lease (a
        crash leaves it to the cycles once the lease runs out). Its first poll is a baseline:
        its items are recorded as seen and only the newest ``backfill`` (0-5) become articles.
        ``join`` runs once the source exists and before it is polled (a server subscribing, so
        its alerts channel gets the backfill); what it raises stops the add. A URL already
        watched is not fetched again, unless ``refetch``: then it is polled in full, without a
        conditional GET (a server adding it must not learn that another server watches it)."""
        url = check_url(url)
        backfill = max(0, min(backfill, MAX_BACKFILL))
        now = self._clock()
        adding = (f"{self._settings.worker_name} (adding)", now + self._settings.lease)
        source, created = await self._sources.add_source(
            url, added_url=url, now=now, leased_to=adding
        )
        if join is not None:
            await join(source)
        if refetch:
            source = replace(source, etag=None, last_modified=None)
        elif not created and source.last_success_at is not None:
            return PollOutcome(source=source, ok=source.status is SourceStatus.OK)
        return await self.poll_source(source, backfill=backfill)

    async def add_sources(self, urls: Sequence[str]) -> int:
        """Record each URL as a source (if new) without polling; returns how many were new.
        A bad URL raises InvalidURL before any is stored."""
        checked = [check_url(url) for url in urls]
        known = await self._sources.known_urls(checked)
        now = self._clock()
        added = 0
        for url in dict.fromkeys(checked):
            if url not in known:
                _, created = await self._sources.add_source(url, added_url=url, now=now)
                added += created
        return added

    # ---- polling ------------------------------------------------------------------------------

    async def poll_due(self) -> CycleReport:
        """Poll every due source once, concurrently (within the fetcher's limits): the ones
        no other worker holds, leased to this one while it polls them. They are claimed
        POLL_BATCH at a time, the next batch when this one is done, so workers polling at once
        share the due sources instead of the first taking them all. Topics changed anywhere
        are loaded first; nothing is polled for a while after the store refused a write."""
        if self._store_retry_at is not None and self._clock() < self._store_retry_at:
            return CycleReport()
        await self._router.refresh()
        batch = self._settings.poll_batch
        report = CycleReport()
        polled: set[int] = set()
        while True:
            try:
                due = await self._sources.claim_due_sources(
                    self._clock(),
                    owner=self._settings.worker_name,
                    lease=self._settings.lease,
                    limit=batch,
                )
            except StoreUnavailable as exc:
                self._store_refused(exc)
                return report
            # A source whose outcome could not be recorded is still due (and leased to this
            # worker): it waits for the next cycle rather than being polled again in this one.
            fresh = [s for s in due if s.id not in polled]
            if fresh:
                polled.update(s.id for s in fresh)
                for outcome in (await self.poll_sources(fresh)).outcomes:
                    report.add(outcome)
            if len(fresh) < batch or self._store_retry_at is not None:
                return report

    async def poll_sources(self, sources: Sequence[Source]) -> CycleReport:
        """Poll these sources once each, concurrently; gone ones and ones in flight are skipped."""
        await self._catch_up_stories()
        todo = [
            s for s in sources if s.status is not SourceStatus.GONE and s.id not in self._in_flight
        ]
        if any(s.last_success_at is not None for s in todo):
            # Sources read before may have new items, whose articles need the quotation model.
            self._pool.expect_model()
        unchanged: list[tuple[int, datetime]] = []
        outcomes: list[PollOutcome | None] = [None] * len(todo)
        queue = iter(enumerate(todo))

        async def poller() -> None:
            # Each takes the next source when it is done with one: at most HTTP_CONCURRENCY
            # polls at once, as the semaphore allows, without a waiting task per source.
            for index, source in queue:
                outcomes[index] = await self._poll(source, 0, unchanged)

        await asyncio.gather(
            *(poller() for _ in range(min(len(todo), self._settings.http_concurrency)))
        )
        await self._record_unchanged(unchanged)
        report = CycleReport()
        for outcome in outcomes:
            if outcome is not None:
                report.add(outcome)
        return report

    async def poll_source(self, source: Source, *, backfill: int = 0) -> PollOutcome:
        """Poll one source now (backfill: how many of its newest items to post)."""
        unchanged: list[tuple[int, datetime]] = []
        if source.last_success_at is not None or backfill:
            self._pool.expect_model()
        outcome = await self._poll(source, backfill, unchanged)
        await self._record_unchanged(unchanged)
        return outcome

    async def _record_unchanged(self, unchanged: Sequence[tuple[int, datetime]]) -> None:
        try:
            await self._sources.record_not_modified(unchanged, now=self._clock())
        except StoreUnavailable as exc:
            self._store_refused(exc)

    def _store_refused(self, exc: StoreUnavailable) -> None:
        """Nothing of the poll was recorded, so its source is still due; fetching it again at
        once would only be refused again."""
        self._store_retry_at = self._clock() + timedelta(seconds=STORE_RETRY_SECONDS)
        log.warning("%s; due sources are polled again in %.0fs", exc, STORE_RETRY_SECONDS)

    def _unrecorded(self, source: Source, exc: StoreUnavailable) -> PollOutcome:
        # The store's trouble, not the source's: no failure is held against the source.
        self._store_refused(exc)
        return PollOutcome(source=source, ok=False, error=str(exc))

    async def run(
        self, stop: asyncio.Event, *, after_cycle: Callable[[CycleReport], None] | None = None
    ) -> None:
        """Poll until ``stop`` is set; ``after_cycle`` is told each cycle's report (an empty one
        when nothing was due)."""
        while not stop.is_set():
            report = await self.poll_due()
            if after_cycle is not None:
                after_cycle(report)
            if report.outcomes:
                log.info(
                    "cycle: %d ok, %d failed, %d new items, %d new articles",
                    report.sources_ok,
                    report.sources_failed,
                    report.new_items,
                    report.new_articles,
                )
            delay = await self._seconds_until_next_due()
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                continue

    async def _catch_up_stories(self) -> None:
        """Take into the story index what other workers stored since the last cycle (so a copy
        polled here joins an original polled there). One read of ids when nothing is new."""
        stories = self._stories
        if stories is None or not stories.loaded:
            return
        now = self._clock()
        since = (stories.caught_up or now) - CATCH_UP_MARGIN
        missing = stories.unknown(await self._articles.article_ids_fetched_since(since))
        if missing:
            stories.load(await self._articles.articles_with_stories(since, only=missing))
        stories.caught_up = now

    async def _load_stories(self, stories: Stories, now: datetime) -> None:
        """After a restart: the last days' articles, so their copies still join them. The
        index is built in a thread (seconds for long articles: never on the event loop) and
        served once whole; polls that need it meanwhile wait for this one load."""
        async with self._stories_loading:
            if stories.loaded:
                return
            recent = await self._articles.articles_with_stories(now - stories.index.window)
            stories.adopt(await asyncio.to_thread(stories.rebuilt, recent))

    async def _seconds_until_next_due(self) -> float:
        """Until the next source this worker may claim is due (0: one is already), at most
        IDLE_SLEEP_SECONDS, or until the store pause ends. Sources other workers hold don't
        count, so a worker whose batch is done doesn't spin while another polls the rest."""
        now = self._clock()
        if self._store_retry_at is not None and now < self._store_retry_at:
            return min(IDLE_SLEEP_SECONDS, (self._store_retry_at - now).total_seconds())
        due_at = await self._sources.next_claimable_at(now, owner=self._settings.worker_name)
        if due_at is None:
            return IDLE_SLEEP_SECONDS
        return min(max((due_at - now).total_seconds(), 0.0), IDLE_SLEEP_SECONDS)

    async def _poll(
        self, source: Source, backfill: int, unchanged: list[tuple[int, datetime]]
    ) -> PollOutcome:
        if source.id in self._in_flight:
            return PollOutcome(source=source, ok=True, error="already being polled")
        self._in_flight.add(source.id)
        try:
            async with self._polling:
                return await self._poll_guarded(source, backfill, unchanged)
        except StoreUnavailable as exc:
            return self._unrecorded(source, exc)
        except (FetchError, FeedError, JobFailed) as exc:
            return await self._failed(
                source, str(exc), getattr(exc, "status", None), getattr(exc, "retry_after", None)
            )
        except Exception:
            # A bug must not stop the watcher; it is logged in full and recorded on the source.
            log.exception("unexpected error while polling source %s (%r)", source.id, source.url)
            return await self._failed(
                source, "Internal error while reading this source.", None, None
            )
        finally:
            self._in_flight.discard(source.id)

    async def _poll_guarded(
        self, source: Source, backfill: int, unchanged: list[tuple[int, datetime]]
    ) -> PollOutcome:
        # The first successful look at a feed is its baseline, even after failed attempts.
        baseline = source.last_success_at is None
        agent = source.user_agent
        result = await self._fetcher.fetch(
            source.url,
            etag=None if baseline else source.etag,
            last_modified=None if baseline else source.last_modified,
            user_agent=agent,
        )
        interval = source.interval(self._settings.poll_interval_seconds)
        if result.not_modified:
            unchanged.append((source.id, next_success_poll(self._clock(), interval)))
            return PollOutcome(source=source, ok=True, not_modified=True)
        moved_to = result.moved_to
        try:
            feed = await self._builder.parse(result)
        except NotAFeed as exc:
            if not (baseline and exc.alternates):
                raise
            # Autodiscovery: the URL was a site page naming its feed.
            result = await self._fetcher.fetch(exc.alternates[0], user_agent=agent)
            feed = await self._builder.parse(result)
            moved_to = result.final_url
        now = self._clock()
        if baseline:
            fresh = _newest(feed.items, backfill)
            seen_keys = [key for item in feed.items for key in item.keys]
        else:
            unseen = await self._sources.unseen_keys(
                source.id, (key for item in feed.items for key in item.keys)
            )
            fresh = [item for item in feed.items if all(key in unseen for key in item.keys)]
            seen_keys = list(unseen)
        fresh.sort(key=lambda item: item.published or now)
        title = feed.title or source.title
        built, failed = await self._builder.articles(source.id, title, fresh, source.user_agent)
        unsettled = {key for item in failed for key in item.keys}
        seen_keys = [key for key in seen_keys if key not in unsettled]
        change = PollSuccess(
            title=feed.title or None,
            site_url=feed.link,
            etag=result.etag,
            last_modified=result.last_modified,
            moved_to=moved_to,
            next_poll_at=next_success_poll(now, interval),
        )
        # A topic added anywhere during a long cycle applies within seconds.
        await self._router.refresh(at_most_every=TOPIC_CHECK_SECONDS)
        unmatched: dict[str, Problem] = {}

        def lost(article: Article, exc: Exception) -> None:
            unmatched[article.item_key] = logged_problem(article, Stage.TOPICS, exc)

        planned = await self._router.plan(source, built, on_failure=lost)
        built = [
            replace(a, problems=(*a.problems, unmatched[a.item_key]))
            if a.item_key in unmatched
            else a
            for a in built
        ]
        if built and self._stories is not None and not self._stories.loaded:
            await self._load_stories(self._stories, now)
        recorded = await self._ingest.record_poll(
            source,
            change,
            seen_keys=seen_keys,
            new_articles=built,
            now=now,
            planned=planned,
            stories=self._stories,
            failed=failed,
            item_keys={item.keys[0]: item.keys for item in fresh},
        )
        await self._hand_over(source, recorded)
        return PollOutcome(
            source=source,
            ok=True,
            baseline=baseline,
            feed_title=title,
            feed_kind=feed.kind,
            items_in_feed=len(feed.items),
            new_items=len(fresh) if not baseline else 0,
            articles=tuple(recorded.articles),
            failed_items=recorded.failed,
            given_up=recorded.given_up,
        )

    async def _hand_over(self, source: Source, recorded: PollRecord) -> None:
        """The stored articles to the sink (the demo's printer): its failure is its own."""
        if not recorded.articles or self._on_articles is None:
            return
        try:
            await self._on_articles(source, recorded.articles)
        except Exception:
            log.exception("source %s: the article sink failed", source.id)

    async def _failed(
        self, source: Source, message: str, status: int | None, retry_after: float | None
    ) -> PollOutcome:
        now = self._clock()
        gone = status == 410
        next_poll = next_failure_poll(
            now,
            error_count=source.error_count + 1,
            interval=self._settings.poll_interval_seconds,
            cap=self._settings.max_backoff_seconds,
            retry_after=retry_after if status in RETRY_AFTER_STATUSES else None,
        )
        log.info("source %s (%r) failed: %r", source.id, source.url, message)
        try:
            updated = await self._sources.record_failure(
                source, message, now=now, next_poll_at=next_poll, gone=gone
            )
        except StoreUnavailable as exc:
            return self._unrecorded(source, exc)
        return PollOutcome(source=updated, ok=False, error=message)


def _newest(items: Sequence[FeedItem], count: int) -> list[FeedItem]:
    if count <= 0:
        return []
    if all(item.published for item in items):
        ordered = sorted(items, key=lambda item: item.published or EARLIEST, reverse=True)
        return ordered[:count]
    return list(items[:count])
