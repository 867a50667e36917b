"""Many workers: `newsbot worker` processes sharing one database's sources, on loopback feeds.

    python bench/scale.py [--feeds 5000] [--hosts 50] [--latency-ms 100] [--items 50]
                          [--postgres-url URL] [--configs pg1,pg2,sqlite]

The feeds are served by ``bench/_feedserver.py`` in a separate process on 127.0.0.2 ... (one
address per host), each answer delayed by ``--latency-ms``. Three configurations, each on a fresh
database (a new PostgreSQL database, or a new SQLite file), migrated, with the N sources inserted
in one statement (status NEW, not yet due):

    pg1     PostgreSQL, one `newsbot worker` process
    pg2     PostgreSQL, two `newsbot worker` processes
    sqlite  SQLite, one `newsbot worker` process

Each worker is a real process (``python -m bot worker``) with PARSE_WORKERS=1, so it parses in a
thread of its own: one worker is one process, and two workers can use the machine's two cores
(with the default, one parse process per core, one worker alone would already spread over both
and a second would have nothing left to add). POLL_INTERVAL_SECONDS is a day, so each source is
polled once per cycle; each worker has its own WORKER_ID and STATS_FILE.

A cycle is timed without the workers' start-up: they are started with nothing due and waited for
until each has reported its first (empty) cycle. Then one UPDATE makes every source due at a
moment T a few seconds ahead, longer than a worker's idle sleep, so every worker wakes exactly at
T (a worker sleeps until the next source it may claim is due). Measured from T:

- wall: until the last source's poll was recorded (the latest ``last_polled_at``; the bench
  watches a COUNT every 0.2 s to know when all are done), and feeds/s = N / wall;
- CPU s per 1,000 feeds: the worker processes and all their descendants, from /proc (as
  bench/poll.py), between T and the end; the PostgreSQL server's CPU (postmaster and backends) is
  given apart when this script started the server;
- statements per feed: each worker's ``Database.statements`` (every statement it sent; an
  executemany counts once; BEGIN/COMMIT are not statements here), from its STATS_FILE line before
  T and the first line after its share of the cycle was done;
- sharing: the feed server's hit counters (every feed requested exactly once: N answers 200 in the
  first cycle, N answers 304 in the steady one) and how many sources each worker polled.

The first cycle is every feed new (fetched, parsed, its items recorded as seen, no articles); the
steady cycle makes every source due again and every feed answers 304 (ETag). The targets: two
workers on PostgreSQL at least 1.7x one worker's feeds/s on the first cycle, and PostgreSQL's
steady cycle (one worker) within 1.5x of SQLite's wall time. The feed server and the PostgreSQL
server share the machine with the workers. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from poll import CLK_TCK, FeedServer, _descendants, _proc_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SCRIPT = ROOT / ".ci" / "postgres.sh"
POSTGRES_URL_VARIABLE = "NEWSBOT_BENCH_POSTGRES_URL"
LEAD_SECONDS = 6.0
"""How far ahead of the UPDATE the cycle starts: longer than a worker's idle sleep (5 s)."""
WATCH_SECONDS = 0.2
READY_TIMEOUT_SECONDS = 120.0
CYCLE_TIMEOUT_SECONDS = 1800.0
STOP_TIMEOUT_SECONDS = 60.0
DROP_ATTEMPTS = 10
TARGET_SPEEDUP = 1.7
TARGET_STEADY_RATIO = 1.5
CONFIGS = {"pg1": ("postgresql", 1), "pg2": ("postgresql", 2), "sqlite": ("sqlite", 1)}


# ---- PostgreSQL: a throwaway server, and a fresh database per configuration --------------------


@dataclass(slots=True)
class Postgres:
    admin_url: str
    directory: Path | None = None  # set when this script started the server

    def server_cpu_seconds(self) -> float | None:
        """CPU of the postmaster and its backends (exited ones are in its cutime/cstime)."""
        if self.directory is None:
            return None
        try:
            pid = int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return sum(_proc_cpu_seconds(p) for p in [pid, *_descendants(pid, set())])


def _machine_busy_seconds() -> float:
    """CPU time all processes have used since boot (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[Postgres]:
    if url:
        yield Postgres(url)
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-pg-") as tmp:
        # Run as root, the server runs as the `postgres` user, which must reach the folder.
        os.chmod(tmp, 0o755)
        directory = Path(tmp) / "pg"
        env = {**os.environ, "PGPORT": str(_free_port())}
        done = subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "start", str(directory)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"could not start PostgreSQL:\n{done.stderr}")
        try:
            # "export NEWSBOT_TEST_POSTGRES_URL=<url>"
            admin = done.stdout.strip().split("=", 1)[1]
            print(f"started a throwaway PostgreSQL server ({admin.rsplit('@', 1)[1]})")
            yield Postgres(admin, directory)
        finally:
            subprocess.run(
                ["bash", str(POSTGRES_SCRIPT), "stop", str(directory)],
                env=env,
                capture_output=True,
                check=False,
            )


@contextlib.asynccontextmanager
async def fresh_database(engine: str, pg: Postgres | None, tmp: Path, name: str) -> Any:
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / f'{name}.sqlite3'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    assert pg is not None
    admin = make_url(pg.admin_url)
    database = f"newsbot_scale_{name}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(
        admin.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await conn.execute(f'CREATE DATABASE "{database}"')
        try:
            url = admin.set(drivername="postgresql+asyncpg", database=database)
            yield url.render_as_string(hide_password=False)
        finally:
            for attempt in range(DROP_ATTEMPTS):
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                    break
                except asyncpg.InsufficientPrivilegeError:
                    # An autovacuum worker (a superuser's process) in the database can't be
                    # terminated by our role; it is gone soon.
                    if attempt == DROP_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(1.0)
    finally:
        await conn.close()


# ---- the database as the bench sees it ---------------------------------------------------------


class Sources:
    """The bench's own connection: insert the sources, make them due, watch them being polled."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        self.engine = create_async_engine(url)

    async def insert(self, urls: list[str], not_before: datetime) -> None:
        from bot.sources import SourceStatus
        from bot.storage.schema import sources

        now = datetime.now(UTC)
        rows = [
            {
                "url": url,
                "added_url": url,
                "status": SourceStatus.NEW.value,
                "next_poll_at": not_before,
                "error_count": 0,
                "created_at": now,
            }
            for url in urls
        ]
        async with self.engine.begin() as conn:
            await conn.execute(sources.insert(), rows)

    async def due_at(self, when: datetime) -> None:
        from sqlalchemy import update

        from bot.storage.schema import sources

        async with self.engine.begin() as conn:
            await conn.execute(update(sources).values(next_poll_at=when))

    async def polled_since(self, when: datetime) -> tuple[int, datetime | None]:
        from sqlalchemy import func, select

        from bot.storage.schema import sources

        query = select(func.count(), func.max(sources.c.last_polled_at)).where(
            sources.c.last_polled_at >= when
        )
        async with self.engine.connect() as conn:
            count, last = (await conn.execute(query)).one()
        return int(count), last

    async def outcomes(self) -> dict[str, int]:
        from sqlalchemy import func, select

        from bot.storage.schema import sources

        query = select(sources.c.status, func.count()).group_by(sources.c.status)
        async with self.engine.connect() as conn:
            return {str(status): int(n) for status, n in (await conn.execute(query)).all()}

    async def errors(self, limit: int = 3) -> list[str]:
        from sqlalchemy import select

        from bot.storage.schema import sources

        query = select(sources.c.url, sources.c.last_error).where(sources.c.last_error.is_not(None))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        return [f"{url}: {error}" for url, error in rows]

    async def close(self) -> None:
        await self.engine.dispose()


# ---- the worker processes ----------------------------------------------------------------------


@dataclass(slots=True)
class Worker:
    name: str
    proc: subprocess.Popen[bytes]
    stats: Path
    log: Path

    @classmethod
    def start(cls, name: str, database_url: str, tmp: Path) -> Worker:
        stats, log = tmp / f"{name}.stats.jsonl", tmp / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DISCORD_"))}
        env.update(
            DATABASE_URL=database_url,
            ALLOW_PRIVATE_ADDRESSES="true",
            PARSE_WORKERS="1",
            POLL_INTERVAL_SECONDS=str(86400),
            WORKER_ID=name,
            STATS_FILE=str(stats),
            LOG_LEVEL="WARNING",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        with log.open("wb") as err:
            # cwd is the temporary folder, so no stray .env is read.
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "worker"],
                env=env,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        return cls(name, proc, stats, log)

    def lines(self) -> list[dict[str, Any]]:
        try:
            text = self.stats.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        # A line being written has no newline yet: only whole lines count.
        return [json.loads(line) for line in text.split("\n")[:-1]]

    def last(self) -> dict[str, Any] | None:
        lines = self.lines()
        return lines[-1] if lines else None

    def cpu_seconds(self) -> float:
        pid = self.proc.pid
        return sum(_proc_cpu_seconds(p) for p in [pid, *_descendants(pid, set())])

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"worker {self.name} exited ({self.proc.returncode}):\n{tail}")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


async def wait_ready(workers: list[Worker]) -> float:
    started = time.perf_counter()
    while not all(w.last() for w in workers):
        for worker in workers:
            worker.check_alive()
        if time.perf_counter() - started > READY_TIMEOUT_SECONDS:
            raise RuntimeError("the workers did not report in time")
        await asyncio.sleep(WATCH_SECONDS)
    return time.perf_counter() - started


# ---- one cycle ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Cycle:
    config: str
    name: str
    feeds: int
    wall_s: float
    worker_cpu_s: float
    server_cpu_s: float | None
    statements: int
    feed_server_cpu_s: float
    others_cores: float
    polled_by: dict[str, int]
    hits: dict[str, int]
    statuses: dict[str, int]
    exactly_once: bool
    notes: list[str] = field(default_factory=list)

    @property
    def feeds_per_s(self) -> float:
        return self.feeds / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_per_1000(self) -> float:
        return self.worker_cpu_s * 1000 / self.feeds

    @property
    def server_cpu_per_1000(self) -> float | None:
        return None if self.server_cpu_s is None else self.server_cpu_s * 1000 / self.feeds

    @property
    def worker_cores(self) -> float:
        """The workers' CPU over the wall time: how many cores they kept busy."""
        return self.worker_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def statements_per_feed(self) -> float:
        return self.statements / self.feeds

    def figures(self) -> dict[str, Any]:
        p = f"{self.config}_{self.name}"
        server = self.server_cpu_per_1000
        return {
            f"{p}_wall_s": round(self.wall_s, 3),
            f"{p}_feeds_per_s": round(self.feeds_per_s, 1),
            f"{p}_cpu_s_per_1000": round(self.cpu_per_1000, 3),
            f"{p}_pg_server_cpu_s_per_1000": None if server is None else round(server, 3),
            f"{p}_statements_per_feed": round(self.statements_per_feed, 3),
            f"{p}_feed_server_cpu_s_per_1000": round(self.feed_server_cpu_s * 1000 / self.feeds, 3),
            f"{p}_other_load_cores": round(self.others_cores, 2),
            f"{p}_worker_cores": round(self.worker_cores, 2),
            f"{p}_polled_by": self.polled_by,
            f"{p}_hits": self.hits,
            f"{p}_exactly_once": self.exactly_once,
        }


async def run_cycle(
    config: str,
    name: str,
    *,
    db: Sources,
    workers: list[Worker],
    server: FeedServer,
    pg: Postgres | None,
    feeds: int,
) -> Cycle:
    server.control("POST", "/stats/reset")
    before = {w.name: w.last() or {} for w in workers}
    start = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
    await db.due_at(start)
    await asyncio.sleep(max((start - datetime.now(UTC)).total_seconds(), 0.0))
    cpu_before = sum(w.cpu_seconds() for w in workers)
    server_before = pg.server_cpu_seconds() if pg is not None else None
    feeds_before = _proc_cpu_seconds(server.proc.pid)
    busy_before = _machine_busy_seconds()
    waited = time.perf_counter()
    while True:
        count, last = await db.polled_since(start)
        if count >= feeds:
            break
        for worker in workers:
            worker.check_alive()
        if time.perf_counter() - waited > CYCLE_TIMEOUT_SECONDS:
            raise RuntimeError(f"{config} {name}: only {count} of {feeds} polled in time")
        await asyncio.sleep(WATCH_SECONDS)
    cpu_after = sum(w.cpu_seconds() for w in workers)
    server_after = pg.server_cpu_seconds() if pg is not None else None
    feeds_cpu = _proc_cpu_seconds(server.proc.pid) - feeds_before
    busy = _machine_busy_seconds() - busy_before
    watched = time.perf_counter() - waited
    assert last is not None
    wall = (last - start).total_seconds()
    # Each worker's line written after the cycle's last poll_due returned holds its counts.
    after: dict[str, dict[str, Any]] = {}
    deadline = time.perf_counter() + 30.0
    while True:
        after = {w.name: w.last() or {} for w in workers}
        polled = sum(after[n].get("polled", 0) - before[n].get("polled", 0) for n in after)
        if polled >= feeds or time.perf_counter() > deadline:
            break
        await asyncio.sleep(WATCH_SECONDS)
    polled_by = {n: after[n].get("polled", 0) - before[n].get("polled", 0) for n in after}
    statements = sum(after[n].get("statements", 0) - before[n].get("statements", 0) for n in after)
    hits = {k: v for k, v in server.control("GET", "/stats").items() if k.startswith("feed")}
    expected = "feed 200" if name == "first" else "feed 304"
    exactly_once = hits.get(expected, 0) == feeds and sum(hits.values()) == feeds
    exactly_once = exactly_once and sum(polled_by.values()) == feeds
    cycle = Cycle(
        config=config,
        name=name,
        feeds=feeds,
        wall_s=wall,
        worker_cpu_s=cpu_after - cpu_before,
        server_cpu_s=(
            None if server_before is None or server_after is None else server_after - server_before
        ),
        statements=statements,
        polled_by=polled_by,
        hits=hits,
        feed_server_cpu_s=feeds_cpu,
        # What else ran meanwhile (other work on the machine, this script, the system), in
        # cores: all CPU time used on the machine less the workers', the servers'.
        others_cores=max(
            busy
            - (cpu_after - cpu_before)
            - feeds_cpu
            - ((server_after or 0) - (server_before or 0)),
            0.0,
        )
        / watched,
        statuses=await db.outcomes(),
        exactly_once=exactly_once,
    )
    if not exactly_once or cycle.statuses.get("ok", 0) != feeds:
        cycle.notes.extend(await db.errors())
    return cycle


async def run_config(
    config: str, server: FeedServer, pg: Postgres | None, args: argparse.Namespace, tmp: Path
) -> list[Cycle]:
    from bot.storage.repositories import Repositories

    engine, count = CONFIGS[config]
    async with fresh_database(engine, pg if engine == "postgresql" else None, tmp, config) as url:
        store = Repositories.open(url)
        try:
            await store.database.migrate()
        finally:
            await store.close()
        db = Sources(url)
        workers: list[Worker] = []
        try:
            later = datetime.now(UTC) + timedelta(days=1)
            await db.insert(server.feed_urls(args.feeds), later)
            workers = [Worker.start(f"{config}-w{n + 1}", url, tmp) for n in range(count)]
            ready = await wait_ready(workers)
            print(f"\n{config}: {count} worker(s) on {engine}, ready in {ready:.1f} s", flush=True)
            cycles = []
            for name in ("first", "steady"):
                on_pg = pg if engine == "postgresql" else None
                cycle = await run_cycle(
                    config, name, db=db, workers=workers, server=server, pg=on_pg, feeds=args.feeds
                )
                print(line(cycle), flush=True)
                cycles.append(cycle)
            return cycles
        finally:
            codes = [w.stop() for w in workers]
            for worker, code in zip(workers, codes, strict=True):
                if code != 0:
                    tail = worker.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                    print(f"  ! worker {worker.name} exited {code}:\n{tail}")
            await db.close()


# ---- the report --------------------------------------------------------------------------------


def line(c: Cycle) -> str:
    server = c.server_cpu_per_1000
    pg = "" if server is None else f" (+ PG server {server:.2f})"
    split = ", ".join(f"{n} {k}" for n, k in c.polled_by.items())
    hits = ", ".join(f"{k}: {v}" for k, v in sorted(c.hits.items()))
    text = (
        f"  {c.name:<7} {c.wall_s:7.2f} s  {c.feeds_per_s:7.1f} feeds/s  "
        f"{c.cpu_per_1000:6.2f} CPU-s/1000 feeds{pg}  "
        f"{c.statements_per_feed:.3f} statements/feed\n"
        f"  {'':<7} polled by {split}; server saw {hits}; "
        f"each feed once: {'yes' if c.exactly_once else 'NO'}\n"
        f"  {'':<7} feed server {c.feed_server_cpu_s * 1000 / c.feeds:.2f} CPU-s/1000 feeds; "
        f"workers kept {c.worker_cores:.2f} cores busy; "
        f"other load on the machine meanwhile {c.others_cores:.2f} cores"
    )
    for note in c.notes:
        text += f"\n  {'':<7} ! {note}"
    return text


def table(cycles: list[Cycle]) -> str:
    head = (
        f"{'configuration':<14} {'cycle':<7} {'wall s':>8} {'feeds/s':>8} "
        f"{'CPU s/1000':>10} {'PG srv s/1000':>13} {'stmts/feed':>10} {'once':>5} "
        f"{'other load':>10}"
    )
    rows = [head, "-" * len(head)]
    for c in cycles:
        server = c.server_cpu_per_1000
        rows.append(
            f"{c.config:<14} {c.name:<7} {c.wall_s:8.2f} {c.feeds_per_s:8.1f} "
            f"{c.cpu_per_1000:10.2f} {'-' if server is None else f'{server:.2f}':>13} "
            f"{c.statements_per_feed:10.3f} {'yes' if c.exactly_once else 'NO':>5} "
            f"{c.others_cores:10.2f}"
        )
    return "\n".join(rows)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    configs = [name.strip() for name in args.configs.split(",") if name.strip()]
    figures: dict[str, Any] = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "latency_ms": args.latency_ms,
        "items": args.items,
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
    }
    needs_pg = any(CONFIGS[c][0] == "postgresql" for c in configs)
    print(f"starting the feed server ({args.feeds} feeds on {args.hosts} hosts) ...", flush=True)
    server = FeedServer.start(
        feeds=args.feeds, hosts=args.hosts, latency_ms=args.latency_ms, items=args.items
    )
    cycles: list[Cycle] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="newsbot-scale-") as tmp,
            postgres_server(args.postgres_url) if needs_pg else contextlib.nullcontext() as pg,
        ):
            for config in configs:
                cycles += await run_config(config, server, pg, args, Path(tmp))
    finally:
        server.stop()
    figures["loadavg_after"] = os.getloadavg()
    for cycle in cycles:
        figures.update(cycle.figures())

    print("\n" + table(cycles))
    found = {(c.config, c.name): c for c in cycles}
    targets: dict[str, str] = {}
    print("\ntargets:")
    if ("pg1", "first") in found and ("pg2", "first") in found:
        speedup = found["pg2", "first"].feeds_per_s / found["pg1", "first"].feeds_per_s
        figures["speedup_2_workers_first"] = round(speedup, 2)
        targets["speedup"] = verdict(speedup >= TARGET_SPEEDUP)
        print(
            f"  2-worker first-cycle speedup = feeds/s(pg2) / feeds/s(pg1) = {speedup:.2f}"
            f"  >= {TARGET_SPEEDUP}   {targets['speedup']}"
        )
        one, two = found["pg1", "first"], found["pg2", "first"]
        print(
            f"  (the workers kept {one.worker_cores:.2f} / {two.worker_cores:.2f} cores busy at "
            f"{one.cpu_per_1000:.1f} / {two.cpu_per_1000:.1f} CPU-s per 1,000 feeds, while other "
            f"work took {one.others_cores:.2f} / {two.others_cores:.2f} cores and the PostgreSQL "
            "server its share: the speedup is the ratio of cores the workers got)"
        )
        steady = found["pg2", "steady"].feeds_per_s / found["pg1", "steady"].feeds_per_s
        figures["speedup_2_workers_steady"] = round(steady, 2)
        print(f"  (steady cycle, for information: {steady:.2f}x)")
    if ("pg1", "steady") in found and ("sqlite", "steady") in found:
        ratio = found["pg1", "steady"].wall_s / found["sqlite", "steady"].wall_s
        figures["steady_pg_over_sqlite"] = round(ratio, 2)
        targets["steady_pg"] = verdict(ratio <= TARGET_STEADY_RATIO)
        print(
            f"  steady PG 1-worker wall / steady SQLite wall = "
            f"{found['pg1', 'steady'].wall_s:.2f} / {found['sqlite', 'steady'].wall_s:.2f} s "
            f"= {ratio:.2f}  <= {TARGET_STEADY_RATIO}   {targets['steady_pg']}"
        )
    once = all(c.exactly_once for c in cycles)
    targets["each_feed_once"] = verdict(once)
    print(f"  every feed polled exactly once per cycle: {'yes' if once else 'NO'}")
    figures["targets"] = targets
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_VARIABLE),
        help=f"a role that may CREATE DATABASE (default: ${POSTGRES_URL_VARIABLE}, else a "
        "throwaway server started with .ci/postgres.sh)",
    )
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"which configurations to run, in order (of {', '.join(CONFIGS)})",
    )
    args = parser.parse_args()
    if args.feeds < 1 or args.items < 1:
        parser.error("--feeds and --items must be positive")
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configurations: {', '.join(sorted(unknown))}")
    figures = asyncio.run(run(args))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
