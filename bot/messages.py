"""Messages as plain values, and how text is made safe and short enough for Discord.

The message model (``OutgoingMessage``, ``Embed``, ``EmbedField``), Discord's limits on each part
of a message, escaping (``clean_text`` for text Discord renders as markdown, ``plain_text`` for
text it shows literally), ``clip`` and ``fit_lines`` to keep within a limit, and ``web_url`` for
links. Pure: the Discord layer (``bot.discord_sender``) turns these values into discord.py's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as percent_encode

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
EMBEDS_TOTAL_LIMIT = 6000
CHOICE_NAME_LIMIT = 100
"""Longest name (and string value) of an autocomplete choice."""
MAX_CHOICES = 25
"""Most choices one autocomplete answer may offer."""
ALERT_COLOUR = 0x2B6CB0
NOTICE_COLOUR = 0xD69E2E

_INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF, 0x00AD]
)
_INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?(discord(?:app)?)\.(com/invite|gg)/([A-Za-z0-9-]+)", re.IGNORECASE
)
"""A Discord server invite in feed text."""
_DOT_LEADER = "\u2024"
"""Shown for the dots of an invite's address: it reads the same, but isn't a link, and Discord
makes no invite card of it."""
_MARKDOWN = str.maketrans({ch: "\\" + ch for ch in "\\*_~`|[]<>#"})


@dataclass(frozen=True, slots=True)
class EmbedField:
    """One field of an embed."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    """An embed as plain values (the Discord layer turns it into discord.Embed)."""

    title: str
    description: str = ""
    url: str | None = None
    colour: int = ALERT_COLOUR
    timestamp: datetime | None = None
    footer: str | None = None
    thumbnail_url: str | None = None
    fields: tuple[EmbedField, ...] = ()
    image_url: str | None = None
    """A picture under the embed (``attachment://name.png`` for a file sent with it)."""

    def size(self) -> int:
        """Characters Discord counts toward its 6000 per message."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer or "")
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """Everything newsbot posts in one message, and the only people or role it may ping."""

    content: str | None = None
    embeds: tuple[Embed, ...] = ()
    mention_role: int | None = None
    """The one role this message may ping (a route's configured role); nothing else pings."""
    mention_user: int | None = None
    """The one person this message may ping (their topic, delivered 'here')."""
    mention_users: tuple[int, ...] = ()
    """People a summary of their 'here' alerts may ping (each once)."""

    @property
    def mentioned_users(self) -> tuple[int, ...]:
        """Everyone this message may ping."""
        return (self.mention_user, *self.mention_users) if self.mention_user else self.mention_users


def clean_text(text: str) -> str:
    """Feed text made safe to show: invisible and direction-changing characters removed,
    markdown and mentions escaped (nothing pings, nothing breaks out of its place), and Discord
    invites shown as text (readable, not a link to click)."""
    text = text.translate(_INVISIBLE).translate(_MARKDOWN)
    text = text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")
    return _INVITE.sub(lambda found: _DOT_LEADER.join(found.groups()[:2]) + "/" + found[3], text)


def plain_text(text: str) -> str:
    """Text for a place Discord shows literally (an embed footer: no markdown, no mentions):
    only invisible and direction-changing characters go."""
    return text.translate(_INVISIBLE)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip("\\") + "…"


LINK_LIMIT = 2048
"""Longest link Discord takes in an embed (its url, thumbnail and image)."""
_EDGES = "".join(map(chr, range(0x21)))
"""What a browser strips from both ends of a link (C0 controls and space)."""
_TAB_NEWLINE = dict.fromkeys(map(ord, "\t\n\r"))
"""What a browser removes from anywhere in a link."""
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9-]{1,63})*\.?")
_URL_SAFE = "!$&'*+,-./:;=?@_~#%" + "".join(
    map(chr, [*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B)])
)
"""Characters a link keeps as they are (RFC 3986's, less the parentheses that would end a
markdown link); the rest are percent-encoded, as a browser sends them."""
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def web_url(url: str | None) -> str | None:
    """A link Discord accepts in an embed or a markdown link, or None when there is none.

    Read as a browser reads an href (the WHATWG URL standard): spaces and control characters at
    either end are dropped, and tabs and newlines anywhere, so the link opens the page a reader
    of the feed would have opened. What else a URL may not hold (spaces, controls, non-ASCII
    text, quotes, brackets, parentheses, a lone ``%``) is percent-encoded; a host is written in
    its ASCII (IDNA) form. None for anything but http(s), a missing or malformed host, a user
    name or password in it (a link that hides its real host), or over 2048 characters."""
    if not url:
        return None
    url = url.strip(_EDGES).translate(_TAB_NEWLINE)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    host, port = _host_and_port(authority)
    if host is None:
        return None
    tail = _BAD_ESCAPE.sub("%25", percent_encode(tail, safe=_URL_SAFE))
    link = f"{scheme.lower()}://{host}{port}{tail or '/'}"
    return link if len(link) <= LINK_LIMIT else None


def _host_and_port(authority: str) -> tuple[str | None, str]:
    """(host in ASCII form, ":port" or ""), or (None, "") when either is unusable."""
    if "@" in authority or "\\" in authority:
        return None, ""
    host, port = authority, ""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return None, ""
        host, port = host[: end + 1], host[end + 1 :]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None, ""
    elif ":" in host:
        host, port = host.split(":", 1)
        port = ":" + port
    if port and not (port[1:].isdigit() and 0 < int(port[1:]) < 65536):
        return None, ""
    if port:
        port = f":{int(port[1:])}"
    if not host.startswith("["):
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None, ""
        if not _HOST.fullmatch(host):
            return None, ""
    return host, port


def fit_embed(embed: Embed) -> Embed:
    """Within Discord's 6000 characters per message, shortening the description first."""
    over = embed.size() - EMBEDS_TOTAL_LIMIT
    if over <= 0:
        return embed
    keep = max(0, len(embed.description) - over)
    return Embed(
        title=embed.title,
        description=clip(embed.description, keep) if keep else "",
        url=embed.url,
        colour=embed.colour,
        timestamp=embed.timestamp,
        footer=embed.footer,
        thumbnail_url=embed.thumbnail_url,
        fields=embed.fields,
        image_url=embed.image_url,
    )


def fit_lines(lines: Sequence[str], limit: int = CONTENT_LIMIT) -> str:
    """Lines joined, as many whole lines as fit in ``limit`` characters; when some don't, the
    last line says how many were left out."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    shown: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        tail = f"…and {len(lines) - index} more."
        if used + len(line) + 1 + len(tail) > limit:
            return "\n".join([*shown, tail])
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


def choice_name(text: str) -> str:
    """Text as an autocomplete choice shows it: literal, cut to CHOICE_NAME_LIMIT, never empty."""
    return plain_text(text)[:CHOICE_NAME_LIMIT] or "?"
