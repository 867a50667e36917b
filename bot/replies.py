"""What newsbot answers to admin and member commands, rendered in the core (pure; no discord
imports): every piece of feed or user text escaped, every reply within Discord's limits.

The cogs call one of these and send what it returns. Answers to ``/news`` are in
``bot.answers``; the import preview's lines in ``bot.source_controls``; a source's status line in
``bot.guilds``; topic previews and the DM listing of topics in ``bot.subscriptions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.digests import Schedule
from bot.guilds import AddedSource, DefaultsAdded, SourceLine, describe_sources
from bot.messages import (
    CHOICE_NAME_LIMIT,
    CONTENT_LIMIT,
    MAX_CHOICES,
    OutgoingMessage,
    choice_name,
    clean_text,
    clip,
    fit_lines,
    plain_text,
)
from bot.quiet import QuietHours
from bot.records import Delivery, Route, Subscription, ThreadMode
from bot.source_controls import Edited, ImportDone, ImportPreview, Verdict, preview_lines
from bot.sources import Source, WatchedSource
from bot.styles import StylePreview
from bot.subscriptions import COUNT_AT_MOST, PREVIEW_DAYS, choice_value

Choices = list[tuple[str, int]]
"""Autocomplete choices: (name shown, value)."""
TextChoices = list[tuple[str, str]]

SERVER_NAME_CHARS = 100
SERVER_IN_CHOICE_CHARS = 40
"""Characters of a server's name shown beside a topic in a choice."""
IMPORT_PREVIEW_LINES = 25
IMPORT_LINE_CHARS = 150
NOTICE_ROOM = 300
"""Characters of a reply kept free for a notice put before it (closed DMs)."""

# ---- /alerts -------------------------------------------------------------------------------------

NO_ROUTES = "No topic routes yet: add one with `/alerts add`."
ROUTE_REMOVED = "Route removed."
ROUTE_PAUSED = "Route paused: `/alerts resume` restarts it."
ROUTE_RESUMED = "Route resumed."


def route_choices(routes: Sequence[Route], typed: str) -> Choices:
    """The server's topic routes whose description contains what was typed."""
    needle = typed.casefold()
    names = ((f"{r.topic or 'everything'} → #{r.channel_id}", r.id) for r in routes)
    found = [(choice_name(name), rid) for name, rid in names if needle in name.casefold()]
    return found[:MAX_CHOICES]


def _thread_note(mode: ThreadMode | None) -> str:
    if mode is ThreadMode.FORUM:
        return (
            " Each story opens a post there, tagged with the forum's tags that name its topics; "
            "later copies of the story go in the post as short lines."
        )
    if mode is ThreadMode.PER_STORY:
        return (
            " Each story's alert starts a thread there; later copies of the story go in the "
            "thread as short lines."
        )
    return ""


def route_added(route: Route, channel_id: int, mode: ThreadMode | None = None) -> str:
    """/alerts add: where the topic's articles will go, and whom they mention."""
    ping = f", mentioning <@&{route.role_id}>" if route.role_id else ""
    if route.digest:
        when = Schedule.decode(route.digest).describe()
        return (
            f"A digest of articles about “{route.topic}” will go to <#{channel_id}>{ping}, {when}."
        )
    return f"Articles about “{route.topic}” will go to <#{channel_id}>{ping}." + _thread_note(mode)


def routes_listing(routes: Sequence[Route]) -> str:
    """/alerts list: a line per route."""
    if not routes:
        return NO_ROUTES
    return fit_lines(
        [
            f"• “{r.topic or 'everything'}” → <#{r.channel_id}>"
            + (f" (mentions <@&{r.role_id}>)" if r.role_id else "")
            + (" — paused" if r.paused else "")
            for r in routes
        ]
    )


def alerts_channel_set(channel_id: int, mode: ThreadMode | None = None) -> str:
    """/alerts channel."""
    return f"Alerts will go to <#{channel_id}>." + _thread_note(mode)


# ---- /subscribe, /unsubscribe, /subscriptions ----------------------------------------------------

SUBSCRIBE_IN_A_SERVER = (
    "Subscribe from inside a server: a topic follows that server's sources. Here in a DM, "
    "`/subscriptions list` lists your topics in every server and `/unsubscribe` stops one."
)


def quiet_hours_set(hours: QuietHours | None) -> str:
    """/subscriptions quiet: the hours now in force, or none."""
    if hours is None:
        return "Quiet hours off: DM alerts reach you as they come."
    return (
        f"Quiet hours {hours.describe()}: DM alerts that come in those hours are held and "
        "reach you as one catch-up message when they end. `/subscriptions quiet from: off` ends "
        "them."
    )


def with_quiet_hours(text: str, hours: QuietHours | None) -> str:
    """A topic listing with the person's quiet hours under it, when they have some."""
    if hours is None:
        return text
    line = f"\n\nQuiet hours: {hours.describe()} (DM alerts held, then one catch-up message)."
    return clip(text, CONTENT_LIMIT - NOTICE_ROOM - len(line)) + line


def with_notice(notice: str | None, text: str) -> str:
    """A reply with a notice (closed DMs) before it, the reply shortened if both don't fit."""
    if not notice:
        return text
    return f"{notice}\n\n{clip(text, CONTENT_LIMIT - len(notice) - 2)}"


def subscribed(sub: Subscription) -> str:
    """/subscribe: the topic followed, and how its alerts arrive."""
    if sub.digest:
        return (
            f"Following “{sub.topic}”: a digest of the matching articles from this server's "
            f"sources reaches you by DM, {Schedule.decode(sub.digest).describe()}."
        )
    where = "by DM" if sub.delivery is Delivery.DM else "with a mention in the alerts channel"
    return (
        f"Following “{sub.topic}”: matching articles from this server's sources reach you {where}."
    )


def unsubscribed(topic: str, server_name: str | None = None) -> str:
    """/unsubscribe (in a DM: naming the server the topic was in, when known)."""
    where = f" in **{clip(clean_text(server_name), SERVER_NAME_CHARS)}**" if server_name else ""
    return f"No longer following “{topic}”{where}."


def own_topic_choices(subs: Sequence[Subscription], typed: str) -> TextChoices:
    """/unsubscribe in a server: the person's topics there that contain what was typed."""
    needle = typed.casefold()
    return [
        (choice_name(s.topic), s.topic[:CHOICE_NAME_LIMIT])
        for s in subs
        if needle in s.topic.casefold()
    ][:MAX_CHOICES]


def text_choices(texts: Sequence[str]) -> TextChoices:
    """Autocomplete of plain names (speakers): each shown literally, and chosen as it is."""
    return [(choice_name(text), text[:CHOICE_NAME_LIMIT]) for text in texts][:MAX_CHOICES]


def topic_choices_everywhere(
    subs: Sequence[Subscription], server_names: Mapping[int, str], typed: str
) -> TextChoices:
    """/unsubscribe in a DM: the person's topics in every server ("nato — Newsroom")."""
    needle = typed.casefold()
    return [
        (_topic_in(s.topic, server_names.get(s.guild_id, "a server")), choice_value(s))
        for s in subs
        if needle in s.topic.casefold()
    ][:MAX_CHOICES]


def _topic_in(topic: str, server: str) -> str:
    """ "topic — server" within a choice's length, the topic shortened first so the server
    always shows."""
    where = " — " + clip(plain_text(server), SERVER_IN_CHOICE_CHARS)
    return choice_name(clip(plain_text(topic), CHOICE_NAME_LIMIT - len(where)) + where)


def matches_in_a_week(count: int | None) -> str:
    """How many articles a topic matched in the last PREVIEW_DAYS days."""
    if count is None:
        return "matches not counted (the search index can't run this topic)"
    shown = f"{count}+" if count >= COUNT_AT_MOST else str(count)
    return f"{shown} {'match' if count == 1 else 'matches'} in {PREVIEW_DAYS} days"


def topics_here(
    mine: Sequence[Subscription], counts: Mapping[int, int | None], *, elsewhere: int
) -> str:
    """/subscriptions in a server: each topic with its recent matches, and a pointer to the
    topics followed in other servers."""
    topics = "topic" if elsewhere == 1 else "topics"
    also = (
        f"\n\nYou also follow {elsewhere} {topics} in other servers: `/subscriptions list` in a "
        "DM with newsbot lists them."
        if elsewhere
        else ""
    )
    if not mine:
        return f"You follow no topics here yet: try `/subscribe`.{also}"
    lines = [
        f"• “{s.topic}” ({s.delivery.value}): {matches_in_a_week(counts.get(s.id))}" for s in mine
    ]
    return fit_lines(lines, CONTENT_LIMIT - NOTICE_ROOM - len(also)) + also


# ---- /sources ------------------------------------------------------------------------------------

NO_SOURCES = "No sources yet: add one with `/sources add`."
IMPORT_NEEDS_INPUT = "Attach an OPML file (or a list of URLs), or give some URLs."
IMPORT_NOT_YOURS = "Only the admin who started this import can confirm it."
IMPORT_CANCELLED = "Import cancelled."
IMPORT_EXPIRED = "(Nothing added: the buttons expired.)"


def source_choices(sources: Sequence[Source]) -> Choices:
    """Autocomplete of a server's sources, by name."""
    return [(choice_name(s.name), s.id) for s in sources][:MAX_CHOICES]


def source_added(added: AddedSource) -> str:
    """/sources add: what is now watched, and what happens next."""
    text = f"Now watching **{clean_text(added.title)}**: {added.items} items in its feed right now."
    if added.queued:
        text += f" Posting the newest {added.queued} as alerts."
    if not added.has_channel:
        text += " Pick where alerts go with `/alerts channel`."
    return text


def source_removed(source: Source) -> str:
    """/sources remove."""
    return f"Stopped watching **{clean_text(source.name)}**."


def sources_listing(lines: Sequence[SourceLine], now: datetime) -> str:
    """/sources list: each source's status, as many as fit."""
    if not lines:
        return NO_SOURCES
    return describe_sources(lines, now)


def defaults_added(added: DefaultsAdded) -> str:
    """/sources defaults: how many starter sources were added, and any left out."""
    text = f"Added {added.added} starter sources"
    text += f" ({added.already} were already here)." if added.already else "."
    if added.left_out:
        text += (
            f" {added.left_out} were left out: this server now watches {added.cap} "
            "sources, the most it can."
        )
    return text + " Their first alerts arrive with their next new stories."


def source_paused(watched: WatchedSource) -> str:
    """/sources pause."""
    return (
        f"Paused **{clean_text(watched.display_name)}**: no alerts from it here until "
        "`/sources resume`."
    )


def source_resumed(watched: WatchedSource) -> str:
    """/sources resume."""
    return (
        f"Resumed **{clean_text(watched.display_name)}**: its new items are posted again "
        "(what it published while paused is skipped)."
    )


def source_edited(edited: Edited) -> str:
    """/sources edit: what changed."""
    changes = "; ".join(clean_text(change) for change in edited.changes)
    return f"**{clean_text(edited.name)}**: {changes}."


def import_too_large(limit_bytes: int) -> str:
    """/sources import: an attachment over the size a feed list may have."""
    return f"The file is larger than {limit_bytes // 1024} KiB."


def import_progress(done: int, total: int) -> str:
    """/sources import, while feeds are checked."""
    return f"Checking feeds: {done} of {total}…"


def import_preview(preview: ImportPreview) -> str:
    """The import preview: counts, what would be added, and a line per feed (escaped)."""
    head = (
        f"{preview.count(Verdict.VALID)} valid, {preview.count(Verdict.WATCHED)} already "
        f"watched, {preview.count(Verdict.REFUSED)} refused."
    )
    if preview.over_cap:
        head += (
            f" This server has room for {preview.room} more, so the first {preview.room} valid "
            "ones would be added."
        )
    head += f" Add {len(preview.to_add)}?" if preview.to_add else " Nothing to add."
    lines = [clean_text(line) for line in preview_lines(preview, limit=IMPORT_PREVIEW_LINES)]
    return fit_lines([head, *(f"- {clip(line, IMPORT_LINE_CHARS)}" for line in lines)])


def import_button(preview: ImportPreview) -> str:
    """The label of the import's Add button."""
    return f"Add {len(preview.to_add)} feeds"


def import_expired(shown: str) -> str:
    """The preview once its buttons expired."""
    return f"{shown[: CONTENT_LIMIT - len(IMPORT_EXPIRED) - 1]}\n{IMPORT_EXPIRED}"


def import_done(done: ImportDone) -> str:
    """/sources import, once confirmed: how many were added."""
    text = f"Added {done.added} feeds; their first alerts come with their next new stories."
    if done.over_cap:
        text += f" {done.over_cap} did not fit in this server's cap."
    return text


def export_title(server_name: str) -> str:
    """The title of a server's OPML export."""
    return f"newsbot sources of {plain_text(server_name)}"


def exported(count: int) -> str:
    """/sources export."""
    return f"This server's {count} sources, as OPML (other feed readers import it)."


# ---- /alerts style --------------------------------------------------------------------------


def style_preview(preview: StylePreview) -> OutgoingMessage:
    """/alerts style: whose alerts, in which style, shown on the latest article (the alert's
    own text after the question, its embeds as they would be sent), before saving."""
    route = preview.target.route
    whose = (
        f"the route “{clean_text(route.typed or route.topic or 'everything')}” "
        f"in <#{route.channel_id}>"
        if route is not None
        else f"<#{preview.target.channel_id}>"
    )
    head = f"Alerts for {whose} would look like this ({preview.style.describe()})."
    if preview.message is None:
        head = (
            f"Alerts for {whose}: {preview.style.describe()}. "
            "No article of the last 30 days to show it on yet."
        )
    content = head + " Save it?"
    shown = preview.message
    if shown is None:
        return OutgoingMessage(content=content)
    if shown.content:
        content += "\n\n" + shown.content
    return OutgoingMessage(content=content, embeds=shown.embeds)


def style_saved(preview: StylePreview) -> str:
    """/alerts style, saved."""
    route = preview.target.route
    whose = "this route's" if route is not None else f"<#{preview.target.channel_id}>'s"
    return f"Saved: {whose} alerts now look {preview.style.describe()}."


STYLE_CANCELLED = "Nothing changed."
STYLE_NOT_YOURS = "Only the admin who asked for this preview can save it."
STYLE_EXPIRED = "This preview expired: run `/alerts style` again to save a style."
