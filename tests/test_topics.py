"""The topic language and the matcher: parsing, normal forms, limits, and matching traps."""

from __future__ import annotations

import pytest

from bot.matcher import Matcher, MatchInput
from bot.topics import MAX_TERMS, Topic, TopicError, parse_topic


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("nato russia", "nato russia"),
        ("Russia NATO", "nato russia"),
        ("russia  nato nato", "nato russia"),
        ('"European Union" OR eu', '"european union" OR eu'),
        ("ukraine | crimea", "crimea OR ukraine"),
        ("nato -sports", "nato -sports"),
        ('title:"peace talks" source:www.BBC.co.uk', 'title:"peace talks" source:bbc.co.uk'),
        ("(a OR b) c", "c (a OR b)"),
        ("São Paulo", "paulo sao"),
        ("Zelenskyy’s", "zelenskyy"),
    ],
)
def test_topics_have_one_normal_form(typed: str, normal: str) -> None:
    assert parse_topic(typed).text == normal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "empty"),
        ("  \u200b ", "empty"),
        ('nato "peace plan', "Unclosed quote at 6"),
        ("(nato OR russia", "Unclosed ( at 1"),
        ("nato)", "Unmatched ) at 5"),
        ("nato OR", "OR at 6 needs something"),
        ("-sports", "only excludes"),
        ("-sports -weather", "only excludes"),
        ("nato OR -sports", "only excludes"),
        ("🚀🚀", "no letters or digits"),
        ("x" * 201, "longer than 200"),
        ("(((((nato)))))", "nested parentheses at 5"),
        ("source:nodots", "needs a domain"),
        ("nato -", "“-” at 6 has no letters or digits"),
    ],
)
def test_bad_topics_say_where_and_what(typed: str, message: str) -> None:
    with pytest.raises(TopicError) as caught:
        parse_topic(typed)
    assert message in str(caught.value)


def test_term_limit() -> None:
    parse_topic(" ".join(f"w{n}" for n in range(MAX_TERMS)))
    with pytest.raises(TopicError, match="Too many terms"):
        parse_topic(" ".join(f"w{n}" for n in range(MAX_TERMS + 1)))


def test_control_characters_and_zero_width_spaces_are_ignored() -> None:
    assert parse_topic("na\u200bto\u0007 russia").text == "nato russia"


TOPICS = {
    1: "nato russia",
    2: "title:nato",
    3: "ukraine OR crimea -sports",
    4: '"sao paulo"',
    5: "zelenskyy",
    6: "地震",
    7: "source:bbc.co.uk",
    8: "nato",
    9: "senator",
    10: "russia",
    11: "(nato OR eu) -(sports OR weather)",
    12: "москва",
    13: "nato -(russia ukraine)",
}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher({k: parse_topic(v) for k, v in TOPICS.items()})


def matched(matcher: Matcher, title: str, lead: str = "", text: str = "", domain: str = "x.test"):  # type: ignore[no-untyped-def]
    found = matcher.match(MatchInput(title, lead, text, domain))
    return {topic_id: found.explain(m) for m in found for topic_id in m.topic_ids}


def test_words_must_all_appear_and_say_where(matcher: Matcher) -> None:
    found = matched(matcher, "NATO chief warns Russia")
    assert found[1] == "nato, russia in title"
    assert found[8] == "nato in title" and found[2] == "title:nato in title"


def test_title_filter_needs_the_title(matcher: Matcher) -> None:
    found = matched(matcher, "Alliance meets", text="NATO ministers met.")
    assert 8 in found and 2 not in found


def test_whole_words_only(matcher: Matcher) -> None:
    assert 8 not in matched(matcher, "Senators debate the budget")
    assert 9 not in matched(matcher, "Senators debate the budget")


def test_accents_and_apostrophe_forms(matcher: Matcher) -> None:
    found = matched(matcher, "Visit", lead="Zelenskyy’s trip to São Paulo", text="Russia's reply")
    assert {4, 5, 10} <= found.keys()


def test_exclusions(matcher: Matcher) -> None:
    assert 3 in matched(matcher, "Crimea bridge reopens")
    assert 3 not in matched(matcher, "Crimea bridge reopens", text="Sports fans cheered.")
    assert 11 not in matched(matcher, "NATO weather station")
    assert 11 in matched(matcher, "EU budget")


def test_excluding_a_conjunction_is_evaluated_from_the_tree(matcher: Matcher) -> None:
    assert 13 in matched(matcher, "NATO and Russia talk")
    assert 13 not in matched(matcher, "NATO, Russia and Ukraine talk")


def test_unspaced_scripts_match_as_substrings_and_other_scripts_as_words(matcher: Matcher) -> None:
    assert 6 in matched(matcher, "東京で地震")
    assert 12 in matched(matcher, "Новости: Москва сегодня")


def test_source_filter_matches_the_domain_and_its_subdomains(matcher: Matcher) -> None:
    assert 7 in matched(matcher, "Anything", domain="news.bbc.co.uk")
    assert 7 not in matched(matcher, "Anything", domain="bbc.com")


def test_each_topic_matches_once_per_article(matcher: Matcher) -> None:
    found = matcher.match(MatchInput("NATO NATO", "NATO", "NATO nato", "x.test"))
    assert [t for m in found for t in m.topic_ids].count(8) == 1


def test_people_with_the_same_topic_share_one_match() -> None:
    shared = Matcher({1: parse_topic("NATO"), 2: parse_topic("nato"), 3: parse_topic("eu")})
    found = shared.match(MatchInput("NATO summit", "", "", "x.test"))
    (match,) = found
    assert match.topic_ids == (1, 2) and found.explain(match) == "nato in title"


def test_a_changed_matcher_reuses_compiled_topics(matcher: Matcher) -> None:
    topics = {k: parse_topic(v) for k, v in TOPICS.items()}
    topics[99] = parse_topic("harbour bridge")
    bigger = matcher.changed(topics)
    found = bigger.match(MatchInput("Harbour bridge", "", "", "x"))
    assert 99 in {t for m in found for t in m.topic_ids}
    assert bigger.cache is matcher.cache


def test_a_patched_matcher_forgets_removed_topics_and_learns_changed_ones() -> None:
    first = Matcher({1: parse_topic("nato"), 2: parse_topic("nato"), 3: parse_topic("crimea")})
    patched = first.changed({1: parse_topic("nato"), 3: parse_topic("harbour bridge")})
    found = {
        t for m in patched.match(MatchInput("NATO and Crimea", "", "", "x")) for t in m.topic_ids
    }
    assert found == {1}
    found = {
        t for m in patched.match(MatchInput("Harbour bridge", "", "", "x")) for t in m.topic_ids
    }
    assert found == {3}


def test_words_on_separate_lines_stay_separate(matcher: Matcher) -> None:
    assert 10 in matched(matcher, "Headline", text="Talks with Ukraine\nRussia replied")


def test_exclusions_veto_only_their_own_clause() -> None:
    either = Matcher(
        {1: parse_topic("(nato -russia) OR (nato -china)"), 2: parse_topic("nato -eu")}
    )
    assert {
        t for m in either.match(MatchInput("NATO and Russia", "", "", "x")) for t in m.topic_ids
    } == {1, 2}
    assert {
        t for m in either.match(MatchInput("NATO, Russia, China", "", "", "x")) for t in m.topic_ids
    } == {2}
    assert not either.match(MatchInput("NATO, Russia, China and the EU", "", "", "x")).matches


def test_a_patched_matcher_forgets_exclusion_topics() -> None:
    first = Matcher({1: parse_topic("nato -russia"), 2: parse_topic("nato -russia")})
    patched = first.changed({2: parse_topic("nato -russia"), 3: parse_topic("nato")})
    found = patched.match(MatchInput("NATO summit", "", "", "x"))
    assert sorted(t for m in found for t in m.topic_ids) == [2, 3]
    emptied = patched.changed({3: parse_topic("nato")})
    assert [m.topic_ids for m in emptied.match(MatchInput("NATO summit", "", "", "x"))] == [(3,)]
    assert [m.topic_ids for m in emptied.match(MatchInput("NATO and Russia", "", "", "x"))] == [
        (3,)
    ]


def test_a_title_term_for_a_word_already_watched_is_found_after_a_patch() -> None:
    """'title:nato' looks for the same words as 'nato': the automaton is unchanged, but what
    finding them means is not."""
    patched = Matcher({1: parse_topic("nato")}).patch([], {2: parse_topic("title:nato")})
    found = {t for m in patched.match(MatchInput("NATO summit", "", "", "x")) for t in m.topic_ids}
    assert found == {1, 2}


def ids_and_reasons(matcher: Matcher, article: MatchInput) -> set[tuple[int, str]]:
    found = matcher.match(article)
    return {(topic_id, found.explain(m)) for m in found for topic_id in m.topic_ids}


@pytest.mark.parametrize("extra_patterns", [3, 2000])
def test_a_matcher_patched_many_times_matches_as_one_built_from_scratch(
    extra_patterns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches of topics come and go (new terms in the second automaton, merged into the
    first when it grows past ``extra_patterns``); every article then matches exactly as it does
    against a matcher built from the topics in force."""
    import random

    import bot.matcher

    monkeypatch.setattr(bot.matcher, "EXTRA_PATTERNS", extra_patterns)
    rng = random.Random(5)
    words = [f"w{n}" for n in range(60)] + ["nato", "russia", "地震", "são"]
    forms = [
        lambda: rng.choice(words),
        lambda: f"{rng.choice(words)} {rng.choice(words)}",
        lambda: f"{rng.choice(words)} OR {rng.choice(words)} -{rng.choice(words)}",
        lambda: f"title:{rng.choice(words)}",
        lambda: f'"{rng.choice(words)} {rng.choice(words)}"',
        lambda: f"source:bbc.co.uk {rng.choice(words)}",
        lambda: f"{rng.choice(words)} -({rng.choice(words)} {rng.choice(words)})",
    ]
    topics: dict[int, Topic] = {}
    patched = Matcher({})
    articles = [
        MatchInput(
            " ".join(rng.sample(words, 3)),
            " ".join(rng.sample(words, 4)),
            " ".join(rng.sample(words, 12)),
            rng.choice(["news.bbc.co.uk", "x.test"]),
        )
        for _ in range(40)
    ]
    for step in range(60):
        removed = rng.sample(sorted(topics), min(len(topics), rng.randint(0, 3)))
        added = {
            rng.randint(1, 150): parse_topic(rng.choice(forms)()) for _ in range(rng.randint(1, 4))
        }
        for topic_id in removed:
            topics.pop(topic_id)
        topics.update(added)
        patched = patched.patch(removed, added)
        if step % 6 == 5:
            fresh = Matcher(dict(topics))
            for article in articles:
                assert ids_and_reasons(patched, article) == ids_and_reasons(fresh, article)
    assert patched.topics == topics


@pytest.mark.parametrize("typed", ["»", "nato”", "„russia“ »", "a ” b"])
def test_a_closing_quote_without_its_opening_one_is_an_error_not_a_hang(typed: str) -> None:
    with pytest.raises(TopicError, match=r"Unmatched . at \d+: add its opening quote"):
        parse_topic(typed)
