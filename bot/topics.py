"""Topics: a small, safe query language (pure core; no discord imports).

Google-Alerts style: words (all must appear), "exact phrases", OR (also ``|``), -exclusions,
parentheses, ``title:word``, ``title:"a phrase"``, ``source:domain``. Matching is case- and
accent-insensitive, on whole words, with apostrophe forms folded ("Russia's" is "Russia"); in
scripts written without spaces (Chinese, Japanese, Thai...) terms match as substrings.

There is no user regex anywhere: a query is parsed into a tree of terms, and terms are found
with one Aho-Corasick automaton (see ``bot.matcher``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from bot.errors import UserFacingError

MAX_QUERY_CHARS = 200
MAX_TERMS = 30
MAX_DEPTH = 4

_APOSTROPHE_FORMS = ("’", "ʼ", "‘", "´")
# Written to start with the apostrophe, so the engine scans for it instead of trying each position.
_POSSESSIVE = re.compile(r"'(?:(?<=\w')s\b|(?<=s')(?=\s|$))")
# Zero-width and direction marks vanish; other control characters separate words (a newline
# between two words must not join them).
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_BEYOND_PUNCTUATION = re.compile(r"[^\x00-\x7f\u2000-\u206f]")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Scripts written without spaces between words: there a term is matched as a substring.
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff"
    r"\u1000-\u109f\u1780-\u17ff\uac00-\ud7af]"
)


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophe forms folded, invisible characters gone."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        for apostrophe in _APOSTROPHE_FORMS:
            if apostrophe in text:
                text = text.replace(apostrophe, "'")
        # Curly quotes and dashes are common in English text; only letters beyond ASCII need
        # the (slower) decomposition that strips accents.
        if _BEYOND_PUNCTUATION.search(text):
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if "'" in text:
        text = _POSSESSIVE.sub("", text)
    return text.casefold()


def tokens(text: str) -> list[str]:
    """The words of a text as matching sees them."""
    return _TOKEN.findall(fold(text))


def searchable(text: str) -> str:
    """A text as the automaton reads it: its words, single-spaced, with a space at each end."""
    return " " + " ".join(tokens(text)) + " "


def is_unspaced(term: str) -> bool:
    """Whether a term is in a script written without spaces (matched as a substring)."""
    return bool(_UNSPACED.search(term))


class Field(StrEnum):
    """Where a term must be found."""

    ANY = "any"
    TITLE = "title"


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """A word or phrase, in folded form ("european union")."""

    words: str
    field: Field = Field.ANY

    @property
    def pattern(self) -> str:
        """What the automaton looks for: the words with spaces around them (whole words),
        or bare, as a substring, in unspaced scripts."""
        return self.words if is_unspaced(self.words) else f" {self.words} "

    def render(self) -> str:
        """The term as the topic language writes it."""
        text = f'"{self.words}"' if " " in self.words else self.words
        return f"title:{text}" if self.field is Field.TITLE else text


@dataclass(frozen=True, slots=True, order=True)
class SourceFilter:
    """Only articles from this site (and its subdomains)."""

    domain: str

    def render(self) -> str:
        """The filter as the topic language writes it."""
        return f"source:{self.domain}"


@dataclass(frozen=True, slots=True)
class Not:
    """Articles without this."""

    child: Node

    def render(self) -> str:
        """The exclusion as the topic language writes it."""
        inner = self.child.render()
        return f"-({inner})" if isinstance(self.child, And | Or) else f"-{inner}"


@dataclass(frozen=True, slots=True)
class And:
    """All of these."""

    children: tuple[Node, ...]

    def render(self) -> str:
        """The conjunction as the topic language writes it."""
        return " ".join(
            f"({c.render()})" if isinstance(c, Or) else c.render() for c in self.children
        )


@dataclass(frozen=True, slots=True)
class Or:
    """Any of these."""

    children: tuple[Node, ...]

    def render(self) -> str:
        """The alternatives as the topic language writes them."""
        return " OR ".join(
            f"({c.render()})" if isinstance(c, And) else c.render() for c in self.children
        )


Node = Term | SourceFilter | Not | And | Or


class TopicError(UserFacingError):
    """A topic that can't be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic in normal form: the same subscription however it was typed."""

    root: Node
    text: str
    """The normal form, e.g. ``nato russia`` for "Russia NATO"."""
    typed: str = field(default="", compare=False)
    """As the person typed it (what their lists show them)."""

    def terms(self) -> list[Term]:
        """Every term of the topic."""
        found: list[Term] = []
        _collect(self.root, found)
        return found


def _collect(node: Node, found: list[Term]) -> None:
    if isinstance(node, Term):
        found.append(node)
    elif isinstance(node, Not):
        _collect(node.child, found)
    elif isinstance(node, And | Or):
        for child in node.children:
            _collect(child, found)


# ---- tokenizer -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # WORD PHRASE OR LPAREN RPAREN MINUS FIELD
    value: str
    position: int  # 1-based column


_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}
_SPECIAL = set('()|"“”„«»')


def _lex(query: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(query):
        ch = query[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch == "(":
            out.append(_Token("LPAREN", ch, column))
            i += 1
        elif ch == ")":
            out.append(_Token("RPAREN", ch, column))
            i += 1
        elif ch == "|":
            out.append(_Token("OR", ch, column))
            i += 1
        elif ch in _QUOTES:
            end = query.find(_QUOTES[ch], i + 1)
            if ch == '"' and end == -1:
                end = query.find("”", i + 1)
            if end == -1:
                raise TopicError(f"Unclosed quote at {column}: add the closing {_QUOTES[ch]}.")
            out.append(_Token("PHRASE", query[i + 1 : end], column))
            i = end + 1
        elif ch in "-–" and i + 1 < len(query) and not query[i + 1].isspace():
            out.append(_Token("MINUS", ch, column))
            i += 1
        else:
            start = i
            while i < len(query) and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
                if query[start:i].lower() in ("title:", "source:"):
                    break
            if i == start:
                # A closing quote with no opening one (”, », or a „ phrase's “ alone).
                raise TopicError(f"Unmatched {ch} at {column}: add its opening quote.")
            word = query[start:i]
            if word.lower() in ("title:", "source:"):
                out.append(_Token("FIELD", word[:-1].lower(), column))
            elif word == "OR":
                out.append(_Token("OR", word, column))
            else:
                out.append(_Token("WORD", word, column))
    return out


# ---- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens_: list[_Token], length: int) -> None:
        self.tokens = tokens_
        self.index = 0
        self.length = length
        self.terms = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr(0)
        token = self.peek()
        if token is not None:
            if token.kind == "RPAREN":
                raise TopicError(f"Unmatched ) at {token.position}.")
            raise TopicError(f"Unexpected {token.value!r} at {token.position}.")
        return node

    def or_expr(self, depth: int) -> Node:
        branches = [self.and_expr(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if self.peek() is None or self.peek().kind in ("OR", "RPAREN"):  # type: ignore[union-attr]
                raise TopicError(f"OR at {token.position} needs something after it.")
            branches.append(self.and_expr(depth))
        return branches[0] if len(branches) == 1 else Or(tuple(branches))

    def and_expr(self, depth: int) -> Node:
        parts: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in ("OR", "RPAREN"):
            parts.append(self.unary(depth))
        if not parts:
            token = self.peek()
            where = token.position if token else self.length + 1
            raise TopicError(f"Expected a word or a phrase at {where}.")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, depth: int) -> Node:
        token = self.peek()
        if token is not None and token.kind == "MINUS":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "RPAREN", "MINUS"):
                raise TopicError(f"“-” at {token.position} must be followed by what to exclude.")
            return Not(self.atom(depth))
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "LPAREN":
            if depth + 1 > MAX_DEPTH:
                raise TopicError(
                    f"Too many nested parentheses at {token.position} (at most {MAX_DEPTH} levels)."
                )
            node = self.or_expr(depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != "RPAREN":
                raise TopicError(f"Unclosed ( at {token.position}.")
            self.take()
            return node
        if token.kind == "FIELD":
            target = self.peek()
            if target is None or target.kind not in ("WORD", "PHRASE"):
                raise TopicError(f"{token.value}: at {token.position} needs a word after it.")
            self.take()
            if token.value == "source":
                return self.source(target)
            return self.term(target, Field.TITLE)
        if token.kind in ("WORD", "PHRASE"):
            return self.term(token, Field.ANY)
        raise TopicError(f"Unexpected {token.value!r} at {token.position}.")

    def term(self, token: _Token, field: Field) -> Term:
        words = " ".join(tokens(token.value))
        if not words:
            raise TopicError(
                f"“{token.value[:20]}” at {token.position} has no letters or digits to match."
            )
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise TopicError(
                f"Too many terms (at most {MAX_TERMS}); the {MAX_TERMS + 1}st is at "
                f"{token.position}."
            )
        return Term(words, field)

    def source(self, token: _Token) -> SourceFilter:
        domain = token.value.strip().lower().removeprefix("www.")
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9.-]{0,250}[a-z0-9])?", domain) or "." not in domain:
            raise TopicError(f"source: at {token.position} needs a domain like bbc.co.uk.")
        return SourceFilter(domain)


def parse_topic(query: str) -> Topic:
    """Parse and normalise a topic, or raise TopicError naming the position and the problem."""
    cleaned = _CONTROL.sub(" ", _INVISIBLE.sub("", query)).strip()
    if not cleaned:
        raise TopicError("The topic is empty: type the words to watch for.")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise TopicError(f"The topic is longer than {MAX_QUERY_CHARS} characters.")
    root = _normal(_Parser(_lex(cleaned), len(cleaned)).parse())
    if not _has_positive(root):
        raise TopicError(
            "The topic only excludes things, so it would match almost every article: add at "
            "least one word to look for."
        )
    return Topic(root, root.render(), query)


def as_topic(value: str | Topic) -> Topic:
    """A topic from text as typed, or the one a command's transformer already parsed."""
    return value if isinstance(value, Topic) else parse_topic(value)


def _normal(node: Node) -> Node:
    """Flatten, de-duplicate and sort, so equivalent topics have one form."""
    if isinstance(node, Not):
        return Not(_normal(node.child))
    if isinstance(node, And | Or):
        kind = type(node)
        flat: list[Node] = []
        for child in (_normal(c) for c in node.children):
            if isinstance(child, kind):
                flat.extend(child.children)
            else:
                flat.append(child)
        unique = sorted(set(flat), key=_sort_key)
        return unique[0] if len(unique) == 1 else kind(tuple(unique))
    return node


def _sort_key(node: Node) -> tuple[int, str]:
    order = {Term: 0, SourceFilter: 1, Or: 2, And: 3, Not: 4}
    return (order[type(node)], node.render())


def _has_positive(node: Node) -> bool:
    if isinstance(node, Term | SourceFilter):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    return all(_has_positive(c) for c in node.children)


TOPIC_HINT = 'Words to watch for: nato russia, "exact phrase", ukraine OR crimea, -sports'
"""What a command's topic or query option says about it (the one short help; /help topics
has the long one)."""

HELP = """**Topics** — what `/subscribe` and `/alerts add` understand:
• `nato russia` — every word must appear (in any order)
• `"european union"` — an exact phrase
• `ukraine OR crimea` (or `ukraine | crimea`) — either one
• `nato -sports` — leave out articles with a word or "phrase"
• `(ukraine OR crimea) bridge` — group with parentheses
• `title:nato`, `title:"peace talks"` — only in the headline
• `source:bbc.co.uk` — only from that site (and its subdomains)
Matching ignores case and accents (Sao Paulo = São Paulo), takes Russia's as Russia, and
matches whole words (NATO doesn't match "senator"); in Chinese, Japanese or Thai a term matches
anywhere in the text. Limits: 200 characters, 30 terms, 4 levels of parentheses. Try a topic
first with `/alerts preview` to see what it would have matched this week."""
