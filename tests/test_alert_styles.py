"""Alert styles: compact, standard and full, each within Discord's limits with hostile text."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.alerts import (
    MAX_QUOTES,
    STANDARD_STYLE,
    AlertStyle,
    KeyQuote,
    StyleName,
    alert_message,
    render_text,
)
from bot.discord_sender import to_discord_embed
from bot.messages import CONTENT_LIMIT, OutgoingMessage
from tests.fakediscord import spec
from tests.test_alerts import WHEN, alert

QUOTES = (
    KeyQuote("We are not going back until the offer improves", "Tomas Reyes", "union steward"),
    KeyQuote("The port loses money every hour it stays shut", "Ana Ruiz", "harbour master"),
    KeyQuote("Talks resume on Monday", "Lee Park", None),
)
HOSTILE = (
    "@everyone @here <@123> <@&456> **bold** [click](https://evil.test) "
    "discord.gg/abcdef \u202eevil\u202c ` > # | ~ _ "
)
STYLES = [
    AlertStyle(StyleName.COMPACT),
    STANDARD_STYLE,
    AlertStyle(StyleName.FULL),
    AlertStyle(StyleName.FULL, lead=False, quotes=1, image=False),
]


def create_body(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON body discord.py sends for a message (as DiscordSender sends it)."""
    body: dict[str, Any] = {
        "content": message.content,
        "embeds": [to_discord_embed(e).to_dict() for e in message.embeds],
        "allowed_mentions": discord.AllowedMentions.none().to_dict(),
    }
    return {key: value for key, value in body.items() if value is not None}


def test_standard_is_the_look_alerts_always_had() -> None:
    assert alert_message(alert()) == alert_message(alert(), style=AlertStyle())
    assert AlertStyle().name is StyleName.STANDARD


def test_compact_is_one_line_of_headline_outlet_time_and_link() -> None:
    message = alert_message(alert(), style=AlertStyle(StyleName.COMPACT), role_id=77)
    assert message.embeds == ()
    assert message.content is not None and "\n" not in message.content
    assert message.content == (
        "<@&77> 📰 **[Port strike enters second week](<https://news.test/port>)**"
        f" · Northwind Herald · <t:{int(WHEN.timestamp())}:f>"
    )
    assert message.mention_role == 77


def test_compact_counts_the_other_outlets_when_edited() -> None:
    message = alert_message(
        alert(), style=AlertStyle(StyleName.COMPACT), also_reported_by=["A", "B", "C"]
    )
    assert message.content is not None and message.content.endswith(" · also 3 outlets")


def test_standard_options_leave_out_the_lead_quotes_and_picture() -> None:
    style = AlertStyle(StyleName.STANDARD, lead=False, quotes=1, image=False)
    (embed,) = alert_message(alert(quotes=QUOTES), style=style).embeds
    assert "Dockworkers" not in embed.description
    assert embed.description.count("> “") == 1
    assert embed.thumbnail_url is None and embed.image_url is None


def test_full_shows_a_large_picture_three_quotes_and_the_speakers_roles() -> None:
    (embed,) = alert_message(alert(quotes=QUOTES), style=AlertStyle(StyleName.FULL)).embeds
    assert embed.image_url == "https://news.test/port.jpg" and embed.thumbnail_url is None
    assert embed.description.count("> “") == MAX_QUOTES
    assert "— **Tomas Reyes**, union steward" in embed.description
    (standard,) = alert_message(alert(quotes=QUOTES)).embeds
    assert "union steward" not in standard.description


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.encode())
def test_every_style_stays_within_discords_limits_and_spec_with_hostile_text(
    style: AlertStyle,
) -> None:
    hostile = alert(
        headline=HOSTILE + "Long " * 2000,
        source=HOSTILE * 20,
        lead=HOSTILE + "word " * 5000,
        url="https://news.test/" + "a" * 2000,
        quotes=tuple(KeyQuote(HOSTILE * 30, HOSTILE * 5, HOSTILE) for _ in range(MAX_QUOTES)),
    )
    for message in (
        alert_message(hostile, style=style, role_id=5),
        alert_message(hostile, style=style, user_id=6, also_reported_by=[HOSTILE] * 40),
    ):
        body = create_body(message)
        _, problems = spec.validate_body("POST", "/channels/1/messages", body)
        assert problems == []
        # What Discord renders as markdown (a footer is shown literally and pings no one).
        text = " ".join(
            [message.content or ""]
            + [f"{e.title} {e.description} " for e in message.embeds]
            + [f.value for e in message.embeds for f in e.fields]
        )
        assert len(message.content or "") <= CONTENT_LIMIT
        assert "@everyone" not in text and "@here" not in text
        assert "\u202e" not in text
        assert "discord.gg/" not in text  # invites shown unlinked
        assert "[click](" not in text  # feed text makes no masked link
        # The one mention is the route's role or the person's own; feed text mentions no one.
        assert re.findall(r"(?<!\\)<@[!&]?\d+>", text) == [
            f"<@&{message.mention_role}>" if message.mention_role else f"<@{message.mention_user}>"
        ]


def test_a_compact_line_whose_link_would_pass_the_limit_goes_without_it() -> None:
    long_link = "https://news.test/" + "a" * 2020
    message = alert_message(alert(url=long_link), style=AlertStyle(StyleName.COMPACT))
    assert message.content is not None and len(message.content) <= CONTENT_LIMIT
    assert "](<" not in message.content and "Port strike" in message.content


def test_styles_are_stored_as_text_and_read_back() -> None:
    for style in STYLES:
        assert AlertStyle.decode(style.encode()) == style
    assert AlertStyle.decode(None) == STANDARD_STYLE
    assert AlertStyle.decode("sparkly quotes=9") == STANDARD_STYLE
    with pytest.raises(ValueError):
        AlertStyle(StyleName.FULL, quotes=MAX_QUOTES + 1)


def test_styles_describe_themselves_and_print_as_text() -> None:
    assert AlertStyle(StyleName.FULL, quotes=2, image=False).describe() == "full: lead, 2 quotes"
    assert AlertStyle(StyleName.STANDARD, lead=False, quotes=0, image=False).describe() == (
        "standard: headline only"
    )
    compact = render_text(alert(), style=AlertStyle(StyleName.COMPACT))
    assert "\n" not in compact and "Northwind Herald" in compact
    full = render_text(alert(quotes=QUOTES), style=AlertStyle(StyleName.FULL))
    assert "union steward" in full and "🖼 https://news.test/port.jpg" in full
