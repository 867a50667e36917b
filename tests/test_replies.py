"""Admin and member replies, rendered in the core: escaped, within Discord's limits, and
counting with the named constants (pure; no Discord)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import replies
from bot.guilds import ITEMS_LEGEND, AddedSource, SourceLine
from bot.messages import CHOICE_NAME_LIMIT, CONTENT_LIMIT, MAX_CHOICES, clip, fit_lines
from bot.opml import ListedFeed
from bot.source_controls import CheckedFeed, Edited, ImportPreview, Verdict
from bot.sources import Source, SourceStatus
from bot.subscriptions import COUNT_AT_MOST, PREVIEW_DAYS, Delivery, Route, Subscription

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
HOSTILE = "**@everyone** [click](https://evil.test) discord.gg/abc \u202e"


def source(n: int, name: str = "Source", *, degraded: int = 0) -> Source:
    return Source(
        n, f"https://s{n}.example/feed", "x", name, None, None, None,
        SourceStatus.OK, NOW, 0, None, None, NOW, NOW, NOW, degraded_items=degraded,
    )  # fmt: skip


def route(n: int, topic: str | None = "nato", *, role: int | None = None) -> Route:
    return Route(n, 1, 100 + n, topic, topic, role, paused=False)


def sub(n: int, topic: str, guild: int = 1) -> Subscription:
    return Subscription(n, 7, guild, topic, topic, Delivery.DM)


def test_fit_lines_keeps_whole_lines_and_says_how_many_were_left_out() -> None:
    lines = [f"line {i:03} " + "x" * 40 for i in range(200)]
    text = fit_lines(lines)
    assert len(text) <= CONTENT_LIMIT
    shown = text.split("\n")
    assert shown[:-1] == lines[: len(shown) - 1]
    assert shown[-1] == f"…and {200 - (len(shown) - 1)} more."
    assert fit_lines(lines[:3]) == "\n".join(lines[:3])


def test_feed_text_in_replies_is_escaped() -> None:
    added = AddedSource(source(1), HOSTILE, items=3, queued=0, has_channel=True)
    for text in (
        replies.source_added(added),
        replies.source_removed(source(1, HOSTILE)),
        replies.source_edited(Edited(source(1), (f"name: {HOSTILE}",), HOSTILE)),
        replies.unsubscribed("nato", HOSTILE),
    ):
        assert "@everyone" not in text
        assert "discord.gg/" not in text
        assert "\u202e" not in text
        assert "\\*\\*" in text


def test_long_listings_stay_within_a_message() -> None:
    routes = [route(n, f"topic number {n} " + "w" * 60, role=5) for n in range(100)]
    listing = replies.routes_listing(routes)
    assert len(listing) <= CONTENT_LIMIT
    assert listing.endswith("more.")
    lines = [SourceLine(source(n, "S" * 90, degraded=1)) for n in range(60)]
    listed = replies.sources_listing(lines, NOW)
    assert len(listed) <= CONTENT_LIMIT
    assert listed.endswith(ITEMS_LEGEND)
    assert "more." in listed
    assert replies.routes_listing([]) == replies.NO_ROUTES
    assert replies.sources_listing([], NOW) == replies.NO_SOURCES


def test_topics_here_leave_room_for_a_notice_and_count_with_the_named_constants() -> None:
    mine = [sub(n, f"topic {n} " + "t" * 80) for n in range(60)]
    counts: dict[int, int | None] = {0: COUNT_AT_MOST, 1: 1, 2: None}
    text = replies.topics_here(mine, counts, elsewhere=2)
    assert replies.with_notice("n" * replies.NOTICE_ROOM, text).endswith(text)
    assert len(replies.with_notice("n" * 900, "w " * 1000)) <= CONTENT_LIMIT
    assert replies.with_notice(None, text) == text
    assert f"{COUNT_AT_MOST}+ matches in {PREVIEW_DAYS} days" in text
    assert f"1 match in {PREVIEW_DAYS} days" in text
    assert "can't run this topic" in text
    assert text.endswith("with newsbot lists them.")
    assert "2 topics in other servers" in text
    assert replies.topics_here([], {}, elsewhere=0) == (
        "You follow no topics here yet: try `/subscribe`."
    )


def test_choices_are_capped_in_number_and_length() -> None:
    routes = [route(n, "nato " + "r" * 200) for n in range(40)]
    found = replies.route_choices(routes, "NATO")
    assert len(found) == MAX_CHOICES
    assert all(len(name) <= CHOICE_NAME_LIMIT for name, _ in found)
    assert replies.route_choices(routes, "crimea") == []
    subs = [sub(n, "ukraine " + "u" * 150, guild=n) for n in range(30)]
    own = replies.own_topic_choices(subs, "ukr")
    assert len(own) == MAX_CHOICES
    assert all(len(n) <= CHOICE_NAME_LIMIT and len(v) <= CHOICE_NAME_LIMIT for n, v in own)
    everywhere = replies.topic_choices_everywhere(subs, {0: "Newsroom"}, "")
    assert everywhere[0][0].endswith("… — Newsroom")
    assert everywhere[1][0].endswith("… — a server")
    assert all(len(n) <= CHOICE_NAME_LIMIT for n, _ in everywhere)
    assert replies.source_choices([source(1, "\u200b")]) == [("?", 1)]


def test_import_preview_is_escaped_and_fits_and_its_expiry_note_too() -> None:
    feeds = tuple(
        CheckedFeed(
            ListedFeed(f"https://f{n}.example/rss"),
            Verdict.VALID,
            f"https://f{n}.example/rss",
            title=f"{HOSTILE} " + "t" * 300,
            items=4,
        )
        for n in range(40)
    )
    preview = ImportPreview(guild_id=1, feeds=feeds, room=10)
    text = replies.import_preview(preview)
    assert len(text) <= CONTENT_LIMIT
    assert text.startswith("40 valid, 0 already watched, 0 refused.")
    assert "room for 10 more" in text and text.split("\n")[0].endswith("Add 10?")
    assert "@everyone" not in text
    assert all(len(line) <= replies.IMPORT_LINE_CHARS + 2 for line in text.split("\n")[1:])
    assert replies.import_button(preview) == "Add 10 feeds"
    expired = replies.import_expired(text + "x" * CONTENT_LIMIT)
    assert len(expired) <= CONTENT_LIMIT
    assert expired.endswith(replies.IMPORT_EXPIRED)


def test_clip_cuts_at_a_word_and_never_leaves_a_dangling_escape() -> None:
    assert clip("short", 10) == "short"
    cut = clip("one two three four five six", 14)
    assert len(cut) <= 14 and cut.endswith("…")
    assert "one two three four five six".startswith(cut[:-1] + " ")
    assert not clip("a" * 8 + "\\" + "b" * 20, 10).endswith("\\…")


def test_plain_name_choices_are_literal_and_capped() -> None:
    names = ["Jens \u200bStoltenberg", "x" * 300, *(f"Name {n}" for n in range(40))]
    found = replies.text_choices(names)
    assert len(found) == MAX_CHOICES
    assert found[0] == ("Jens Stoltenberg", "Jens \u200bStoltenberg")
    assert found[1] == ("x" * CHOICE_NAME_LIMIT, "x" * CHOICE_NAME_LIMIT)


def test_a_style_preview_puts_the_question_first_and_the_alert_as_it_would_be_sent() -> None:
    from bot.alerts import AlertStyle, StyleName
    from bot.messages import Embed, OutgoingMessage
    from bot.styles import StylePreview, StyleTarget

    compact = AlertStyle(StyleName.COMPACT)
    line = OutgoingMessage(content="**Headline** · Outlet")
    shown = replies.style_preview(StylePreview(StyleTarget(42), compact, line))
    question, alert = (shown.content or "").split("\n\n")
    assert question.startswith("Alerts for <#42> would look like this") and question.endswith(
        "Save it?"
    )
    assert (alert, shown.embeds) == (line.content, ())

    card = OutgoingMessage(embeds=(Embed(title="Headline"),))
    shown = replies.style_preview(StylePreview(StyleTarget(42), AlertStyle(), card))
    assert "\n\n" not in (shown.content or "") and shown.embeds == card.embeds

    shown = replies.style_preview(StylePreview(StyleTarget(42), AlertStyle(), None))
    assert "No article of the last 30 days" in (shown.content or "") and shown.embeds == ()
