"""Imported by the worker pool's forkserver only (see ``bot.pool_server``): loads the spaCy
model named in NEWSBOT_PRELOAD_MODEL once, before any worker is forked, so that every worker
shares the model's pages instead of loading a copy of its own. It then reads one small made-up
article as an article job would, so what the extractor and the quote finder import and set up on
first use is shared too, instead of being made again in each worker.

Nothing here may raise: the forkserver would die of it. A model that can't be loaded is left for
each job to report, as before (``bot.articles.prepare_quotes``)."""

from __future__ import annotations

import contextlib
import gc
import os

from bot.pool_server import MODEL_ENV

_PAGE = (  # a made-up article, long enough for the extractor to keep
    "<html><head><title>Ministers agree on a plan</title></head><body><article>"
    "<h1>Ministers agree on a plan</h1>"
    + "<p>Finance ministers met in Brussels on Tuesday to discuss the budget for next year. "
    "\u201cWe have found a way forward,\u201d said Anna Berg, the finance minister, after "
    "the talks. \u201cIt is not perfect,\u201d she told reporters. Officials said the measure "
    "would take effect next month.</p>" * 3 + "</article></body></html>"
)


def _warm_up(model: str) -> None:
    """One small article through what every article job does (trafilatura's extraction, the
    quote finder, one pass of the model), so the imports and set-ups made on first use are
    made here once and shared, instead of once in each worker."""
    from bot.articles import quotes_of
    from bot.extract import extract_article
    from bot.quotes.nlp import load_model

    page = extract_article(_PAGE, url="https://example.com/news/plan")
    quotes_of(page.text, model)
    list(load_model(model).pipe([page.text]))


def preload() -> None:
    """Load the model the environment names (if any) and warm up the article jobs, then
    freeze what is loaded, so the workers' garbage collections never touch (and so copy) the
    shared pages."""
    name = os.environ.get(MODEL_ENV)
    if not name:
        return
    try:
        from bot.quotes.nlp import load_model

        load_model(name)
    except Exception:  # noqa: BLE001 - each job reports a model that can't be loaded
        return
    # A warm-up that fails only leaves that work to each job, as before.
    with contextlib.suppress(Exception):
        _warm_up(name)
    gc.collect()
    gc.freeze()


preload()
