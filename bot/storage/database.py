"""The shared engine: opening a database, write transactions, migrating, and the few statements
each engine (SQLite or PostgreSQL) spells its own way."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import importlib.util
import logging
import pkgutil
import sys
import types
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    Table,
    cast,
    event,
    extract,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Select

from bot.errors import StoreUnavailable
from bot.settings import async_database_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


HEAD_REVISION = "0026"
"""The newest migration; checked against Alembic's scripts by a test, so a start-up on an
up-to-date database needs no Alembic import at all."""


KEY_BATCH = 500


HOUR_SECONDS = 3600


ASYNC_EXTENSION = "sqlalchemy.ext.asyncio"


def _async_engines() -> types.ModuleType:
    """SQLAlchemy's async engine module (``create_async_engine``, ``AsyncEngine``), imported
    without the ORM. The package ``sqlalchemy.ext.asyncio`` imports its ORM session too, and with
    it all of ``sqlalchemy.orm`` (~7 MB and ~60 ms at every start), which newsbot never uses: its
    SQL is Core. So the package is put in place without running its ``__init__`` until something
    asks it for a name it doesn't have yet (``AsyncSession``...): then it runs, and the package
    is whole, its engine module the one already loaded."""
    if ASYNC_EXTENSION not in sys.modules:
        spec = importlib.util.find_spec(ASYNC_EXTENSION)
        if spec is None or spec.loader is None:
            raise ImportError(ASYNC_EXTENSION)
        loader = spec.loader
        package = importlib.util.module_from_spec(spec)
        submodules = {found.name for found in pkgutil.iter_modules(package.__path__)}

        def complete(name: str) -> object:
            if name in submodules:  # ``from . import exc``: the import system loads it
                raise AttributeError(name)
            del package.__getattr__  # runs once: the package's own names from now on
            loader.exec_module(package)
            return getattr(package, name)

        package.__getattr__ = complete  # type: ignore[method-assign]
        sys.modules[ASYNC_EXTENSION] = package
        parent, _, child = ASYNC_EXTENSION.rpartition(".")
        setattr(sys.modules[parent], child, package)  # as the import system does
    return importlib.import_module(f"{ASYNC_EXTENSION}.engine")


def _alembic_upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


SQLITE_UNAVAILABLE = frozenset({5, 6, 8, 10, 13})
"""Primary result codes of a write that may work later: BUSY, LOCKED, READONLY, IOERR, FULL."""


def _unavailable(exc: DBAPIError) -> bool:
    """Whether a failed write is the database's state (try later) rather than our SQL's fault."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in SQLITE_UNAVAILABLE
    return isinstance(exc, OperationalError)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


async def _serialize(dialect: str, conn: AsyncConnection, *about: object) -> None:
    """Make transactions about the same thing (``about``) take turns until each commits: on
    PostgreSQL a transaction-level advisory lock on a 64-bit hash of it. SQLite has one writer at
    a time, which a transaction that writes before it reads already waits for."""
    if dialect != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(repr(about).encode(), digest_size=8).digest(), "big")
    await conn.execute(select(func.pg_advisory_xact_lock(literal(key - (1 << 63), BigInteger))))


def _seen_insert_sql(dialect: str) -> str:
    """INSERT of (source_id, item_key, first_seen_at) rows, skipping keys already seen."""
    values = "(?, ?, ?)" if dialect == "sqlite" else "($1, $2, $3)"
    return (
        f"INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES {values} "
        "ON CONFLICT DO NOTHING"
    )


def _like_any_case(dialect: str, value: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
    """``value LIKE pattern`` (escape ``\\``) ignoring case: SQLite's LIKE already does (for
    ASCII letters); PostgreSQL's is case-sensitive, its ILIKE is not."""
    if dialect == "sqlite":
        return value.like(pattern, escape="\\")
    return value.ilike(pattern, escape="\\")


def _literal_row(table: Table, row: Mapping[str, Any]) -> Select[Any]:
    """SELECT of one row of constants, typed as ``table``'s columns (for INSERT ... SELECT
    ... WHERE: an insert that happens only if a condition holds, in one statement)."""
    return select(*(literal(value, type_=table.c[name].type) for name, value in row.items()))


def _insert_ignore(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: each engine spells it through its own dialect."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table).on_conflict_do_nothing()


def _hour_sql(dialect: str, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """``hour_of`` in SQL, of a stored (naive UTC) time."""
    if dialect == "sqlite":
        seconds = cast(func.strftime("%s", moment), Integer)
        return (seconds // HOUR_SECONDS).label("hour")
    return cast(func.floor(extract("epoch", moment) / HOUR_SECONDS), Integer).label("hour")


def _upsert(
    dialect: str,
    table: Table,
    keys: Sequence[str],
    *,
    replace: Sequence[str] = (),
    add: Sequence[str] = (),
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: ``replace`` columns take the new value, ``add``
    columns add it to the stored one (atomic on both engines)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    changes: dict[str, Any] = {name: statement.excluded[name] for name in replace}
    changes.update({name: table.c[name] + statement.excluded[name] for name in add})
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


class Database:
    """One database: its engine, its write transactions and its schema. Every repository
    shares one, so they count statements and take turns writing as one store did."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an engine; its statements are counted from now on."""
        self.engine = engine
        self.dialect = engine.dialect.name
        # One writing transaction at a time in this process, on both engines. SQLite has one
        # writer at a time anyway (queueing ours here avoids lock errors); on PostgreSQL it keeps
        # what a transaction reads from the story placer and the stories table in step with what
        # committed before it, as on SQLite. Writers in several processes need more than this.
        self._write_lock = asyncio.Lock()
        self.statements = 0
        """Statements sent to the database (an executemany counts once: it is one call,
        pipelined by asyncpg); benchmarks read it as round trips."""
        event.listen(engine.sync_engine, "before_cursor_execute", self._count_statement)

    @classmethod
    def open(cls, database_url: str) -> Database:
        """The database at this URL (SQLite or PostgreSQL), through our async drivers."""
        url = make_url(async_database_url(database_url))  # the async drivers we install
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        else:
            from bot.storage.schema import postgresql_options

            postgresql_options()
            # A pooled connection the server closed (a restart, an idle timeout) is replaced.
            kwargs["pool_pre_ping"] = True
        engine: AsyncEngine = _async_engines().create_async_engine(url, **kwargs)
        if url.get_backend_name() == "sqlite":
            _sqlite_setup(engine)
        return cls(engine)

    @property
    def shares_work(self) -> bool:
        """Whether several processes may share this database (PostgreSQL: work is leased and
        claimed in it) or only one (SQLite)."""
        return self.dialect != "sqlite"

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def _count_statement(self, *_args: object) -> None:
        self.statements += 1

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction. A database that can't take writes for now (locked by another
        writer, disk full) raises StoreUnavailable: the transaction left nothing behind."""
        lock = self._write_lock or contextlib.nullcontext()
        try:
            async with lock, self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            if not _unavailable(exc):
                raise
            # The driver's words stay in the log (on PostgreSQL they can name internal hosts).
            log.warning("the database refused a write: %r", exc.orig)
            raise StoreUnavailable from exc

    async def schema_revision(self) -> str | None:
        """The revision the schema is at (None before the first migration)."""
        async with self.engine.connect() as conn:
            has_table = await conn.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return None
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()

    async def migrate(self) -> bool:
        """Bring the schema to the newest revision. Returns True when anything was applied."""
        if await self.schema_revision() == HEAD_REVISION:
            return False
        async with self.write() as conn:
            await conn.run_sync(_alembic_upgrade)
        return True

    async def claim(self, due: Select[Any], table: Table, **taken: Any) -> list[Row[Any]]:
        """The rows of ``table`` whose ids ``due`` selects, marked ``taken`` in one statement
        where several processes share the database (each claim skips the rows another is
        taking: FOR UPDATE SKIP LOCKED); on SQLite, which serves one process, only read."""
        if not self.shares_work:
            async with self.engine.connect() as conn:
                return list(await conn.execute(due.with_only_columns(*table.c)))
        claim = (
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(**taken)
            .returning(*table.c)
        )
        async with self.write() as conn:
            return list(await conn.execute(claim))


class Repository:
    """The part of the store one area of the bot uses, over the shared Database."""

    def __init__(self, db: Database) -> None:
        """Work on the shared database."""
        self._db = db

    @property
    def _engine(self) -> AsyncEngine:
        return self._db.engine

    @property
    def _dialect(self) -> str:
        return self._db.dialect

    @property
    def _sqlite(self) -> bool:
        return self._db.dialect == "sqlite"

    @property
    def shares_work(self) -> bool:
        """Whether several processes may share this database (see Database.shares_work)."""
        return self._db.shares_work

    @property
    def statements(self) -> int:
        """Statements sent to the database so far (see Database.statements)."""
        return self._db.statements

    def _write(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        return self._db.write()

    async def _claim(self, due: Select[Any], table: Table, **taken: Any) -> list[Row[Any]]:
        return await self._db.claim(due, table, **taken)
