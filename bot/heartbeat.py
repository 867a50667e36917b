"""Each process's heartbeat: its row in the store's ``processes`` table (the status page's list
of gateway processes and workers) and its minute counts of polls and alerts, written every few
seconds. Old counts and silent processes are pruned as it goes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.errors import StoreUnavailable
from bot.metrics import Metrics
from bot.status import ProcessState
from bot.storage.operations import Operations

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 15.0
KEEP_ACTIVITY = timedelta(days=1)
FORGET_SILENT = timedelta(days=1)
PRUNE_EVERY = 40
"""Heartbeats between prunes (ten minutes)."""


class Heartbeat:
    """Writes ``process`` (its shards read from ``shards`` each time) and the metrics' minute
    counts to the store."""

    def __init__(
        self,
        *,
        store: Operations,
        metrics: Metrics,
        process: ProcessState,
        clock: Callable[[], datetime],
        shards: Callable[[], str | None] | None = None,
    ) -> None:
        """Beat for this process into the store, counting from metrics."""
        self._store = store
        self._metrics = metrics
        self._process = process
        self._clock = clock
        self._shards = shards
        self._beats = 0

    @property
    def name(self) -> str:
        """The process's name on the status page."""
        return self._process.name

    async def beat(self) -> None:
        """One heartbeat; the counts stay in memory for the next one if the store refuses."""
        now = self._clock()
        process = self._process
        if self._shards is not None:
            process = replace(process, shards=self._shards())
        activity = self._metrics.take_activity()
        try:
            await self._store.record_heartbeat(process, activity, now=now)
        except StoreUnavailable as exc:
            self._metrics.give_back(activity)
            log.warning("heartbeat not recorded: %r", str(exc))
            return
        self._beats += 1
        if self._beats % PRUNE_EVERY == 1:
            await self._store.prune_operations(
                activity_before=now - KEEP_ACTIVITY, seen_before=now - FORGET_SILENT
            )

    async def run(self, stop: asyncio.Event, *, interval: float = INTERVAL_SECONDS) -> None:
        """Beat until ``stop`` is set; then write the last counts and take the row off."""
        while not stop.is_set():
            try:
                await self.beat()
            except Exception:
                # A bug or a database outage must not end the process's other work.
                log.exception("heartbeat failed; trying again in %gs", interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
        try:
            await self.beat()
            await self._store.forget_process(self._process.name)
        except Exception:
            log.exception("last heartbeat failed")
