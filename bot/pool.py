"""CPU-heavy pure work (feed parsing, article extraction) off the event loop.

With more than one worker it is a process pool, so both cores parse; it starts on first use, so a
command that never parses (a steady poll where every feed answers 304) never pays for it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

PRELOAD = ["bot.feeds", "bot.articles", "feedparser"]  # not spaCy: only workers that need it


class WorkerCrashed(Exception):
    """A worker process died while handling one document (it is restarted for the next)."""


class WorkPool:
    def __init__(self, workers: int = 0) -> None:
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self._executor: Executor | None = None

    def _get(self) -> Executor:
        if self._executor is None:
            if self.workers == 1:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="parse")
            else:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._executor

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        executor = self._get()
        try:
            return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            log.warning("a parser process died; starting new ones")
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise WorkerCrashed("The document crashed the parser.") from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
