"""Feed item + article page -> Article (pure; runs in the parser processes).

Each stage degrades its own article when it fails, and never the source: a page that can't be
read leaves the feed's own text, quotes that can't be found leave none. What went wrong travels
with the article (``Article.problems``) to the watcher, which logs it once with the item's
identity.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.extract import ExtractedPage, ExtractionError, extract_article, html_to_text, make_lead
from bot.feeds import FeedItem
from bot.pool_worker import StageTimedOut, time_box
from bot.quotes import Quotation
from bot.urls import normalize_url

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""An item whose processing fails this many polls running is given up (recorded as seen)."""


class Stage(StrEnum):
    """A step of making an article that may fail on its own."""

    PAGE = "page"
    QUOTES = "quotes"
    STORY = "story"
    TOPICS = "topics"
    INDEX = "index"


@dataclass(frozen=True, slots=True)
class Problem:
    """A stage that failed for one article, which was kept without what it would have added."""

    stage: Stage
    reason: str
    trace: str = ""
    """The traceback, for the log (not stored)."""

    def __str__(self) -> str:
        """The stage and the reason, as a source's status shows them."""
        return f"{self.stage}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FailedItem:
    """A feed item no article could be made of this time (not even a degraded one)."""

    source_id: int
    keys: tuple[str, ...]
    """The item's identity keys: none is marked seen until it is given up."""
    link: str | None
    reason: str


def describe(exc: BaseException) -> str:
    """An exception in one line: its type and message (shortened)."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= 300 else line[:299] + "…"


@dataclass(frozen=True, slots=True)
class Article:
    """A news article as newsbot keeps it: the feed item and its page, read and cleaned, with
    its quotations."""

    source_id: int
    item_key: str
    url: str
    canonical_url: str | None
    title: str
    published: datetime
    author: str | None
    site_name: str | None
    lead: str
    text: str
    image: str | None
    from_page: bool
    """True when the text came from the article page, False for the feed's own content."""
    fetched_at: datetime
    quotes: tuple[Quotation, ...] = ()
    """Every quotation found in the text, key quotes flagged."""
    id: int | None = None
    problems: tuple[Problem, ...] = ()
    """Stages that failed for this article (it was kept without them)."""

    @property
    def key_quotes(self) -> tuple[Quotation, ...]:
        """The quotations an alert shows (those the key-quote rules picked)."""
        return tuple(q for q in self.quotes if q.key)

    @property
    def degraded(self) -> str | None:
        """What this article lacks and why, in a line (None: nothing)."""
        return "; ".join(str(p) for p in self.problems)[:1000] or None


def build_article(
    item: FeedItem,
    page: bytes | None,
    *,
    source_id: int,
    source_title: str | None,
    fetched_at: datetime,
    page_url: str | None = None,
    spacy_model: str | None = None,
    stage_seconds: float | None = None,
) -> Article:
    """Combine a feed item with its page's extracted text; fall back to the feed's own text.

    A stage that fails (the page's extraction, the quotes, the page's canonical address) costs
    only what it would have added; the article says so in ``problems``. In a worker process,
    extraction and quotes each get ``stage_seconds`` at most (see ``bot.pool.time_box``)."""
    problems: list[Problem] = []
    extracted: ExtractedPage | None = None
    if page is not None:
        try:
            with time_box(stage_seconds, "Reading the page"):
                extracted = extract_article(page, url=page_url or item.link)
        except ExtractionError as exc:
            log.info("no article text in %r: %r", item.link, str(exc))
        except (Exception, StageTimedOut) as exc:  # noqa: BLE001 - it costs only the page
            problems.append(_problem(Stage.PAGE, exc))
    title = storable(item.title or (extracted.title if extracted else None) or "(untitled)")
    url = storable(item.link or (page_url or ""))
    if extracted is not None:
        text, lead, from_page = extracted.text, extracted.lead, True
    else:
        text = html_to_text(item.content_html) or html_to_text(item.summary_html)
        lead, from_page = make_lead(text, title=title) or _first_line(text), False
    text, lead = storable(text), storable(lead)
    quotes, problem = _quotes(text, spacy_model, stage_seconds)
    problems.extend(problem)
    return Article(
        quotes=quotes,
        source_id=source_id,
        item_key=item.keys[0],
        url=url,
        canonical_url=_canonical(extracted.canonical_url if extracted else None, url),
        title=title,
        published=item.published or (extracted.published if extracted else None) or fetched_at,
        author=_optional(item.author or (extracted.author if extracted else None)),
        site_name=_optional((extracted.site if extracted else None) or source_title),
        lead=lead,
        text=text,
        image=_optional(item.image or (extracted.image if extracted else None)),
        from_page=from_page,
        fetched_at=fetched_at,
        problems=tuple(problems),
    )


def prepare_quotes(model: str) -> None:
    """Load the quotation model (once per process) before a job's clock starts. A model that
    can't be loaded is left for the job to report."""
    from bot.quotes.nlp import load_model

    with contextlib.suppress(LookupError):
        load_model(model)


def quotes_of(text: str, model: str) -> list[Quotation]:
    """The quotations of ``text``, the key ones marked (``bot.quotes.quotes_of``; the finder is
    imported on first use, so a process that never reads an article never compiles it)."""
    from bot.quotes.find import quotes_of as find

    return find(text, model)


def _problem(stage: Stage, exc: BaseException) -> Problem:
    return Problem(stage, describe(exc), traceback.format_exc())


def _quotes(
    text: str, model: str | None, seconds: float | None
) -> tuple[tuple[Quotation, ...], list[Problem]]:
    if not model or not text:
        return (), []
    try:
        with time_box(seconds, "Finding the quotations"):
            return tuple(quotes_of(text, model)), []
    except LookupError as exc:
        # A missing model costs the quotes, never the article.
        log.warning("no quotations: %r", str(exc))
        return (), []
    except (Exception, StageTimedOut) as exc:  # noqa: BLE001 - it costs only the quotes
        return (), [_problem(Stage.QUOTES, exc)]


def _canonical(canonical: str | None, url: str) -> str | None:
    if not canonical:
        return None
    try:
        return storable(normalize_url(canonical, url))
    except ValueError:
        return None  # not a usable address (e.g. "http://[broken"): the article has none


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Text every store accepts: no NUL characters (PostgreSQL refuses them) and no lone
    surrogates (which no encoder accepts), as pages and JSON feeds may carry."""
    return _UNSTORABLE.sub("", text) if _UNSTORABLE.search(text) else text


def _optional(value: str | None) -> str | None:
    return storable(value) if value else None


def _first_line(text: str) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= 300 else line[:299].rsplit(" ", 1)[0] + "…"
