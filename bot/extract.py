"""Article pages to clean text and metadata (pure; runs in the parser processes).

trafilatura does the heavy lifting (main-text detection, metadata); a small line filter then removes
the clutter it keeps on real pages (video promos, aggregator footers, comment boxes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_TEXT_CHARS = 200_000
MAX_PAGE_ELEMENTS = 5_000
"""Elements of a page read, in document order; the rest is cut before extraction. Real article
pages have a few hundred to a few thousand, the article early among them (Lighthouse already
flags pages over 1,400). trafilatura's work grows faster than the element count (libxml2
evaluates its ``//p//text()`` in quadratic time: a 5 MB page of 340,000 short paragraphs took
424 s), so this bounds extraction on any page to about half a second of CPU."""
MAX_PAGE_TEXT_CHARS = 4 * MAX_TEXT_CHARS
"""Characters of text read from a page (not counting scripts and styles), likewise: four times
what an article may keep."""
_UNCOUNTED = frozenset({"script", "style", "template", "noscript"})
ABBREVIATION_WINDOW = 40
LEAD_MAX_CHARS = 300
LEAD_SHORT_CHARS = 140
MIN_ARTICLE_WORDS = 15


class ExtractionError(Exception):
    """No article text could be found in the page."""


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What an article page yields: clean text, metadata and lead."""

    title: str | None
    author: str | None
    published: datetime | None
    site: str | None
    image: str | None
    canonical_url: str | None
    lead: str
    text: str


# A line that is one of these is page furniture, never article text.
_CLUTTER_LINE = re.compile(
    r"""^(?:
        (?:WATCH|LISTEN|READ\ MORE|RELATED|SEE\ ALSO|ALSO\ READ|MORE|VIDEO|PHOTOS?)\s*[|:].*
      | advertisement | sponsored(?:\ content)?
      | share\ (?:this|on)\b.* | (?:click|tap)\ here\b.* | follow\ us\b.*
      | sign\ up\ for\b.* | subscribe\b.{0,60}
      | (?:related|recommended|trending|most\ read)(?:\ (?:stories|articles|news))?:?
      | comments?:? | \d+\ comments?
      | (?:photo|image|video)\ (?:credit|by)\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# From a line like these on, the rest of the page is an aggregator's footer or a comment box.
_END_MARKER = re.compile(
    r"""^(?:
        source\ link | article\ categories:? | post\ navigation | leave\ a\ (?:reply|comment)
      | your\ email\ address\ will\ not\ be\ published\.? | about\ the\ author
      | (?:the\ )?maximum\ upload\ file\ size\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A video or audio running time left at the end of a caption: "... in Geneva. 3:02"
_TRAILING_DURATION = re.compile(r"\s+\(?\d{1,2}:\d{2}(?::\d{2})?\)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’']?\s+(?=[“\"‘'(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Sgt|Capt|Gov|Sen|Rep|St|Jr|Sr|No|Inc|Corp|Ltd|Co|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z](?:\.[A-Z])*)\.$"
)


def clean_lines(text: str) -> str:
    """Drop clutter lines and everything after an end marker; strip trailing video durations."""
    kept: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if _END_MARKER.match(line):
            break
        if _CLUTTER_LINE.match(line):
            continue
        line = _TRAILING_DURATION.sub("", line)
        if line:
            kept.append(line)
    return "\n".join(kept)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, without splitting after common abbreviations."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        # Only the candidate's end can be an abbreviation: looking further back would make a
        # paragraph of many "A. B. C." quadratic.
        candidate = paragraph[max(start, match.start() - ABBREVIATION_WINDOW) : match.start()]
        if _ABBREVIATION.search(candidate.rstrip().rstrip("”\"’'")):
            continue
        parts.append(paragraph[start : match.start()].strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def make_lead(text: str, *, title: str | None = None) -> str:
    """The article's first real sentence or two (not a dateline, byline or repeated headline)."""
    title_key = _key(title or "")
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if len(words) < 8 or not paragraph.rstrip("”\"’')").endswith((".", "!", "?", "…")):
            continue
        if title_key and _key(paragraph) == title_key:
            continue
        sentences = split_sentences(paragraph)
        lead = sentences[0]
        if len(lead) < LEAD_SHORT_CHARS and len(sentences) > 1:
            lead = f"{lead} {sentences[1]}"
        return _truncate(lead, LEAD_MAX_CHARS)
    return ""


def _key(value: str) -> str:
    return re.sub(r"\W+", " ", value).strip().casefold()


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-– ")
    return cut + "…"


def extract_article(html: bytes | str, *, url: str | None = None) -> ExtractedPage:
    """Main text and metadata of an article page. Raises ExtractionError when there is none."""
    import trafilatura
    from trafilatura.settings import Document

    tree = _parse_html(html)
    if tree is None:
        raise ExtractionError("The page is not readable HTML.")
    cut_to_size(tree, max_elements=MAX_PAGE_ELEMENTS, max_chars=MAX_PAGE_TEXT_CHARS)
    _promote_media_captions(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        favor_precision=True,
        with_metadata=True,
        include_tables=False,
        deduplicate=False,
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    if not isinstance(doc, Document) or not doc.text:
        raise ExtractionError("No article text found on the page.")
    title = _clean_field(doc.title)
    text = clean_lines(doc.text or "")[:MAX_TEXT_CHARS]
    text = _drop_repeated_title(text, title)
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise ExtractionError("Only page furniture was found on the page.")
    return ExtractedPage(
        title=title,
        author=_clean_field(doc.author),
        published=_parse_date(doc.date),
        site=_clean_field(doc.sitename),
        image=_clean_field(doc.image),
        canonical_url=_canonical_url(tree) or _clean_field(doc.url),
        lead=make_lead(text, title=title),
        text=text,
    )


def _parse_html(html: bytes | str) -> HtmlElement | None:
    from lxml import etree
    from lxml.html import HTMLParser as LxmlHTMLParser
    from lxml.html import document_fromstring

    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
    charset = _declared_charset(html[:4096])
    parser = LxmlHTMLParser(encoding=charset, remove_comments=True, huge_tree=False)
    try:
        return document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def cut_to_size(
    tree: HtmlElement,
    *,
    max_elements: int = MAX_PAGE_ELEMENTS,
    max_chars: int = MAX_PAGE_TEXT_CHARS,
) -> bool:
    """Cut the page after its first ``max_elements`` elements or ``max_chars`` characters of
    text (in document order), whichever comes first: an element over the element budget goes,
    one whose text goes over the character budget keeps the text that fits. Returns whether
    anything was cut."""
    chars = 0
    keep = False
    for seen, element in enumerate(tree.iter(), 1):
        if seen > max_elements:
            break
        text = element.text if element.tag not in _UNCOUNTED else None
        if text and chars + len(text) > max_chars:
            element.text = text[: max_chars - chars]
            del element[:]
            keep = True
            break
        chars += len(text or "")
        if element.tail and chars + len(element.tail) > max_chars:
            element.tail = element.tail[: max_chars - chars]
        chars += len(element.tail or "")
    else:
        return False
    # Then everything after it goes: the following siblings of it and of each ancestor.
    parent = element.getparent()
    if parent is None:
        return keep
    del parent[parent.index(element) + (1 if keep else 0) :]
    while parent is not None:
        above = parent.getparent()
        if above is not None:
            del above[above.index(parent) + 1 :]
        parent = above
    return True


def _declared_charset(head: bytes) -> str:
    match = _META_CHARSET.search(head)
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        try:
            import codecs

            return codecs.lookup(name).name
        except LookupError:
            pass
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is still UTF-8.
        if exc.start < len(head) - 4:
            return "windows-1252"
    return "utf-8"


def _promote_media_captions(tree: HtmlElement) -> None:
    """A video embed's caption is often the story's own words (a quote, a summary): keep it as
    a paragraph where the embed stood, and drop the rest of the embed (label, player, duration),
    which main-text extraction would otherwise discard whole, caption included."""
    for embed in tree.xpath(_MEDIA_EMBED_XPATH):
        if embed.getparent() is None:
            continue
        captions = embed.xpath(_MEDIA_CAPTION_XPATH)
        replacement = []
        for caption in captions:
            for duration in caption.xpath(_DURATION_XPATH):
                duration.drop_tree()
            text = " ".join(caption.text_content().split())
            if text:
                paragraph = tree.makeelement("p", {})
                paragraph.text = text
                replacement.append(paragraph)
        parent = embed.getparent()
        index = parent.index(embed)
        tail = embed.tail
        parent.remove(embed)
        for offset, paragraph in enumerate(replacement):
            parent.insert(index + offset, paragraph)
        if replacement:
            replacement[-1].tail = tail


def _class_has(*words: str) -> str:
    return " or ".join(
        f"contains(concat(' ', normalize-space(@class), ' '), ' {word}')" for word in words
    )


_MEDIA_EMBED_XPATH = (
    f"//div[{_class_has('video-embed', 'media-embed', 'video-player-container', 'embed-video')}]"
)
_MEDIA_CAPTION_XPATH = f".//*[{_class_has('video-caption', 'media-caption', 'video-description')}]"
_DURATION_XPATH = f".//*[{_class_has('video-duration', 'media-duration', 'duration')}]"
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)


def _canonical_url(tree: HtmlElement) -> str | None:
    """The page's own idea of its address: <link rel="canonical">, else og:url."""
    for xpath in (
        "//head/link[translate(@rel, 'CANONICL', 'canonicl')='canonical']/@href",
        "//head/meta[@property='og:url']/@content",
    ):
        for found in tree.xpath(xpath):
            value = str(found).strip()
            if value.startswith(("http://", "https://")):
                return value[:2048]
    return None


def _drop_repeated_title(text: str, title: str | None) -> str:
    if not title:
        return text
    key = _key(title)
    lines = text.split("\n")
    while lines and _key(lines[0]) == key:
        lines.pop(0)
    return "\n".join(lines)


def _clean_field(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:1000] or None


def _parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "tr",
        "table",
        "figure",
        "figcaption",
        "pre",
        "hr",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed's summary or content), one paragraph per line."""
    if "<" not in fragment and "&" not in fragment:
        return "\n".join(" ".join(line.split()) for line in fragment.splitlines() if line.strip())
    collector = _TextCollector()
    collector.feed(fragment[:MAX_TEXT_CHARS])
    collector.close()
    text = "".join(collector.parts)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
