"""The whole store in one object: every repository of ``bot.storage`` over one Database.

Kept for callers that still take the whole store; a service that needs one area takes that
area's repository (``bot.storage.sources.Sources``, ``bot.storage.outbox.Outbox``, ...).
"""

from __future__ import annotations

from bot.storage.articles import Articles
from bot.storage.coverage import Coverage, CoverageCounts
from bot.storage.database import HEAD_REVISION, Database
from bot.storage.derived import speaker_key
from bot.storage.digests import Digests
from bot.storage.fulltext import (
    FEW_SOURCES,
    FTS5_SCHEMA,
    POSTGRES_FULL_TEXT_SCHEMA,
    UnsearchableQuery,
    search_tags,
)
from bot.storage.guilds import Guilds
from bot.storage.ingest import Ingest, PollRecord, PollSuccess
from bot.storage.operations import Operations
from bot.storage.outbox import Outbox, SourceNotice
from bot.storage.queries import SEARCH_CANDIDATES, Listing, Queries, QuoteListing
from bot.storage.quiet import Quiet
from bot.storage.sources import ItemFailure, Sources
from bot.storage.threads import Threads
from bot.storage.topics import Topics
from bot.storage.transfer import NotEmpty, Transfer

__all__ = [
    "FEW_SOURCES",
    "FTS5_SCHEMA",
    "HEAD_REVISION",
    "POSTGRES_FULL_TEXT_SCHEMA",
    "SEARCH_CANDIDATES",
    "CoverageCounts",
    "ItemFailure",
    "Listing",
    "NotEmpty",
    "PollRecord",
    "PollSuccess",
    "QuoteListing",
    "SourceNotice",
    "Store",
    "UnsearchableQuery",
    "search_tags",
    "speaker_key",
]


class Store(
    Sources,
    Ingest,
    Articles,
    Guilds,
    Outbox,
    Topics,
    Queries,
    Coverage,
    Transfer,
    Operations,
    Digests,
    Quiet,
    Threads,
):
    """Every repository over one Database."""

    @classmethod
    def open(cls, database_url: str) -> Store:
        """The store of the database at this URL (SQLite or PostgreSQL)."""
        return cls(Database.open(database_url))

    @property
    def database(self) -> Database:
        """The shared engine every repository here uses."""
        return self._db

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._db.close()

    async def schema_revision(self) -> str | None:
        """The revision the schema is at (None before the first migration)."""
        return await self._db.schema_revision()

    async def migrate(self) -> bool:
        """Bring the schema to the newest revision. Returns True when anything was applied."""
        return await self._db.migrate()
