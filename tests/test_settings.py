"""Settings: defaults, environment names, and .env.example kept in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def test_env_example_lists_every_setting_once() -> None:
    names = example_names()
    fields = [name.upper() for name in Settings.model_fields]
    assert sorted(names) == sorted(fields)
    assert len(names) == len(set(names))


def test_env_example_has_a_comment_for_every_setting() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("# "), f"no comment above {line}"


def test_env_example_values_are_valid_settings(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.discord_token is None
    assert settings.dev_guild_id is None
    assert settings.poll_interval_seconds == 300


def test_defaults_refuse_private_addresses_and_use_sqlite_in_working_directory() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.allow_private_addresses is False
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.discord_api_base_url == "https://discord.com/api/v10"
    assert "+http" in settings.user_agent


def test_environment_names_are_read_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///x.db")
    monkeypatch.setenv("DISCORD_API_BASE_URL", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("DEV_GUILD_ID", "1234")
    monkeypatch.setenv("ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("POLL_INTERVAL_SECONDS", "60")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "secret-token"
    assert "secret-token" not in repr(settings)
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.discord_api_base_url == "http://127.0.0.1:9/api/v10"
    assert settings.dev_guild_id == 1234
    assert settings.allow_private_addresses is True
    assert settings.poll_interval_seconds == 60


def test_poll_interval_below_five_seconds_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, poll_interval_seconds=4)  # type: ignore[call-arg]


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, log_level="LOUD")  # type: ignore[call-arg]


def test_shard_ids_are_a_comma_separated_list_within_the_shard_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0, 2")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.shards == (4, (0, 2))
    monkeypatch.setenv("SHARD_IDS", "4")
    with pytest.raises(ValidationError, match="between 0 and 3"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("SHARD_COUNT")
    monkeypatch.setenv("SHARD_IDS", "0")
    with pytest.raises(ValidationError, match="needs SHARD_COUNT"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("SHARD_IDS")
    assert Settings(_env_file=None).shards is None  # type: ignore[call-arg]


def test_database_urls_get_the_async_driver_of_their_scheme() -> None:
    for written, used in (
        ("sqlite:///newsbot.db", "sqlite+aiosqlite:///newsbot.db"),
        ("SQLite:////abs/newsbot.db", "sqlite+aiosqlite:////abs/newsbot.db"),
        ("postgresql://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
    ):
        assert Settings(_env_file=None, database_url=written).database_url == used  # type: ignore[call-arg]
    for other in ("mysql://u:p@h/db", "postgresql+psycopg://h/db", "newsbot.db", ""):
        with pytest.raises(ValidationError, match="must start with sqlite://"):
            Settings(_env_file=None, database_url=other)  # type: ignore[call-arg]
