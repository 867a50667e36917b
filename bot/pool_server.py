"""The forkserver the worker pool starts its workers from, and the spaCy model loaded in it.

multiprocessing has one forkserver per process, shared by every pool in it. It imports the
parsers before it forks any worker, and, for a pool that expects to use its model when its
first worker starts, loads spaCy's model too, so all workers share one copy. Stopping a
forkserver uses multiprocessing's private API (``forkserver._forkserver._stop``); on a Python
without it, each worker that needs the model loads its own.
"""

from __future__ import annotations

import multiprocessing
import os
import weakref
from collections.abc import Callable, Collection
from multiprocessing import forkserver
from typing import Any

PRELOAD = ["bot.feeds", "bot.articles", "bot.quotes.find", "feedparser"]
"""What the forkserver imports before it forks any worker (their pages are then shared)."""
MODEL_PRELOAD = "bot.preload_model"
"""Loads the pool's spaCy model in the forkserver too (see ``WorkPool(model=...)``)."""
MODEL_ENV = "NEWSBOT_PRELOAD_MODEL"
"""How the forkserver learns which model to load (it inherits the environment)."""

_SERVERS: weakref.WeakSet[ModelServer] = weakref.WeakSet()
"""One per pool of this process (they share multiprocessing's one forkserver)."""


class ModelServer:
    """One pool's side of the shared forkserver: the context its workers start from, and
    whether the forkserver has the pool's model loaded."""

    def __init__(self, model: str | None, workers: Collection[object]) -> None:
        """``workers``: the pool's live workers (a forkserver others still use is kept)."""
        self.model = model
        self._workers = workers
        self._wanted = False
        self._served = False
        """Whether the forkserver was started with the model loaded (or never can be)."""
        self._context: Any = None
        _SERVERS.add(self)

    def expect_model(self, *, busy: bool, retire_workers: Callable[[], None]) -> None:
        """Jobs that use the model are coming. Before the first worker: the forkserver will
        load it. After workers were made without it, and none is ``busy``: they are retired
        (``retire_workers``) and the forkserver is started again, this time with the model."""
        self._wanted = True
        if not self.model or self._context is None or self._served or busy:
            return
        if self._others_working():
            return  # the forkserver is shared: another pool's workers still need it
        stop = _stopper()
        if stop is None:  # not this Python's multiprocessing: each worker loads its own
            self._served = True
            return
        retire_workers()
        # The old forkserver exits once no worker of it is left; the next worker starts a new
        # one, which loads the model.
        _preload(self._context, self.model)
        stop()
        self._served = True

    def context(self) -> Any:
        """The forkserver context workers are started from, chosen with the first worker."""
        if self._context is None:
            context = multiprocessing.get_context("forkserver")
            self._served = bool(self.model and self._wanted)
            if not self._served:
                self._leave_model_server()
            _preload(context, self.model if self._served else None)
            self._context = context
        return self._context

    def _leave_model_server(self) -> None:
        """A forkserver an earlier pool of this process started with the model would give
        this pool's workers the model too (and its address space, against their memory
        limit): it is stopped, unless another pool's workers still use it, and this pool's
        first worker starts one without."""
        if not os.environ.get(MODEL_ENV):
            return  # no pool here ever asked for the model
        if self._others_working():
            return
        stop = _stopper()
        if stop is not None:
            stop()

    def _others_working(self) -> bool:
        return any(server._workers for server in _SERVERS if server is not self)


def _stopper() -> Callable[[], None] | None:
    """Stops the running forkserver (None on a Python whose multiprocessing lacks it)."""
    return getattr(forkserver._forkserver, "_stop", None)


def _preload(context: Any, model: str | None) -> None:
    if model:
        # The forkserver (started with the next worker) inherits the environment.
        os.environ[MODEL_ENV] = model
        context.set_forkserver_preload([*PRELOAD, MODEL_PRELOAD])
    else:
        os.environ.pop(MODEL_ENV, None)
        context.set_forkserver_preload(PRELOAD)
