"""The story index on the cases the real corpus taught: short cuts, aggregators' own dates and
numbers, edited copies under the old thresholds, passages two stories share, template and
paywall text, and stories that an article joins into one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from bot.stories import Placement, Reason, StoryIndex, StoryInput, compare
from bot.stories.text import furniture, is_furniture
from tests.stories.corpus import join, make_cast, new_draft, random_plan, weather_page, words

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CAST = make_cast()


def article_text(seed: int, *, at_least: int = 400) -> list[str]:
    """The paragraphs of a generated news article of at least that many words."""
    for attempt in range(50):
        rng = Random(f"index-test:{seed}:{attempt}")
        draft = new_draft(random_plan(rng), CAST, NOW, rng)
        paragraphs = join(draft.paragraphs).split("\n\n")
        if len(words("\n\n".join(paragraphs))) >= at_least:
            return paragraphs
    raise AssertionError("the grammar wrote no article that long")


def leading(paragraphs: list[str], share: float) -> str:
    """The first paragraphs, up to ``share`` of the words (at least one paragraph)."""
    total = len(words(" ".join(paragraphs)))
    kept: list[str] = []
    for paragraph in paragraphs:
        if kept and len(words(" ".join([*kept, paragraph]))) > share * total:
            break
        kept.append(paragraph)
    return "\n\n".join(kept)


def put(
    index: StoryIndex, number: int, text: str, *, source: int | None = None, hours: float = 0
) -> Placement:
    return index.place(
        StoryInput(
            number,
            number if source is None else source,
            f"https://site{number}.test/story/{number}",
            None,
            None,
            text,
            NOW + timedelta(hours=hours),
        )
    )


def test_a_copy_cut_to_a_fifth_joins_its_original() -> None:
    paragraphs = article_text(1)
    cut = leading(paragraphs, 0.22)
    assert len(words(cut)) >= 42
    assert len(words(cut)) / len(words("\n\n".join(paragraphs))) <= 0.22
    index = StoryIndex()
    put(index, 1, "\n\n".join(paragraphs))
    placed = put(index, 2, cut, hours=3)
    assert (placed.story_id, placed.reason) == (1, Reason.SIMILAR)


def test_an_aggregators_cut_with_its_own_dates_and_numbers_joins() -> None:
    paragraphs = article_text(2)
    page = "\n\n".join(
        [
            "NewsNow | Top Stories | World | Business | Sign In",
            "Posted Dec. 7, 2026 10:32 a.m. ET | Updated 5 minutes ago",
            "1,234 views · 45 comments · 2.3k shares",
            "More than 12,400 readers have shared this story in the past 6 hours, making it "
            "one of the most-read pieces on NewsNow this week.",
            leading(paragraphs, 0.3),
            "Read the full story at example.com.",
            "© 2026 NewsNow. All rights reserved. Terms | Privacy | Contact",
        ]
    )
    index = StoryIndex()
    put(index, 1, "\n\n".join(paragraphs))
    placed = put(index, 2, page, hours=1)
    assert (placed.story_id, placed.reason) == (1, Reason.SIMILAR)


def edit(paragraphs: list[str]) -> str:
    """A heavy sub-edit: the last third dropped, one word in six changed, a paragraph added."""
    kept = paragraphs[: max(3, len(paragraphs) * 2 // 3)]
    edited = []
    for paragraph in kept:
        tokens = paragraph.split(" ")
        for i in range(3, len(tokens), 6):
            if tokens[i].isalpha() and tokens[i].islower():
                tokens[i] = {"the": "this", "a": "one", "and": "plus"}.get(tokens[i], "very")
        edited.append(" ".join(tokens))
    edited.insert(2, "The ministry did not immediately respond to a request for comment.")
    return "\n\n".join(edited)


def test_an_edited_copy_under_both_old_thresholds_joins() -> None:
    paragraphs = article_text(3)
    copy = edit(paragraphs)
    alike = compare("\n\n".join(paragraphs), copy)
    assert alike is not None
    assert alike.contained < 0.75 and alike.jaccard < 0.5  # missed by the old rule
    index = StoryIndex()
    put(index, 1, "\n\n".join(paragraphs))
    assert put(index, 2, copy, hours=2).story_id == 1


def test_an_article_quoting_a_cut_copys_whole_text_stays_apart() -> None:
    """A short copy in a story may be little more than a passage another article quotes: the
    story is joined only if its fullest text agrees."""
    first, second = article_text(4), article_text(5)
    cut = leading(first, 0.25)
    quoting = "\n\n".join([*second[:3], cut, *second[3:]])
    index = StoryIndex()
    put(index, 1, "\n\n".join(first))
    assert put(index, 2, cut, hours=1).story_id == 1
    alike = compare(cut, quoting)
    assert alike is not None and alike.copy  # the cut alone would let it in
    assert put(index, 3, quoting, hours=2).new


def test_weather_pages_of_one_site_with_other_numbers_stay_apart() -> None:
    index = StoryIndex()
    placed = []
    for n in range(1, 6):
        _, _, page = weather_page(Random(f"weather:{n % 2}:{n}"), NOW + timedelta(days=n % 3))
        placed.append(put(index, n, page, source=n, hours=n))
    assert all(p.new for p in placed)


REGISTRATION = (
    "Subscribe to continue reading. You have reached your limit of free articles this month. "
    "Already a subscriber? Sign in to your account.\n\n"
    "Create a free account to read two more articles, or subscribe now for unlimited access "
    "to our journalism for $1 a week. Cancel anytime.\n\n"
    "We use cookies to personalise content and ads. By continuing you agree to our privacy "
    "policy and terms of use."
)


@pytest.mark.parametrize("same_source", [True, False])
def test_two_articles_extracted_as_the_same_paywall_text_stay_apart(same_source: bool) -> None:
    index = StoryIndex()
    first = put(index, 1, "Council votes on the budget.\n\n" + REGISTRATION, source=1)
    second = put(
        index, 2, "Storm closes the coast road.\n\n" + REGISTRATION, source=1 if same_source else 2
    )
    assert first.new and second.new


def test_a_sources_template_is_left_out_from_its_first_repeat() -> None:
    """A blurb the site prints under every article (not furniture by its shape) makes two
    short items of that site look alike; from its first repeat it is left out."""
    blurb = (
        "The Harbour Courier has covered the city of Sydney since 1887, and its reporters "
        "Dana Whitfield and Marcus Orr have won the Walkley award for local reporting in 2019, "
        "2021 and 2023 for their work on the port, the council and the 14 suburbs around them."
    )
    index = StoryIndex()
    put(index, 1, "The council approved the new ferry timetable on Monday.\n\n" + blurb, source=7)
    again = put(index, 2, "Two beaches were closed after a shark sighting.\n\n" + blurb, source=7)
    assert again.new


def test_a_source_republishing_its_article_at_a_new_url_joins_it() -> None:
    paragraphs = article_text(6)
    index = StoryIndex()
    put(index, 1, "\n\n".join(paragraphs), source=3)
    again = put(index, 2, "\n\n".join(["A new headline for the print edition.", *paragraphs]),
                source=3, hours=20)  # fmt: skip
    assert again.story_id == 1


def test_an_article_joining_two_stories_names_the_merge_and_the_older_absorbs() -> None:
    paragraphs = article_text(7, at_least=450)
    half = len(paragraphs) // 2
    index = StoryIndex()
    assert put(index, 1, "\n\n".join(paragraphs[:half]), hours=0).new
    assert put(index, 2, "\n\n".join(paragraphs[half:]), hours=1).new  # shares nothing with 1
    joined = put(index, 3, "\n\n".join(paragraphs), hours=2)
    assert (joined.story_id, joined.absorbed) == (1, (2,))
    # Until told, the index keeps the two apart, and names the merge again.
    assert index.story_of(2) == 2
    again = put(index, 4, "\n\n".join(paragraphs[half:]) + "\n\nMore to follow.", hours=3)
    assert (again.story_id, again.absorbed) == (1, (2,))
    index.merge(1, joined.absorbed)
    assert index.story_of(2) == 1
    later = put(index, 5, "\n\n".join(paragraphs[half:]), hours=4)
    assert (later.story_id, later.absorbed) == (1, ())


def test_a_weak_bridge_merges_nothing() -> None:
    """An article that only just passes for a copy of a second story doesn't join the two."""
    paragraphs = article_text(8, at_least=450)
    index = StoryIndex()
    assert put(index, 1, "\n\n".join(paragraphs)).new
    other = article_text(9)
    assert put(index, 2, "\n\n".join(other), hours=1).new
    bridge = "\n\n".join([*paragraphs, edit(other)])
    placed = put(index, 3, bridge, hours=2)
    assert placed.story_id == 1 and placed.absorbed == ()


def test_forgotten_and_expired_articles_attract_nothing() -> None:
    paragraphs = article_text(10)
    text = "\n\n".join(paragraphs)
    index = StoryIndex()
    put(index, 1, text)
    index.forget([1])
    assert put(index, 2, leading(paragraphs, 0.3), hours=1).new
    assert put(index, 3, text, hours=80).new  # story 2 is past the 72-hour window
    assert len(index) == 1


@pytest.mark.parametrize(
    "line",
    [
        "Home | World | Politics | Sign in",
        "Posted Nov. 3, 2026 10:32 a.m. ET | Updated 5 minutes ago",
        "Tuesday, March 3, 2026",
        "1,234 views · 45 comments · 2.3k shares",
        "9:15 p.m.",
        "By DANA WHITFIELD Associated Press",
        "Related coverage:",
        "Clinton Wins Big In Ohio As Sanders Vows To Fight On Through The Summer.",
        "Read the full story at example.com.",
        "© 2026 NewsNow. All rights reserved.",
        "Sign up for our daily newsletter: the top stories, free in your inbox. Subscribe.",
        "Already a subscriber? Log in to continue reading this article.",
        "We use cookies to personalise ads. By continuing you accept our use of cookies.",
    ],
)
def test_page_furniture_is_known_by_its_shape(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "The senator said the vote would happen next week, according to aides.",
        "He said he would subscribe to the idea that taxes must fall, and the Senate agreed.",
        "Trump told reporters on Tuesday that he had read the report.",
        '"We will reopen the bridge to cyclists on Monday," said Clover Moore.',
        "Turnout reached 49.2 percent by noon, officials said.",
    ],
)
def test_news_sentences_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)
    assert furniture([line, line]) == [False, False]


def test_a_page_far_longer_than_any_article_is_compared_by_its_start() -> None:
    paragraphs = article_text(13)
    filler = [
        f"Item {n}: the council listed {n * 7} bridges in {n} districts." for n in range(9000)
    ]
    huge = "\n\n".join([*paragraphs, *filler])
    assert len(huge) > 400_000
    index = StoryIndex()
    assert put(index, 1, huge).new
    assert put(index, 2, "\n\n".join(paragraphs), hours=1).story_id == 1
