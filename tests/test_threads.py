"""Forums and a thread per story: the pure parts (thread names, forum tags, lines, new quotes,
all within Discord's limits with hostile text) and thread delivery on a real store with a
recording sender (lines batched at most once every ten minutes per thread, a planned batch
resent as it was after a crash, a deleted thread's lines dropped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from bot.alerts import Alert, AlertStyle, KeyQuote, StyleName, alert_message
from bot.articles import Article
from bot.messages import OutgoingMessage
from bot.records import OutboxKind, OutboxStatus, ThreadMode
from bot.routing import Router
from bot.sending import ThreadGone
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.stories.index import Placement, Reason
from bot.threads import (
    LINES_EVERY,
    ForumTag,
    forum_tags,
    line_messages,
    new_quote,
    thread_line,
    thread_name,
)
from tests.conftest import Clock, deliverer_on
from tests.factories import make_article, make_quotation
from tests.fakediscord.spec import validate_body
from tests.test_delivery import Recorder

pytestmark = pytest.mark.both_engines

GUILD, FORUM, ADMIN = 1001, 2002, 3003
HOSTILE = "@everyone **bold** <@&1> [x](https://evil.test) `code` \u202e" + "ж" * 300


def alert(headline: str = "Bridge reopens", *, quotes: Sequence[KeyQuote] = ()) -> Alert:
    return Alert(
        article_id=1,
        headline=headline,
        url="https://news.test/a",
        source="Wire",
        published=datetime(2026, 12, 7, 10, 0),
        lead="Lead.",
        image=None,
        quotes=tuple(quotes),
    )


def test_a_thread_name_is_the_headline_on_one_line_within_100_characters() -> None:
    assert thread_name("NATO meets\nin  Vilnius") == "NATO meets in Vilnius"
    long = thread_name(HOSTILE)
    assert 0 < len(long) <= 100
    assert "\n" not in long and "\u202e" not in long
    assert thread_name("  \n ") == "News"


def test_forum_tags_are_the_forums_own_whose_names_match_a_topic_ignoring_case() -> None:
    available = [ForumTag(1, "Sports"), ForumTag(2, "NATO"), ForumTag(3, "european  union")]
    assert forum_tags(available, ["nato", "ukraine"]) == (2,)
    assert forum_tags(available, ["European Union"]) == (3,)
    assert forum_tags(available, []) == ()
    many = [ForumTag(n, f"t{n}") for n in range(10)]
    assert forum_tags(many, [f"T{n}" for n in range(10)]) == (0, 1, 2, 3, 4)


def test_a_new_quote_is_one_the_story_has_not_carried() -> None:
    said = KeyQuote("We will reopen the bridge on Monday.", "Jane Doe", None)
    fresh = KeyQuote("Traffic will be light.", "John Roe", None)
    story = alert(quotes=[said, fresh])
    assert new_quote(story, {"  we will REOPEN the bridge on Monday, she added"}) == fresh
    assert new_quote(story, {said.text, fresh.text}) is None
    assert new_quote(alert(), set()) is None


def test_a_line_has_outlet_headline_link_and_quote_escaped_and_short() -> None:
    quote = KeyQuote("It is open.", "Jane Doe", None)
    line = thread_line(alert(quotes=[quote]), quote)
    assert line == (
        "📰 **Wire**: [Bridge reopens](<https://news.test/a>) · “It is open.” — Jane Doe"
    )
    with_role = KeyQuote("It is open.", "Jane Doe", "mayor")
    story = alert(quotes=[with_role])
    assert thread_line(story, with_role, AlertStyle(StyleName.COMPACT)) == (
        "📰 **Wire**: [Bridge reopens](<https://news.test/a>)"
    )
    assert thread_line(story, with_role, AlertStyle(quotes=0)).endswith(
        "reopens](<https://news.test/a>)"
    )
    assert thread_line(story, with_role).endswith("— Jane Doe")
    assert thread_line(story, with_role, AlertStyle(StyleName.FULL)).endswith("— Jane Doe, mayor")
    hostile = thread_line(alert(HOSTILE, quotes=[KeyQuote(HOSTILE, HOSTILE, None)]), None)
    assert "@everyone" not in hostile and "\n" not in hostile and len(hostile) <= 700


def test_lines_are_packed_into_messages_within_discords_limit() -> None:
    lines = [f"line {n} " + "x" * 590 for n in range(10)]
    packed = line_messages(lines)
    assert sum(count for count, _ in packed) == 10
    assert all(len(m.content or "") <= 2000 for _, m in packed)
    assert "\n".join(m.content or "" for _, m in packed) == "\n".join(lines)
    for _, message in packed:
        _, problems = validate_body("POST", "/channels/1/messages", {"content": message.content})
        assert problems == []


@pytest.mark.parametrize("style", ["compact", "standard", "full"])
def test_a_forum_post_with_hostile_text_is_valid_against_the_spec(style: str) -> None:
    from bot.alerts import AlertStyle, StyleName

    quotes = [KeyQuote(HOSTILE * 3, HOSTILE, HOSTILE)] * 3
    message = alert_message(
        alert(HOSTILE * 5, quotes=quotes), style=AlertStyle(StyleName(style)), role_id=5
    )
    body = {
        "name": thread_name(HOSTILE * 5),
        "applied_tags": ["1", "2"],
        "message": {
            "content": message.content,
            "embeds": [_embed_json(e) for e in message.embeds],
            "allowed_mentions": {"parse": [], "roles": ["5"]},
        },
    }
    operation, problems = validate_body("POST", "/channels/1/threads", body)
    assert operation is not None and operation.operation_id == "create_thread"
    assert problems == []


def _embed_json(embed: object) -> dict[str, object]:
    from bot.discord_sender import to_discord_embed

    return to_discord_embed(embed).to_dict()  # type: ignore[arg-type,return-value]


# ---- delivery on a real store ---------------------------------------------------------------


class OneStory:
    """A story placer that puts every article in the story of the first."""

    def __init__(self) -> None:
        self.first: int | None = None

    def place(self, article: Article, article_id: int) -> Placement:
        if self.first is None:
            self.first = article_id
            return Placement(article_id, Reason.NEW)
        return Placement(self.first, Reason.TEXT, 0.9)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        pass

    def forget(self, article_ids: Sequence[int]) -> None:
        pass


@dataclass
class ThreadRecorder(Recorder):
    """A recorder with Discord's forum posts and threads (post id = its first message's)."""

    posts: dict[int, tuple[str, OutgoingMessage, tuple[int, ...]]] = field(default_factory=dict)
    in_threads: dict[int, list[tuple[str, OutgoingMessage]]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)
    forum_of: dict[int, int] = field(default_factory=dict)

    async def forum_tags(self, forum_id: int) -> list[ForumTag]:
        return [ForumTag(7, "Bridges")]

    async def create_forum_post(
        self, forum_id: int, name: str, message: OutgoingMessage, tags: Sequence[int]
    ) -> int:
        post_id = 9000 + len(self.posts)
        self.posts[post_id] = (name, message, tuple(tags))
        self.forum_of[post_id] = forum_id
        return post_id

    async def forum_posts_named(self, guild_id: int, forum_id: int, name: str) -> list[int]:
        return sorted((i for i, (n, _, _) in self.posts.items() if n == name), reverse=True)

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id

    async def send_in_thread(self, thread_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        if thread_id in self.gone:
            raise ThreadGone("deleted")
        if nonce in self.by_nonce:
            return self.by_nonce[nonce]
        self.in_threads.setdefault(thread_id, []).append((nonce, message))
        self.by_nonce[nonce] = 100 + len(self.by_nonce)
        return self.by_nonce[nonce]


@pytest.fixture
async def forum_source(store: Repositories, clock: Clock) -> Source:
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=clock.now)
    await store.guilds.set_alerts_channel(GUILD, FORUM, user_id=ADMIN, now=clock.now)
    await store.threads.set_thread_mode(GUILD, FORUM, ThreadMode.FORUM, now=clock.now)
    return source


async def publish_copy(
    store: Repositories, source: Source, placer: OneStory, n: int, now: datetime, *, quote: str = ""
) -> None:
    found = make_article(source.id, f"g:{n}", now, title=f"Bridge copy {n}", site=f"Outlet {n}")
    if quote:
        found = replace(found, quotes=(make_quotation(quote, f"Speaker {n}"),))
    change = PollSuccess(None, None, None, None, None, now + timedelta(minutes=5))
    planned = await Router(store.topics).plan(source, [found])  # the server's alerts channel
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=[found], now=now, stories=placer, planned=planned
    )


async def test_copies_go_in_the_post_as_lines_at_most_once_every_ten_minutes(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    placer, sender = OneStory(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    await publish_copy(store, forum_source, placer, 0, clock.now, quote="We will reopen it.")
    await delivery.deliver_due()
    ((post_id, (name, _, _)),) = sender.posts.items()
    assert name == "Bridge copy 0"

    await publish_copy(store, forum_source, placer, 1, clock.now, quote="We will reopen it.")
    await delivery.deliver_due()
    ((_, first),) = sender.in_threads[post_id]
    assert first.content is not None and first.content.startswith("📰 **Outlet 1**: ")
    assert "“" not in first.content  # the quote was heard in the story already

    clock.advance(60)
    await publish_copy(store, forum_source, placer, 2, clock.now, quote="Traffic is light.")
    await publish_copy(store, forum_source, placer, 3, clock.now)
    await delivery.deliver_due()
    assert len(sender.in_threads[post_id]) == 1  # within ten minutes of the last batch
    clock.advance(LINES_EVERY.total_seconds() - 61)
    await delivery.deliver_due()
    assert len(sender.in_threads[post_id]) == 1
    clock.advance(2)
    await delivery.deliver_due()
    (_, second) = sender.in_threads[post_id][1]
    assert second.content is not None
    assert second.content.splitlines()[0].endswith("· “Traffic is light.” — Speaker 2")
    assert second.content.splitlines()[1].startswith("📰 **Outlet 3**: ")
    assert len(sender.posts) == 1
    kinds = [(e.kind, e.status) for e in await store.outbox.outbox_entries()]
    assert (
        kinds
        == [(OutboxKind.ALERT, OutboxStatus.SENT)] + [(OutboxKind.LINE, OutboxStatus.SENT)] * 3
    )


async def test_a_batch_planned_before_a_crash_is_sent_again_as_it_was(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    placer, sender = OneStory(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    await publish_copy(store, forum_source, placer, 0, clock.now)
    await delivery.deliver_due()
    (post_id,) = sender.posts
    await publish_copy(store, forum_source, placer, 1, clock.now)

    async def lost_record(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed before the record")

    recorded = store.threads.record_lines_sent
    store.threads.record_lines_sent = lost_record  # type: ignore[method-assign]
    await delivery.deliver_due()
    store.threads.record_lines_sent = recorded  # type: ignore[method-assign]
    assert len(sender.in_threads[post_id]) == 1
    await publish_copy(store, forum_source, placer, 2, clock.now)  # after the crash

    restarted = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    await restarted.deliver_due()
    # The same batch, same nonce: Discord answers with the message already posted.
    assert len(sender.in_threads[post_id]) == 1
    lines = {
        e.article_id: e.status
        for e in await store.outbox.outbox_entries()
        if e.kind is OutboxKind.LINE
    }
    assert sorted(lines.values()) == [OutboxStatus.PENDING, OutboxStatus.SENT]
    clock.advance(LINES_EVERY.total_seconds())
    await restarted.deliver_due()
    assert len(sender.in_threads[post_id]) == 2
    assert (sender.in_threads[post_id][1][1].content or "").startswith("📰 **Outlet 2**: ")


async def test_lines_for_a_deleted_post_are_dropped_and_it_is_not_made_again(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    placer, sender = OneStory(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    await publish_copy(store, forum_source, placer, 0, clock.now)
    await delivery.deliver_due()
    (post_id,) = sender.posts
    sender.gone.add(post_id)
    await publish_copy(store, forum_source, placer, 1, clock.now)
    await delivery.deliver_due()
    clock.advance(LINES_EVERY.total_seconds())
    await publish_copy(store, forum_source, placer, 2, clock.now)
    await delivery.deliver_due()
    statuses = [(e.kind, e.status) for e in await store.outbox.outbox_entries()]
    assert statuses == [
        (OutboxKind.ALERT, OutboxStatus.SENT),
        (OutboxKind.LINE, OutboxStatus.DROPPED),
        (OutboxKind.LINE, OutboxStatus.DROPPED),
    ]
    assert list(sender.posts) == [post_id]
    assert post_id not in sender.in_threads


async def test_in_a_forum_a_here_alert_goes_in_its_storys_post_and_a_notice_opens_one(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    from bot.records import Planned
    from bot.storage.outbox import SourceNotice

    placer, sender = OneStory(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    found = make_article(forum_source.id, "g:0", clock.now, title="Bridge story")
    person = Planned(OutboxKind.HERE, GUILD, 4004, 4004, None, "matched: bridge")
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(minutes=5))
    channel = await Router(store.topics).plan(forum_source, [found])  # the server's alerts channel
    await store.ingest.record_poll_success(
        forum_source,
        change,
        seen_keys=[],
        new_articles=[found],
        now=clock.now,
        stories=placer,
        planned={found.item_key: [*channel.get(found.item_key, []), person]},
    )
    await store.outbox.record_source_notice(
        SourceNotice(GUILD, FORUM, forum_source, True), "The feed fails.", now=clock.now
    )
    report = await delivery.deliver_due()
    assert report.sent == 3
    assert [name for name, _, _ in sender.posts.values()] == ["Bridge story", "newsbot"]
    post_id = next(iter(sender.posts))
    ((_, mention),) = sender.in_threads[post_id]
    assert mention.mention_user == 4004 and mention.content == "<@4004>"
    assert all(e.status is OutboxStatus.SENT for e in await store.outbox.outbox_entries())


class Merging:
    """Articles 0 and 1 start stories of their own; article 2 joins 0's and absorbs 1's;
    article 3 is a copy of the merged story."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def place(self, article: Article, article_id: int) -> Placement:
        self.ids.append(article_id)
        if len(self.ids) <= 2:
            return Placement(article_id, Reason.NEW)
        if len(self.ids) == 3:
            return Placement(self.ids[0], Reason.SIMILAR, 0.9, absorbed=(self.ids[1],))
        return Placement(self.ids[0], Reason.TEXT, 0.9)

    def merge(self, into: int, absorbed: Sequence[int]) -> None:
        pass

    def forget(self, article_ids: Sequence[int]) -> None:
        pass


async def test_a_merged_storys_copies_go_in_the_absorbed_storys_thread_where_it_had_one(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    from bot.records import Planned

    other_forum = 2003
    await store.threads.set_thread_mode(GUILD, other_forum, ThreadMode.FORUM, now=clock.now)
    placer, sender = Merging(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    change = PollSuccess(None, None, None, None, None, clock.now + timedelta(minutes=5))
    route = Planned(OutboxKind.ALERT, GUILD, other_forum, None, None, "matched: bridge")
    for n in range(4):
        found = make_article(forum_source.id, f"g:{n}", clock.now, title=f"Bridge {n}")
        # The alerts channel gets each; only the second story goes to the other forum too.
        planned = await Router(store.topics).plan(forum_source, [found])
        if n == 1:
            planned = {found.item_key: [*planned.get(found.item_key, []), route]}
        await store.ingest.record_poll_success(
            forum_source,
            change,
            seen_keys=[],
            new_articles=[found],
            now=clock.now,
            stories=placer,
            planned=planned,
        )
        await delivery.deliver_due()
        clock.advance(LINES_EVERY.total_seconds())
    made = [(sender.forum_of[i], name) for i, (name, _, _) in sender.posts.items()]
    # (Channels are delivered side by side: the order across the two forums is not fixed.)
    assert sorted(made) == [(FORUM, "Bridge 0"), (FORUM, "Bridge 1"), (other_forum, "Bridge 1")]
    (in_other,) = [i for i, forum in sender.forum_of.items() if forum == other_forum]
    # The other forum had only the absorbed story's post: the merged story's copies go there.
    lines = [m.content or "" for _, m in sender.in_threads.get(in_other, [])]
    assert any("Bridge 3" in line for line in lines)
    entries = await store.outbox.outbox_entries()
    assert not [
        e for e in entries if e.kind is OutboxKind.LINE and e.status is not OutboxStatus.SENT
    ]


async def test_lines_take_the_channels_style(
    store: Repositories, forum_source: Source, clock: Clock
) -> None:
    compact = AlertStyle(StyleName.COMPACT)
    await store.topics.set_channel_style(
        GUILD, FORUM, compact.encode(), user_id=ADMIN, now=clock.now
    )
    placer, sender = OneStory(), ThreadRecorder()
    delivery = deliverer_on(store, sender=sender, route_alert_cap=20, clock=clock)
    await publish_copy(store, forum_source, placer, 0, clock.now)
    await delivery.deliver_due()
    ((post_id, _),) = sender.posts.items()
    await publish_copy(store, forum_source, placer, 1, clock.now, quote="Traffic is light.")
    await delivery.deliver_due()
    ((_, line),) = sender.in_threads[post_id]
    assert line.content is not None and line.content.startswith("📰 **Outlet 1**: ")
    assert "Traffic" not in line.content  # compact: no quote
