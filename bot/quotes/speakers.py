"""What the words next to a reporting verb name as the speaker: a person (with the role the
words give), an organisation, a pronoun, or a description of someone the article does not name.

"Republican political consultant Chris Russell", "his campaign manager Jeff Weaver" and "the
Zionist Union Party’s Nachman Shai" name people; "ESPN", "the White House" and "The Los Angeles
Times" organisations; "a New Hampshire Democrat" and "one official" describe someone unnamed.
The head of the phrase is its last name that neither owns something ("Trump campaign
spokeswoman Hope Hicks": Hicks) nor follows a preposition ("Patrick Murray of Christie":
Murray).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.quotes.lexicon import (
    CUE_RE,
    GROUP_WORDS,
    NAME_RUN,
    NOT_NAME_WORDS,
    NOT_SPEAKER_WORDS,
    SPEECH_RE,
)
from bot.quotes.model import Mention
from bot.quotes.names import bare, is_org_name, split_role_name

PRONOUN_WORDS = frozenset("he she they it i we".split())
DETERMINERS = frozenset(
    """the a an one another some many several two three four five his her their its our
    this that these those each both most""".split()
)
PREPOSITIONS = frozenset(
    """of for at from with in on by to about against under over like near behind via""".split()
)
# Words that end a subject phrase read forward from a verb ("said X, who", "said X in a").
FORWARD_STOPS = frozenset(
    """who which whose that while as when after before because during whereas although though
    in on at to with via since from until but""".split()
)
# Words a subject phrase can't hold: it would be a clause, not a name or a description.
CLAUSE_WORDS = frozenset(
    """was were is are be been being has have had do does did will would could should can may
    might must not never also who which that what if than then there here it’s it's""".split()
)
BACK_STOPS = frozenset(
    """what that which who whom whose where when while as than because if whether but or so
    though although after before since until unless whereas""".split()
)
"""Words before a reporting verb that end its subject: "shedding what Gilbert called"."""
PARTICIPLE_ROLES = frozenset(
    """retired elected embattled indicted appointed acclaimed celebrated esteemed renowned
    respected unnamed named beleaguered disgraced jailed detained exiled""".split()
)
ING_ROLES = frozenset("ranking leading founding outgoing incoming acting managing".split())
ADVERB_TAIL = frozenset(
    """also later then has had again once earlier previously simply quickly would recently
    often repeatedly further finally flatly bluntly angrily quietly told""".split()
)
OUTLET_WORDS = frozenset(
    """times post herald journal tribune guardian telegraph gazette globe examiner observer
    independent register chronicle inquirer economist atlantic hill star sun""".split()
)
"""The last word of a newspaper's name, which stands for it after "the" ("the Times said")."""
_AFFILIATIONS = frozenset("of from at".split())
"""Words that start a person's affiliation after her name ("X of Ohio", "X at Acme")."""
_ABBREVIATION = re.compile(r"(?:[A-Z]|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Jr|Sr|St|Lt|Col|Rev|Prof)\.$")
_WORD = re.compile(r"\S+")
_PAREN = re.compile(r"\s*\([^()]{0,40}\)")


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        return bare(self.text).lower()


_IRREGULAR_PAST = frozenset(
    """went took gave made came got stood sat ran found kept left met put sent saw heard felt
    led held brought thought became began broke chose drew drove fell fought flew forgot grew
    hid hit knew laid lost meant paid rode rose sang sank shook shot slept spent spoke stole
    struck swore swept taught tore threw understood woke won wore wrote told said""".split()
)
_AUXILIARIES = frozenset(
    "was were is are has have had will would could should can may might must did does".split()
)


def verb_like(word: str) -> bool:
    """Whether a word looks like the verb that ends a clause's subject ("Trump went on")."""
    lowered = word.lower().strip(",.;:")
    if not word[:1].islower():
        return False
    return (
        lowered in _IRREGULAR_PAST
        or lowered in _AUXILIARIES
        or lowered.endswith(("n’t", "n't"))
        or bool(CUE_RE.fullmatch(lowered))
        or (lowered.endswith(("ed", "ing")) and lowered not in PARTICIPLE_ROLES | ING_ROLES)
    )


def _words(text: str, start: int, end: int) -> list[_Word]:
    return [_Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def forward_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """The subject phrase after a verb ("said Sen. Richard J. Durbin (D-Ill.), who ..."): up
    to a comma, a clause word or the end of the sentence."""
    words = _words(text, start, end)
    out_end = start
    for index, word in enumerate(words):
        lowered = word.text.lower()
        if index and (lowered in FORWARD_STOPS or SPEECH_RE.fullmatch(lowered)):
            break
        if word.text[:1] in '(“”"«»‘' and index:
            break
        stop = re.search(r"[,;:!?“”\"«»()]", word.text)
        if stop is not None:
            out_end = word.start + stop.start()
            if out_end > word.start or not index:
                break
            break
        out_end = word.end
        if word.text.endswith(".") and not _ABBREVIATION.search(word.text):
            out_end -= 1
            break
    return start, out_end


def backward_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """The subject phrase before a verb, without its appositive or parenthesis ("X, the
    union's leader," / "X (D-Ill.)") or the adverbs before the verb ("X also", "X on
    Monday")."""
    phrase = text[start:end]
    comma = phrase.find(",")
    if comma != -1:
        end = start + comma
        phrase = text[start:end]
    paren = _PAREN.search(phrase)
    if paren is not None:
        end = start + paren.start()
    words = _words(text, start, end)
    while words and (words[-1].bare in ADVERB_TAIL or words[-1].text[:1].isdigit()):
        words.pop()
    # "X on Monday", "X in a statement", "X last week": a trailing adverbial phrase. And "the
    # hopes of shedding what Gilbert": only the words after a clause word are the subject.
    for index, word in enumerate(words):
        if index and word.text in ("on", "in", "last", "this", "at", "during"):
            words = words[:index]
            break
    for index in range(len(words) - 1, -1, -1):
        lowered = words[index].text.lower()
        participle = lowered.endswith("ing") and words[index].text[:1].islower()
        if lowered in BACK_STOPS or (participle and lowered not in ING_ROLES):
            words = words[index + 1 :]
            break
    if len(words) > 1 and words[-1].text.lower() in _SUBJECT_PRONOUNS:
        words = words[-1:]  # "an investment he concludes": the pronoun is the subject
    if not words:
        return start, start
    return words[0].start, words[-1].end


_AGENT = re.compile(
    r"\b(?:sent|written|released|issued|signed|posted|published|put)\s+(?:out\s+)?by\s+"
)
_SUBJECT_PRONOUNS = frozenset("he she they we i".split())


def read_phrase(text: str, start: int, end: int) -> Mention | None:
    """The speaker the words text[start:end] name, or None if they are no subject."""
    agent = _AGENT.search(text, start, end)
    if agent is not None:
        # "a fundraising email sent out by Ann Roe": the one who sent it speaks.
        sender = read_phrase(text, agent.end(), end)
        if sender is not None and sender.kind in ("name", "org"):
            return sender
    words = _words(text, start, end)
    # Strip a leading conjunction or adverb ("But Sen. X", "And the mayor").
    while words and words[0].text.lower() in ("but", "and", "so", "yet", "then", "now"):
        words.pop(0)
    if not words or len(words) > 12:
        return None
    opener = words[0].text
    if opener[:1].islower() and opener.endswith("ed") and opener.lower() not in PARTICIPLE_ROLES:
        return None  # "voted for JFK and Bill Clinton": a clause, not a subject
    clause = next(
        (
            i
            for i, w in enumerate(words)
            if w.text.lower() in CLAUSE_WORDS or _past_verb(w, i, words)
        ),
        None,
    )
    if clause is not None:
        # "Mr. Trump was prompted to (say)": the subject is the name before the clause.
        if clause == 0 or not NAME_RUN.fullmatch(words[clause - 1].text.rstrip(",")):
            return None
        words = words[:clause]
    if len(words) == 1 and words[0].bare in PRONOUN_WORDS:
        return Mention("pron", words[0].text.strip(",."), words[0].start, words[0].end)
    first, last = words[0].start, words[-1].end
    head = _head_run(text, first, last)
    tail = _words(text, head[1], last) if head is not None else []
    if tail and not (tail[0].bare in _AFFILIATIONS and head is not None and head[2]):
        # "an African-American actor": the capitalised words only describe. But "Gov. Ann
        # Voss of Ohio" and "Ann Voss at Acme" are a person with where she comes from.
        head = None
    if head is not None:
        run_start, run_end, name = head
        if name is None:
            org = _org_text(text, first, run_start, run_end)
            return Mention("org", org, run_start, run_end, name=org)
        lead = _role_lead(words, run_start)
        role, _ = split_role_name(text[run_start:run_end])
        words_before = text[lead:run_start].strip()
        role = " ".join(x for x in (words_before, role) if x) or None
        return Mention("name", text[lead:run_end], lead, run_end, name=name, role=role)
    if words[0].bare in DETERMINERS or words[-1].bare in GROUP_WORDS:
        described = text[first:last].rstrip(".,")
        return Mention("desc", described, first, first + len(described))
    return None


_PAST = frozenset("thought went took made gave told spoke stood sat came paused".split())


def _past_verb(word: _Word, index: int, words: list[_Word]) -> bool:
    """A verb in the past after the subject ("Baker thought for a moment and said"), not
    after a preposition or a clause word ("Because of how Democrats crafted it")."""
    lowered = word.text.lower()
    return (
        index > 0
        and not any(w.bare in PREPOSITIONS or w.bare in BACK_STOPS for w in words[:index])
        and word.text[:1].islower()
        and (lowered in _PAST or (lowered.endswith("ed") and lowered not in PARTICIPLE_ROLES))
    )


def _head_run(text: str, start: int, end: int) -> tuple[int, int, str | None] | None:
    """The run of capitalised words that names the speaker, with the person's name (None for
    an organisation): the last that neither owns the next words nor follows a preposition,
    else the last after a preposition ("Secretary of State Madeleine Albright")."""
    best: tuple[int, int, str | None] | None = None
    fallback: tuple[int, int, str | None] | None = None
    for match in NAME_RUN.finditer(text, start, end):
        run_start, run_end = match.start(), match.end()
        owner = max(match.group().rfind("’s "), match.group().rfind("'s "))
        if owner != -1:
            run_start += owner + 3  # "the Labour Party’s Nachman Shai": the Party owns the name
        tokens = text[run_start:run_end].split()
        if not tokens:
            continue
        if all(bare(t).lower() in NOT_NAME_WORDS for t in tokens):
            continue
        follows = text[run_end : run_end + 2]
        if follows[:1] in "’'" or tokens[-1].endswith(("’s", "'s", "’")):
            continue  # "The Blaze’s Matt Walsh": the Blaze owns the next words
        outlet = (
            len(tokens) == 1
            and bare(tokens[0]).lower() in OUTLET_WORDS
            and text[max(0, run_start - 4) : run_start].lower() == "the "
        )
        # "The RNC": an acronym after a capitalised article is an organisation too.
        named = tokens[1:] if len(tokens) > 1 and tokens[0] == "The" else tokens
        if outlet or is_org_name(named):
            # ("the Times", "the Herald": a newspaper by the last word of its name)
            found: tuple[int, int, str | None] = (run_start, run_end, None)
        else:
            _, name = split_role_name(text[run_start:run_end])
            if name is None or bare(tokens[-1]).lower() in NOT_SPEAKER_WORDS:
                continue
            found = (run_start, run_end, name)
        before = text[max(start, run_start - 12) : run_start].split()
        while before and before[-1].lower() in ("the", "a", "an"):
            before.pop()
        if tokens[0].lower() in PREPOSITIONS:
            before = [tokens[0]]  # "Of Carson, Levine ... said": Carson is no subject
        if before and before[-1].lower() in PREPOSITIONS:
            # People only, of two words or more: "a spokesperson for the Department for
            # Education" is no person called Education.
            if found[2] and " " in found[2]:
                fallback = found
        else:
            best = found
    return best or fallback


def _role_lead(words: list[_Word], run_start: int) -> int:
    """Where the role words before a name begin ("Republican political consultant" before
    Chris Russell), after any determiner or owner ("his campaign manager", "The Blaze’s")."""
    lead = run_start
    for word in reversed([w for w in words if w.end <= run_start]):
        if word.bare in DETERMINERS or word.text.endswith(("’s", "'s", "’", "'")):
            break
        if word.bare in PREPOSITIONS:
            break
        lead = word.start
    return lead


def _org_text(text: str, first: int, run_start: int, run_end: int) -> str:
    """An organisation's name as written, with its article: "the White House"."""
    before = text[first:run_start].split()
    if before and before[-1].lower() == "the":
        return "the " + text[run_start:run_end]
    return text[run_start:run_end]
