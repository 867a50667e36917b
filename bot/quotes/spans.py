"""Quoted stretches: where quotation marks open and close as pages really use them, which
spans make one quotation, and which quoted words are not a quotation at all."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.quotes.lexicon import (
    CAPITALISED_RUN,
    CUE_RE,
    MENTION,
    NAME_RUN,
    SCARE_CUES,
    SPEECH_RE,
    SPEECH_VERBS,
)
from bot.quotes.marks import (
    ALL_MARKS,
    DOUBLE_OPEN,
    MARK_RE,
    SINGLE_OPEN,
    STRAIGHT,
    Closers,
    can_open,
    is_apostrophe,
)
from bot.quotes.model import CONTEXT_WINDOW, Draft, QuoteKind, RawSpan
from bot.quotes.names import split_role_name
from bot.quotes.text import Lines, blank, paragraphs


def find_spans(text: str) -> list[RawSpan]:
    """Every quoted stretch, paragraph by paragraph (nested marks are part of the outer one)."""
    spans: list[RawSpan] = []
    for number, (p_start, p_end) in enumerate(paragraphs(text)):
        closers = Closers(text, p_start, p_end)
        ink = p_start + len(text[p_start:p_end]) - len(text[p_start:p_end].lstrip())
        i = p_start
        while i < p_end:
            found = MARK_RE.search(text, i, p_end)
            if found is None:
                break
            i = found.start()
            ch = text[i]
            mark = ""
            if text.startswith("''", i) and can_open(text, i, 2):
                mark = "''"
            elif ch in DOUBLE_OPEN or ch == "»":
                mark = ch if (ch != "»" or can_open(text, i, 1)) else ""
            elif (ch in STRAIGHT or ch in SINGLE_OPEN) and can_open(text, i, 1):
                mark = "" if ch == "'" and is_apostrophe(text, i) else ch
            if not mark:
                i += 1
                continue
            inner = i + len(mark)
            close = closers.find(mark, inner)
            if close == -1:
                if i <= ink and mark not in ("'", "‘", "‚"):
                    spans.append(RawSpan(inner, p_end, mark, number, open_end=True))
                    break
                i += len(mark)
                continue
            if close > inner:
                spans.append(RawSpan(inner, close, mark, number))
            i = close + (2 if mark == "''" else 1)
    return spans


def _gap_is_attribution(gap: str) -> bool:
    """Text between two quoted spans that is one attribution clause ("he said," / "said X,
    the ..., and" / "X told reporters."), so the spans are one quotation."""
    words = gap.split()
    inner_stop = re.search(r"[.!?;]\s+\S", gap.strip())
    names = [m for m in NAME_RUN.finditer(gap) if split_role_name(m.group())[1]]
    return (
        inner_stop is None
        and not gap.rstrip().endswith(":")  # a colon introduces a quotation of its own
        and not _TITLE_CONTEXT.search(gap[-40:])  # “…,” Trump told NBC’s “Today”
        and not _ENDS_NOUN_PHRASE.search(gap)  # “…,” she said, showing off the “…” hat
        and len(names) <= 1  # "said X, while Y argued": two speakers
        and 0 < len(words) <= 18
        and bool(SPEECH_RE.search(gap))
        and not any(mark in gap for mark in ALL_MARKS.replace("'", "").replace("’", ""))
    )


def group_spans(text: str, spans: Sequence[RawSpan], lines: Lines | None = None) -> list[Draft]:
    """Join continued multi-paragraph spans and split quotations into drafts."""
    lines = lines or Lines(text)
    drafts: list[Draft] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        group = [span]
        i += 1
        # A quotation running over paragraphs: the next paragraph opens with a mark again.
        while group[-1].open_end and i < len(spans):
            nxt = spans[i]
            if nxt.paragraph != group[-1].paragraph + 1:
                break
            opened = nxt.start - len(nxt.open_mark)
            if not blank(text, lines.start(opened), opened):
                break
            group.append(nxt)
            i += 1
        # "A," he said, "B." -- one quotation, two spans (a title never starts one).
        long_enough = False
        opened = span.start - len(span.open_mark)
        titled = _is_media_title(text[max(0, opened - 40) : opened], text[span.start : span.end])
        while i < len(spans) and not group[-1].open_end and not titled:
            nxt = spans[i]
            if nxt.paragraph != group[-1].paragraph:
                break
            gap = text[group[-1].after : nxt.start - len(nxt.open_mark)]
            # (counted once: a group that has three words keeps them as it grows)
            long_enough = long_enough or len(text[group[0].start : group[-1].end].split()) >= 3
            if not long_enough or not _gap_is_attribution(gap):
                break
            group.append(nxt)
            i += 1
        drafts.append(Draft(group))
    return drafts


def _is_headline_line(text: str, start: int, end: int, *, first: bool = False) -> bool:
    """A short line at the top of the text that doesn't end a sentence is a headline; so is a
    short first line that reads like one even with a full stop: "Name: ‘…’", words mostly
    capitalised, or no reporting verb outside its quoted words."""
    line = text[start:end].strip()
    words = line.split()
    if not words or len(words) > 20:
        return False
    bare = line.rstrip("”\"’'»« ")
    if bool(bare) and bare[-1] not in ".!?…:,;":
        return True
    if not first or len(words) > 16:
        return False
    outside = _QUOTED.sub(" ", line)
    plain = re.findall(r"[A-Za-z][\w’'\-]{3,}", outside)
    if not plain or re.search(r"[.!?]\s+[A-Z“\"‘]", outside):
        return False  # all quotation, or more than one sentence
    capitalised = sum(w[0].isupper() for w in plain) / len(plain)
    # A reporting verb in lower case makes a sentence ("X told the AP"); in a headline's
    # Title Case it does not ("Clinton Says …").
    reported = bool(CUE_RE.search(outside)) or "according to" in outside.lower()
    introduced = bool(re.search(r"\b[a-z][\w’'\-]*[^:]*:\s*[“‘\"«']", line))
    return (
        bool(_LABELLED.match(line))
        or (len(plain) >= 4 and capitalised >= 0.8 and not reported)
        or (not reported and capitalised >= 0.5 and not introduced)
    )


_DOUBLE_OPENERS = re.compile(r"[“„«]|''|(?:^|(?<=[\s(\[—–-]))\"(?=\w)")
_SINGLE_OPENERS = re.compile(r"‘|(?:^|(?<=[\s(\[—–-]))'(?=\w)")


def _quotes_double(text: str, start: int, body: int) -> bool:
    """Whether the text quotes in double marks from ``start`` on more often than in single
    ones from ``body`` on (as a body under a headline and a deck in single marks does)."""
    double = len(_DOUBLE_OPENERS.findall(text, start))
    return double > 0 and double > len(_SINGLE_OPENERS.findall(text, body))


def _single_marked_line(text: str, start: int, end: int) -> bool:
    """A short line at the top whose quotations are all in single marks, above a body that
    quotes in double ones: a headline or its deck ("Voters fear ‘a long winter’")."""
    line = text[start:end]
    return (
        len(line.split()) <= 30
        and _SINGLE_OPENERS.search(line) is not None
        and _DOUBLE_OPENERS.search(line) is None
        and not re.search(r"[”\"]", line)
    )


def _short_plain_line(text: str, start: int, end: int) -> bool:
    """A line of at most 12 words with no quotation marks and no second sentence."""
    line = text[start:end].strip()
    return (
        0 < len(line.split()) <= 12
        and not re.search('[“”‘’"«»]', line)
        and not re.search(r"[.!?]\s+\S", line)
    )


_QUOTED = re.compile(r"[“‘\"«„][^”’\"»“]*[”’\"»]|''.*?''")
_LABELLED = re.compile(rf"{CAPITALISED_RUN}:\s*[‘'“\"«]")
# Just before a quoted title: a broadcaster's or author's possessive, or words that name a
# work (NBC’s “Meet the Press”, host of “Shark Tank”, his book “The Art of the Deal”).
_TITLE_CONTEXT = re.compile(
    r"(?:[’']s|s[’']|\b(?:on|host\s+of|author\s+of|co-author\s+of|book|show|program|programme"
    r"|podcast|movie|film|song|album|hits|series|novel|titled|entitled|starred\s+in|stage\s+to"
    r"|documentary|episode|anthem|slogan|motto|chant))\s*$",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset("of the a an and in on for to at with or by from is are as vs".split())


def _is_media_title(before: str, inner: str) -> bool:
    """A title of a show, book or song ('on ABC’s “This Week,”'), not someone's words."""
    core = inner.strip().rstrip(",.")
    words = core.split()
    if not 1 <= len(words) <= 10:
        return False
    tail = before[-40:]
    context = _TITLE_CONTEXT.search(tail)
    if context is None:
        return False
    big = [w for w in re.findall(r"[A-Za-z][\w’'\-]*", core) if w.lower() not in _SMALL_WORDS]
    if not big or not all(w[0].isupper() for w in big):
        return False
    return len(words) >= 2 or context.group().strip()[-2:] in ("’s", "'s", "s’", "s'")


def classify(text: str, drafts: list[Draft]) -> None:
    """Set each draft's kind: a headline's quote, a term (scare quote, title, nickname, one or
    two words), a fragment inside a paraphrase, or a quotation."""
    paras = paragraphs(text)
    body_double = len(paras) > 1 and _quotes_double(
        text, paras[1][0], paras[min(3, len(paras) - 1)][0]
    )
    headlines = [
        _is_headline_line(text, *para, first=index == 0)
        or (body_double and _single_marked_line(text, *para))
        for index, para in enumerate(paras[:3])
    ]
    if len(headlines) > 1 and headlines[1] and not headlines[0] and body_double:
        # A deck in single marks under a short first line: that line is the headline
        # ("Voters weigh a change." over "Seen as ‘part of the old guard’").
        headlines[0] = _short_plain_line(text, *paras[0])
    previous: Draft | None = None
    for draft in drafts:
        p_start, p_end = paras[draft.paragraph]
        inner = " ".join(text[s.start : s.end] for s in draft.spans)
        words = inner.split()
        open_at = draft.start - len(draft.spans[0].open_mark)
        before = text[max(p_start, open_at - CONTEXT_WINDOW) : open_at]
        after_at = draft.spans[-1].after
        after = text[after_at : min(p_end, after_at + CONTEXT_WINDOW)]
        attributed = bool(SPEECH_RE.match(after.lstrip(" ,—–-"))) or bool(
            _MENTION_SAID.match(after)
        )
        if draft.paragraph <= 2 and all(headlines[: draft.paragraph + 1]):
            draft.kind = QuoteKind.HEADLINE
        elif (
            (len(words) <= 2 and not (attributed and inner.rstrip()[-1:] in ",.!?…"))
            or (
                SCARE_CUES.search(before.rstrip()[-40:])
                and len(words) <= 8
                and not inner.rstrip().endswith((".", "!", "?", "…"))
            )
            or (_looks_like_title(inner) and not attributed)
            or (
                _looks_like_title(inner)
                and inner.rstrip().endswith(".")
                and _NEW_SENTENCE.match(after)
            )
            or (_looks_like_title(inner) and _WORK_AFTER.match(after))
            or (_looks_like_title(inner) and _next_in_list(text, previous, open_at))
            or _is_media_title(before, inner)
            or _YEAR_AFTER.match(after)
            or _TRANSLATED.search(before[-30:])
            or (len(words) <= 6 and _MENTIONED_AFTER.match(after))
            or (before.endswith("(") and _CITED_AFTER.match(after))
            or (len(words) <= 8 and _MODIFIES.match(after))
            or (_subhead(text, draft, p_start, p_end) and len(words) <= 8)
        ):
            draft.kind = QuoteKind.TERM
        elif _is_fragment(before, inner):
            draft.kind = QuoteKind.FRAGMENT
        previous = draft


_NEW_SENTENCE = re.compile(r"\s+[A-Z]")
"""A new sentence after a title that ends with its full stop: “Coco Beach.” A spokesman …"""
_WORK_AFTER = re.compile(
    r",?\s*(?:a|an|the|his|her|their)\s+(?:new\s+|recent\s+|\d{4}\s+)?(?:book|biography|memoir"
    r"|novel|film|movie|documentary|play|song|album|show|series|podcast)\b"
)
"""A work named in apposition after a title: “Trump Revealed,” a biography by …."""


def _next_in_list(text: str, previous: Draft | None, open_at: int) -> bool:
    """Whether the quotation follows a title in a list ("starred in “A” and “B,”")."""
    if previous is None or previous.kind is not QuoteKind.TERM:
        return False
    gap = text[previous.spans[-1].after : open_at]
    return bool(re.fullmatch(r",?\s*(?:and|or|,)\s*|,\s*", gap))


_ENDS_NOUN_PHRASE = re.compile(
    r"\b(?:the|a|an|his|her|their|its|our|this|that|of|for|with|to|in|on|as|from|and|or|by|about)\s*$",
    re.IGNORECASE,
)
"""A gap ending like this leads into words of the sentence, not into the rest of a quotation."""

_MODIFIES = re.compile(
    r"\s*(?:hats?|caps?|signs?|shirts?|t-shirts?|banners?|stickers?|buttons?|headlines?|movement"
    r"|document|movie|film|show|book|song|album|podcast|program|programme|slogan|chants?"
    r"|campaign|ads?|video|segment|series|episode|initiative|tour|rally|pledge|memo|bill)\b"
)
"""Words after a quotation that make it a name of a thing: a “Make America Great Again” hat."""


def _subhead(text: str, draft: Draft, start: int, end: int) -> bool:
    """A paragraph that is only a short quotation in single marks: a section heading."""
    first, last = draft.spans[0], draft.spans[-1]
    opened = first.start - len(first.open_mark)
    return (
        first.open_mark in ("'", "‘")
        and not text[start:opened].strip()
        and not text[last.after : end].strip()
    )


_YEAR_AFTER = re.compile(r"\s*\((?:[^()\n]{0,60}\s)?(?:1[89]|20)\d\d\)")
"""“Yes to minaret ban” (2009): a poster or slogan with its year."""


_TRANSLATED = re.compile(
    r"\b(?:Latin|Greek|French|Spanish|German|Italian|Arabic|Hebrew|Russian|Chinese|Japanese"
    r"|Portuguese|Yiddish|Persian|Farsi|Turkish|slang|shorthand|code)\s+for\s*$"
)
"""“Si vis pacem,” Latin for “…”: a translation or gloss, nobody's words."""
_MENTIONED_AFTER = re.compile(r"[,\s]*(?:actually\s+|really\s+)?(?:means|meant|refers)\b")
"""What “go home” means: the words are talked about, not said."""
_CITED_AFTER = re.compile(r"\s*[A-Z][\w.&’'\-]*(?:\s+[A-Z][\w.&’'\-]*){0,4},\s*[^()\n]{1,30}\)")
"""(“Senator quits race,” The Daily Post, Monday): an article cited by its headline."""


_MENTION_SAID = re.compile(rf"^[\s,—–-]*(?:{MENTION})\s+(?:{SPEECH_VERBS})\b")


def _looks_like_title(inner: str) -> bool:
    """Words in Title Case: a name of a work, a slogan or a headline, not someone's sentence
    (“The Salt Road,” / “Fox News Sunday.” -- American comma and full stop placement)."""
    inner = inner.rstrip()
    inner = inner[:-1] if inner[-1:] in ",." else inner
    words = inner.split()
    if not 1 <= len(words) <= 12 or inner[-1:] in ",.!?…" or re.search(r"[.!?]\s", inner):
        return False
    small = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "at", "with", "or"}
    # Each word by its first letter or digit: “Madre Tierra (Oye).”, “Yuge!: 30 Years of …”.
    firsts = [m.group() for w in words if (m := re.search(r"[^\W_]", w)) and w.lower() not in small]
    big = [f for f in firsts if not f.isdigit()]
    return bool(big) and all(f.isupper() or f.isdigit() for f in firsts) and len(words) >= 2


def _is_fragment(before: str, inner: str) -> bool:
    """Quoted words that start mid-sentence in lower case: a few words inside a paraphrase."""
    first = inner.lstrip()[:1]
    tail = before.rstrip()
    if not first or first.isupper() or first.isdigit():
        return False
    return bool(tail) and tail[-1] not in ":"
