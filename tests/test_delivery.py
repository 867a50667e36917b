"""The outbox and its delivery on a real SQLite store; the Discord edge is a small recorder
here (the fake-Discord tests drive the real client)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.articles import Article
from bot.delivery import (
    ChannelRefused,
    Deliverer,
    OutboxKind,
    OutboxStatus,
    Planned,
    Rejected,
    TemporaryFailure,
)
from bot.messages import OutgoingMessage
from bot.routing import Router
from bot.sources import Source
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.conftest import Clock, deliverer_on
from tests.factories import make_article

pytestmark = pytest.mark.both_engines

GUILD, CHANNEL, ADMIN = 1001, 2002, 3003


@dataclass
class Recorder:
    """Keeps messages by channel, answering a repeated nonce with the first message, as
    Discord does with enforce_nonce."""

    messages: dict[int, list[tuple[str, OutgoingMessage]]] = field(default_factory=dict)
    by_nonce: dict[str, int] = field(default_factory=dict)
    fail_with: list[Exception] = field(default_factory=list)
    told: list[tuple[int, int | None, str]] = field(default_factory=list)

    async def send(self, channel_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        if self.fail_with:
            raise self.fail_with.pop(0)
        if nonce in self.by_nonce:
            return self.by_nonce[nonce]
        sent = self.messages.setdefault(channel_id, [])
        sent.append((nonce, message))
        self.by_nonce[nonce] = len(self.by_nonce) + 1
        return self.by_nonce[nonce]

    async def send_dm(self, user_id: int, message: OutgoingMessage, *, nonce: str) -> int:
        return await self.send(-user_id, message, nonce=nonce)  # DMs kept under -user id

    async def tell_admins(self, guild_id: int, user_id: int | None, text: str) -> None:
        self.told.append((guild_id, user_id, text))


def article(source_id: int, n: int, when: datetime) -> Article:
    return make_article(
        source_id, f"g:{n}", when, title=f"Headline {n} @everyone", lead=f"Lead {n}."
    )


async def publish(
    store: Repositories,
    source: Source,
    numbers: range,
    now: datetime,
    *,
    here_for: int | None = None,
) -> None:
    """Store these articles (and queue their alerts); ``here_for``: a person whose 'here'
    topic each of them matched."""
    change = PollSuccess(None, None, None, None, None, now + timedelta(minutes=5))
    new = [article(source.id, n, now) for n in numbers]
    planned = await Router(store.topics).plan(source, new)  # the server's alerts channel
    if here_for is not None:
        person = Planned(OutboxKind.HERE, GUILD, here_for, here_for, None, "source:news.test")
        planned = {a.item_key: [*planned.get(a.item_key, []), person] for a in new}
    await store.ingest.record_poll_success(
        source, change, seen_keys=[], new_articles=new, now=now, planned=planned
    )


@pytest.fixture
async def subscribed(store: Repositories, clock: Clock) -> Source:
    source, _ = await store.sources.add_source(
        "https://news.test/feed", added_url="x", now=clock.now
    )
    await store.guilds.add_guild_source(GUILD, source.id, user_id=ADMIN, now=clock.now)
    await store.guilds.set_alerts_channel(GUILD, CHANNEL, user_id=ADMIN, now=clock.now)
    return source


def deliverer(store: Repositories, recorder: Recorder, clock: Clock, cap: int = 20) -> Deliverer:
    return deliverer_on(store, sender=recorder, route_alert_cap=cap, clock=clock)


async def test_new_articles_are_queued_with_them_and_sent_once(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(3), clock.now)
    pending = await store.outbox.outbox_entries(status=OutboxStatus.PENDING)
    assert [(e.kind, e.channel_id) for e in pending] == [(OutboxKind.ALERT, CHANNEL)] * 3
    recorder = Recorder()
    report = await deliverer(store, recorder, clock).deliver_due()
    assert report.sent == 3
    assert await deliverer(store, recorder, clock).deliver_due() == type(report)()
    titles = [m.embeds[0].title for _, m in recorder.messages[CHANNEL]]
    assert titles == [f"Headline {n} @\u200beveryone" for n in range(3)]


async def test_a_send_not_recorded_before_a_crash_is_not_posted_twice(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(1), clock.now)
    recorder = Recorder()
    (entry,) = await store.outbox.due_outbox(clock.now)
    # The message went out, then the process died before mark_sent.
    await recorder.send(CHANNEL, OutgoingMessage(content="x"), nonce=entry.nonce)
    await deliverer(store, recorder, clock).deliver_due()
    assert len(recorder.messages[CHANNEL]) == 1
    (done,) = await store.outbox.outbox_entries()
    assert done.status is OutboxStatus.SENT and done.message_id == 1


async def test_overflow_beyond_the_cap_becomes_one_summary(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(7), clock.now)
    recorder = Recorder()
    report = await deliverer(store, recorder, clock, cap=4).deliver_due()
    assert (report.sent, report.summarized) == (4, 3)
    sent = recorder.messages[CHANNEL]
    assert len(sent) == 5
    assert sent[-1][1].embeds[0].title == "3 more alerts in the last few minutes"
    clock.advance(60)
    await publish(store, subscribed, range(7, 9), clock.now)
    report = await deliverer(store, recorder, clock, cap=4).deliver_due()
    assert (report.sent, report.summarized) == (0, 2)


async def test_a_refused_channel_is_blocked_its_queue_dropped_and_admins_told_once(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(3), clock.now)
    recorder = Recorder(fail_with=[ChannelRefused("the bot lacks permission to post there")])
    report = await deliverer(store, recorder, clock).deliver_due()
    assert report.dropped == 1 and report.sent == 0
    statuses = {e.status for e in await store.outbox.outbox_entries()}
    assert statuses == {OutboxStatus.DROPPED}
    assert len(recorder.told) == 1 and recorder.told[0][:2] == (GUILD, ADMIN)
    await publish(store, subscribed, range(3, 5), clock.now)
    assert await store.outbox.due_outbox(clock.now) == []  # nothing more is queued there
    await store.guilds.set_alerts_channel(GUILD, CHANNEL + 1, user_id=ADMIN, now=clock.now)
    await publish(store, subscribed, range(5, 6), clock.now)
    assert [e.channel_id for e in await store.outbox.due_outbox(clock.now)] == [CHANNEL + 1]


async def test_temporary_failures_back_off_and_then_succeed(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(1), clock.now)
    recorder = Recorder(fail_with=[TemporaryFailure("Discord answered 503")] * 2)
    report = await deliverer(store, recorder, clock).deliver_due()
    assert report.retried == 1
    (entry,) = await store.outbox.outbox_entries()
    assert entry.attempts == 1 and entry.last_error == "Discord answered 503"
    assert await store.outbox.due_outbox(clock.now) == []
    clock.advance(11)
    await deliverer(store, recorder, clock).deliver_due()
    clock.advance(21)
    report = await deliverer(store, recorder, clock).deliver_due()
    assert report.sent == 1


async def test_removing_a_source_drops_its_queued_alerts(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(2), clock.now)
    assert await store.guilds.remove_guild_source(GUILD, subscribed.id)
    assert await store.outbox.due_outbox(clock.now) == []
    assert await store.sources.get_source(subscribed.id) is None  # no other server used it


async def test_a_server_that_removed_the_bot_is_forgotten(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(2), clock.now)
    await store.guilds.remove_guild(GUILD)
    assert await store.guilds.guild(GUILD) is None
    assert await store.outbox.due_outbox(clock.now) == []
    assert await store.sources.list_sources() == []


async def test_a_source_failing_for_a_day_is_reported_once_and_again_on_recovery(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await store.sources.record_failure(
        subscribed, "The server answered 500.", now=clock.now, next_poll_at=clock.now
    )
    recorder = Recorder()
    queue = deliverer(store, recorder, clock)
    assert await queue.queue_source_notices() == 0
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    assert await queue.queue_source_notices() == 1
    assert await queue.queue_source_notices() == 0
    source = await store.sources.get_source(subscribed.id)
    assert source is not None
    await store.ingest.record_poll_success(
        source,
        PollSuccess(None, None, None, None, None, clock.now),
        seen_keys=[],
        new_articles=[],
        now=clock.now,
    )
    assert await queue.queue_source_notices() == 1
    await queue.deliver_due()
    texts = [m.embeds[0].description for _, m in recorder.messages[CHANNEL]]
    assert "has failed since" in texts[0] and "The server answered 500." in texts[0]
    assert "is working again" in texts[1]


async def test_a_message_discord_rejects_is_given_up_after_three_attempts_and_the_rest_go(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(3), clock.now)
    refusal = Rejected("Discord rejected the message: 400 (Invalid Form Body)")
    recorder = Recorder(fail_with=[refusal])
    report = await deliverer(store, recorder, clock).deliver_due()
    assert (report.sent, report.retried, report.failed) == (2, 1, 0)
    assert [m.embeds[0].title for _, m in recorder.messages[CHANNEL]] == [
        f"Headline {n} @\u200beveryone" for n in (1, 2)
    ]
    for _ in range(2):
        recorder.fail_with.append(refusal)
        clock.advance(60)
        report = await deliverer(store, recorder, clock).deliver_due()
    assert report.failed == 1
    first = (await store.outbox.outbox_entries())[0]
    assert first.status is OutboxStatus.FAILED and first.attempts == 3
    assert first.last_error == str(refusal)
    clock.advance(600)
    assert await store.outbox.due_outbox(clock.now) == []
    await publish(store, subscribed, range(3, 4), clock.now)
    assert (await deliverer(store, recorder, clock).deliver_due()).sent == 1


async def test_an_alert_newsbot_fails_to_prepare_counts_an_attempt_and_blocks_nothing(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(2), clock.now)
    recorder = Recorder(fail_with=[ValueError("embed refused by the library")])
    report = await deliverer(store, recorder, clock).deliver_due()
    assert (report.sent, report.retried) == (1, 1)
    first = (await store.outbox.outbox_entries())[0]
    assert first.status is OutboxStatus.PENDING and first.attempts == 1
    assert "ValueError: embed refused by the library" in (first.last_error or "")
    clock.advance(5)
    assert (await deliverer(store, recorder, clock).deliver_due()).sent == 1
    assert len(recorder.messages[CHANNEL]) == 2


async def test_here_alerts_share_the_channels_cap_and_the_overflow_is_one_summary(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    member = 4004
    await publish(store, subscribed, range(40), clock.now, here_for=member)
    assert len(await store.outbox.due_outbox(clock.now)) == 80
    recorder = Recorder()
    report = await deliverer(store, recorder, clock, cap=5).deliver_due()
    sent = recorder.messages[CHANNEL]
    assert len(sent) == 6 and (report.sent, report.summarized) == (5, 75)
    mentions = [m for _, m in sent if m.mentioned_users]
    summary = sent[-1][1]
    assert summary.mentioned_users == (member,)
    assert summary.content is not None and summary.content.count(f"<@{member}>") == 1
    assert summary.embeds[0].title == "38 more alerts in the last few minutes"
    assert len(mentions) == 3  # the 'here' alerts among the first five, and the summary
    clock.advance(60)
    await publish(store, subscribed, range(40, 42), clock.now, here_for=member)
    report = await deliverer(store, recorder, clock, cap=5).deliver_due()
    assert (report.sent, report.summarized) == (0, 4)
    assert len(recorder.messages[CHANNEL]) == 7
    clock.advance(601)
    await publish(store, subscribed, range(42, 43), clock.now, here_for=member)
    report = await deliverer(store, recorder, clock, cap=5).deliver_due()
    assert (report.sent, report.summarized) == (2, 0)


async def test_a_round_reads_each_channels_style_once_and_the_next_round_reads_it_again(
    store: Repositories, subscribed: Source, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    channel_style = store.topics.channel_style

    async def counted(channel_id: int) -> str | None:
        read.append(channel_id)
        return await channel_style(channel_id)

    monkeypatch.setattr(store.topics, "channel_style", counted)
    await publish(store, subscribed, range(3), clock.now)
    sender = deliverer(store, Recorder(), clock)
    assert (await sender.deliver_due()).sent == 3
    assert read == [CHANNEL]
    await publish(store, subscribed, range(3, 5), clock.now)
    assert (await sender.deliver_due()).sent == 2
    assert read == [CHANNEL, CHANNEL]


async def test_an_alerts_article_is_read_with_its_quotes_and_its_source(
    store: Repositories, subscribed: Source, clock: Clock
) -> None:
    await publish(store, subscribed, range(1), clock.now)
    (entry,) = await store.outbox.due_outbox(clock.now)
    assert entry.article_id is not None
    found = await store.articles.article_with_source(entry.article_id)
    assert found is not None
    stored, source = found
    assert stored.title == "Headline 0 @everyone"
    assert stored == await store.articles.article(entry.article_id)  # with its quotes
    assert source == await store.sources.get_source(subscribed.id)
    assert await store.articles.article_with_source(entry.article_id + 1000) is None
