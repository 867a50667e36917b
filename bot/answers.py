"""What the /news answers say (pure): pages of articles and quotes, and the coverage summary, as
message values the Discord layer sends. All feed text goes through ``clean_text``."""

from __future__ import annotations

from datetime import datetime

from bot.messages import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    Embed,
    EmbedField,
    OutgoingMessage,
    clean_text,
    clip,
    fit_embed,
    web_url,
)
from bot.news import ArticlePage, Coverage, QuotePage, Scope, StoryCopies
from bot.quotes import trim_quote
from bot.storage.queries import Listing, QuoteListing

COVERAGE_FILE = "coverage.png"
LEAD_CHARS = 240
QUOTE_CHARS = 220
_HIGHLIGHT = str.maketrans({"\x02": "**", "\x03": "**"})


def when(moment: datetime) -> str:
    """A Discord timestamp: shown in each reader's own time zone, as '3 hours ago'."""
    return f"<t:{int(moment.timestamp())}:R>"


def _headline(item: Listing) -> str:
    title = clip(clean_text(item.title), 200)
    url = web_url(item.url)
    return f"**[{title}]({url})**" if url else f"**{title}**"


def _article_entry(item: Listing, scope: Scope) -> str:
    source = clip(clean_text(scope.name_of(item.source_id, item.site_name)), 80)
    carried = f" · {item.outlets} outlets" if item.outlets > 1 else ""
    lines = [_headline(item), f"{source} · {when(item.published)}{carried}"]
    if item.snippet:
        # The index marks the matched words; the text around them is escaped like any other.
        lines.append(clean_text(item.snippet.replace("\n", " ")).translate(_HIGHLIGHT))
    elif item.lead:
        lines.append(clip(clean_text(item.lead), LEAD_CHARS))
    if item.quote is not None and item.quote.speaker:
        text = clean_text(trim_quote(item.quote.text, QUOTE_CHARS))
        lines.append(f"> “{text}” — {clean_text(item.quote.speaker)}")
    return "\n".join(lines)


def article_page(page: ArticlePage, *, empty_hint: str) -> OutgoingMessage:
    """One page of /news latest or /news search, as an embed."""
    entries = [_article_entry(item, page.scope) for item in page.items]
    return _page_message(
        page.heading, entries, page.page, page.has_next, f"Nothing found. {empty_hint}"
    )


def _quote_entry(entry: QuoteListing, scope: Scope) -> str:
    quote, item = entry.quote, entry.article
    speaker = clean_text(quote.speaker or "")
    role = f", {clip(clean_text(quote.role), 80)}" if quote.role else ""
    source = clip(clean_text(scope.name_of(item.source_id, item.site_name)), 80)
    url = web_url(item.url)
    where = f"[{source}]({url})" if url else source
    text = clean_text(trim_quote(quote.text, 400))
    return f"“{text}” — **{speaker}**{role}\n{where} · {when(item.published)}"


def quote_page(page: QuotePage, *, empty_hint: str) -> OutgoingMessage:
    """One page of /news quotes, as an embed."""
    entries = [_quote_entry(item, page.scope) for item in page.items]
    empty = f"No key quotes found. {empty_hint}"
    return _page_message(page.heading, entries, page.page, page.has_next, empty)


def _page_message(
    heading: str, entries: list[str], page: int, has_next: bool, empty: str
) -> OutgoingMessage:
    """One page of a list: its entries, or (on the first page) what to try when it is empty."""
    if entries:
        description = _joined(entries)
    else:
        description = empty if page == 0 else empty.split(". ", 1)[0] + "."
    embed = Embed(
        title=clip(clean_text(heading), TITLE_LIMIT),
        description=description,
        footer=f"Page {page + 1}{'' if has_next else ' (last)'} · newsbot",
    )
    return OutgoingMessage(embeds=(fit_embed(embed),))


def coverage_message(coverage: Coverage) -> OutgoingMessage:
    """/news coverage's embed, showing the chart sent with it."""
    if coverage.total:
        stories = "story" if coverage.total == 1 else "stories"
        articles = "article" if coverage.articles == 1 else "articles"
        sources = "source" if coverage.sources == 1 else "sources"
        description = (
            f"**{coverage.total}** {stories} ({coverage.articles} {articles}) from "
            f"**{coverage.sources}** {sources}."
        )
    else:
        description = (
            "No articles from this server's sources matched. Try a broader topic or more days."
        )
    fields = []
    if coverage.top_sources:
        lines = [f"• {clip(clean_text(n), 80)} — {c}" for n, c in coverage.top_sources]
        fields.append(EmbedField("Top sources", clip("\n".join(lines), FIELD_VALUE_LIMIT)))
    if coverage.top_stories:
        lines = [f"• {clip(clean_text(t), 120)} — {n} copies" for t, n in coverage.top_stories]
        fields.append(EmbedField("Top stories", clip("\n".join(lines), FIELD_VALUE_LIMIT)))
    if coverage.top_speakers:
        lines = [f"• {clip(clean_text(n), 80)} — {c}" for n, c in coverage.top_speakers]
        fields.append(EmbedField("Most quoted", clip("\n".join(lines), FIELD_VALUE_LIMIT)))
    embed = Embed(
        title=clip(clean_text(coverage.heading), TITLE_LIMIT),
        description=description,
        fields=tuple(fields),
        image_url=f"attachment://{COVERAGE_FILE}",
        footer="Stories per day (UTC) · newsbot",
    )
    return OutgoingMessage(embeds=(fit_embed(embed),))


def story_message(story: StoryCopies) -> OutgoingMessage:
    """A story's copies in the server's sources, first to report first."""
    first = story.copies[0]
    lines = []
    for copy in story.copies:
        outlet = clip(clean_text(story.scope.name_of(copy.source_id, copy.site_name)), 80)
        title = clip(clean_text(copy.title), 150)
        url = web_url(copy.url)
        linked = f"[{title}]({url})" if url else title
        lines.append(f"• **{outlet}** — {linked} · {when(copy.published)}")
    count = len({c.source_id for c in story.copies})
    outlets = "outlet" if count == 1 else "outlets"
    embed = Embed(
        title=clip(clean_text(first.title), TITLE_LIMIT),
        url=web_url(first.url),
        description=_joined(lines),
        footer=f"{count} {outlets} among this server's sources · newsbot",
    )
    return OutgoingMessage(embeds=(fit_embed(embed),))


def _joined(entries: list[str]) -> str:
    """Entries separated by blank lines, as many as fit in an embed's description."""
    body = ""
    for entry in entries:
        candidate = f"{body}\n\n{entry}" if body else entry
        if len(candidate) > DESCRIPTION_LIMIT:
            break
        body = candidate
    return body or clip(entries[0], DESCRIPTION_LIMIT)
