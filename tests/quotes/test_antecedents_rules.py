"""Whom a pronoun means (issue 16): each rule of the antecedent model shown on sentences
written for it (none taken from the dev corpus)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.quotes import find_quotations, load_model
from bot.quotes.people import People
from bot.quotes.text import Lines, Sentences

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_model("en_core_web_sm")


def speakers(text: str, nlp: Language) -> list[str | None]:
    return [q.speaker for q in find_quotations(text, nlp) if q.is_quotation]


def test_a_subject_inside_a_relative_clause_is_not_the_one_a_pronoun_takes_up(
    nlp: Language,
) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Senator Peter Dorn, who was slow to back Mr. Karl Vos, was more direct in his "
        "remarks. “We will hold together,” he said."
    )
    assert speakers(text, nlp)[-1] == "Peter Dorn"


def test_who_reports_a_sentence_is_its_main_subject(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Karl Vos won the crowd over with his speech on the pier, Peter Dorn said. "
        "“He was very good,” he said."
    )
    assert speakers(text, nlp)[-1] == "Peter Dorn"


def test_a_possessive_typed_with_a_straight_apostrophe_counts_for_less(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "The ferry was late again on Monday for Tom Hale, Karl Vos's driver. "
        "“We were ready,” he said."
    )
    assert speakers(text, nlp) == ["Tom Hale"]


def test_a_convention_named_after_a_party_is_no_one(nlp: Language) -> None:
    text = (
        "Harbour pier plan draws a crowd.\n\n"
        "One of the main claims of Mayor Karl Vos’s speech to the Democratic National "
        "Convention on Monday does not stand up.\n\n"
        "He told the crowd: “There has never been a better pier than ours.”"
    )
    assert speakers(text, nlp) == ["Karl Vos"]


def test_the_topic_of_as_for_is_whom_the_next_pronoun_means(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“We must respect the voters,” Peter Dorn said.\n\n"
        "As for Mr. Karl Vos, he said he was not worried. “I will have the votes,” he said."
    )
    assert speakers(text, nlp) == ["Peter Dorn", "Karl Vos"]


def test_a_name_after_a_preposition_and_a_title_is_no_subject() -> None:
    text = (
        "The ferry was late.\n\n"
        "Tom Hale, an adviser to Mr. Karl Vos, said on Monday that it was the wind."
    )
    people = People(text, [], Sentences(text, [], Lines(text)))
    subjects = {person.name: subject for _, subject, person in people.mentions_between(0, 999)}
    assert subjects == {"Tom Hale": True, "Karl Vos": False}


def test_a_name_after_a_preposition_and_a_title_is_an_object(nlp: Language) -> None:
    text = (
        "“The pier is ready,” Karl Vos said on Monday.\n\n"
        "The crowd cheered Mr. Peter Dorn as he looked back on his long friendship with "
        "Mr. Karl Vos. It is time, he said, “for a caring and decent leader.”"
    )
    assert speakers(text, nlp)[-1] == "Peter Dorn"


def test_a_name_the_text_calls_she_may_be_meant_though_nothing_else_marks_a_person(
    nlp: Language,
) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“I think that speaks volumes,” Helen Ferre said.\n\n"
        "And North Harbour’s Odile Vell, one of only a handful of board members, said her town "
        "will gain from the pier. “I think it will do great things,” she said."
    )
    assert speakers(text, nlp) == ["Helen Ferre", "Odile Vell"]


def test_an_appositive_naming_a_consultant_or_a_host_marks_a_person(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“The pier will pay,” said Joe Marsh.\n\n"
        "Raynor Quist, a harbour consultant and the host of a radio show, is a local who backs "
        "the plan. “If the ferries come, it will work,” he said."
    )
    assert speakers(text, nlp) == ["Joe Marsh", "Raynor Quist"]


def test_mr_before_a_surname_is_not_the_woman_of_that_surname(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Ghazala Vos spoke first. Mr. Vos, who had addressed the crowd on Monday, said that "
        "the mayor had been rude, and he accused the mayor of “running a campaign of spite.”"
    )
    assert speakers(text, nlp) == ["Vos"]


def test_a_quotation_after_a_sentence_he_reported_goes_on_from_him_not_whom_he_named(
    nlp: Language,
) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Joe Marsh, a harbour pilot, said he will vote against the plan. Also, Karl Vos never "
        "helped the harbour, he said. “He has never been down to the quay!”"
    )
    assert speakers(text, nlp)[-1] == "Joe Marsh"


def test_a_name_that_only_says_whose_someone_is_is_not_the_subject(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“The pier will pay,” Karl Vos said.\n\n"
        "Vos consultant Peter Dorn, the town’s best-known pollster, took up the point. "
        "“People want the ferries back,” he said."
    )
    assert speakers(text, nlp) == ["Karl Vos", "Peter Dorn"]


def test_one_adverb_and_its_comma_before_a_name_keep_it_the_subject(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“The pier will pay,” Karl Vos said at the quay.\n\n"
        "Up the coast the mood is different. There, the harbour chairman Peter Dorn declined "
        "to name the donors. The harbour saw thirty bids, which he said were split between Vos "
        "and Joe Marsh.\n\n"
        "“The pier has its friends here,” he said."
    )
    assert speakers(text, nlp) == ["Karl Vos", "Peter Dorn"]


def test_quoted_single_words_in_the_sentence_before_do_not_stop_its_reporter_going_on(
    nlp: Language,
) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Speaking at the quay, harbour master Karl Vos said the board had no proof.\n\n"
        "Critics should bring evidence and not wave around words like “maybe” and “perhaps”, "
        "he told reporters.\n\n"
        "“This is extremely unfair to the harbour.”"
    )
    assert speakers(text, nlp)[-1] == "Karl Vos"


def test_someone_brought_in_with_words_on_who_they_are_is_who_speaks_next(
    nlp: Language,
) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "“We will build it,” Mayor Vos said to loud cheers.\n\n"
        "The mayor made an appearance of sorts, courtesy of Wes Marsh, a harbour pilot who "
        "dressed up in a paper crown.\n\n"
        "“I thought it would be funny if I came as the mayor,” he said."
    )
    assert speakers(text, nlp)[-1] == "Wes Marsh"


def test_they_are_the_two_people_named_together_as_the_subject_before(nlp: Language) -> None:
    text = (
        "The harbour vote is next week.\n\n"
        "Professors Ana Roe and Peter Lind suggest the pier has less to do with trade than "
        "with pride.\n\n"
        "In the old port towns, they write, “a pier is what a town shows to the sea.”"
    )
    assert speakers(text, nlp) == ["Roe and Lind"]
