"""Imported by the worker pool's forkserver only (see ``bot.pool_server``): loads the spaCy
model named in NEWSBOT_PRELOAD_MODEL once, before any worker is forked, so that every worker
shares the model's pages instead of loading a copy of its own.

Nothing here may raise: the forkserver would die of it. A model that can't be loaded is left for
each job to report, as before (``bot.articles.prepare_quotes``)."""

from __future__ import annotations

import gc
import os

from bot.pool_server import MODEL_ENV


def preload() -> None:
    """Load the model the environment names (if any), then freeze what is loaded, so the
    workers' garbage collections never touch (and so copy) the shared pages."""
    name = os.environ.get(MODEL_ENV)
    if not name:
        return
    try:
        from bot.quotes.nlp import load_model

        load_model(name)
    except Exception:  # noqa: BLE001 - each job reports a model that can't be loaded
        return
    gc.collect()
    gc.freeze()


preload()
