"""Matching articles against every topic at once (pure core; no discord imports).

All terms of all topics go into one Aho-Corasick automaton (pyahocorasick), which finds every
term in an article's title, lead and text in one pass. Each topic is compiled to a small
disjunction of clauses (required terms, excluded terms, source filters); a clause is indexed
under its rarest required term, so only clauses whose anchor occurred are checked. Topics whose
clause form would be too large are evaluated from their tree, for the articles that contain one
of their terms.

A Matcher is immutable: changing topics builds a new one (reusing every compiled topic), which
the caller swaps in; matching never waits for a rebuild.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick

from bot.topics import And, Field, Node, Not, Or, SourceFilter, Term, Topic, searchable

MAX_CLAUSES = 64


@dataclass(frozen=True, slots=True)
class Clause:
    required: frozenset[Term]
    excluded: frozenset[Term] = frozenset()
    sources: frozenset[str] = frozenset()
    not_sources: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MatchInput:
    title: str
    lead: str
    text: str
    source_domain: str


class Match(NamedTuple):
    """A topic form that matched, and what made it match (explained on demand)."""

    topic_ids: tuple[int, ...]
    """Every topic with this normal form (people share popular topics)."""
    topic: str
    """The topic's normal form."""
    matched: tuple[Term, ...]
    sources: tuple[str, ...]
    places: Mapping[Term, str]

    @property
    def terms(self) -> tuple[tuple[str, str], ...]:
        """(term in normal form, where it was found: title, lead, text or source)."""
        found = tuple(sorted((t.render(), self.places[t]) for t in self.matched))
        return found + tuple((f"source:{d}", "source") for d in self.sources)

    def explain(self) -> str:
        """'nato, russia in title; crimea in text'."""
        groups: dict[str, list[str]] = {}
        for term, place in self.terms:
            groups.setdefault(place, []).append(term)
        order = ("title", "lead", "text", "source")
        return "; ".join(f"{', '.join(groups[p])} in {p}" for p in order if p in groups)


class _Dnf(Exception):
    """The topic's clause form would be too large: evaluate its tree instead."""


def to_clauses(node: Node) -> list[Clause]:
    """The topic as OR-of-AND clauses, or raise _Dnf when that form is unsuitable."""
    if isinstance(node, Term):
        return [Clause(frozenset({node}))]
    if isinstance(node, SourceFilter):
        return [Clause(frozenset(), sources=frozenset({node.domain}))]
    if isinstance(node, Or):
        out = [c for child in node.children for c in to_clauses(child)]
        if len(out) > MAX_CLAUSES:
            raise _Dnf
        return out
    if isinstance(node, And):
        product = [Clause(frozenset())]
        for child in node.children:
            product = [_merge(a, b) for a in product for b in to_clauses(child)]
            if len(product) > MAX_CLAUSES:
                raise _Dnf
        return product
    # Not: -word, -"phrase", -source:x, -(a OR b); -(a b) has no clause form.
    child = node.child
    if isinstance(child, Term):
        return [Clause(frozenset(), excluded=frozenset({child}))]
    if isinstance(child, SourceFilter):
        return [Clause(frozenset(), not_sources=frozenset({child.domain}))]
    if isinstance(child, Or):
        return to_clauses(And(tuple(Not(c) for c in child.children)))
    if isinstance(child, Not):
        return to_clauses(child.child)
    raise _Dnf


def _merge(a: Clause, b: Clause) -> Clause:
    return Clause(
        a.required | b.required,
        a.excluded | b.excluded,
        a.sources | b.sources,
        a.not_sources | b.not_sources,
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    topic: Topic
    clauses: tuple[Clause, ...] | None
    """None: evaluate the tree."""


def compile_topic(topic: Topic) -> _Compiled:
    try:
        clauses = tuple(c for c in to_clauses(topic.root) if c.required or c.sources)
    except _Dnf:
        return _Compiled(topic, None)
    return _Compiled(topic, clauses)


_Fixed = tuple[str, tuple[Term, ...], tuple[str, ...]]
_Checked = tuple[tuple[int, ...], tuple[int, ...], frozenset[str], frozenset[str], _Fixed, bool]
"""A clause as the hot loop checks it: required and excluded term numbers, source filters, the
fixed part of its Match (form, terms, sources), and whether its anchor alone decides it."""

FULL_REBUILD_AFTER = 5000
"""Changes of more topics than this rebuild the matcher instead of patching it."""


class Matcher:
    def __init__(
        self, topics: Mapping[int, Topic], *, cache: dict[str, _Compiled] | None = None
    ) -> None:
        self.cache: dict[str, _Compiled] = cache if cache is not None else {}
        self.topics: dict[int, Topic] = {}
        self._owners: dict[str, tuple[int, ...]] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._number: dict[Term, int] = {}
        self._terms: list[Term] = []
        self._frequency: list[int] = []
        self._by_anchor: dict[int, list[tuple[str, _Checked]]] = {}
        self._by_source: dict[str, list[tuple[str, _Checked]]] = {}
        self._tree_forms: dict[int, list[str]] = {}
        self._placed: dict[str, list[tuple[str, Any]]] = {}
        self._patterns: dict[str, list[tuple[int, bool]]] = {}
        self._automaton = ahocorasick.Automaton()
        # Count every term first, so each clause is anchored on its rarest term.
        forms = {topic.text: topic for topic in topics.values()}
        for form, topic in forms.items():
            item = self._compile(form, topic)
            for term in item.topic.terms():
                self._frequency[self._numbered(term)] += 1
        for topic_id, topic in topics.items():
            self._add(topic_id, topic, count=False)
        self._make_automaton()

    def changed(self, topics: Mapping[int, Topic]) -> Matcher:
        """This matcher patched to a new set of topics (reusing everything compiled before).
        The caller swaps it in; matching is synchronous, so it never sees a half change."""
        gone = [i for i, t in self.topics.items() if i not in topics or topics[i].text != t.text]
        new = [
            i for i, t in topics.items() if i not in self.topics or self.topics[i].text != t.text
        ]
        if len(gone) + len(new) > FULL_REBUILD_AFTER:
            return Matcher(topics, cache=self.cache)
        patterns = len(self._patterns)
        for topic_id in gone:
            self._remove(topic_id)
        for topic_id in new:
            self._add(topic_id, topics[topic_id], count=True)
        if len(self._patterns) != patterns:
            self._make_automaton()
        return self

    def _compile(self, form: str, topic: Topic) -> _Compiled:
        item = self.cache.get(form)
        if item is None:
            item = self.cache[form] = compile_topic(topic)
        return item

    def _numbered(self, term: Term) -> int:
        number = self._number.get(term)
        if number is None:
            number = self._number[term] = len(self._terms)
            self._terms.append(term)
            self._frequency.append(0)
            self._patterns.setdefault(term.pattern, []).append((number, term.field is Field.TITLE))
        return number

    def _add(self, topic_id: int, topic: Topic, *, count: bool) -> None:
        form = topic.text
        self.topics[topic_id] = topic
        owners = self._owners.get(form)
        if owners is not None:
            self._owners[form] = (*owners, topic_id)
            return
        self._owners[form] = (topic_id,)
        item = self._compiled[form] = self._compile(form, topic)
        if count:
            for term in item.topic.terms():
                self._frequency[self._numbered(term)] += 1
        placed = self._placed[form] = []
        number = self._numbered
        if item.clauses is None:
            for term in set(item.topic.terms()):
                self._tree_forms.setdefault(number(term), []).append(form)
                placed.append(("tree", number(term)))
            return
        for clause in item.clauses:
            checked: _Checked = (
                tuple(number(t) for t in clause.required),
                tuple(number(t) for t in clause.excluded),
                clause.sources,
                clause.not_sources,
                (form, tuple(clause.required), tuple(sorted(clause.sources))),
                len(clause.required) == 1
                and not (clause.excluded or clause.sources or clause.not_sources),
            )
            if clause.required:
                anchor = min(checked[0], key=lambda n: (self._frequency[n], n))
                self._by_anchor.setdefault(anchor, []).append((form, checked))
                placed.append(("anchor", anchor))
            else:
                for domain in clause.sources:
                    self._by_source.setdefault(domain, []).append((form, checked))
                    placed.append(("source", domain))

    def _remove(self, topic_id: int) -> None:
        topic = self.topics.pop(topic_id)
        form = topic.text
        owners = tuple(i for i in self._owners[form] if i != topic_id)
        if owners:
            self._owners[form] = owners
            return
        del self._owners[form]
        item = self._compiled.pop(form)
        for term in item.topic.terms():
            self._frequency[self._number[term]] -= 1
        for kind, key in self._placed.pop(form):
            table: dict[Any, list[Any]] = (
                self._by_anchor
                if kind == "anchor"
                else self._by_source
                if kind == "source"
                else self._tree_forms
            )
            entries = table.get(key, [])
            table[key] = [e for e in entries if (e[0] if isinstance(e, tuple) else e) != form]

    def _make_automaton(self) -> None:
        automaton = ahocorasick.Automaton()
        for pattern, numbers in self._patterns.items():
            automaton.add_word(pattern, tuple(numbers))
        if self._patterns:
            automaton.make_automaton()
        self._automaton = automaton
        self._empty = not self._patterns

    def match(self, article: MatchInput) -> list[Match]:
        found = self._find(article)
        domain = article.source_domain.lower().removeprefix("www.")
        hits: dict[str, _Fixed] = {}
        by_anchor = self._by_anchor
        for term in found:
            for form, checked in by_anchor.get(term, ()):
                # Most clauses are their anchor alone: found already says yes.
                if form not in hits and (checked[5] or _satisfied(checked, found, domain)):
                    hits[form] = checked[4]
        for level in _domain_and_parents(domain):
            for form, checked in self._by_source.get(level, ()):
                if form not in hits and _satisfied(checked, found, domain):
                    hits[form] = checked[4]
        places = {self._terms[n]: place for n, place in found.items()}
        for term in found:
            for form in self._tree_forms.get(term, ()):
                topic = self._compiled[form].topic
                if form not in hits and _evaluate(topic.root, places, domain):
                    matched = tuple(t for t in topic.terms() if t in places)
                    hits[form] = (form, matched, ())
        owners = self._owners
        make = tuple.__new__  # a NamedTuple built at C speed (hundreds per article)
        return [
            make(Match, (owners[form], form, terms, sources, places))
            for form, terms, sources in hits.values()
        ]

    def _find(self, article: MatchInput) -> dict[int, str]:
        """Every term present (by number), with the first place it was found."""
        if self._empty:
            return {}
        title = searchable(article.title)
        lead = searchable(article.lead)
        document = f"{title}|{lead}|{searchable(article.text)}"
        title_end = len(title)
        lead_end = title_end + 1 + len(lead)
        found: dict[int, str] = {}
        for end, numbers in self._automaton.iter(document):
            if end < title_end:
                for n, _ in numbers:
                    found[n] = "title"
                continue
            place = "lead" if end < lead_end else "text"
            for n, title_only in numbers:
                if not title_only and n not in found:
                    found[n] = place
        return found


def _domain_and_parents(domain: str) -> list[str]:
    """news.bbc.co.uk -> news.bbc.co.uk, bbc.co.uk, co.uk (a source filter names any level)."""
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


def _source_ok(sources: frozenset[str], not_sources: frozenset[str], domain: str) -> bool:
    levels = set(_domain_and_parents(domain))
    if sources and not sources <= levels:
        return False
    return not (not_sources & levels)


def _satisfied(checked: _Checked, found: Mapping[int, str], domain: str) -> bool:
    required, excluded, sources, not_sources, _, _ = checked
    for n in required:
        if n not in found:
            return False
    for n in excluded:
        if n in found:
            return False
    return not (sources or not_sources) or _source_ok(sources, not_sources, domain)


def _evaluate(node: Node, found: Mapping[Term, str], domain: str) -> bool:
    if isinstance(node, Term):
        return node in found
    if isinstance(node, SourceFilter):
        return node.domain in _domain_and_parents(domain)
    if isinstance(node, Not):
        return not _evaluate(node.child, found, domain)
    if isinstance(node, And):
        return all(_evaluate(c, found, domain) for c in node.children)
    return any(_evaluate(c, found, domain) for c in node.children)
