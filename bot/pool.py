"""CPU-heavy pure work (feed parsing, article building) off the event loop, bounded and fair.

Each job runs in a worker process under a time limit and a memory limit: a job over either is
stopped (its worker killed and replaced) and the caller gets a ``JobFailed``; so does a job whose
worker dies. Jobs wait in one queue per key (the source they belong to) and are started
round-robin across keys, a key at most ``per_key`` at a time, so one source's slow documents
never hold up the others. The pool queues only what its callers admit: the watcher holds a
bounded number of sources and article pages in flight (see ``bot/watcher.py``).

Workers start on first use, so a command that never parses (a steady poll where every feed
answers 304) never pays for them. They are forked from the pool's own fork server, which has
imported the parsers and, for a pool given a ``model`` that expects to use it when its first
worker starts, loaded spaCy's model, so all workers share one copy (see ``bot/pool_server.py``).
``workers=1`` runs jobs in one thread instead (tests, tiny hosts): there a job over its time
limit is abandoned rather than stopped, and there is no memory limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import pickle
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from bot.pool_server import ModelServer, WorkerProcess
from bot.pool_worker import _STARTED, JobFailed

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_TIME_LIMIT = 20.0
DEFAULT_MEMORY_LIMIT_MB = 1024
WARM_UP_SECONDS = 120.0
"""What a job's warm-up (loading spaCy's model, once per worker) may take: not counted in the
job's own time limit, so a worker's first article isn't stopped for what every worker pays once."""


class JobTimedOut(JobFailed):
    """A job ran past its time limit (its worker is replaced)."""

    pass


class JobOutOfMemory(JobFailed):
    """A job used more memory than a worker may (its worker is replaced)."""

    pass


class WorkerCrashed(JobFailed):
    """A worker process died while handling one document (a new one takes the next job)."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker process (chained as its cause)."""

    def __init__(self, text: str) -> None:
        """Keep the worker's formatted traceback."""
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        """The traceback, set off as the worker printed it."""
        return f'\n"""\n{self.text}"""'


@dataclass(slots=True, eq=False)
class _Worker:
    process: WorkerProcess
    conn: Connection


class WorkPool:
    """Worker processes for CPU-heavy parsing and extraction, with bounded jobs."""

    def __init__(
        self,
        workers: int = 0,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
        observe: Callable[[str, float], None] | None = None,
        model: str | None = None,
    ) -> None:
        """``observe(job, seconds)``: told how long each job ran (its function's name).
        ``model``: the spaCy model the jobs' warm-up loads: once ``expect_model`` was called
        before the first worker is made, the fork server loads it once and the workers share
        that copy (otherwise each worker that needs the model loads its own)."""
        self._observe = observe
        self.model = model
        self.threaded = workers == 1
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self.time_limit = time_limit
        self.memory_limit_mb = memory_limit_mb
        self.per_key = max(1, self.workers // 2)
        """Jobs of one key running at once: half the workers, so others always find one."""
        self.replaced = 0
        """Workers stopped or lost (over a limit, crashed) and replaced so far."""
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        self._server = ModelServer(model)
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._ring: deque[Hashable] = deque()
        self._running: Counter[Hashable] = Counter()
        self._busy = 0

    @classmethod
    def of(
        cls, settings: Settings, *, observe: Callable[[str, float], None] | None = None
    ) -> WorkPool:
        """The pool the settings describe (PARSE_WORKERS and its limits)."""
        return cls(
            settings.parse_workers,
            time_limit=settings.parse_time_limit_seconds,
            memory_limit_mb=settings.parse_memory_limit_mb,
            observe=observe,
            model=settings.spacy_model,
        )

    # ---- the public side --------------------------------------------------------------------

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` as a job of its own (no key shared with other jobs)."""
        return await self.submit(object(), fn, *args, **kwargs)

    async def submit(
        self, key: Hashable, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(*args, **kwargs)`` when the key's turn comes. An exception the job raises
        is raised here (with the worker's traceback as its cause); a job over a limit, or
        whose worker died, raises a JobFailed subclass."""
        return await self.submit_warm(key, None, fn, *args, **kwargs)

    async def submit_warm(
        self,
        key: Hashable,
        warm: Callable[[], object] | None,
        fn: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``submit``, with ``warm()`` run first in the worker (a cached set-up, such as loading
        a model) under WARM_UP_SECONDS of its own instead of the job's time limit."""
        await self._turn(key)
        started = time.perf_counter()
        try:
            if self.threaded:
                if warm is not None:
                    await self._in_thread(warm, WARM_UP_SECONDS)
                return await self._in_thread(functools.partial(fn, *args, **kwargs))
            return await self._in_process(warm, fn, args, kwargs)
        finally:
            self._release(key)
            if self._observe is not None:
                name = getattr(fn, "__name__", type(fn).__name__)
                self._observe(name, time.perf_counter() - started)

    def expect_model(self) -> None:
        """Jobs that use the model are coming (a poll of feeds read before may find new
        items). If no worker has been made yet, the fork server loads the model once for all
        of them; a process whose jobs only parse (a first poll) never loads it. If workers
        were made without it and none is busy (between polling cycles), they are retired and
        a new fork server is started, this time with the model."""
        self._server.expect_model(busy=bool(self._busy), retire_workers=self._retire_all)

    def _retire_all(self) -> None:
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker, kill=True)

    def close(self) -> None:
        """Stop the workers."""
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker, kill=False)
        self._server.close()
        if self._threads is not None:
            self._threads.shutdown(wait=not self.threaded, cancel_futures=True)
            self._threads = None

    # ---- turns: round-robin across keys ----------------------------------------------------

    async def _turn(self, key: Hashable) -> None:
        granted = asyncio.get_running_loop().create_future()
        queue = self._waiting.get(key)
        if queue is None:
            queue = self._waiting[key] = deque()
            self._ring.append(key)
        queue.append(granted)
        self._dispatch()
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release(key)
            elif granted in self._waiting.get(key, ()):
                self._waiting[key].remove(granted)
                if not self._waiting[key]:
                    del self._waiting[key]
                    self._ring.remove(key)
            raise

    def _dispatch(self) -> None:
        passed = 0
        while self._busy < self.workers and self._ring and passed < len(self._ring):
            key = self._ring[0]
            self._ring.rotate(-1)
            if self._running[key] >= self.per_key:
                passed += 1
                continue
            queue = self._waiting[key]
            granted = queue.popleft()
            if not queue:
                del self._waiting[key]
                self._ring.pop()  # the key just rotated to the end
            if granted.done():
                continue  # its waiter was cancelled meanwhile: the turn goes to the next
            self._busy += 1
            self._running[key] += 1
            granted.set_result(None)
            passed = 0

    def _release(self, key: Hashable) -> None:
        self._busy -= 1
        self._running[key] -= 1
        if self._running[key] <= 0:
            del self._running[key]
        self._dispatch()

    # ---- one thread ---------------------------------------------------------------------------

    async def _in_thread(self, call: Callable[[], T], limit: float | None = None) -> T:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(1, thread_name_prefix="parse")
        threads = self._threads
        done = asyncio.wrap_future(threads.submit(call))
        try:
            return await asyncio.wait_for(done, timeout=limit or self.time_limit)
        except TimeoutError:
            # A thread can't be stopped: it is left to finish on its own, and a new one
            # takes the next job.
            self.replaced += 1
            if self._threads is threads:
                self._threads = None
            threads.shutdown(wait=False, cancel_futures=True)
            raise JobTimedOut(_over_time(limit or self.time_limit)) from None

    # ---- worker processes ---------------------------------------------------------------------

    async def _in_process(
        self,
        warm: Callable[[], object] | None,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> T:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="pool")
        try:
            payload = pickle.dumps((warm, fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise JobFailed(f"The job could not be sent to a worker ({exc}).") from exc
        slot: list[_Worker | None] = [self._idle.pop() if self._idle else None]
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(
                self._threads, functools.partial(self._exchange, slot, payload)
            )
        except asyncio.CancelledError:
            # The worker may still be busy with the job: it can't be given another.
            if slot[0] is not None:
                self._retire(slot[0], kill=True)
            raise
        worker = slot[0]
        assert worker is not None
        kind = answer[0]
        if kind == "ok":
            self._idle.append(worker)
            return answer[1]  # type: ignore[no-any-return]
        if kind == "raised":
            self._idle.append(worker)
            raise answer[1] from RemoteTraceback(answer[2])
        self._retire(worker, kill=True)
        self.replaced += 1
        if kind == "timeout":
            raise JobTimedOut(_over_time(self.time_limit))
        if kind == "memory":
            raise JobOutOfMemory(
                f"Reading it took more than the {self.memory_limit_mb} MB a worker may use."
            )
        if kind == "unsent":
            raise JobFailed(f"The worker could not answer ({answer[1]}).")
        log.warning("a parser process died (exit code %s); starting a new one", answer[1])
        raise WorkerCrashed("The document crashed the parser.")

    def _exchange(self, slot: list[_Worker | None], payload: bytes) -> tuple[Any, ...]:
        """In a pool thread: send one job to the slot's worker (a new one if it has none or
        it died) and wait for the answer, within the time limit."""
        worker = slot[0]
        if worker is None or not worker.process.is_alive():
            if worker is not None:
                self._retire(worker, kill=True)
            worker = slot[0] = self._start_worker()
        try:
            worker.conn.send_bytes(payload)
            # The worker says when its warm-up is done and the job itself starts.
            if not worker.conn.poll(WARM_UP_SECONDS):
                return ("timeout",)
            answer = worker.conn.recv_bytes()
            if answer == _STARTED:
                if not worker.conn.poll(self.time_limit):
                    return ("timeout",)
                answer = worker.conn.recv_bytes()
        except (EOFError, OSError):
            worker.process.join(timeout=1.0)
            return ("crashed", worker.process.exitcode)
        try:
            return tuple(pickle.loads(answer))
        except Exception as exc:  # noqa: BLE001 - whatever the answer was, it is unusable
            return ("unsent", f"{type(exc).__name__}: {exc}")

    def _start_worker(self) -> _Worker:
        process, conn = self._server.start_worker(self.memory_limit_mb)
        worker = _Worker(process, conn)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool) -> None:
        with self._lock:
            self._all.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.conn.close()
        worker.process.join(timeout=5.0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5.0)


def _over_time(limit: float) -> str:
    return f"Reading it took longer than {limit:g} s."
