"""/news at scale: the core query behind each command on a realistic store of 1,000,000 articles.

    python bench/queries.py [--articles 1000000] [--db /tmp/newsbot-queries.sqlite3] [--reuse]
                            [--postgres-url URL [--skip-sqlite]]
                            [--queries 200] [--budget 90] [--workers 1] [--primary-only]

The store (see bench/_newsstore.py) is made by the real migrations and filled through the real
schema, FTS5 triggers included: ~2,000 sources, articles over 90 days with 3-6 quotations each,
the speakers table, and three servers watching 20, 200 and 1,000 sources. ``--reuse`` keeps an
existing file that already holds ``--articles`` articles, and goes on with one whose generation
was stopped (made with the same ``--articles``).

``--postgres-url`` writes the same store into a PostgreSQL database (bench/_pgstore.py; its
tables are replaced, or kept with ``--reuse``) and times every command there too; the report
then ends with both engines side by side.

Each command is timed through the real async API (``News`` over its repositories on aiosqlite or
asyncpg), wall clock and CPU time per call (this process's, and on a PostgreSQL server running
on this machine its processes' too, read from /proc: on a loaded machine the CPU time is what
the wall clock would be on a quiet one), after a few warm-up calls: /news latest (no topic;
a topic over 24 h and 168 h), search (7 and 30 days, snippets of the first page included),
quotes (the speaker autocomplete on 3-5 typed letters, a chosen speaker's key quotes, all key
quotes, key quotes about a topic),
coverage (7 and 30 days, the store query and the counting) and the scope lookup every command
starts with. Topics are drawn from a mix of common and rare subjects, phrases, title: and source:
filters, exclusions, OR and plain words. Each command gets ``--queries`` calls, or fewer (at
least 20) once it has taken ``--budget`` seconds, so that a slow one can't hold the run for
hours; the table says how many. The database file is read once before timing, so the OS page
cache is warm: these are warm-cache figures.

Targets (the issue's): p95 <= 50 ms for each command, the database at most ~3x the raw text
(titles, leads, texts and quotation texts, in UTF-8), the coverage chart drawn in <= 300 ms.
The figures are for the server watching 200 sources; the others follow. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _newsstore as newsstore  # noqa: E402  (bench/ helper, beside this script)

DEFAULT_DB = Path("/tmp/newsbot-queries.sqlite3")
TARGET_P95_MS = 50.0
TARGET_DB_TO_TEXT = 3.0
TARGET_CHART_MS = 300.0
WARMUP = 5
MIN_CALLS = 20
CHART_REPEATS = 15
PRIMARY_GUILD = 1002
MB = 1024 * 1024

Call = Callable[[], Awaitable[int]]
"""One timed call; returns how many results it found (items on the page, or articles)."""
Make = Callable[[int], Awaitable[Call]]
"""Sets sample i up (untimed) and returns its call."""


@dataclass(slots=True)
class Timing:
    key: str
    label: str
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    """CPU time per call: this process's (on SQLite, the query's own work), plus on a
    PostgreSQL server running on this machine its processes' (read from /proc): what the wall
    clock approaches on a quiet machine, which a loaded one's wall clock can't show."""
    results: list[int] = field(default_factory=list)
    slowest: tuple[float, str, Any] | None = None
    """(ms, SQL, parameters) of the slowest statement of the slowest call."""
    plan: list[str] = field(default_factory=list)
    """Its plan, for a command over the target (with --explain)."""

    def pct(self, q: float, *, cpu: bool = False) -> float:
        """Nearest-rank percentile, in ms (of the wall clock, or of CPU time)."""
        ordered = sorted(self.cpu_ms if cpu else self.ms)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    @property
    def met(self) -> bool:
        return self.pct(95) <= TARGET_P95_MS

    def median_results(self) -> int:
        ordered = sorted(self.results)
        return ordered[len(ordered) // 2]


class ServerCpu:
    """CPU time spent by a PostgreSQL server on this machine: its postmaster's child
    processes' run time (``/proc/<pid>/schedstat``, nanoseconds)."""

    def __init__(self, postmaster: int) -> None:
        self._children = Path(f"/proc/{postmaster}/task/{postmaster}/children")

    @classmethod
    async def find(cls, store: Any) -> ServerCpu | None:
        """The server's, when the store's server runs here and /proc shows it; else None."""
        async with store.database.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                return None
            backend = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        return cls.of_backend(int(backend))

    @classmethod
    def of_backend(cls, backend: int) -> ServerCpu | None:
        """The server of this backend process (its parent), if /proc shows it."""
        try:
            stat = Path(f"/proc/{backend}/stat").read_text()
            found = cls(int(stat.rsplit(")", 1)[1].split()[1]))
            found.seconds()
        except (OSError, ValueError, IndexError):
            return None
        return found

    def seconds(self) -> float:
        total = 0
        for pid in self._children.read_text().split():
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a process that ended meanwhile
        return total / 1e9


class Statements:
    """Each statement the store sends, with how long the database took (for the plans of the
    slowest calls)."""

    def __init__(self, store: Any) -> None:
        from sqlalchemy import event

        self.seen: list[tuple[float, str, Any]] = []
        self._engine = store.database.engine
        event.listen(self._engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(self._engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        self.seen.append((elapsed, statement, parameters))

    async def plan(self, statement: str, parameters: Any) -> list[str]:
        """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of a statement."""
        async with self._engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                return [f"{'  ' * (row[1] > 0)}{row[3]}" for row in rows]
            rows = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            return [str(row[0]) for row in rows]


async def timed(
    key: str,
    label: str,
    make: Make,
    count: int,
    *,
    budget_s: float,
    statements: Statements | None = None,
    server: ServerCpu | None = None,
) -> Timing:
    """Warm up, then time each call; stop early once the budget is spent (never below
    MIN_CALLS). Setting a sample up is not timed."""
    for i in range(WARMUP):
        await (await make(i))()
    timing = Timing(key, label)
    spent = 0.0
    for i in range(WARMUP, count):
        if spent > budget_s and len(timing.ms) >= MIN_CALLS:
            break
        call = await make(i)
        if statements is not None:
            statements.seen.clear()
        served = server.seconds() if server is not None else 0.0
        started, cpu = time.perf_counter(), time.process_time()
        found = await call()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if server is not None:
            cpu += server.seconds() - served
        timing.cpu_ms.append(cpu * 1000)
        spent += elapsed
        timing.ms.append(elapsed * 1000)
        timing.results.append(found)
        if statements is not None and statements.seen and elapsed * 1000 >= max(timing.ms):
            timing.slowest = max(statements.seen, key=lambda seen: seen[0])
    return timing


async def bench_guild(
    news: Any,
    guild_id: int,
    world: newsstore.World,
    samples: int,
    *,
    budget_s: float,
    statements: Statements | None = None,
    server: ServerCpu | None = None,
    commands: set[str] | None = None,
) -> list[Timing]:
    """Every command for one server (or those of ``commands``, by key); sample i of each
    command uses the same drawn topic."""
    from bot.errors import UserFacingError
    from bot.news import ArticlePage, News, QuotePage, Scope
    from bot.topics import Topic

    assert isinstance(news, News)
    rng = random.Random(newsstore.SEED + guild_id)
    count = samples + WARMUP
    scope: Scope = await news.scope(guild_id)
    topics: list[Topic] = []
    for typed in newsstore.subject_queries(world, rng, 2 * count):
        try:
            topics.append(news.query(typed))
        except UserFacingError:
            continue
    count = min(count, len(topics))
    prefixes = newsstore.speaker_prefixes(world, rng, count)
    pick_from = newsstore.speaker_prefixes(world, rng, 4 * count)

    def plain(run: Callable[[int], Awaitable[int]]) -> Make:
        async def make(i: int) -> Call:
            return lambda: run(i)

        return make

    async def items(page: Awaitable[ArticlePage | QuotePage]) -> int:
        return len((await page).items)

    async def scope_size(_: int) -> int:
        return len((await news.scope(guild_id)).sources)

    async def suggestions(i: int) -> int:
        return len(await news.speakers(scope, prefixes[i]))

    async def coverage(i: int, days: int) -> int:
        return (await news.coverage(scope, topics[i], days=days)).total

    async def by_speaker(i: int) -> Call:
        # Someone picked from the autocomplete, as the command is used; typed letters when
        # nothing is suggested.
        speaker = pick_from[4 * i]
        for prefix in pick_from[4 * i : 4 * i + 4]:
            names = await news.speakers(scope, prefix)
            if names:
                speaker = random.Random(i).choice(names)
                break
        return lambda: items(news.quotes(scope, speaker=speaker, topic=None, days=7))

    plan: list[tuple[str, str, Make]] = [
        ("scope", "scope (the server's sources)", plain(scope_size)),
        (
            "latest_24h",
            "latest, 24 h",
            plain(lambda i: items(news.latest(scope, topic=None, hours=24))),
        ),
        (
            "latest_topic_24h",
            "latest + topic, 24 h",
            plain(lambda i: items(news.latest(scope, topic=topics[i], hours=24))),
        ),
        (
            "latest_topic_168h",
            "latest + topic, 168 h",
            plain(lambda i: items(news.latest(scope, topic=topics[i], hours=168))),
        ),
        (
            "search_7d",
            "search, 7 days (+ snippets)",
            plain(lambda i: items(news.search(scope, topics[i], days=7))),
        ),
        (
            "search_30d",
            "search, 30 days (+ snippets)",
            plain(lambda i: items(news.search(scope, topics[i], days=30))),
        ),
        ("speakers", "quotes: speaker autocomplete", plain(suggestions)),
        ("quotes_speaker_7d", "quotes by a speaker, 7 days", by_speaker),
        (
            "quotes_7d",
            "quotes, 7 days",
            plain(lambda i: items(news.quotes(scope, speaker=None, topic=None, days=7))),
        ),
        (
            "quotes_topic_7d",
            "quotes + topic, 7 days",
            plain(lambda i: items(news.quotes(scope, speaker=None, topic=topics[i], days=7))),
        ),
        ("coverage_7d", "coverage, 7 days", plain(lambda i: coverage(i, 7))),
        ("coverage_30d", "coverage, 30 days", plain(lambda i: coverage(i, 30))),
    ]
    if commands is not None:
        plan = [entry for entry in plan if entry[0] in commands]
    timings = []
    for key, label, make in plan:
        timing = await timed(
            key, label, make, count, budget_s=budget_s, statements=statements, server=server
        )
        print(
            f"  {label:<32} p95 {timing.pct(95):8.1f} ms  ({len(timing.ms)} calls, "
            f"{sum(timing.ms) / 1000:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        timings.append(timing)
    return timings


def print_table(timings: list[Timing]) -> None:
    print(
        f"  {'command':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'target':>9}  "
        f"{'met':<4} {'calls':>5} {'results':>7} {'cpu p95':>8}"
    )
    for t in timings:
        print(
            f"  {t.label:<32} {t.pct(50):8.1f} {t.pct(95):8.1f} {t.pct(99):8.1f} "
            f"{'p95<=' + format(TARGET_P95_MS, 'g'):>9}  {'yes' if t.met else 'NO':<4} "
            f"{len(t.ms):>5} {t.median_results():>7} {t.pct(95, cpu=True):8.1f}"
        )


def print_compact(by_guild: dict[int, list[Timing]], *, cpu: bool = False) -> None:
    """Every server's p50 / p95 / p99 (and, with ``cpu``, the p95 of CPU time in brackets)."""
    guilds = list(by_guild)
    width = 32 if cpu else 24
    heads = "".join(f"{f'{newsstore.GUILDS[g]} sources':>{width}}" for g in guilds)
    print(f"  {'command':<32}{heads}")
    unit = "p50 / p95 / p99 (cpu p95) ms" if cpu else "p50 / p95 / p99 ms"
    print(f"  {'':<32}" + f"{unit:>{width}}" * len(guilds))
    for row in range(len(by_guild[guilds[0]])):
        label = by_guild[guilds[0]][row].label
        cells = ""
        for t in (by_guild[g][row] for g in guilds):
            text = f"{t.pct(50):.1f} / {t.pct(95):.1f} / {t.pct(99):.1f}"
            if cpu:
                text += f" ({t.pct(95, cpu=True):.1f})"
            cells += f"{text:>{width}}"
        print(f"  {label:<32}{cells}")


def print_side_by_side(by_engine: dict[str, dict[int, list[Timing]]], *, cpu: bool = False) -> None:
    """Per server: each command's p50 / p95 / p99 on each engine (and, with ``cpu``, the p95
    of CPU time in brackets), a p95 over the target marked."""
    engines = list(by_engine)
    width = 44 if cpu else 34
    unit = "p50 / p95 / p99 (cpu p95) ms" if cpu else "p50 / p95 / p99 ms"
    for guild_id in by_engine[engines[0]]:
        print(f"\nthe server watching {newsstore.GUILDS[guild_id]} sources:")
        heads = "".join(f"{name + ' ' + unit:>{width}}" for name in engines)
        print(f"  {'command':<32}{heads}")
        rows = by_engine[engines[0]][guild_id]
        for row in range(len(rows)):
            cells = ""
            for name in engines:
                t = by_engine[name][guild_id][row]
                mark = "" if t.met else " !"
                text = f"{t.pct(50):.1f} / {t.pct(95):.1f} / {t.pct(99):.1f}{mark}"
                if cpu:
                    text += f" ({t.pct(95, cpu=True):.1f})"
                cells += f"{text:>{width}}"
            print(f"  {rows[row].label:<32}{cells}")
    print(f"  (! = p95 over {TARGET_P95_MS:g} ms)")


CPU_KNOWN: dict[str, bool] = {}
"""Per database URL: whether the CPU figures hold the database's own work (SQLite, in this
process; a PostgreSQL server on this machine)."""


async def measure(
    url: str, world: newsstore.World, args: argparse.Namespace
) -> dict[int, list[Timing]]:
    from bot.news import News
    from bot.storage.repositories import Repositories

    store = Repositories.open(url)
    statements = Statements(store)
    try:
        server = await ServerCpu.find(store)
        if server is not None:
            print("  (the server's CPU time is read from /proc)", file=sys.stderr)
        news = News(
            queries=store.queries,
            coverage=store.coverage,
            articles=store.articles,
            guilds=store.guilds,
            clock=lambda: newsstore.END,
        )
        guilds = [PRIMARY_GUILD] if args.primary_only else list(newsstore.GUILDS)
        if args.servers:
            guilds = [g for g, watched in newsstore.GUILDS.items() if watched in args.servers]
        guilds.sort(key=lambda g: g != PRIMARY_GUILD)
        by_guild: dict[int, list[Timing]] = {}
        for guild_id in guilds:
            print(
                f"timing the server watching {newsstore.GUILDS[guild_id]} sources ...",
                file=sys.stderr,
            )
            by_guild[guild_id] = await bench_guild(
                news,
                guild_id,
                world,
                args.queries,
                budget_s=args.budget,
                statements=statements,
                server=server,
                commands=set(args.commands) if args.commands else None,
            )
            CPU_KNOWN[url] = server is not None or url.startswith("sqlite")
        if args.explain:
            await explain_slow(by_guild, statements)
    finally:
        await store.close()
    return by_guild


async def explain_slow(by_guild: dict[int, list[Timing]], statements: Statements) -> None:
    """For each command over the target: its slowest call's slowest statement, with the plan
    (run again, under EXPLAIN ANALYZE on PostgreSQL)."""
    for guild_id, timings in by_guild.items():
        for t in timings:
            if t.met or t.slowest is None:
                continue
            ms, statement, parameters = t.slowest
            plan = await statements.plan(statement, parameters)
            t.plan = [
                f"{t.label}, {newsstore.GUILDS[guild_id]} sources: p95 {t.pct(95):.1f} ms; "
                f"the slowest call's slowest statement took {ms:.1f} ms:",
                *(f"    {line}" for line in plan[:40]),
            ]


async def _migrate(url: str) -> None:
    from bot.storage.repositories import Repositories

    store = Repositories.open(url)
    try:
        await store.database.migrate()
    finally:
        await store.close()


def prepare_sqlite(
    world: newsstore.World, args: argparse.Namespace
) -> tuple[dict[str, float], float, float | None]:
    """The SQLite store (made, or reused and migrated): its sizes, the seconds taken to warm
    the page cache, and the seconds it took to generate (None: reused)."""
    path: Path = args.db
    url = f"sqlite+aiosqlite:///{path}"
    generate_s: float | None = None
    state = newsstore.generated(path, world) if args.reuse else None
    if state == "complete":
        print(f"reusing {path} ({args.articles:,} articles)", file=sys.stderr)
        asyncio.run(_migrate(url))  # a store made before a new migration gets it
    else:
        if state is None:
            newsstore.remove_database(path)
        print(
            f"{'going on' if state else 'generating'} {args.articles:,} articles into {path} ...",
            file=sys.stderr,
        )
        started = time.perf_counter()
        asyncio.run(_migrate(url))
        newsstore.populate(path, world, workers=args.workers)
        generate_s = time.perf_counter() - started
        print(f"generated in {generate_s:.0f} s", file=sys.stderr)
    print("measuring sizes ...", file=sys.stderr)
    return newsstore.sizes(path), newsstore.warm(path), generate_s


def prepare_postgres(
    world: newsstore.World, args: argparse.Namespace
) -> tuple[dict[str, float], float, float | None]:
    """The same for the PostgreSQL database of --postgres-url."""
    import _pgstore as pgstore

    url: str = args.postgres_url
    generate_s: float | None = None
    if args.reuse and asyncio.run(pgstore.counts_of(url)) == args.articles:
        print(f"reusing the PostgreSQL store ({args.articles:,} articles)", file=sys.stderr)
        asyncio.run(_migrate(url))
    else:
        print(f"generating {args.articles:,} articles into PostgreSQL ...", file=sys.stderr)
        started = time.perf_counter()
        asyncio.run(pgstore.clear(url))
        asyncio.run(_migrate(url))
        asyncio.run(pgstore.populate(url, world, workers=args.workers))
        generate_s = time.perf_counter() - started
        print(f"generated in {generate_s:.0f} s", file=sys.stderr)
    size = asyncio.run(pgstore.sizes(url))
    print("warming shared buffers and the page cache ...", file=sys.stderr)
    return size, asyncio.run(pgstore.warm(url)), generate_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument(
        "--postgres-url",
        help="also make (or reuse) the store in this PostgreSQL database and time it there "
        "(postgresql+asyncpg://user:password@host:port/db; its tables are replaced)",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="time only PostgreSQL (needs --postgres-url)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a store that holds --articles articles (or go on with one whose generation "
        "was stopped)",
    )
    parser.add_argument("--queries", type=int, default=200, help="timed calls per command")
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help=f"seconds per command after which timing stops early (at least {MIN_CALLS} calls)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, min(3, (os.cpu_count() or 1) + 1)),
        help="processes drawing articles while this one writes them (0: all in this one)",
    )
    parser.add_argument(
        "--primary-only", action="store_true", help="time only the server watching 200 sources"
    )
    parser.add_argument(
        "--commands",
        type=lambda text: text.split(","),
        help="time only these commands, by key (comma-separated: scope, latest_24h, "
        "latest_topic_24h, latest_topic_168h, search_7d, search_30d, speakers, "
        "quotes_speaker_7d, quotes_7d, quotes_topic_7d, coverage_7d, coverage_30d)",
    )
    parser.add_argument(
        "--servers",
        type=lambda text: [int(n) for n in text.split(",")],
        help="time only the servers watching these many sources (comma-separated: 20,200,1000)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the plan of the slowest statement of each command over the target "
        "(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)",
    )
    args = parser.parse_args()
    if args.articles < 1000 or args.queries < 1:
        parser.error("--articles must be at least 1000 and --queries positive")
    if args.skip_sqlite and not args.postgres_url:
        parser.error("--skip-sqlite needs --postgres-url")

    from bot.charts import render_seconds

    world = newsstore.make_world(args.articles)
    engines: dict[str, tuple[str, tuple[dict[str, float], float, float | None]]] = {}
    if not args.skip_sqlite:
        engines["SQLite"] = (f"sqlite+aiosqlite:///{args.db}", prepare_sqlite(world, args))
    if args.postgres_url:
        engines["PostgreSQL"] = (args.postgres_url, prepare_postgres(world, args))
    by_engine: dict[str, dict[int, list[Timing]]] = {}
    for name, (url, _) in engines.items():
        print(f"timing on {name} ...", file=sys.stderr)
        by_engine[name] = asyncio.run(measure(url, world, args))
    chart_ms = render_seconds(CHART_REPEATS) * 1000

    figures: dict[str, Any] = {
        "articles": args.articles,
        "sources": len(world.sources),
        "chart_ms": round(chart_ms, 1),
        "queries_per_command": args.queries,
    }
    for name, (_, (size, warm_s, generate_s)) in engines.items():
        prefix = "" if name == "SQLite" else "pg_"
        report_engine(
            name,
            world,
            size,
            warm_s,
            generate_s,
            by_engine[name],
            args,
            chart_ms,
            CPU_KNOWN.get(engines[name][0], False),
        )
        figures.update({prefix + k: v for k, v in engine_figures(size, generate_s).items()})
        for guild_id, timings in by_engine[name].items():
            tag = "" if guild_id == PRIMARY_GUILD else f"g{newsstore.GUILDS[guild_id]}_"
            for t in timings:
                for q in (50, 95, 99):
                    if tag and q != 95:
                        continue
                    figures[f"{prefix}{tag}{t.key}_p{q}_ms"] = round(t.pct(q), 2)
                figures[f"{prefix}{tag}{t.key}_cpu_p95_ms"] = round(t.pct(95, cpu=True), 2)
        missed = [
            f"{newsstore.GUILDS[g]}:{t.key}"
            for g, timings in by_engine[name].items()
            for t in timings
            if not t.met
        ]
        figures[f"{prefix}p95_all"] = "met" if not missed else "missed: " + ", ".join(missed)
    if len(by_engine) > 1:
        print("\nboth engines, side by side:")
        print_side_by_side(
            by_engine, cpu=all(CPU_KNOWN.get(url, False) for url, _ in engines.values())
        )
    for name, by_guild in by_engine.items():
        plans = [t.plan for timings in by_guild.values() for t in timings if t.plan]
        if plans:
            print(f"\nplans of the commands over {TARGET_P95_MS:g} ms on {name}:")
            for plan in plans:
                print("\n".join(plan))
    figures["chart"] = "met" if chart_ms <= TARGET_CHART_MS else "missed"
    print(json.dumps(figures))


def engine_figures(size: dict[str, float], generate_s: float | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "generate_s": round(generate_s, 1) if generate_s is not None else None,
        "db_mb": round(size["file"] / MB, 1),
    }
    if "text" in size:
        found["text_mb"] = round(size["text"] / MB, 1)
        found["db_to_text"] = round(size["file"] / size["text"], 2)
        found["quotes"] = int(size["quotes"])
        found["stories"] = int(size["stories"])
    if size.get("fts") is not None:
        found["fts_mb"] = round(size["fts"] / MB, 1)
    return found


def report_engine(  # noqa: PLR0917 - one engine's figures
    name: str,
    world: newsstore.World,
    size: dict[str, float],
    warm_s: float,
    generate_s: float | None,
    by_guild: dict[int, list[Timing]],
    args: argparse.Namespace,
    chart_ms: float,
    cpu_known: bool,
) -> None:
    print(f"\n==== {name} ====")
    if "text" in size:
        db_to_text = size["file"] / size["text"]
        print(
            f"store: {int(size['articles']):,} articles from {len(world.sources):,} sources over "
            f"{newsstore.DAYS} days, {int(size['quotes']):,} quotations, "
            f"{int(size['speaker_rows']):,} speaker rows; {int(size['stories']):,} stories (the "
            f"widest on {int(size['widest_story_outlets'])} outlets)"
        )
        print(
            f"  text: {size['text_mean_chars']:,.0f} chars ({size['text_mean_words']:.0f} words) "
            f"per article on average; raw text {size['text'] / MB:,.0f} MB (articles "
            f"{size['article_text_bytes'] / MB:,.0f} MB + quotations "
            f"{size['quote_text_bytes'] / MB:,.0f} MB)"
        )
        fts = size.get("fts")
        print(
            f"  database: {size['file'] / MB:,.0f} MB (after a checkpoint) = {db_to_text:.2f}x "
            f"the raw text (target <= {TARGET_DB_TO_TEXT:g}x) "
            f"{'yes' if db_to_text <= TARGET_DB_TO_TEXT else 'NO'}"
            + (f"; full-text index {fts / MB:,.0f} MB" if fts is not None else "")
        )
    else:
        print(f"store: {args.articles:,} articles; database {size['file'] / MB:,.0f} MB")
    gen = f"{generate_s:.0f} s" if generate_s is not None else "reused"
    print(f"  generation: {gen}; read once to warm the caches ({warm_s:.1f} s)")
    largest = sorted(
        ((k.removeprefix("object:"), v) for k, v in size.items() if k.startswith("object:")),
        key=lambda kv: -kv[1],
    )[:8]
    if largest:
        print("  largest objects: " + ", ".join(f"{k} {v / MB:,.0f} MB" for k, v in largest))
    primary = by_guild.get(PRIMARY_GUILD)
    if primary is not None:
        print(
            f"\n/news on {name} for the server watching {newsstore.GUILDS[PRIMARY_GUILD]} "
            f"sources (warm caches; {args.queries} timed calls each after {WARMUP} warm-up "
            "calls; results = median items on the first page, or stories for coverage):"
        )
        print_table(primary)
        chart_met = "yes" if chart_ms <= TARGET_CHART_MS else "NO"
        print(
            f"  {'coverage chart (render_seconds)':<32} {chart_ms:8.1f} {'':>8} {'':>8} "
            f"{'<=' + format(TARGET_CHART_MS, 'g'):>9}  {chart_met}"
        )
    if len(by_guild) > 1:
        print(f"\nall three servers on {name}:")
        print_compact(by_guild, cpu=cpu_known)


if __name__ == "__main__":
    main()
