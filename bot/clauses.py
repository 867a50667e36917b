"""A topic in the form the matcher indexes (pure core): OR-of-AND clauses of required terms,
excluded terms and source filters, each indexed under its rarest required term; or, for a topic
whose clause form would be too large (``-(a b)``, many ORs multiplied out), its tree, evaluated
for the articles that contain one of its terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.topics import And, Node, Not, Or, SourceFilter, Term, Topic

MAX_CLAUSES = 64


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a topic: the terms that must all be found, and where."""

    required: frozenset[Term]
    excluded: frozenset[Term] = frozenset()
    sources: frozenset[str] = frozenset()
    not_sources: frozenset[str] = frozenset()


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
class Compiled:
    """A topic compiled for the matcher: its clauses, or its tree when it has too many."""

    topic: Topic
    clauses: tuple[Clause, ...] | None
    """None: evaluate the tree."""


def compile_topic(topic: Topic) -> Compiled:
    """The topic as the matcher indexes it."""
    try:
        clauses = tuple(c for c in to_clauses(topic.root) if c.required or c.sources)
    except _Dnf:
        return Compiled(topic, None)
    return Compiled(topic, clauses)


def evaluate(node: Node, found: Mapping[Term, str], levels: frozenset[str]) -> bool:
    """Whether a topic's tree holds, given the terms found and where."""
    if isinstance(node, Term):
        return node in found
    if isinstance(node, SourceFilter):
        return node.domain in levels
    if isinstance(node, Not):
        return not evaluate(node.child, found, levels)
    if isinstance(node, And):
        return all(evaluate(c, found, levels) for c in node.children)
    return any(evaluate(c, found, levels) for c in node.children)
