"""What a tool's process loads: a steady ``newsbot poll --once`` (every feed unchanged) imports
only what it uses, and builds no metrics that no one would read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.services import open_services
from tests.conftest import make_settings

STEADY_POLL = (
    "bot.__main__", "bot.maintenance", "bot.readers", "bot.services", "bot.store", "bot.fetch",
    "bot.pool", "bot.watcher", "bot.routing", "bot.stories",
)  # fmt: skip
"""The modules ``newsbot poll --once`` imports before it knows whether any feed changed."""
UNUSED_WHEN_STEADY = (
    "prometheus_client", "trafilatura", "spacy", "feedparser", "lxml", "alembic", "discord",
    "matplotlib", "jsonschema", "listparser",
)  # fmt: skip


def test_the_steady_poll_imports_none_of_what_only_changed_feeds_or_the_bot_use() -> None:
    code = f"import sys, {', '.join(STEADY_POLL)}; print(' '.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    packages = {name.split(".")[0] for name in loaded}
    assert packages.isdisjoint(UNUSED_WHEN_STEADY), packages & set(UNUSED_WHEN_STEADY)


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
