"""Who a message would notify, by Discord's rules: only its content pings (never its embeds),
and only what its ``allowed_mentions`` lets through (everything, when it has none)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_EVERYONE = re.compile(r"(?<!\\)@(everyone|here)\b")
_USER = re.compile(r"(?<!\\)<@!?(\d+)>")
_ROLE = re.compile(r"(?<!\\)<@&(\d+)>")


@dataclass(frozen=True)
class Pings:
    everyone: bool = False
    users: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    written: dict[str, list[str]] = field(default_factory=dict)
    """Every mention written in the content, pinging or not, by kind."""


def pings(content: str, allowed: dict[str, Any] | None) -> Pings:
    users = _USER.findall(content)
    roles = _ROLE.findall(content)
    everyone = bool(_EVERYONE.search(content))
    written = {"everyone": _EVERYONE.findall(content), "users": users, "roles": roles}
    if allowed is None:
        return Pings(everyone, tuple(users), tuple(roles), written)
    parse = set(allowed.get("parse") or [])
    named_users = {str(u) for u in allowed.get("users") or []}
    named_roles = {str(r) for r in allowed.get("roles") or []}
    return Pings(
        everyone=everyone and "everyone" in parse,
        users=tuple(u for u in users if "users" in parse or u in named_users),
        roles=tuple(r for r in roles if "roles" in parse or r in named_roles),
        written=written,
    )
