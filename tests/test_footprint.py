"""What a tool's process loads: a steady ``newsbot poll --once`` (every feed unchanged) imports
only what it uses, and builds no metrics that no one would read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.services import open_services
from tests.conftest import make_settings

STEADY_POLL = (
    "bot.__main__", "bot.maintenance", "bot.readers", "bot.services", "bot.storage.repositories",
    "bot.fetch",
    "bot.pool", "bot.watcher", "bot.routing", "bot.stories",
)  # fmt: skip
"""The modules ``newsbot poll --once`` imports before it knows whether any feed changed."""
UNUSED_WHEN_STEADY = (
    "prometheus_client", "trafilatura", "spacy", "feedparser", "lxml", "alembic", "discord",
    "matplotlib", "jsonschema", "listparser", "numpy",
)  # fmt: skip


def test_the_steady_poll_imports_none_of_what_only_changed_feeds_or_the_bot_use() -> None:
    code = f"import sys, {', '.join(STEADY_POLL)}; print(' '.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    packages = {name.split(".")[0] for name in loaded}
    assert packages.isdisjoint(UNUSED_WHEN_STEADY), packages & set(UNUSED_WHEN_STEADY)
    # SQLAlchemy's PostgreSQL dialect is loaded only when a PostgreSQL database is opened.
    assert "sqlalchemy.dialects.postgresql" not in loaded


async def test_a_tool_has_no_metrics_and_a_polling_process_has_its_own(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with open_services(settings) as tool:
        assert tool.metrics is None
        assert tool.router() is not None
    async with open_services(settings, role="worker") as worker:
        assert worker.metrics is not None and worker.metrics.role == "worker"


def test_loading_the_model_leaves_out_spacys_command_line_tools() -> None:
    """The model reads text as before; spaCy's CLI (typer, weasel, httpx, ...) is not imported
    with it, and is still there for whoever imports it afterwards."""
    code = (
        "import sys\n"
        "from bot.quotes.nlp import load_model\n"
        "doc = load_model('en_core_web_sm')('Anna Berg met ministers in Brussels on Tuesday.')\n"
        "print(' '.join(e.label_ for e in doc.ents))\n"
        "cli = ('spacy.cli', 'typer', 'weasel', 'httpx')\n"
        "print(' '.join(n for n in cli if n in sys.modules))\n"
        "import spacy.cli\n"
        "print(callable(spacy.cli.download), 'typer' in sys.modules)\n"
    )
    lines = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == ["PERSON GPE DATE", "", "True True"]


def test_the_store_runs_without_the_orm_which_is_whole_when_asked_for(tmp_path: Path) -> None:
    """The store opens, migrates and reads with SQLAlchemy's async engine but not its ORM;
    code that asks for the ORM's async session afterwards gets the real one, on the same
    engine classes."""
    code = (
        "import asyncio, sys\n"
        "from bot.storage.repositories import Repositories\n"
        "async def main():\n"
        f"    store = Repositories.open('sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}')\n"
        "    await store.database.migrate()\n"
        "    print(len(await store.sources.list_sources()), 'sqlalchemy.orm' in sys.modules)\n"
        "    from sqlalchemy import text\n"
        "    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession\n"
        "    engine = store.database.engine\n"
        "    async with AsyncSession(engine) as session:\n"
        "        one = (await session.execute(text('SELECT 1'))).scalar()\n"
        "    print(one, isinstance(engine, AsyncEngine), 'sqlalchemy.orm' in sys.modules)\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    lines = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == ["0 False", "1 True True"]


def test_a_poll_process_sets_what_it_started_with_aside_from_the_garbage_collector(
    tmp_path: Path,
) -> None:
    """`newsbot poll` freezes its start-up heap (settle_heap) before it polls: the objects it
    started with are no longer walked by each full collection."""
    code = (
        "import asyncio, gc\n"
        "from pathlib import Path\n"
        "from bot.maintenance import poll\n"
        "from tests.conftest import make_settings\n"
        f"settings = make_settings(Path({str(tmp_path)!r}))\n"
        "before = gc.get_freeze_count()\n"
        "asyncio.run(poll(settings, ['http://127.0.0.1:9/feed.xml'], once=True))\n"
        "print(before, gc.get_freeze_count() > 10000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("polled 1 sources")
    assert lines[-1] == "0 True"
