"""Backups of the store: a consistent copy of a live SQLite database (SQLite's online backup API,
so the bot keeps running), daily ones kept in BACKUP_DIR, and on PostgreSQL the pg_dump command
to use instead."""

from __future__ import annotations

import logging
import shlex
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

PREFIX = "newsbot-"
SUFFIX = ".sqlite3"
DAILY = timedelta(hours=20)
"""A daily backup is due when the newest is older than this (restarts don't add more)."""


class NotSQLite(Exception):
    """The store is not a SQLite file; the message gives the pg_dump command to use."""


@dataclass(frozen=True, slots=True)
class BackupDone:
    """A backup made: where it is and how big."""

    path: Path
    bytes: int
    seconds: float


def sqlite_path(database_url: str) -> Path:
    """The SQLite file DATABASE_URL names; NotSQLite (with the pg_dump command) otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise NotSQLite(pg_dump_advice(database_url))
    if not url.database or url.database == ":memory:":
        raise NotSQLite("DATABASE_URL names an in-memory SQLite database: nothing to back up.")
    return Path(url.database)


def pg_dump_command(database_url: str, target: str) -> str:
    """The pg_dump command that backs up the PostgreSQL database DATABASE_URL names (in pg_dump's
    custom format, which pg_restore reads), the password left out of it."""
    return f"pg_dump --format=custom --file={shlex.quote(target)} {_conninfo(database_url)}"


def _conninfo(database_url: str, database: str | None = None) -> str:
    """A libpq URL of the database (another one on the same server), without the password."""
    url = make_url(database_url)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=database or url.database,
        query=url.query,
    )
    return shlex.quote(plain.render_as_string(hide_password=False))


def pg_dump_advice(database_url: str, target: str = "newsbot.dump") -> str:
    """What `newsbot backup` says on PostgreSQL: the pg_dump and pg_restore commands."""
    new = _conninfo(database_url, "NEW_DATABASE")
    return (
        "the store is on PostgreSQL: back it up with pg_dump (the password from PGPASSWORD or "
        f"~/.pgpass), while the bot runs:\n  {pg_dump_command(database_url, target)}\n"
        "and restore it into a new, empty database (UTF-8 locale) with:\n"
        f"  pg_restore --no-owner --dbname={new} {shlex.quote(target)}"
    )


def backup_sqlite(source: Path, target: Path) -> BackupDone:
    """Copy the live database ``source`` to ``target`` with SQLite's online backup API: a
    consistent snapshot, while other connections go on reading and writing. It copies in one
    step, inside one read transaction: in WAL mode (the store's) writers are not held up by it,
    whereas a copy in several steps starts again whenever another connection writes between
    them. The copy is written beside ``target`` and renamed into place, so a crash never leaves
    a half file there."""
    if not source.is_file():
        raise FileNotFoundError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # A single file: the copy keeps no WAL beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return BackupDone(target, target.stat().st_size, time.perf_counter() - started)


def backups_in(folder: Path) -> list[Path]:
    """The daily backups in ``folder``, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def daily_backup(source: Path, folder: Path, *, keep: int, now: datetime) -> BackupDone | None:
    """Back ``source`` up into ``folder`` unless a backup from the last 20 hours is there, then
    delete all but the newest ``keep``. Returns the backup made, if any."""
    existing = backups_in(folder)
    if existing and time.time() - existing[-1].stat().st_mtime < DAILY.total_seconds():
        return None
    done = backup_sqlite(source, folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}")
    for old in backups_in(folder)[:-keep]:
        old.unlink(missing_ok=True)
        log.info("deleted old backup %s", old.name)
    return done


class DailyBackups:
    """The housekeeping loop's daily backup of a SQLite store into BACKUP_DIR."""

    def __init__(self, *, database_url: str, folder: Path, keep: int) -> None:
        """Back up DATABASE_URL's store into folder, keeping the newest keep files."""
        self._source = sqlite_path(database_url)
        self._folder = folder
        self._keep = keep

    async def run_due(self, now: datetime) -> BackupDone | None:
        """Make today's backup unless there is one (in a thread: the copy is file I/O)."""
        import asyncio

        return await asyncio.to_thread(
            daily_backup, self._source, self._folder, keep=self._keep, now=now
        )
