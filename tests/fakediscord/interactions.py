"""Building INTERACTION_CREATE payloads the way Discord's client would, and watching the answer."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .models import Channel, Guild, Member, Role, User

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
ATTACHMENT = 11

EPHEMERAL = 1 << 6
LOADING = 1 << 7

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5


class CommandUnavailable(Exception):
    """Discord's client would not let this user run this command here, so no interaction exists."""


@dataclass(eq=False)
class InteractionHandle:
    """One interaction the fake sent, and everything the bot answered to it.

    `callback_type`/`callback` is the POST .../callback body; `original` the message that answer
    made (updated by edits to @original); `followups` the followup messages; `edits` every PATCH
    body for @original or a followup; `choices` an autocomplete answer.
    """

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: str | None
    created: float
    callback_type: int | None = None
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    original_deleted: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _notify(self) -> None:
        self._changed.set()

    @property
    def data(self) -> dict[str, Any]:
        """The `data` of the callback body (content, embeds, flags, choices, ...)."""
        return dict((self.callback or {}).get("data") or {})

    @property
    def message(self) -> dict[str, Any]:
        """What the user sees now: the original response message, or the callback data."""
        return self.original if self.original is not None else self.data

    @property
    def content(self) -> str | None:
        return self.message.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.message.get("embeds") or [])

    @property
    def flags(self) -> int:
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def deferred(self) -> bool:
        return self.callback_type in (5, 6)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices") or [])

    async def wait(
        self,
        predicate: Callable[[InteractionHandle], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper must not hang
    ) -> InteractionHandle:
        """Wait until predicate(handle) holds; TimeoutError says what was seen so far."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()
        return self

    async def response(
        self,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper must not hang
        followups: int = 0,
        edits: int = 0,
    ) -> InteractionHandle:
        """Wait for the callback, and for at least `followups` followups and `edits` edits."""
        try:
            return await self.wait(
                lambda h: (
                    h.callback_type is not None
                    and len(h.followups) >= followups
                    and len(h.edits) >= edits
                ),
                timeout=timeout,
            )
        except TimeoutError:
            raise TimeoutError(
                f"interaction {self.id}: callback={self.callback_type} "
                f"followups={len(self.followups)}/{followups} edits={len(self.edits)}/{edits}"
                f" after {timeout}s"
            ) from None


def new_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


def _find_option(
    options: list[dict[str, Any]], name: str, kinds: tuple[int, ...]
) -> dict[str, Any]:
    for option in options:
        if option["name"] == name and option.get("type") in kinds:
            return option
    known = ", ".join(sorted(o["name"] for o in options)) or "none"
    raise ValueError(f"no option {name!r} of type {kinds}; registered: {known}")


def _object_id(value: Any) -> str:
    if isinstance(value, dict) and "id" in value:  # an attachment from FakeDiscord.upload
        return str(value["id"])
    if isinstance(value, Member):
        return value.user.id
    if isinstance(value, User | Role | Channel):
        return value.id
    return str(value)


def _check_value(spec: dict[str, Any], value: Any) -> None:
    """Discord's client enforces choices and ranges, so a bot never sees values outside them."""
    name = spec["name"]
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"{name}: {value!r} is not one of the registered choices")
    kind = spec["type"]
    if kind in (INTEGER, NUMBER):
        if "min_value" in spec and value < spec["min_value"]:
            raise ValueError(f"{name}: {value} below min_value {spec['min_value']}")
        if "max_value" in spec and value > spec["max_value"]:
            raise ValueError(f"{name}: {value} above max_value {spec['max_value']}")
    if kind == STRING:
        if len(value) < spec.get("min_length", 0):
            raise ValueError(f"{name}: shorter than min_length {spec['min_length']}")
        if len(value) > spec.get("max_length", 6000):
            raise ValueError(f"{name}: longer than max_length {spec.get('max_length', 6000)}")


def build_options(
    command: dict[str, Any],
    options: Mapping[str, Any],
    *,
    subcommand: str | None,
    focused: str | None,
    resolve: Callable[[int, Any, dict[str, Any]], None],
) -> list[dict[str, Any]]:
    """The `data.options` tree for a command as registered, checked as Discord's client would."""
    level: list[dict[str, Any]] = command.get("options") or []
    path: list[dict[str, Any]] = []
    for name in (subcommand or "").split():
        spec = _find_option(level, name, (SUB_COMMAND, SUB_COMMAND_GROUP))
        path.append({"name": name, "type": spec["type"], "options": []})
        level = spec.get("options") or []
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in level):
        names = [o["name"] for o in level]
        raise ValueError(f"choose a subcommand with subcommand=...; available: {names}")

    given: list[dict[str, Any]] = []
    for name, value in options.items():
        spec = _find_option(
            level,
            name,
            (STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT),
        )
        kind = spec["type"]
        entry: dict[str, Any] = {"name": name, "type": kind}
        if name == focused:
            entry["value"] = str(value)
            entry["focused"] = True
        elif kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
            entry["value"] = _object_id(value)
            resolve(kind, value, entry)
        else:
            _check_value(spec, value)
            entry["value"] = value
        given.append(entry)
    if focused is None:
        missing = [o["name"] for o in level if o.get("required") and o["name"] not in options]
        if missing:
            raise ValueError(f"required options missing: {missing}")
    elif focused not in options:
        raise ValueError(f"focused option {focused!r} needs a (partial) value in options")

    for node in reversed(path):
        node["options"] = given
        given = [node]
    return given


def find_component(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """The component with this custom_id, searched through rows, sections and containers."""
    stack = list(message.get("components") or [])
    while stack:
        component = stack.pop()
        if component.get("custom_id") == custom_id:
            return component
        stack.extend(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            stack.append(component["accessory"])
    raise ValueError(f"message {message.get('id')} has no component with custom_id {custom_id!r}")


def member_payload(
    guild: Guild, member: Member, channel: Channel, permissions: int | None
) -> dict[str, Any]:
    data = member.payload()
    perms = guild.permissions_in(member, channel) if permissions is None else permissions
    data["permissions"] = str(perms)
    return data
