"""Matching articles against every topic at once (pure core; no discord imports).

All terms of all topics go into one Aho-Corasick automaton (pyahocorasick), which finds every
term in an article's title, lead and text in one pass. Each topic is compiled to a small
disjunction of clauses (``bot/clauses.py``: required terms, excluded terms, source filters); a
clause is indexed under its rarest required term, so only clauses whose anchor occurred are
checked. Topics whose clause form would be too large are evaluated from their tree, for the
articles that contain one of their terms.

Changing topics patches the matcher in place (``patch``, or ``changed`` with the whole new set):
only the changed topics are compiled and indexed. The automaton is rebuilt only now and then:
terms new since its last build go into a second, small automaton that is rebuilt with each
change, and the two are merged into one when the small one holds more than EXTRA_PATTERNS
terms (or a quarter of the big one's). Matching is synchronous, so it never sees half a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import ahocorasick

from bot.clauses import Compiled, compile_topic, evaluate
from bot.topics import (
    Field,
    Term,
    Topic,
    parse_topic,
    searchable,
)
from bot.urls import domain_levels


@dataclass(frozen=True, slots=True)
class MatchInput:
    """What of an article topics are matched against: title, text, and its source's site."""

    title: str
    lead: str
    text: str
    source_domain: str


class Match(NamedTuple):
    """A topic form that matched through one of its clauses. Built once, when the topic is
    added, and shared by every article it matches; where its terms were found is in Found."""

    topic_ids: tuple[int, ...]
    """Every topic with this normal form (people share popular topics)."""
    topic: str
    """The topic's normal form."""
    matched: tuple[Term, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Found:
    """The topics one article matched, and where each term was found in it."""

    matches: list[Match]
    found: Mapping[int, str]
    """Where each term was found, by term number."""
    numbers: Mapping[Term, int]

    def __iter__(self) -> Iterator[Match]:
        """The matches, topic by topic."""
        return iter(self.matches)

    def __len__(self) -> int:
        """How many topics matched."""
        return len(self.matches)

    def terms(self, match: Match) -> tuple[tuple[str, str], ...]:
        """(term in normal form, where it was found: title, lead, text or source)."""
        found = tuple(sorted((t.render(), self.found[self.numbers[t]]) for t in match.matched))
        return found + tuple((f"source:{d}", "source") for d in match.sources)

    def words(self, match: Match) -> tuple[str, ...]:
        """The matched terms' words in folded form ("european union"), source filters left
        out: what an alert's key quotes are chosen by."""
        return tuple(sorted({t.words for t in match.matched}))

    def explain(self, match: Match) -> str:
        """'nato, russia in title; crimea in text'."""
        groups: dict[str, list[str]] = {}
        for term, place in self.terms(match):
            groups.setdefault(place, []).append(term)
        order = ("title", "lead", "text", "source")
        return "; ".join(f"{', '.join(groups[p])} in {p}" for p in order if p in groups)


class _Check(NamedTuple):
    """A clause as the hot loop checks it (term numbers; empty sets when there is no filter)."""

    form: str
    required: frozenset[int]
    excluded: frozenset[int]
    sources: frozenset[str]
    not_sources: frozenset[str]
    match: Match


@dataclass(slots=True)
class _Entry:
    """The clauses one term anchors (a clause is anchored on its rarest required term)."""

    singles: dict[str, Match] = field(default_factory=dict)
    """Clauses that are this term and nothing else, by form: finding the term decides them."""
    guarded: dict[str, Match] = field(default_factory=dict)
    """Clauses "term -other -...", by form (one per form; a form's second such clause on the
    same term is a check)."""
    vetoes: dict[int, list[str]] = field(default_factory=dict)
    """For each excluded term, the forms whose guarded clause it vetoes."""
    checks: list[_Check] = field(default_factory=list)
    """Other clauses (several terms, or source filters), checked in full."""
    trees: list[str] = field(default_factory=list)
    """Forms evaluated from their tree that mention this term."""

    @property
    def empty(self) -> bool:
        return not (self.singles or self.guarded or self.checks or self.trees)


FULL_REBUILD_AFTER = 5000
"""Changes of more topics than this rebuild the matcher instead of patching it."""
EXTRA_PATTERNS = 2000
"""Terms added since the automaton was built are looked for by a second automaton, rebuilt with
each change, until there are more than this many (or a quarter of the first's): then the two are
merged, one full build."""


class Matcher:
    """Every topic of every server, indexed for one pass over an article."""

    def __init__(
        self, topics: Mapping[int, Topic], *, cache: dict[str, Compiled] | None = None
    ) -> None:
        """Index the topics given."""
        self.cache: dict[str, Compiled] = cache if cache is not None else {}
        self.topics: dict[int, Topic] = dict(topics)
        self._compiled: dict[str, Compiled] = {}
        self._number: dict[Term, int] = {}
        self._terms: list[Term] = []
        self._frequency: list[int] = []
        self._index: dict[int, _Entry] = {}
        """What each term anchors (only terms that anchor something)."""
        self._by_source: dict[str, list[_Check]] = {}
        self._placed: dict[str, list[tuple[str, Any]]] = {}
        self._patterns: dict[str, list[tuple[int, bool]]] = {}
        """What the automaton looks for, with the terms each stands for (and if title-only)."""
        self._pattern_index: dict[str, int] = {}
        self._pattern_list: list[str] = []
        self._by_pattern: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        """For each pattern (by its number in the automata): the terms it stands for anywhere,
        and all its terms (title-only ones too)."""
        self._automaton = ahocorasick.Automaton()
        self._built = 0
        """Patterns [0, _built) are in ``_automaton``; the rest in ``_extra``."""
        self._extra: Any = None
        owners: dict[str, list[int]] = {}
        for topic_id, topic in topics.items():
            owners.setdefault(topic.text, []).append(topic_id)
        self._owners: dict[str, tuple[int, ...]] = {f: tuple(ids) for f, ids in owners.items()}
        # Count every term first, so each clause is anchored on its rarest term.
        for topic in {topic.text: topic for topic in topics.values()}.values():
            self._count(self._compiled_form(topic), +1)
        for form in self._owners:
            self._place(form)
        self._make_automaton()

    def changed(self, topics: Mapping[int, Topic]) -> Matcher:
        """This matcher patched to a new set of topics (reusing everything compiled before),
        or a new one when most of them changed. The caller swaps it in."""
        gone = [i for i, t in self.topics.items() if i not in topics or topics[i].text != t.text]
        new = {
            i: t for i, t in topics.items() if i not in self.topics or self.topics[i].text != t.text
        }
        if len(gone) + len(new) > FULL_REBUILD_AFTER:
            return Matcher(topics, cache=self.cache)
        return self.patch(gone, new)

    def patch(self, removed: Iterable[int], added: Mapping[int, Topic]) -> Matcher:
        """Topics ``removed`` go, ``added`` come (a topic already here with another text is
        replaced; with the same text, nothing happens). Costs what the changed topics cost,
        not what all of them do. Returns this matcher."""
        patterns = len(self._patterns)
        for topic_id in removed:
            if topic_id in self.topics and topic_id not in added:
                self._remove(topic_id)
        for topic_id, topic in added.items():
            current = self.topics.get(topic_id)
            if current is not None and current.text == topic.text:
                continue
            if current is not None:
                self._remove(topic_id)
            self._add(topic_id, topic)
        if len(self._patterns) != patterns:
            extra = len(self._patterns) - self._built
            if extra > max(EXTRA_PATTERNS, self._built // 4):
                self._make_automaton()
            else:
                self._make_extra()
        return self

    def parsed(self, form: str) -> Topic:
        """The topic of a normal form, parsed once (reused from what is compiled here)."""
        item = self.cache.get(form)
        return item.topic if item is not None else parse_topic(form)

    def _compiled_form(self, topic: Topic) -> Compiled:
        form = topic.text
        item = self.cache.get(form)
        if item is None:
            item = self.cache[form] = compile_topic(topic)
        self._compiled[form] = item
        return item

    def _count(self, item: Compiled, step: int) -> None:
        for term in item.topic.terms():
            self._frequency[self._numbered(term)] += step

    def _numbered(self, term: Term) -> int:
        number = self._number.get(term)
        if number is None:
            number = self._number[term] = len(self._terms)
            self._terms.append(term)
            self._frequency.append(0)
            pattern = term.pattern
            index = self._pattern_index.get(pattern)
            if index is None:
                index = self._pattern_index[pattern] = len(self._by_pattern)
                self._by_pattern.append(((), ()))
                self._pattern_list.append(pattern)
            numbers = self._patterns.setdefault(pattern, [])
            numbers.append((number, term.field is Field.TITLE))
            self._by_pattern[index] = (
                tuple(n for n, title_only in numbers if not title_only),
                tuple(n for n, _ in numbers),
            )
        return number

    def _add(self, topic_id: int, topic: Topic) -> None:
        form = topic.text
        self.topics[topic_id] = topic
        owners = self._owners.get(form)
        if owners is None:
            self._owners[form] = (topic_id,)
            self._count(self._compiled_form(topic), +1)
        else:
            self._owners[form] = (*owners, topic_id)
            self._unplace(form)
        self._place(form)

    def _remove(self, topic_id: int) -> None:
        form = self.topics.pop(topic_id).text
        owners = tuple(i for i in self._owners[form] if i != topic_id)
        self._unplace(form)
        if owners:
            self._owners[form] = owners
            self._place(form)
            return
        del self._owners[form]
        self._count(self._compiled.pop(form), -1)

    def _entry(self, term: int) -> _Entry:
        entry = self._index.get(term)
        if entry is None:
            entry = self._index[term] = _Entry()
        return entry

    def _place(self, form: str) -> None:
        """Index the form's clauses, each with its Match (which names the form's owners)."""
        item = self._compiled[form]
        owners = self._owners[form]
        placed = self._placed[form] = []
        number = self._numbered
        if item.clauses is None:
            for n in {number(term) for term in item.topic.terms()}:
                self._entry(n).trees.append(form)
                placed.append(("tree", n))
            return
        for clause in item.clauses:
            match = Match(
                owners, form, tuple(sorted(clause.required)), tuple(sorted(clause.sources))
            )
            check = _Check(
                form,
                frozenset(number(t) for t in clause.required),
                frozenset(number(t) for t in clause.excluded),
                clause.sources,
                clause.not_sources,
                match,
            )
            if not clause.required:
                for domain in clause.sources:
                    self._by_source.setdefault(domain, []).append(check)
                    placed.append(("source", domain))
                continue
            anchor = min(check.required, key=lambda n: (self._frequency[n], n))
            entry = self._entry(anchor)
            if len(check.required) == 1 and not (check.sources or check.not_sources):
                if not check.excluded:
                    entry.singles.setdefault(form, match)
                    placed.append(("single", anchor))
                    continue
                if form not in entry.guarded:
                    entry.guarded[form] = match
                    placed.append(("guarded", anchor))
                    for vetoing in check.excluded:
                        entry.vetoes.setdefault(vetoing, []).append(form)
                    continue
            entry.checks.append(check)
            placed.append(("check", anchor))

    def _unplace(self, form: str) -> None:
        for kind, key in self._placed.pop(form, ()):
            if kind == "source":
                self._by_source[key] = [c for c in self._by_source[key] if c.form != form]
                continue
            entry = self._index[key]
            if kind == "single":
                entry.singles.pop(form, None)
            elif kind == "guarded":
                entry.guarded.pop(form, None)
                for vetoing, forms in list(entry.vetoes.items()):
                    if form in forms:
                        entry.vetoes[vetoing] = [f for f in forms if f != form]
            elif kind == "tree":
                entry.trees = [f for f in entry.trees if f != form]
            else:
                entry.checks = [c for c in entry.checks if c.form != form]
            if entry.empty:
                del self._index[key]

    def _make_automaton(self) -> None:
        """One automaton of every pattern (a full build)."""
        self._automaton = _automaton_of(self._pattern_list)
        self._built = len(self._pattern_list)
        self._extra = None

    def _make_extra(self) -> None:
        """The small automaton of the patterns added since the full build."""
        added = self._pattern_list[self._built :]
        self._extra = _automaton_of(added, first=self._built) if added else None

    def match(self, article: MatchInput) -> Found:
        """The topics an article matches, and why."""
        found = self._find(article)
        levels = frozenset(domain_levels(article.source_domain))
        present = found.keys()
        entries = [e for e in map(self._index.get, found) if e is not None]
        hits: dict[str, Match] = {}
        for entry in entries:
            hits.update(entry.singles)
        checks = [self._by_source.get(level, ()) for level in levels]
        trees = []
        for entry in entries:
            if entry.guarded:
                # "word -other": every such clause of the word, less those an exclusion vetoes.
                guarded = entry.guarded
                vetoed = entry.vetoes.keys() & present
                if vetoed:
                    guarded = dict(guarded)
                    for term in vetoed:
                        for form in entry.vetoes[term]:
                            guarded.pop(form, None)
                hits.update(guarded)
            if entry.checks:
                checks.append(entry.checks)
            if entry.trees:
                trees += entry.trees
        for group in checks:
            for form, required, excluded, sources, not_sources, match in group:
                if (
                    form not in hits
                    and present >= required
                    and present.isdisjoint(excluded)
                    and sources <= levels
                    and levels.isdisjoint(not_sources)
                ):
                    hits[form] = match
        if trees:
            places = {self._terms[n]: place for n, place in found.items()}
            for form in trees:
                topic = self._compiled[form].topic
                if form not in hits and evaluate(topic.root, places, levels):
                    matched = tuple(t for t in topic.terms() if t in places)
                    hits[form] = Match(self._owners[form], form, matched, ())
        return Found(list(hits.values()), found, self._number)

    def _find(self, article: MatchInput) -> dict[int, str]:
        """Every term present (by number), with the first place it was found."""
        found: dict[int, str] = {}
        if not self._by_pattern:
            return found
        scans = [a.iter for a in (self._automaton, self._extra) if a is not None and len(a)]
        by_pattern = self._by_pattern
        # Later places first, so an earlier place overwrites: the title wins over the text.
        for place, text in (("text", article.text), ("lead", article.lead)):
            words = searchable(text)
            for scan in scans:
                for index in set(map(_SECOND, scan(words))):
                    for n in by_pattern[index][0]:
                        found[n] = place
        title = searchable(article.title)
        for scan in scans:
            for index in set(map(_SECOND, scan(title))):
                for n in by_pattern[index][1]:
                    found[n] = "title"
        return found


_SECOND = itemgetter(1)


def _automaton_of(patterns: Iterable[str], *, first: int = 0) -> Any:
    """An Aho-Corasick automaton finding these patterns, each reported by its number (the
    first is ``first``)."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for index, pattern in enumerate(patterns, first):
        automaton.add_word(pattern, index)
    if len(automaton):
        automaton.make_automaton()
    return automaton
