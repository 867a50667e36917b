"""The story index: the last WINDOW of articles, and where a new one belongs (pure core).

1. Exact copies first: the same canonical URL or link (normalised), the same GUID, or the same
   text (its words, once furniture and template lines are left out).
2. Then near-copies. Every text's anchors (one shingle in eight, chosen by hash, see
   `bot.stories.text`) are posted in an inverted index. A copy shares about the same share of
   its anchors with its original as of its shingles, however short it was cut, so a text that
   shares enough anchors with a recent one is a candidate; each candidate is then measured
   exactly on all its shingles and facts (see `bot.stories.similarity`). A story matched only
   through its short copies must also match its fullest text: a cut copy may be little more
   than a passage another article quotes.
3. An article that belongs to two stories (it joins them) is placed in the older one, and the
   placement names the other (`Placement.absorbed`) for the caller to merge (`merge`).

Lines that are page furniture by their shape are never compared; a line its source already used
in another recent article is its template and is left out from that repeat on, unless the
source is republishing that article (most of the text repeats it).
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.stories.similarity import Likeness, likeness
from bot.stories.text import (
    Fingerprint,
    fingerprint,
    furniture,
    line_digests,
    lines,
    text_key,
    words_of,
)
from bot.urls import normalize_url

WINDOW = timedelta(hours=72)
MIN_WORDS = 42
"""A text with fewer words of its own (40 shingles) only joins by URL, GUID or equal text."""
MAX_CHARS = 120_000
"""Only this much of a text's own lines is compared (about 20,000 words, far beyond any news
article), so that one huge page costs no more than a long article."""
MERGE_LIKENESS = 0.8
"""An article joins two stories into one only when it is this close to both."""
CANDIDATE_SHARE = 0.3
"""A recent text is measured when it shares this share of the smaller text's anchors."""
RECENT_POSTINGS = 16
"""An anchor counts for at most this many of the latest articles that have it: common wording
is spread over many stories, and a story copied by a hundred outlets needs only a few."""
REPUBLISHED_SHARE = 0.6
REPUBLISHED_WORDS = 100
"""A source's article whose lines repeat one recent article of the same source, for this share of
its words and at least this many, is that article published again, not its template."""
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_SALT = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


class Reason(StrEnum):
    """Why an article joined its story (or started one)."""

    NEW = "new"
    URL = "url"
    GUID = "guid"
    TEXT = "text"
    SIMILAR = "similar"


@dataclass(frozen=True, slots=True)
class StoryInput:
    """What the story index reads of an article."""

    article_id: int
    source_id: int
    url: str
    canonical_url: str | None
    guid: str | None
    text: str
    published: datetime


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an article was placed: its story, and why."""

    story_id: int
    """The id of the story's first article."""
    reason: Reason
    similarity: float | None = None
    """For near-copies: how much of the smaller text the larger holds."""
    absorbed: tuple[int, ...] = ()
    """Other stories this article is a copy of: with it they are one story, ``story_id`` (the
    oldest). The index keeps them apart until told to ``merge`` them (once the caller has
    recorded the merge)."""

    @property
    def new(self) -> bool:
        """Whether the article started a new story."""
        return self.reason is Reason.NEW


def compare(text_a: str, text_b: str) -> Likeness | None:
    """How alike two texts are, each read as the index reads a source's first article (page
    furniture left out); None when either is too short or states no facts to compare."""
    prints = [StoryIndex()._read(StoryInput(n, n, "", None, None, text, _EPOCH))[1]
              for n, text in enumerate((text_a, text_b))]  # fmt: skip
    first, second = prints
    if first is None or second is None:
        return None
    return likeness(first, second)


Observer = Callable[[int, int, Likeness], None]
"""Called with (new article id, recent article id, their likeness) for every pair measured."""


@dataclass(slots=True)
class _Recent:
    article_id: int
    story_id: int
    source_id: int
    published: datetime
    fingerprint: Fingerprint | None
    keys: list[str] = field(default_factory=list)
    lines: array[int] = field(default_factory=lambda: array("Q"))
    """The article's template slots: its lines' digests salted with its source."""


class StoryIndex:
    """The last WINDOW of articles, for placing new ones. Not thread-safe; one per process."""

    def __init__(
        self,
        *,
        window: timedelta = WINDOW,
        observer: Observer | None = None,
        candidate_share: float = CANDIDATE_SHARE,
    ) -> None:
        """An empty index."""
        self.window = window
        self._observer = observer
        self._candidate_share = candidate_share
        self._recent: dict[int, _Recent] = {}
        self._order: deque[tuple[datetime, int]] = deque()
        self._keys: dict[str, int] = {}
        """URL/GUID/text keys -> story id."""
        self._postings: dict[int, int | list[int]] = {}
        """Anchor -> the recent articles that have it (one id, or a list)."""
        self._line_count: dict[int, int] = {}
        """Template slot -> how many recent articles of that source have the line."""
        self._line_last: dict[int, int] = {}
        """Template slot -> the last article that had it."""
        self._members: dict[int, list[int]] = {}
        """Story -> its recent articles."""

    def empty(self) -> StoryIndex:
        """A new, empty index set up like this one."""
        return StoryIndex(
            window=self.window, observer=self._observer, candidate_share=self._candidate_share
        )

    def __len__(self) -> int:
        """How many articles the index holds."""
        return len(self._recent)

    def __contains__(self, article_id: int) -> bool:
        """Whether the index holds the article."""
        return article_id in self._recent

    def place(self, article: StoryInput) -> Placement:
        """Put the article in a story (a known one, or its own) and remember it."""
        self.forget_before(article.published - self.window)
        slots, print_, keys = self._read(article)
        placement = self._exact(keys)
        if placement is None and print_ is not None:
            placement = self._similar(article, print_)
        if placement is None:
            placement = Placement(article.article_id, Reason.NEW)
        self._remember(article, placement.story_id, keys, slots, print_)
        return placement

    def add(self, article: StoryInput, story_id: int) -> None:
        """Remember an article already placed (when the index is rebuilt after a restart)."""
        slots, print_, keys = self._read(article)
        self._remember(article, story_id, keys, slots, print_)

    def merge(self, into: int, absorbed: Iterable[int]) -> None:
        """Make these stories one: every recent article of an absorbed story is now in ``into``."""
        gone = set(absorbed) - {into}
        if not gone:
            return
        members = self._members.setdefault(into, [])
        for story in gone:
            for article_id in self._members.pop(story, []):
                self._recent[article_id].story_id = into
                members.append(article_id)
        for key, story in self._keys.items():
            if story in gone:
                self._keys[key] = into

    def story_of(self, article_id: int) -> int | None:
        """The story the article is in, if the index holds it."""
        recent = self._recent.get(article_id)
        return None if recent is None else recent.story_id

    def forget(self, article_ids: Iterable[int]) -> None:
        """Drop these articles (their storing failed, so no story may point at them)."""
        for article_id in article_ids:
            self._drop(article_id)

    def forget_before(self, moment: datetime) -> None:
        """Drop articles published before then (they no longer attract copies)."""
        # Articles arrive roughly in time order; an old one arriving late is dropped when the
        # clock passes the one before it.
        while self._order and self._order[0][0] < moment:
            self._drop(self._order.popleft()[1])

    # --- reading an article ----------------------------------------------------------------

    def _read(self, article: StoryInput) -> tuple[list[int], Fingerprint | None, list[str]]:
        """The article's template slots, its fingerprint (None when too little of its text is
        its own, or it states no facts) and its identity keys."""
        text_lines = lines(article.text)
        salt = (article.source_id * _SALT) & _MASK
        slots = [(digest ^ salt) for digest in line_digests(text_lines)]
        own = self._own_text(text_lines, slots)[:MAX_CHARS]
        words = words_of(own)
        keys = _identity_keys(article)
        key = text_key(words)
        if key is not None:
            keys.append(key)
        print_ = None
        if len(words) >= MIN_WORDS:
            print_ = fingerprint(own, words)
        return slots, print_, keys

    def _own_text(self, text_lines: list[str], slots: list[int]) -> str:
        """The lines that are the article's own: not furniture, and not its source's template
        (unless the source is republishing an article it published before)."""
        kept: list[tuple[str, int | None]] = []  # line, the recent article it repeats
        repeats: dict[int, int] = {}
        total = 0
        for line, slot, shape in zip(text_lines, slots, furniture(text_lines), strict=True):
            if shape:
                continue
            size = line.count(" ") + 1
            total += size
            earlier = self._line_last.get(slot) if self._line_count.get(slot) else None
            if earlier is not None:
                repeats[earlier] = repeats.get(earlier, 0) + size
            kept.append((line, earlier))
        if repeats:
            earlier_article, size = max(repeats.items(), key=lambda item: item[1])
            republished = (
                earlier_article in self._recent
                and size >= REPUBLISHED_SHARE * total
                and size >= REPUBLISHED_WORDS
            )
            if not republished:
                kept = [(line, earlier) for line, earlier in kept if earlier is None]
        return "\n".join(line for line, _ in kept)

    # --- placing ---------------------------------------------------------------------------

    def _exact(self, keys: list[str]) -> Placement | None:
        for key in keys:
            story = self._keys.get(key)
            if story is not None:
                return Placement(story, Reason(key.split(":", 1)[0]))
        return None

    def _similar(self, article: StoryInput, print_: Fingerprint) -> Placement | None:
        posted_with: list[int] = []
        postings = self._postings
        for anchor in print_.anchors():
            posted = postings.get(anchor)
            if posted is None:
                continue
            if isinstance(posted, int):
                posted_with.append(posted)
            else:
                posted_with += posted[-RECENT_POSTINGS:]
        shared = Counter(posted_with)
        own = set(print_.shingles)
        measured: dict[int, Likeness] = {}
        best: dict[int, float] = {}  # story -> the best score of its articles
        largest: dict[int, int] = {}  # story -> the most shingles of its matching articles
        anchors = print_.anchor_count
        for other_id, count in shared.items():
            other = self._recent.get(other_id)
            if other is None or other.fingerprint is None:
                continue
            if count < self._candidate_share * min(anchors, other.fingerprint.anchor_count):
                continue
            if abs(other.published - article.published) > self.window:
                continue
            alike = measured[other_id] = self._measure(article, print_, own, other)
            if alike.copy and alike.score > best.get(other.story_id, 0.0):
                best[other.story_id] = alike.score
            if alike.copy:
                size = len(other.fingerprint.shingles)
                largest[other.story_id] = max(largest.get(other.story_id, 0), size)
        for story in list(best):
            # A story whose matching articles are all short copies (cuts) is joined only if
            # its fullest text agrees: a cut may be little more than a passage another
            # article also quotes.
            fullest = self._fullest(story)
            if fullest is None or largest[story] * 2 > _size(fullest):
                continue
            check = measured.get(fullest.article_id)
            if check is None:
                check = self._measure(article, print_, own, fullest)
            if not check.copy:
                del best[story]
        if not best:
            return None
        story, score = max(best.items(), key=lambda item: (item[1], -item[0]))
        strong = sorted(s for s, value in best.items() if value >= MERGE_LIKENESS)
        if score >= MERGE_LIKENESS and len(strong) > 1:
            return Placement(strong[0], Reason.SIMILAR, round(score, 3), tuple(strong[1:]))
        return Placement(story, Reason.SIMILAR, round(score, 3))

    def _measure(
        self, article: StoryInput, print_: Fingerprint, own: set[int], other: _Recent
    ) -> Likeness:
        assert other.fingerprint is not None
        alike = likeness(print_, other.fingerprint, own)
        if self._observer is not None:
            self._observer(article.article_id, other.article_id, alike)
        return alike

    def _fullest(self, story: int) -> _Recent | None:
        """The story's recent article with the most text of its own."""
        members = [self._recent[article_id] for article_id in self._members.get(story, ())]
        return max(members, key=_size, default=None)

    # --- remembering -----------------------------------------------------------------------

    def _remember(
        self,
        article: StoryInput,
        story_id: int,
        keys: list[str],
        slots: list[int],
        print_: Fingerprint | None,
    ) -> None:
        article_id = article.article_id
        recent = _Recent(
            article_id,
            story_id,
            article.source_id,
            article.published,
            print_,
            [k for k in keys if k not in self._keys],
            array("Q", dict.fromkeys(slots)),
        )
        for key in recent.keys:
            self._keys[key] = story_id
        for slot in recent.lines:
            self._line_count[slot] = self._line_count.get(slot, 0) + 1
            self._line_last[slot] = article_id
        if print_ is not None:
            postings = self._postings
            for anchor in print_.anchors():
                posted = postings.get(anchor)
                if posted is None:
                    postings[anchor] = article_id
                elif isinstance(posted, int):
                    postings[anchor] = [posted, article_id]
                else:
                    posted.append(article_id)
        self._recent[article_id] = recent
        self._members.setdefault(story_id, []).append(article_id)
        self._order.append((article.published, article_id))

    def _drop(self, article_id: int) -> None:
        recent = self._recent.pop(article_id, None)
        if recent is None:
            return
        members = self._members.get(recent.story_id, [])
        if article_id in members:
            members.remove(article_id)
        if not members:
            self._members.pop(recent.story_id, None)
        for key in recent.keys:
            if self._keys.get(key) == recent.story_id:
                del self._keys[key]
        for slot in recent.lines:
            count = self._line_count.get(slot, 0) - 1
            if count <= 0:
                self._line_count.pop(slot, None)
                self._line_last.pop(slot, None)
            else:
                self._line_count[slot] = count
        if recent.fingerprint is not None:
            postings = self._postings
            for anchor in recent.fingerprint.anchors():
                posted = postings.get(anchor)
                if posted == article_id:
                    del postings[anchor]
                elif isinstance(posted, list):
                    if article_id in posted:
                        posted.remove(article_id)
                    if len(posted) == 1:
                        postings[anchor] = posted[0]


def _size(recent: _Recent) -> int:
    """How many shingles of its own an article has (0 without a fingerprint)."""
    return 0 if recent.fingerprint is None else len(recent.fingerprint.shingles)


def _identity_keys(article: StoryInput) -> list[str]:
    keys = []
    for url in (article.canonical_url, article.url):
        if url:
            keys.append("url:" + normalize_url(url))
    if article.guid:
        keys.append("guid:" + article.guid.strip())
    return list(dict.fromkeys(keys))
