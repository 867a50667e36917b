"""Quotations keep what kind of speaker they have when stored and read back (both engines)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.quotes import Quotation, SpeakerKind
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from tests.factories import make_article, make_quotation

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def quote(text: str, speaker: str | None, kind: SpeakerKind | None) -> Quotation:
    return make_quotation(text, speaker, key=False, kind=kind)


async def test_speaker_kinds_are_stored_and_read_back(store: Repositories) -> None:
    url = "https://news.example/feed"
    source, _ = await store.sources.add_source(url, added_url=url, now=NOW)
    quotes = (
        quote(
            "We never expressed interest in the firearm",
            "the Smithsonian",
            SpeakerKind.ORGANISATION,
        ),
        quote(
            "The gap is too wide for anyone to close", "a Nevada Democrat", SpeakerKind.DESCRIPTION
        ),
        quote("We will rebuild every home the storm destroyed", "Lena Fischer", SpeakerKind.PERSON),
        quote("Nobody is quoted as saying this at all", None, None),
    )
    article = replace(make_article(source.id, "k1", NOW), quotes=quotes)
    change = PollSuccess(None, None, None, None, None, NOW)
    await store.ingest.record_poll_success(
        source, change, seen_keys=[article.item_key], new_articles=[article], now=NOW
    )
    (stored,) = await store.articles.latest_articles_of(source.id, limit=1)
    assert [(q.speaker, q.speaker_kind) for q in stored.quotes] == [
        (q.speaker, q.speaker_kind) for q in quotes
    ]
