"""Rules drawn from the real-news dev corpus (issue 16), each shown on sentences written for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.quotes import QuoteKind, SpeakerKind, find_quotations, load_model

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_model("en_core_web_sm")


def test_a_deck_in_single_marks_under_a_short_first_line_is_a_headline(nlp: Language) -> None:
    text = (
        "Harbour town weighs a new pier.\n\n"
        "Fishermen see it as ‘the end of the old quay.’\n\n"
        "PORTWELL - The council met on Monday to discuss the plan.\n\n"
        "“We have waited ten years for this pier,” said Mara Lind, the harbour master.\n\n"
        "“It will bring the ferries back,” she said."
    )
    kinds = {q.text.rstrip(",."): q.kind for q in find_quotations(text, nlp)}
    assert kinds["the end of the old quay"] is QuoteKind.HEADLINE
    assert kinds["We have waited ten years for this pier"] is QuoteKind.QUOTE


def test_a_deck_under_a_long_first_sentence_stays_a_quotation(nlp: Language) -> None:
    text = (
        "The council met on Monday in the town hall to discuss the plan for a new pier. "
        "Many came.\n\n"
        "Fishermen see it as ‘the end of the old quay.’\n\n"
        "“We have waited ten years for this pier,” said Mara Lind, the harbour master.\n\n"
        "“It will bring the ferries back,” she said."
    )
    kinds = {q.text.rstrip(",."): q.kind for q in find_quotations(text, nlp)}
    assert kinds["the end of the old quay"] is not QuoteKind.HEADLINE


def test_a_headline_cited_with_its_paper_and_day_in_brackets_is_a_title(nlp: Language) -> None:
    text = (
        "I agree with the mayor (“Mayor says the pier will cost less than planned,” The Coast "
        "Herald, Tuesday). The town needs it.\n\n"
        "“The pier will cost less than planned,” the mayor said (in a letter)."
    )
    kinds = {q.text.rstrip(",."): q.kind for q in find_quotations(text, nlp)}
    assert kinds["Mayor says the pier will cost less than planned"] is QuoteKind.TERM
    assert kinds["The pier will cost less than planned"] is QuoteKind.QUOTE


def test_an_opening_mark_typed_after_the_last_words_punctuation_closes(nlp: Language) -> None:
    text = (
        "The vote is next week.\n\n"
        "“The pier will be finished by June,“ said Mara Lind, the harbour master.\n\n"
        "“We are ready for the ferries,” Tom Berg said."
    )
    found = {q.text.rstrip(",."): q.speaker for q in find_quotations(text, nlp)}
    assert found["The pier will be finished by June"] == "Mara Lind"
    assert found["We are ready for the ferries"] == "Tom Berg"


def test_a_generational_suffix_ends_a_name_and_the_surname_goes_on(nlp: Language) -> None:
    text = (
        "The vote is next week.\n\n"
        "“The pier will be finished by June,” Tomas Berg III, the harbour master, said.\n\n"
        "Berg has run the harbour for ten years. “We are ready for the ferries,” Berg said."
    )
    speakers = [q.speaker for q in find_quotations(text, nlp)]
    assert speakers == ["Tomas Berg", "Tomas Berg"]


def test_and_or_as_inside_a_long_appositive_keep_the_subject_before_it(nlp: Language) -> None:
    text = (
        "The vote is next week.\n\n"
        "Mara Lind, a harbour master who has worked with the mayor and been named as a "
        "possible successor, said “the pier will be finished by June.”\n\n"
        "Tom Berg on Monday signed the order, while Ana Duarte, the town clerk, said "
        "“nobody has read it yet.”"
    )
    speakers = [q.speaker for q in find_quotations(text, nlp)]
    assert speakers == ["Mara Lind", "Ana Duarte"]


def test_with_a_name_and_a_participle_that_name_says_the_quotation(nlp: Language) -> None:
    text = (
        "The board met on Friday.\n\n"
        "Members were quick to answer, with Ana Duarte posting that it was a shame and "
        "asking, “Who will pay for the new pier now?”"
    )
    assert [q.speaker for q in find_quotations(text, nlp)] == ["Ana Duarte"]


def test_a_role_word_in_lower_case_before_the_name_after_a_quotation(nlp: Language) -> None:
    text = (
        "Critics said the plan was late.\n\n"
        "“I have read the plan twice and I still cannot find the pier in it,” novelist "
        "Tom Berg wrote on his blog."
    )
    assert [q.speaker for q in find_quotations(text, nlp)] == ["Tom Berg"]


def test_a_statement_before_a_comma_introduces_it_and_a_verb_after_the_is_a_noun(
    nlp: Language,
) -> None:
    text = (
        "Mara Lind spoke first.\n\n"
        "After the attacks, Tom Berg issued a statement, “The pier will be rebuilt by June. "
        "Nobody was hurt.”"
    )
    assert [q.speaker for q in find_quotations(text, nlp)] == ["Tom Berg"]


def test_a_translation_a_word_talked_about_and_a_dated_poster_are_terms(nlp: Language) -> None:
    text = (
        "The town chose a motto, “Portus semper apertus,” Latin for “the harbour is always "
        "open.”\n\n"
        "Mara Lind said the council would “look into it” soon. What “look into it” actually "
        "means is not clear.\n\n"
        "“Keep the pier for the boats” (harbour campaign poster 1998) was seen all over town."
    )
    found = [(q.text.rstrip(",."), q.kind) for q in find_quotations(text, nlp)]
    assert ("the harbour is always open", QuoteKind.TERM) in found
    assert ("Keep the pier for the boats", QuoteKind.TERM) in found
    assert [k for t, k in found if t == "look into it"] == [QuoteKind.FRAGMENT, QuoteKind.TERM]


def test_here_is_a_name_before_a_colon_presents_the_speaker(nlp: Language) -> None:
    text = (
        "The harbour has changed.\n\n"
        "Here’s Mara Lind in June 1990: “The pier is the heart of this town and it will stay "
        "that way.”"
    )
    assert [q.speaker for q in find_quotations(text, nlp)] == ["Mara Lind"]


def test_a_cue_in_the_quotations_own_sentence_goes_before_the_next_sentences(
    nlp: Language,
) -> None:
    text = (
        "The vote is next week.\n\n"
        "Early in the race, Mara Lind attacked Tom Berg, calling him “a man with no plan for "
        "the pier.” Berg fired back in May, saying the plan was hers."
    )
    assert [q.speaker for q in find_quotations(text, nlp)] == ["Mara Lind"]


def test_a_participle_after_a_quoted_word_whose_comma_is_inside_the_marks(nlp: Language) -> None:
    text = (
        "Ask Mara Lind about the pier.\n\n"
        "Lind needled the council “experts,” saying, “Nobody on the council has ever seen "
        "the sea!”"
    )
    assert [q.speaker for q in find_quotations(text, nlp) if q.is_quotation] == ["Mara Lind"]


def test_a_name_and_colon_right_after_anothers_quotation_labels_the_next(nlp: Language) -> None:
    text = (
        "Mara Lind and Tom Berg spoke about the pier on Monday.\n\n"
        "Lind: “Our goal is to build the pier by June.” Berg: “The pier can wait until the "
        "ferries come back.”"
    )
    speakers = [q.speaker for q in find_quotations(text, nlp) if q.is_quotation]
    assert speakers == ["Mara Lind", "Tom Berg"]


def test_a_quoted_term_inside_the_appositive_after_a_quotation_is_skipped(nlp: Language) -> None:
    text = (
        "The council met on Monday.\n\n"
        "“We have had better meetings than this one,” Portwell delegate Tom Berg, wearing a "
        "straw hat and “Vote Yes” campaign pins, said matter-of-factly as the hall emptied."
    )
    speakers = [q.speaker for q in find_quotations(text, nlp) if q.is_quotation]
    assert speakers == ["Tom Berg"]


def test_a_closed_block_of_paragraphs_under_a_colon_is_the_colons_speakers(
    nlp: Language,
) -> None:
    block = (
        "The pier vote was delayed again.\n\n"
        "As the Coast Herald reported, even on Friday the council was refusing to set a date:\n\n"
        '"The council is still reluctant to set a date for the pier vote, citing the ongoing '
        "review by the harbour board.\n\n"
        '"At the town hall today, reporters questioned spokesman Tom Berg about the delay and '
        "the rising costs.\n\n"
        "“I don’t want to talk about the date because there’s still a review going on,” Berg "
        'said."\n\n'
        "We have seen this before."
    )
    speakers = [q.speaker for q in find_quotations(block, nlp) if q.is_quotation]
    assert speakers == ["the Coast Herald"]


def test_was_asked_by_a_named_host_makes_the_host_the_speaker(nlp: Language) -> None:
    text = (
        "Mara Lind went on the radio on Friday.\n\n"
        "Lind was asked by host Tom Berg, who backs Lind, “Now, you said you were tired of "
        "hearing about the pier. Has that changed?”\n\n"
        "Lind was asked by reporters about the pier and said, “It will be built by June.”"
    )
    speakers = [q.speaker for q in find_quotations(text, nlp) if q.is_quotation]
    assert speakers == ["Tom Berg", "Mara Lind"]


def test_a_participles_subject_is_read_after_a_quotation_that_ended_a_sentence(
    nlp: Language,
) -> None:
    text = (
        "The storm hit the coast on Sunday.\n\n"
        "Then came another, angrier post about the storm, followed by one in which he took "
        'credit for "being right about the storm." And then Mayor Dana Whitlock went fully on '
        'the attack, saying, "Is the governor going to finally act? If he does not, he should '
        'resign!"'
    )
    speakers = [q.speaker for q in find_quotations(text, nlp) if q.is_quotation]
    assert speakers[-1] == "Dana Whitlock"


def test_unknown_capitalised_role_words_before_a_given_name_are_the_role(nlp: Language) -> None:
    text = (
        "Mayor Ana Duarte asked for an inquiry, as did others including Harbour Board Vice "
        "Warden Richard J. Oyelaran of Portwell. In an interview, Oyelaran said on Thursday "
        'he "sent a letter to the board today asking for the inquiry," and he said he hoped '
        "for an answer soon."
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Richard J Oyelaran"]


def test_a_pronoun_right_before_the_verb_is_its_subject_not_the_noun_before(
    nlp: Language,
) -> None:
    text = (
        "Staff are being sent to ten harbours. The move, Tom Carr explained, was the result "
        "of three years of work — an investment he concludes has given them a “head-start on "
        "the council and the harbour board.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Tom Carr"]


def test_a_document_sent_out_by_someone_speaks_for_them(nlp: Language) -> None:
    text = (
        "The race for the harbour seat tightened as Mara Lind won the vote in Portwell.\n\n"
        "In addition, a fundraising email sent out by Lind on Tuesday night warned of "
        "the fight ahead: “There are four votes over the next three weeks, and you can be "
        "sure the board will fight back.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind"]


def test_a_dash_introduces_a_quotation_as_a_colon_does(nlp: Language) -> None:
    text = (
        "The council met on Monday.\n\n"
        'Mayor Dana Whitlock also embraced tougher fines for the ferry firms -- "I think a '
        'fine is peanuts compared to what they cost the town."\n\n'
        "When Whitlock finally wrapped up — “I will fight for you, and I will win for you!” — "
        "the balloons came down on the crowd."
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Dana Whitlock", "Dana Whitlock"]


def test_a_quotation_after_that_goes_with_the_verb_before_it(nlp: Language) -> None:
    text = (
        "Mara Lind and Tom Berg both spoke about the pier.\n\n"
        "But even as Lind claimed on Tuesday that “the old pier cost far more than this one,” "
        "one of the former engineers for Tom Berg said the two piers were quite different."
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind"]


def test_a_surname_that_is_a_title_word_and_ends_in_ing_still_names(nlp: Language) -> None:
    text = (
        "Sailing great Mara King remembered the old pier as fun to be around.\n\n"
        "King won 12 races during her career, while the pier was being rebuilt. King says the "
        "pier “talked the talk and walked the walk.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara King"]


def test_an_arabic_surname_with_its_article_is_part_of_the_name(nlp: Language) -> None:
    text = (
        "The video opens with the harbour at night.\n\n"
        "Before the mayor appears, the cleric Yusuf al-Rashidi, who left the town in 2011, is "
        "shown lecturing: “People of the coast, take heed and learn from the lessons of the "
        "old pier.”\n\n"
        "“The pier will fall,” said Yusuf al-Rashidi."
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Yusuf al-Rashidi", "Yusuf al-Rashidi"]


def test_a_colons_speaker_is_the_main_clauses_subject_not_the_when_clauses(
    nlp: Language,
) -> None:
    text = (
        "The old harbour master was loved in Portwell.\n\n"
        "When Tom Berg died in 1998, Mayor Mara Lind released the following statement:\n\n"
        "“We offer our condolences to the family and friends of Tom Berg. I remember working "
        "with him at the harbour in 1983.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind"]


def test_a_sentence_opening_with_adding_goes_on_from_the_sentence_before(
    nlp: Language,
) -> None:
    text = (
        "Mara Lind was asked about the pier. “I am tired of hearing about the pier,” Lind "
        "said.\n\n"
        "Later in the show, after the Lind interview concluded, Tom Berg stated of the pier that "
        "the board’s report “wasn’t good.” Adding, “Now, like with all board reports, what "
        "they actually do is never that bad.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind", "Tom Berg"]


def test_a_known_persons_label_opening_a_quotation_names_the_speaker(nlp: Language) -> None:
    text = (
        "Tom Berg agreed on Saturday that the pier plan was pandering. Instead, Berg and "
        "the reporter Ana Duarte argued that it was naive.\n\n"
        '"Tom Berg: Seriously, seriously about this. The mayor says she will pay for the pier '
        'with a tax on ferry tickets. That sounds great."\n\n'
        'Readers liked "Harbour Lights: The Many Lives of a Pier," the mayor\'s book.'
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Tom Berg"]


def test_a_document_that_says_something_speaks_for_the_sentences_subject(
    nlp: Language,
) -> None:
    text = (
        "Which brings me to Mara Lind. The Coast Herald recently ran a piece that noted her "
        '"pier plan would benefit affluent households more than it would poorer ones."\n\n'
        'In selling the tours, Tom Berg released a marketing video that said, "We are going '
        'to have guides that are absolutely terrific, all handpicked by me."'
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["The Coast Herald", "Tom Berg"]


def test_a_news_article_or_video_is_no_person(nlp: Language) -> None:
    text = (
        "Mara Lind, the harbour master, spoke on Monday about the pier. “We will build it,” "
        "she said.\n\n"
        "The article said the pier “will be finished by the end of the summer.”"
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind", "The article"]


def test_an_acronym_after_a_capitalised_the_is_an_organisation(nlp: Language) -> None:
    text = (
        "The Harbour National Committee is welcoming the fight. Tom Berg, a strategist, said "
        "it would pass. The HNC, in its daily media summary Monday, emailed a news article "
        "reporting that \"Lind is 'showing flashes of frustration' as she struggles to win.\""
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["The HNC"]
    assert quotes[0].speaker_kind is SpeakerKind.ORGANISATION


def test_a_named_subject_after_charges_that_and_before_an_aside_is_the_speaker(
    nlp: Language,
) -> None:
    text = (
        "Mara Lind had gone too far, tarring a former mayor who is popular in the port, and "
        'uttering charges that Tom Berg, for one, called "liberal harbour lingo."'
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Tom Berg"]


def test_quoted_words_owned_by_a_named_person_with_no_verb_are_theirs(nlp: Language) -> None:
    text = (
        "Mayor Mara Lind pushed the pier tax through in May.\n\n"
        "Unions have been plotting to junk the pier tax ever since. It's the pull of Lind's "
        '"if you like your boat, you can keep it" promise: they want to keep their boats.\n\n'
        'Tom Berg questioned Lind\'s "old harbour town values" and her plan.'
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert [q.speaker for q in quotes] == ["Mara Lind", "Tom Berg"]


def test_a_named_subjects_clause_and_a_comma_introduce_a_quotation(nlp: Language) -> None:
    text = (
        "The race for the harbour seat is close.\n\n"
        "Earlier this week, Mara Lind shared a bit of her worry with an audience at a "
        "fundraiser in Portwell, “I do not know which Tom Berg will show up. Maybe he will try "
        "to look like a mayor.”\n\n"
        "After watching the vote, I noticed a post by the reporter Ana Duarte that read, "
        "“the pier ... is us,” and sighed."
    )
    quotes = [q for q in find_quotations(text, nlp) if q.is_quotation]
    assert quotes[0].speaker == "Mara Lind"
    assert all(q.speaker != "Mara Lind" for q in quotes[1:])
