"""One process's measurements: Prometheus metrics in a registry of its own, the minute counts the
status page charts, and when each background loop last finished a round (for /readyz).

The composition root makes one ``Metrics`` per process and hands it to what it measures; nothing
here is global, so tests (and several bots in one test process) never share counts.
"""

from __future__ import annotations

import json
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from bot.status import minute_of

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text exposition format /metrics answers in."""

POLL_OUTCOMES = ("ok", "not_modified", "failed")
ALERT_RESULTS = ("sent", "summarized", "retried", "failed", "dropped")
LOOPS = ("poll", "deliver")
ACTIVITY_KINDS = tuple(f"poll_{o}" for o in POLL_OUTCOMES) + tuple(
    f"alert_{r}" for r in ALERT_RESULTS
)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)
"""Discord drops an interaction not answered within 3 s."""
COMMAND_OUTCOMES = ("ok", "refused", "error")


class CycleCounts(Protocol):
    """What a polling cycle's report says (bot.poll_report.CycleReport has these)."""

    @property
    def sources_ok(self) -> int:
        """Sources polled without error."""
        ...

    @property
    def sources_failed(self) -> int:
        """Sources whose poll failed."""
        ...

    @property
    def not_modified(self) -> int:
        """Sources that said nothing changed."""
        ...

    @property
    def new_articles(self) -> int:
        """Articles stored."""
        ...

    @property
    def degraded(self) -> int:
        """Articles kept without part of their processing."""
        ...

    @property
    def given_up(self) -> int:
        """Items given up after failing three polls."""
        ...


class _Statements(Collector):
    """The store's statement count, read when scraped (the store keeps the count itself)."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "newsbot_db_statements", "Statements this process sent to the database."
        )
        family.add_metric([], float(self._read()))
        yield family


class Metrics:
    """This process's metrics. ``role`` is ``gateway`` (newsbot run) or ``worker``."""

    def __init__(
        self,
        *,
        role: str,
        version: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        process_metrics: bool = True,
    ) -> None:
        """Counters for a process of the given role."""
        self.role = role
        self.registry = CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._rounds: dict[str, float] = {}
        self._activity: Tally[tuple[datetime, str]] = Tally()
        reg = self.registry
        if process_metrics:
            # Memory (resident and virtual), CPU, open files; the interpreter's GC and version.
            ProcessCollector(registry=reg)
            GCCollector(registry=reg)
            PlatformCollector(registry=reg)
        info = Gauge(
            "newsbot_info", "This process: version and role.", ["version", "role"], registry=reg
        )
        info.labels(version=version, role=role).set(1)
        self.polls = Counter(
            "newsbot_polls", "Source polls, by outcome.", ["outcome"], registry=reg
        )
        self.alerts = Counter(
            "newsbot_alerts",
            "Outbox rows handled by delivery, by result (summarized: rolled into a summary "
            "message; retried: a temporary failure, tried again later; failed: given up after "
            "Discord rejected it repeatedly; dropped: its channel refused the bot, DMs closed).",
            ["result"],
            registry=reg,
        )
        for outcome in POLL_OUTCOMES:
            self.polls.labels(outcome=outcome)
        for result in ALERT_RESULTS:
            self.alerts.labels(result=result)
        self.loop_round = Gauge(
            "newsbot_loop_last_round_timestamp_seconds",
            "When each background loop last finished a round (Unix time).",
            ["loop"],
            registry=reg,
        )
        self.outbox_pending = Gauge(
            "newsbot_outbox_pending",
            "Alerts waiting in the outbox (the whole database's, read when scraped).",
            registry=reg,
        )
        self.outbox_oldest_age = Gauge(
            "newsbot_outbox_oldest_age_seconds",
            "Age of the oldest alert waiting in the outbox (0 when none is).",
            registry=reg,
        )

        self.fetch_seconds = Histogram(
            "newsbot_fetch_seconds",
            "Time to fetch one document, redirects included, by kind (feed or page).",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        # Each kind's and job's labelled child, made on first use (labels() costs more than an
        # observation, and a steady cycle observes one fetch per source).
        self._fetch_kinds: dict[str, Histogram] = {}
        self._pool_jobs: dict[str, Histogram] = {}
        self.articles = Counter(
            "newsbot_articles",
            "Articles stored, by state: complete, or degraded (kept without a stage's work, "
            "such as the page's text or the quotations).",
            ["state"],
            registry=reg,
        )
        for state in ("complete", "degraded"):
            self.articles.labels(state=state)
        self.items_given_up = Counter(
            "newsbot_items_given_up",
            "Feed items no article could be made of, given up after repeated polls.",
            registry=reg,
        )
        self.pool_job_seconds = Histogram(
            "newsbot_pool_job_seconds",
            "Time of one job in the parsing pool (parse_feed, build_article, ...), waiting for "
            "its turn excluded.",
            ["job"],
            buckets=FAST_BUCKETS,
            registry=reg,
        )
        self.matcher_seconds = Histogram(
            "newsbot_matcher_seconds",
            "Time to match one article against every topic.",
            buckets=FAST_BUCKETS,
            registry=reg,
        )
        self.discord_rate_limited = Counter(
            "newsbot_discord_rate_limited",
            "Discord's 429 answers (discord.py waits and retries), by scope: user (a route's "
            "bucket), global or shared.",
            ["scope"],
            registry=reg,
        )
        self.interaction_answer_seconds = Histogram(
            "newsbot_interaction_answer_seconds",
            "From an interaction's creation (its id's time) to newsbot's first answer (a reply, "
            "a deferral or an update); the count is the interactions answered.",
            buckets=ANSWER_BUCKETS,
            registry=reg,
        )
        self.commands = Counter(
            "newsbot_commands",
            "Slash commands handled, by command and outcome (ok; refused: the user was told "
            "why; error: a bug, logged).",
            ["command", "outcome"],
            registry=reg,
        )

    # ---- what the loops report ----------------------------------------------------------------

    def round_done(self, loop: str) -> None:
        """A background loop (``poll`` or ``deliver``) finished a round."""
        self._rounds[loop] = time.monotonic()
        self.loop_round.labels(loop=loop).set(self._clock().timestamp())

    def idle_loops(self, loops: Iterable[str], within: timedelta) -> list[str]:
        """Of ``loops``, the ones that have not finished a round within ``within``, each as a
        sentence for /readyz."""
        now = time.monotonic()
        idle = []
        for loop in loops:
            last = self._rounds.get(loop)
            if last is None:
                idle.append(f"the {loop} loop has not finished a round yet")
            elif now - last > within.total_seconds():
                idle.append(
                    f"the {loop} loop last finished a round {now - last:.0f}s ago "
                    f"(more than {within.total_seconds():.0f}s)"
                )
        return idle

    def polled(self, *, ok: int, not_modified: int, failed: int) -> None:
        """One polling cycle's outcomes (``ok`` includes the ``not_modified`` ones)."""
        self._count(
            self.polls, "poll", ok=ok - not_modified, not_modified=not_modified, failed=failed
        )

    def cycle(self, report: CycleCounts) -> None:
        """One polling cycle's report: its polls, the articles it stored, the items given up."""
        self.polled(
            ok=report.sources_ok, not_modified=report.not_modified, failed=report.sources_failed
        )
        degraded = min(report.degraded, report.new_articles)
        self.articles.labels(state="complete").inc(report.new_articles - degraded)
        self.articles.labels(state="degraded").inc(degraded)
        self.items_given_up.inc(report.given_up)

    def delivered(
        self, *, sent: int, summarized: int, retried: int, failed: int, dropped: int = 0
    ) -> None:
        """One delivery round's results."""
        self._count(
            self.alerts,
            "alert",
            sent=sent,
            summarized=summarized,
            retried=retried,
            failed=failed,
            dropped=dropped,
        )

    def _count(self, counter: Counter, prefix: str, **counts: int) -> None:
        minute = minute_of(self._clock())
        for label, count in counts.items():
            if count:
                counter.labels(label).inc(count)
                self._activity[(minute, f"{prefix}_{label}")] += count

    def fetched(self, kind: str, seconds: float) -> None:
        """One fetch (``feed`` or ``page``) took ``seconds``."""
        _child(self._fetch_kinds, self.fetch_seconds, kind).observe(seconds)

    def pool_job(self, job: str, seconds: float) -> None:
        """A parsing-pool job ran for ``seconds``."""
        _child(self._pool_jobs, self.pool_job_seconds, job).observe(seconds)

    def matched(self, seconds: float) -> None:
        """One article was matched against every topic in ``seconds``."""
        self.matcher_seconds.observe(seconds)

    def rate_limited(self, scope: str | None) -> None:
        """Discord answered 429."""
        self.discord_rate_limited.labels(scope=scope or "user").inc()

    def answered(self, seconds: float) -> None:
        """An interaction got its first answer ``seconds`` after it was created."""
        self.interaction_answer_seconds.observe(max(seconds, 0.0))

    def command(self, name: str, outcome: str) -> None:
        """A slash command ended (``ok``, ``refused`` or ``error``)."""
        self.commands.labels(command=name, outcome=outcome).inc()

    def count_statements(self, read: Callable[[], int]) -> None:
        """Report the store's running statement count as ``newsbot_db_statements_total``."""
        self.registry.register(_Statements(read))

    # ---- what is read out ---------------------------------------------------------------------

    def take_activity(self) -> dict[tuple[datetime, str], int]:
        """The minute counts since the last call (to be added to the store's)."""
        taken = dict(self._activity)
        self._activity.clear()
        return taken

    def give_back(self, activity: dict[tuple[datetime, str], int]) -> None:
        """Counts taken but not stored (the store refused the write): kept for the next try."""
        self._activity.update(activity)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """One sample's value (0 if absent), e.g. ``value("newsbot_polls_total")`` summed over
        its labels when ``labels`` is None."""
        total = 0.0
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name != name:
                    continue
                if labels is None or all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)

    def write_stats(self, path: Path, *, worker: str) -> None:
        """Append one JSON line of running totals to ``path`` (STATS_FILE; bench/scale.py reads
        ``polled`` and ``statements``), from this registry."""
        line = {
            "worker": worker,
            "polled": int(self.value("newsbot_polls_total")),
            "statements": int(self.value("newsbot_db_statements_total")),
            "time": time.time(),
        }
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def _child(children: dict[str, Histogram], histogram: Histogram, value: str) -> Histogram:
    """The histogram's child for its one label's ``value``, kept in ``children`` once made."""
    child = children.get(value)
    if child is None:
        child = children[value] = histogram.labels(value)
    return child
