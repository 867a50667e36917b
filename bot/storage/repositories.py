"""Every repository of ``bot.storage`` over one shared Database, for the composition root.

A plain bundle: it builds the repositories and closes their database, and does nothing else.
Each service is handed the few repositories it calls, never the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.articles import Articles
from bot.storage.coverage import Coverage
from bot.storage.database import Database
from bot.storage.digests import Digests
from bot.storage.guilds import Guilds
from bot.storage.ingest import Ingest
from bot.storage.operations import Operations
from bot.storage.outbox import Outbox
from bot.storage.queries import Queries
from bot.storage.quiet import Quiet
from bot.storage.sources import Sources
from bot.storage.threads import Threads
from bot.storage.topics import Topics
from bot.storage.transfer import Transfer


@dataclass(frozen=True, slots=True)
class Repositories:
    """One repository per area, all on ``database``."""

    database: Database
    sources: Sources
    ingest: Ingest
    articles: Articles
    guilds: Guilds
    outbox: Outbox
    topics: Topics
    queries: Queries
    coverage: Coverage
    transfer: Transfer
    operations: Operations
    digests: Digests
    quiet: Quiet
    threads: Threads

    @classmethod
    def on(cls, database: Database) -> Repositories:
        """Every repository on this database."""
        return cls(
            database=database,
            sources=Sources(database),
            ingest=Ingest(database),
            articles=Articles(database),
            guilds=Guilds(database),
            outbox=Outbox(database),
            topics=Topics(database),
            queries=Queries(database),
            coverage=Coverage(database),
            transfer=Transfer(database),
            operations=Operations(database),
            digests=Digests(database),
            quiet=Quiet(database),
            threads=Threads(database),
        )

    @classmethod
    def open(cls, database_url: str) -> Repositories:
        """Every repository on the database at this URL (SQLite or PostgreSQL)."""
        return cls.on(Database.open(database_url))

    async def close(self) -> None:
        """Close the shared database's pooled connections."""
        await self.database.close()
