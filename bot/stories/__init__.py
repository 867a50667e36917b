"""Stories: copies and near-copies of one news story, grouped (pure core; no discord imports).

News is syndicated: one wire story appears on a dozen sites, wrapped in their headers and
footers, cut short, lightly edited, under another headline. Each article is placed in a story:

- ``bot.stories.text``: which lines of an article are its own (page furniture and a source's
  template left out) and their fingerprint (shingle hashes, anchors) and facts;
- ``bot.stories.similarity``: how alike two texts are, and when that makes them copies;
- ``bot.stories.index``: the last 72 hours of articles, exact keys and an inverted index of
  anchors, placing and merging;
- ``bot.stories.placer``: the watcher's placer over stored articles.
"""

from bot.stories.index import WINDOW, Placement, Reason, StoryIndex, StoryInput, compare
from bot.stories.placer import Stories, story_input
from bot.stories.similarity import Likeness, likeness

__all__ = [
    "WINDOW",
    "Likeness",
    "Placement",
    "Reason",
    "Stories",
    "StoryIndex",
    "StoryInput",
    "compare",
    "likeness",
    "story_input",
]
