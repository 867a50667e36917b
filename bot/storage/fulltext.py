"""The full-text index over articles: SQLite's FTS5 and PostgreSQL's weighted tsvector, the
tags each article is filed under, and each topic turned into either engine's match."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    column,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy import table as table_clause
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.rows import Keys
from bot.storage.schema import (
    articles,
)
from bot.topics import (
    And,
    Field,
    Node,
    Not,
    Or,
    SourceFilter,
    Term,
    Topic,
    fold,
    is_unspaced,
    tokens,
)
from bot.urls import domain_levels, host_of

log = logging.getLogger(__name__)

FEW_SOURCES = 50
"""Full-text queries of a server watching at most this many sources name them in the match
(measured on bench/queries.py's store: 20 sources named cut search from 170-400 ms to 33 ms
p95; 200 named doubled it)."""


class UnsearchableQuery(ValueError):
    """The query can't be run as a full-text search (an exclusion with nothing to exclude from)."""


def search_tags(source_id: int, url: str) -> str:
    """The words the full-text index files an article under besides its text: its source, and
    each level of its domain (so ``source:bbc.co.uk`` is a word to look up)."""
    return " ".join(
        [f"s{source_id}", *(_domain_tag(level) for level in domain_levels(host_of(url)))]
    )


def _domain_tag(domain: str) -> str:
    return "d" + hashlib.blake2b(domain.encode(), digest_size=6).hexdigest()


FTS5_SCHEMA = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, text, search_tags, "
    "content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, lead, text, search_tags) "
    "VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) "
    "VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, text, search_tags "
    "ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, lead, text, search_tags) "
    "VALUES ('delete', old.id, old.title, old.lead, old.text, old.search_tags); "
    "INSERT INTO articles_fts(rowid, title, lead, text, search_tags) "
    "VALUES (new.id, new.title, new.lead, new.text, new.search_tags); END",
)
"""The full-text index over articles: FTS5 with the articles table as its content (no second
copy of the text), kept in step by triggers; accents and case folded by its tokenizer."""


_ARTICLES_FTS = table_clause("articles_fts", column("rowid"))


def _full_text_match(
    dialect: str,
    topic: Topic,
    low: ColumnElement[Any],
    conditions: list[Any],
    keys: Keys,
    *,
    scope: Sequence[int],
) -> tuple[Any, list[Any]]:
    """The articles matching topic through the full-text index (SQLite: FTS5 MATCH joined to
    the keys; PostgreSQL: the tsvector column against the topic's tsquery).

    On SQLite, a server watching few sources has them named in the match too (as their
    ``s<id>`` words): otherwise a common word's matches from every other source are each looked
    up, then dropped. Past FEW_SOURCES, reading that many source words costs more than it
    saves."""
    if dialect != "sqlite":
        return articles, [_pg_match(topic), *conditions]
    source = _ARTICLES_FTS.join(keys.table, keys.id == _ARTICLES_FTS.c.rowid)
    query = _fts5_match(topic.root)
    if len(scope) <= FEW_SOURCES:
        named = " OR ".join(f'"s{int(source_id)}"' for source_id in scope)
        query = f"({query}) AND search_tags : ({named})"
    match = literal_column("articles_fts").op("MATCH")(query)
    return source, [match, _ARTICLES_FTS.c.rowid >= low, *conditions]


def _newest_match(dialect: str) -> Any:
    """Newest first, in the full-text index's own order (rowid = article id): FTS5 then hands
    the matches over newest first and stops at the limit, instead of all of them being sorted.
    (PostgreSQL: by id, which its planner may also walk backwards, checking each row.)"""
    if dialect != "sqlite":
        return articles.c.id.desc()
    return _ARTICLES_FTS.c.rowid.desc()


def _relevance(dialect: str, topic: Topic) -> Any:
    """Higher is better, titles weighing most: FTS5's bm25 (lower is better) negated, or
    PostgreSQL's cover density rank with the same column weights."""
    if dialect != "sqlite":
        return func.ts_rank_cd(
            literal_column(f"'{PG_RANK_WEIGHTS}'::float4[]"),
            _PG_SEARCH_VECTOR,
            _pg_query(topic),
            PG_RANK_NORMALIZATION,
        )
    return -func.bm25(literal_column("articles_fts"), 5.0, 2.0, 1.0, 0.0)


def _snippet_query(dialect: str, topic: Topic, ids: Sequence[int]) -> Any:
    """(article id, passage...) of these articles: the best passage with the matched words
    between \x02 and \x03, about 24 words, "…" where text was left out. SQLite: FTS5's snippet.
    PostgreSQL: ts_headline of each column (title, lead, text), each with the column's first
    and last characters (to tell whether the passage starts or ends the column)."""
    if dialect == "sqlite":
        return text(
            "SELECT rowid, snippet(articles_fts, -1, char(2), char(3), '…', 24) "
            "FROM articles_fts WHERE articles_fts MATCH :match AND rowid IN "
            f"({', '.join(str(int(i)) for i in ids)})"
        ).bindparams(match=_fts5_match(topic.root))
    words = func.to_tsquery(_PG_CONFIG, _pg_words_query(topic.root))
    return select(
        articles.c.id,
        *(
            part
            for column in (articles.c.title, articles.c.lead, articles.c.text)
            for part in (
                func.ts_headline(_PG_CONFIG, column, words, PG_HEADLINE_OPTIONS),
                func.left(column, _EDGE_CHARS),
                func.right(column, _EDGE_CHARS),
            )
        ),
    ).where(articles.c.id.in_(list(ids)))


_EDGE_CHARS = 400


_HIGHLIGHTED = re.compile("\x02([^\x03]*)\x03")


_WORD = re.compile(r"\w")


def _best_snippet(parts: Sequence[Any]) -> str:
    """SQLite's one passage as it is. Of PostgreSQL's (passage, start, end) per column, the one
    FTS5 would pick: most different words highlighted, then most highlights, then the earlier
    column; with "…" where the column goes on."""
    if len(parts) == 1:
        return str(parts[0])
    columns = [tuple(str(p or "") for p in parts[i : i + 3]) for i in range(0, len(parts), 3)]

    def score(column: tuple[str, ...]) -> int:
        found = [fold(word) for word in _HIGHLIGHTED.findall(column[0])]
        return 1000 * len(set(found)) + len(found)

    passage, start, end = max(columns, key=score)  # max keeps the first of equals
    shown = passage.strip()
    plain = shown.replace("\x02", "").replace("\x03", "")
    if not plain:
        return shown
    # ts_headline copies the column's characters from its first word to its last, so the
    # column goes on before (after) the passage if words come before (after) it there; else
    # what comes there is punctuation (a quotation mark, a full stop), which is shown.
    head, tail = plain[: _EDGE_CHARS // 2], plain[-_EDGE_CHARS // 2 :]
    at = start.find(head)
    before = start[:at] if at >= 0 else "…"
    shown = ("…" if _WORD.search(before) else before.lstrip()) + shown
    at = end.rfind(tail)
    after = end[at + len(tail) :] if at >= 0 else "…"
    return shown + ("…" if _WORD.search(after) else after.rstrip())


_TEXT_COLUMNS = "{title lead text}"


_TAG_SHAPED = re.compile(r"s\d+|d[0-9a-f]{12}")
"""The words ``search_tags`` holds (``s<source id>``, ``d<domain hash>``)."""


def _fts5_match(node: Node, *, name_columns: bool = False) -> str:
    """A topic as an FTS5 query. Every word is written as a quoted phrase of word characters
    (nothing a user types can become FTS5 syntax); exclusions become NOT, which FTS5 only has
    between two operands. ``name_columns``: name the text columns of every word (the plain
    form, for reference), not only of the words that could also be tags."""
    if isinstance(node, Term):
        found = tokens(node.words)
        words = " ".join(found) or "_"
        phrase = f'"{words}"' + (" *" if is_unspaced(words) else "")
        if node.field is Field.TITLE:
            return f"title : {phrase}"
        # Only a word shaped like a tag can be in search_tags; for the others, naming the text
        # columns would make FTS5 read every match's positions to check the column.
        if name_columns or any(_TAG_SHAPED.fullmatch(word) for word in found):
            return f"{_TEXT_COLUMNS} : {phrase}"
        return phrase
    if isinstance(node, SourceFilter):
        return f'search_tags : "{_domain_tag(node.domain)}"'
    if isinstance(node, Or):
        if any(isinstance(child, Not) for child in node.children):
            raise UnsearchableQuery("an OR group can't have a -exclusion on its own")
        parts = (_fts5_match(child, name_columns=name_columns) for child in node.children)
        return "(" + " OR ".join(parts) + ")"
    if isinstance(node, And):
        wanted = [c for c in node.children if not isinstance(c, Not)]
        unwanted = [c.child for c in node.children if isinstance(c, Not)]
        if not wanted:
            raise UnsearchableQuery("a group needs a word that must appear, not only -exclusions")
        query = "(" + " AND ".join(_fts5_match(c, name_columns=name_columns) for c in wanted) + ")"
        return query + "".join(
            f" NOT {_fts5_match(c, name_columns=name_columns)}" for c in unwanted
        )
    raise UnsearchableQuery("a query needs a word that must appear, not only -exclusions")


PG_CONFIG_NAME = "newsbot_search"


_PG_CONFIG: ColumnElement[Any] = literal_column(f"'{PG_CONFIG_NAME}'::regconfig")


_PG_SEARCH_VECTOR: ColumnElement[Any] = literal_column("articles.search_vector")


PG_RANK_WEIGHTS = "{0, 0.2, 0.4, 1.0}"
"""ts_rank_cd's weights for D, C, B, A: tags 0, text 1, lead 2, title 5 (FTS5's bm25 weights)."""


PG_RANK_NORMALIZATION = 1
"""The rank divided by 1 + log(the article's length in words): like bm25, a match in a short
article counts for more than one in a long article."""


PG_HEADLINE_OPTIONS = (
    'StartSel="\x02", StopSel="\x03", MaxWords=24, MinWords=12, MaxFragments=1, '
    'FragmentDelimiter="…"'
)


_PG_PUNCTUATION = "[[:punct:]‘’‚‛“”„‟–—…«»]"


def _pg_words(column_name: str, weight: str) -> str:
    """One column's words for the generated column, with their weight."""
    return (
        f"setweight(to_tsvector('{PG_CONFIG_NAME}'::regconfig, "
        f"regexp_replace({column_name}, '{_PG_PUNCTUATION}', ' ', 'g')), '{weight}')"
    )


_PG_COLUMN_GAP = "'''¶'':1'::tsvector"


POSTGRES_FULL_TEXT_SCHEMA = (
    # A trusted extension: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG_NAME} (COPY = pg_catalog.simple)",
    f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG_NAME} "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    # Between two columns, a position no query can match (no query word is "¶"), so that a
    # phrase never runs from one column into the next, as in FTS5.
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    + f" || {_PG_COLUMN_GAP} || ".join(
        [
            _pg_words("title", "A"),
            _pg_words("lead", "B"),
            _pg_words("text", "C"),
            "setweight(to_tsvector('simple'::regconfig, search_tags), 'D')",
        ]
    )
    + ") STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)
"""The full-text index on PostgreSQL (made by migration 0006)."""


POSTGRES_FULL_TEXT_DROP = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG_NAME}",
)


def _pg_query(topic: Topic, *, name_columns: bool = False) -> Any:
    """The topic as a tsquery (an expression; the query text is a bound parameter)."""
    return func.to_tsquery(_PG_CONFIG, _pg_tsquery(topic.root, name_columns=name_columns) or "")


def _pg_match(topic: Topic, *, name_columns: bool = False) -> Any:
    if _pg_tsquery(topic.root) is None:
        return false()
    return _PG_SEARCH_VECTOR.op("@@")(_pg_query(topic, name_columns=name_columns))


_PG_ANY_TEXT = "ABC"


def _pg_lexemes(words: str, weights: str) -> str | None:
    """A phrase as tsquery text: each word a quoted lexeme (escaped, though a word of word
    characters holds no quote), joined by <-> (followed by); in scripts without spaces the last
    word is a prefix, as in FTS5. None when no word is one the index holds (only underscores)."""
    found = [w for w in tokens(words) if w.strip("_")]
    if not found:
        return None
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in found]
    marks = [f":{weights}" if weights else ""] * len(quoted)
    if is_unspaced(words):
        marks[-1] = f":*{weights}"
    return "(" + " <-> ".join(q + m for q, m in zip(quoted, marks, strict=True)) + ")"


def _pg_tsquery(node: Node, *, name_columns: bool = False) -> str | None:
    """A topic as tsquery text for to_tsquery, built from the same parsed terms as the FTS5
    query: nothing typed becomes tsquery syntax (every word is a quoted lexeme). Title terms
    are restricted to the title's weight, a source to the tags'; other terms to the text
    columns' only when one of their words could be a tag (``name_columns``: always, the plain
    form, for reference): the GIN index holds no weights, so a weighted lexeme has each match's
    whole tsvector read again to check it. None: the query can't match anything (a term with
    no indexable word)."""
    if isinstance(node, Term):
        if node.field is Field.TITLE:
            weights = "A"
        elif name_columns or any(_TAG_SHAPED.fullmatch(w) for w in tokens(node.words)):
            weights = _PG_ANY_TEXT
        else:
            weights = ""
        return _pg_lexemes(node.words, weights)
    if isinstance(node, SourceFilter):
        return f"'{_domain_tag(node.domain)}':D"
    if isinstance(node, Or):
        if any(isinstance(child, Not) for child in node.children):
            raise UnsearchableQuery("an OR group can't have a -exclusion on its own")
        found = [
            q
            for q in (_pg_tsquery(child, name_columns=name_columns) for child in node.children)
            if q is not None
        ]
        return "(" + " | ".join(found) + ")" if found else None
    if isinstance(node, And):
        wanted = [
            _pg_tsquery(c, name_columns=name_columns)
            for c in node.children
            if not isinstance(c, Not)
        ]
        unwanted = [
            _pg_tsquery(c.child, name_columns=name_columns)
            for c in node.children
            if isinstance(c, Not)
        ]
        if not wanted:
            raise UnsearchableQuery("a group needs a word that must appear, not only -exclusions")
        if any(q is None for q in wanted):
            return None
        parts = [str(q) for q in wanted] + [f"!{q}" for q in unwanted if q is not None]
        return "(" + " & ".join(parts) + ")"
    raise UnsearchableQuery("a query needs a word that must appear, not only -exclusions")


def _pg_words_query(node: Node) -> str:
    """Every wanted word or phrase of the topic, any of them, in any column: what a passage
    highlights."""
    phrases: list[str] = []

    def walk(part: Node) -> None:
        if isinstance(part, Term):
            found = _pg_lexemes(part.words, "")
            if found is not None:
                phrases.append(found)
        elif isinstance(part, And | Or):
            for child in part.children:
                walk(child)

    walk(node)
    return " | ".join(dict.fromkeys(phrases))
