"""The one Settings object, read from the environment and ``.env``.

Built once (``bot.services.load_settings``, for the command being run) and passed to whatever
needs it; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


DEFAULT_USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot-dev/newsbot)"

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def async_database_url(url: str) -> str:
    """A database URL with the async driver newsbot uses for its scheme: ``sqlite://`` means
    aiosqlite, ``postgresql://`` and ``postgres://`` mean asyncpg. Any other scheme raises
    ValueError (naming the scheme only: the rest may hold a password)."""
    scheme, separator, rest = url.strip().partition("://")
    driver = _ASYNC_DRIVERS.get(scheme.lower()) if separator else None
    if driver is None:
        shown = f"not {scheme}://" if separator else "this one has no scheme"
        raise ValueError(f"must start with sqlite://, postgresql:// or postgres:// ({shown})")
    return f"{driver}://{rest}"


class Settings(BaseSettings):
    """Every setting newsbot reads, from the environment or .env (built once, then passed in)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    discord_token: SecretStr | None = Field(
        default=None, description="Bot token; needed only by `newsbot run`."
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///newsbot.sqlite3",
        description="The store: sqlite:///PATH, or postgresql://user:password@host/db (the "
        "async drivers, aiosqlite and asyncpg, are implied).",
    )
    discord_api_base_url: str = Field(
        default="https://discord.com/api/v10",
        description="REST base of Discord (or a compatible proxy).",
    )
    dev_guild_id: int | None = Field(
        default=None, description="Guild that gets slash commands synced on start."
    )
    allow_private_addresses: bool = Field(
        default=False,
        description="Allow sources on loopback and private networks, and on ports browsers "
        "refuse (for self-hosters).",
    )
    poll_interval_seconds: Annotated[int, Field(ge=5)] = Field(
        default=300, description="How often a healthy source is polled."
    )
    user_agent: str = Field(
        default=DEFAULT_USER_AGENT, description="User-Agent sent with every request."
    )
    http_connect_timeout: Annotated[float, Field(gt=0)] = Field(
        default=10.0, description="Seconds to connect to a server."
    )
    http_read_timeout: Annotated[float, Field(gt=0)] = Field(
        default=20.0, description="Seconds a server may stay silent while sending."
    )
    http_total_timeout: Annotated[float, Field(gt=0)] = Field(
        default=60.0, description="Seconds one request may take in all."
    )
    max_body_bytes: Annotated[int, Field(ge=1024)] = Field(
        default=5 * 1024 * 1024, description="Largest response body read (after decompression)."
    )
    max_redirects: Annotated[int, Field(ge=0, le=20)] = Field(
        default=5, description="Redirect hops followed per request."
    )
    http_concurrency: Annotated[int, Field(ge=1)] = Field(
        default=100, description="Requests in flight at once, in all."
    )
    http_concurrency_per_host: Annotated[int, Field(ge=1)] = Field(
        default=4, description="Requests in flight at once to one host."
    )
    parse_workers: Annotated[int, Field(ge=0)] = Field(
        default=0,
        description="Feed-parsing processes; 0 means one per CPU core, 1 parses in a thread.",
    )
    parse_time_limit_seconds: Annotated[float, Field(gt=0)] = Field(
        default=20.0,
        description="Longest one parsing job (a feed, an article) may take; a job over it is "
        "stopped, its worker replaced, and the article kept without what was left to do.",
    )
    parse_memory_limit_mb: Annotated[int, Field(ge=256)] = Field(
        default=1024,
        description="Memory (address space) one parsing process may use; a job over it is "
        "stopped and its worker replaced.",
    )
    max_items_per_feed: Annotated[int, Field(ge=1)] = Field(
        default=100,
        description="Newest items taken from one feed per poll (of a longer feed, the first and "
        "last 10 times as many entries are read).",
    )
    max_backoff_seconds: Annotated[int, Field(ge=60)] = Field(
        default=86400, description="Longest wait between polls of a failing source."
    )
    route_alert_cap: Annotated[int, Field(ge=1)] = Field(
        default=20,
        description="Alerts one channel gets per 10 minutes; the overflow becomes a summary.",
    )
    topics_per_user: Annotated[int, Field(ge=1)] = Field(
        default=25, description="Topics one person may follow in each server."
    )
    routes_per_server: Annotated[int, Field(ge=1)] = Field(
        default=50, description="Topic routes (/alerts add) one server may have."
    )
    default_sources_file: Path | None = Field(
        default=None,
        description="Starter feeds for /sources defaults (default: the bundled world-news list).",
    )
    delivery_interval_seconds: Annotated[float, Field(gt=0)] = Field(
        default=2.0, description="How often the outbox is checked for alerts to send."
    )
    spacy_model: str = Field(
        default="en_core_web_sm",
        description="spaCy pipeline for quotations (falls back to its PyPI re-upload).",
    )
    retention_days: Annotated[int, Field(ge=1)] = Field(
        default=90,
        description="Articles older than this many days are pruned daily (with their quotes).",
    )
    news_buttons_seconds: Annotated[float, Field(gt=0, le=840)] = Field(
        default=600,
        description="How long the page buttons under a /news answer keep working.",
    )
    shard_count: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="Gateway shards in all (default: as many as Discord recommends).",
    )
    shard_ids: tuple[int, ...] | None = Field(
        default=None,
        description="The shards this process runs, e.g. 0,1 (default: all; needs SHARD_COUNT).",
    )
    run_worker: bool = Field(
        default=True,
        description="Whether `newsbot run` also polls sources (false when `newsbot worker` "
        "processes do).",
    )
    worker_id: str | None = Field(
        default=None,
        description="This process's name in poll leases and delivery claims "
        "(default: host name and process id).",
    )
    lease_seconds: Annotated[int, Field(ge=1)] = Field(
        default=300,
        description="How long a process holds the sources it polls and the alerts it sends; "
        "after that another process takes over the work of one that died.",
    )
    poll_batch: Annotated[int, Field(ge=1)] = Field(
        default=200,
        description="Most due sources one worker claims at a time; the rest wait for its next "
        "batch or another worker's.",
    )
    stats_file: Path | None = Field(
        default=None,
        description="File `newsbot worker` appends a JSON line of its counters to after each "
        "cycle (sources polled, statements sent; read by bench/scale.py).",
    )
    http_port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        default=None,
        description="Port of the operator's web server (/healthz, /readyz, /metrics, /status) "
        "in `newsbot run` and `newsbot worker`; unset: no server.",
    )
    http_host: str = Field(
        default="127.0.0.1",
        description="Address that web server listens on (0.0.0.0: every interface).",
    )
    status_token: SecretStr | None = Field(
        default=None,
        description="Token that opens /status (a bearer token or ?token=); unset: no /status.",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Folder of daily SQLite backups made by `newsbot run`; unset: none.",
    )
    backup_keep: Annotated[int, Field(ge=1)] = Field(
        default=7, description="Daily backups kept in BACKUP_DIR (the oldest go first)."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text, or as one JSON object a line."
    )

    @property
    def worker_name(self) -> str:
        """This process in leases and claims: WORKER_ID, or host name and process id."""
        return self.worker_id or f"{socket.gethostname()}-{os.getpid()}"

    @staticmethod
    def dead_local_workers(names: Iterable[str]) -> list[str]:
        """Of these default worker names, the processes on this host that no longer run (a
        restart after a crash takes their work over at once, not when their leases end)."""
        prefix = f"{socket.gethostname()}-"
        dead = []
        for name in names:
            pid = name.removeprefix(prefix)
            if name.startswith(prefix) and pid.isdigit() and not _running(int(pid)):
                dead.append(name)
        return dead

    @property
    def lease(self) -> timedelta:
        """How long a claim on a source lasts before another process may take it."""
        return timedelta(seconds=self.lease_seconds)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, int):  # one id (the environment's "3" reads as a number)
            return (value,)
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @model_validator(mode="after")
    def _shards_in_range(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            if not self.shard_ids or any(not 0 <= i < self.shard_count for i in self.shard_ids):
                raise ValueError(f"SHARD_IDS must be between 0 and {self.shard_count - 1}")
        return self

    @property
    def shards(self) -> tuple[int, tuple[int, ...]] | None:
        """(count, this process's shard ids) when this process runs only some of the shards."""
        if self.shard_count is None or self.shard_ids is None:
            return None
        return self.shard_count, self.shard_ids

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        name = value.upper()
        if not isinstance(logging.getLevelNamesMapping().get(name), int):
            raise ValueError(f"unknown log level {value!r}")
        return name
