"""The shape of the code: which bot modules import which, read from their source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def module_name(path: Path) -> str:
    """bot/storage/__init__.py -> bot.storage; bot/storage/ingest.py -> bot.storage.ingest."""
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.Module, name: str, modules: set[str]) -> set[str]:
    """The bot modules a module imports anywhere: at the top, under ``if TYPE_CHECKING:`` (a
    dependency all the same: the two circles once here were of that kind) and in functions."""
    found: set[str] = set()
    is_package = (BOT.parent / name.replace(".", "/") / "__init__.py").exists()
    package = name if is_package else name.rpartition(".")[0]

    def add(target: str) -> None:
        # `from bot.storage import sources` may name a submodule or a name in the package.
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([source] if source else [])])
            for alias in node.names:
                add(f"{source}.{alias.name}")
    return found


def import_graph() -> dict[str, set[str]]:
    """Every bot module (migration scripts aside: Alembic loads them by path) and the bot
    modules it imports."""
    paths = {
        module_name(path): path
        for path in BOT.rglob("*.py")
        if "migrations" not in path.relative_to(BOT).parts
    }
    modules = set(paths)
    return {
        name: imports_of(ast.parse(path.read_text()), name, modules) for name, path in paths.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle found by a depth-first walk, as the modules around it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for after in sorted(graph.get(node, ())):
            if state.get(after) == 1:
                found.append([*path[path.index(after) :], after])
            elif after not in state:
                walk(after)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return found


def test_the_checker_finds_a_circle() -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": {"bot.a"}}
    assert cycles(graph) == [["bot.a", "bot.b", "bot.c", "bot.a"]]
    assert cycles({"bot.a": {"bot.b"}, "bot.b": set()}) == []


def test_the_graph_reads_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import bot.a\n"
        "from bot import b\n"
        "from bot.c import thing\n"
        "if TYPE_CHECKING:\n"
        "    from bot.d import Other\n"
        "def later():\n"
        "    from bot.e import x\n"
        "    from .g import y\n"
        "import json\n"
    )
    modules = {"bot", "bot.a", "bot.b", "bot.c", "bot.d", "bot.e", "bot.f", "bot.g"}
    found = imports_of(ast.parse(source), "bot.f", modules)
    assert found == {"bot.a", "bot.b", "bot.c", "bot.d", "bot.e", "bot.g"}


def test_no_import_circle_among_bot_modules() -> None:
    """Counting every import, not only those that run when a module loads: a circle hidden
    under ``if TYPE_CHECKING:`` or in a function is still two modules that need each other."""
    graph = import_graph()
    assert "bot.storage.repositories" in graph
    assert cycles(graph) == []


MAX_MODULE_LINES = 450
"""The most lines a module of ``bot/`` or ``cogs/`` may have: past it, split it by what it does."""


def test_no_module_is_over_the_line_limit() -> None:
    modules = [*BOT.rglob("*.py"), *(BOT.parent / "cogs").rglob("*.py")]
    assert len(modules) > 50
    long = {
        str(path.relative_to(BOT.parent)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
