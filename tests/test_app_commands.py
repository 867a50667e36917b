"""Guard rail: every extension loads into an unconnected bot, and every command, group and
option follows Discord's naming rules."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from discord import app_commands

from bot.app import EXTENSIONS, NewsBot
from bot.fetch import Fetcher
from bot.pool import WorkPool
from bot.services import Services, build_bot
from bot.settings import Settings
from bot.storage.repositories import Repositories

NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture
async def bot(settings: Settings, store: Repositories) -> AsyncIterator[NewsBot]:
    pool = WorkPool(1)
    async with Fetcher.create_session(settings) as session:
        built = build_bot(
            settings, Services(settings, store, Fetcher(session, settings), pool), background=False
        )
        async with built:  # as `newsbot run` uses it (the client's loop-bound parts are set up)
            for extension in built.extension_names:
                await built.load_extension(extension)
            yield built
    pool.close()


def walk(payload: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(path, payload)]
    for option in payload.get("options", []):
        found.extend(walk(option, f"{path} {option['name']}"))
    return found


async def test_every_extension_is_listed_and_loads(bot: NewsBot) -> None:
    assert set(bot.extension_names) == set(EXTENSIONS) - {"cogs.background"}
    assert set(bot.extensions) == set(bot.extension_names)


async def test_commands_follow_discord_naming_rules(bot: NewsBot) -> None:
    commands = bot.tree.get_commands()
    assert {c.name for c in commands} == {
        "sources",
        "alerts",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "news",
        "help",
    }
    for command in commands:
        for path, item in walk(command.to_dict(bot.tree), command.name):
            name = item["name"]
            assert NAME.match(name) and name == name.lower(), path
            assert 1 <= len(item.get("description", "")) <= 100, path


GUILD, BOT_DM = 0, 1
# Where each command may be used (Discord's interaction contexts), and which need Manage Server.
# Every command is listed: a new one fails here until its place is decided.
CONTEXTS: dict[str, tuple[list[int], bool]] = {
    "sources": ([GUILD], True),
    "alerts": ([GUILD], True),
    "news": ([GUILD], False),  # answers about a server's sources
    "subscribe": ([GUILD], False),  # a topic follows a server's sources
    "unsubscribe": ([GUILD, BOT_DM], False),  # in a DM: any of the person's topics
    "subscriptions": ([GUILD, BOT_DM], False),  # in a DM: the person's topics everywhere
    "help": ([GUILD, BOT_DM], False),
}


async def test_every_command_says_where_it_may_be_used(bot: NewsBot) -> None:
    commands = bot.tree.get_commands()
    assert {c.name for c in commands} == set(CONTEXTS)
    for command in commands:
        payload = command.to_dict(bot.tree)
        contexts, admin = CONTEXTS[command.name]
        assert payload.get("contexts") == contexts, command.name
        assert payload["dm_permission"] is (BOT_DM in contexts), command.name
        manage = payload.get("default_member_permissions")
        assert (manage is not None and int(manage) == 1 << 5) is admin, command.name


async def test_command_and_option_names_are_exactly_as_specified(bot: NewsBot) -> None:
    shapes = {}
    for command in bot.tree.get_commands():
        if isinstance(command, app_commands.Command):
            shapes[command.name] = [p.display_name for p in command.parameters]
            continue
        assert isinstance(command, app_commands.Group)
        for sub in command.commands:
            assert isinstance(sub, app_commands.Command)
            shapes[f"{command.name} {sub.name}"] = [p.display_name for p in sub.parameters]
    assert shapes == {
        "sources add": ["url", "backfill"],
        "sources remove": ["source"],
        "sources list": [],
        "sources test": ["source"],
        "sources pause": ["source"],
        "sources resume": ["source"],
        "sources edit": ["source", "url", "interval", "name", "user_agent"],
        "sources import": ["file", "urls"],
        "sources export": [],
        "sources defaults": [],
        "alerts channel": ["channel", "threads"],
        "alerts add": ["topic", "channel", "role", "mode", "time", "timezone", "threads"],
        "alerts remove": ["route"],
        "alerts list": [],
        "alerts pause": ["route"],
        "alerts resume": ["route"],
        "alerts preview": ["topic"],
        "alerts style": ["style", "route", "channel", "lead", "quotes", "image"],
        "subscribe": ["topic", "delivery", "time", "timezone"],
        "unsubscribe": ["topic"],
        "subscriptions list": [],
        "subscriptions quiet": ["from", "to", "timezone"],
        "help topics": [],
        "news latest": ["topic", "hours", "source", "public"],
        "news search": ["query", "days", "public"],
        "news quotes": ["speaker", "topic", "days", "public"],
        "news story": ["article", "public"],
        "news coverage": ["topic", "days", "public"],
    }


async def test_every_topic_option_is_parsed_at_the_edge_with_one_help_text(bot: NewsBot) -> None:
    from bot.topics import MAX_QUERY_CHARS, TOPIC_HINT

    topic_options = {
        "alerts add": "topic",
        "alerts preview": "topic",
        "subscribe": "topic",
        "news latest": "topic",
        "news search": "query",
        "news quotes": "topic",
        "news coverage": "topic",
    }
    found = {}
    for command in bot.tree.get_commands():
        for path, item in walk(command.to_dict(bot.tree), command.name):
            name = path.rsplit(" ", 1)[-1]
            parent = path.rsplit(" ", 1)[0]
            if topic_options.get(parent) == name:
                found[parent] = item
    assert set(found) == set(topic_options)
    for option in found.values():
        assert option["type"] == 3  # a string, parsed into a Topic by TopicTransformer
        assert option["description"] == TOPIC_HINT
        assert (option["min_length"], option["max_length"]) == (1, MAX_QUERY_CHARS)


def test_discord_py_is_aimed_at_another_api_in_one_place() -> None:
    import discord
    import yarl

    from bot.app import point_discord_py_at

    route, socket = discord.http.Route, discord.gateway.DiscordWebSocket
    old_base, old_gateway = route.BASE, socket.DEFAULT_GATEWAY
    try:
        point_discord_py_at(rest_base="http://127.0.0.1:9/api/v10/")
        aimed = (route.BASE, socket.DEFAULT_GATEWAY)
        assert aimed == ("http://127.0.0.1:9/api/v10", old_gateway)
        point_discord_py_at(gateway="ws://127.0.0.1:9/gateway")
        gateway = socket.DEFAULT_GATEWAY
        assert gateway == yarl.URL("ws://127.0.0.1:9/gateway")
        assert route("GET", "/gateway/bot").url == "http://127.0.0.1:9/api/v10/gateway/bot"
    finally:
        route.BASE, socket.DEFAULT_GATEWAY = old_base, old_gateway
