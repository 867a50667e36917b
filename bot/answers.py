"""What the /news answers say (pure): pages of articles and quotes, and the coverage summary, as
message values the Discord layer sends. All feed text goes through ``clean_text``."""

from __future__ import annotations

from datetime import datetime

from bot.alerts import (
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
from bot.news import ArticlePage, Coverage, QuotePage, Scope
from bot.quotes import trim_quote
from bot.store import Listing, QuoteListing

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
    lines = [_headline(item), f"{source} · {when(item.published)}"]
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
    if coverage.total:
        articles = "article" if coverage.total == 1 else "articles"
        sources = "source" if coverage.sources == 1 else "sources"
        description = f"**{coverage.total}** {articles} from **{coverage.sources}** {sources}."
    else:
        description = (
            "No articles from this server's sources matched. Try a broader topic or more days."
        )
    fields = []
    if coverage.top_sources:
        lines = [f"• {clip(clean_text(n), 80)} — {c}" for n, c in coverage.top_sources]
        fields.append(EmbedField("Top sources", clip("\n".join(lines), FIELD_VALUE_LIMIT)))
    if coverage.top_speakers:
        lines = [f"• {clip(clean_text(n), 80)} — {c}" for n, c in coverage.top_speakers]
        fields.append(EmbedField("Most quoted", clip("\n".join(lines), FIELD_VALUE_LIMIT)))
    embed = Embed(
        title=clip(clean_text(coverage.heading), TITLE_LIMIT),
        description=description,
        fields=tuple(fields),
        image_url=f"attachment://{COVERAGE_FILE}",
        footer="Articles per day (UTC) · newsbot",
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
