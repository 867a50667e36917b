"""Names: a person's name split from the title and role words before it, and whether some
capitalised words name an organisation instead; and what a name or role says of a gender."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.quotes.lexicon import (
    AMBIGUOUS_A_NAMES,
    ARTICLED,
    FEMALE_NAMES,
    GIVEN_NAMES,
    HONORIFIC_TITLES,
    HONORIFICS,
    MALE_NAMES,
    NOT_NAME_WORDS,
    ORG_HEADS,
    PARTY_WORDS,
    ROLE_NOUNS,
    TITLE_WORDS,
)


def bare(token: str) -> str:
    """A word without its punctuation and possessive ("Putin’s," -> "Putin")."""
    return token.strip(",;:.«»“”\"'‘’()[]").replace("’s", "").replace("'s", "")


def _is_title(token: str, *, last: bool) -> bool:
    word = bare(token)
    lower = word.lower().rstrip(".")
    if lower in TITLE_WORDS or lower in PARTY_WORDS or lower in HONORIFICS:
        return True
    if word.isupper() and len(word) > 1 and word.isalpha():
        return True  # NATO, UN, EU...
    if not last and lower in _DEPARTMENTS:
        return True  # Secretary of State John Kerry: "State" is the role's
    # Nationality adjectives ("Latvian premier"), never the last word of a name.
    return not last and lower.endswith(("ian", "ese", "ish", "ean")) and lower not in _GIVEN


# Given names that look like nationality adjectives ("Latvian", "Korean", "Polish").
_GIVEN = frozenset(
    """brian ian vivian adrian julian fabian christian damian lillian jean sean dean kean
    hamish trish bryan""".split()
)


_DEPARTMENTS = frozenset(
    """state defense defence treasury labor labour commerce energy agriculture education health
    transportation interior finance justice homeland""".split()
)

_MODIFIERS = frozenset("former acting interim then outgoing incoming late".split())
"""Words before a title that are no part of a name: Former Secretary of State X."""

_FORMS_OF_ADDRESS = frozenset(
    """president speaker chairman chairwoman chair secretary mayor ambassador minister governor
    senator justice chief""".split()
)


def split_role_name(phrase: str) -> tuple[str | None, str | None]:
    """'NATO Secretary General Jens Stoltenberg' -> ('NATO Secretary General', 'Jens Stoltenberg').

    The name is what follows the last title word; it must be 1-4 capitalised words."""
    raw = [t for t in phrase.split() if bare(t)]
    tokens = [bare(t) for t in raw]
    while tokens and (
        not tokens[0][:1].isupper()
        or tokens[0].lower() in NOT_NAME_WORDS
        or tokens[0].lower() in _MODIFIERS
    ):
        tokens.pop(0)
        raw.pop(0)
    if tokens and len(tokens) > 1 and is_org_name(tokens):
        return None, None  # the Democratic National Committee, Republican Party
    if len(tokens) > 2 and tokens[-1].rstrip(".") in _GENERATIONS:
        # Brent Bozell III, Martin Luther King Jr.: the name is the words before the
        # suffix (so that "Bozell" later is the same person).
        tokens.pop()
        raw.pop()
    last_title = -1
    for index, token in enumerate(tokens):
        remaining = len(tokens) - index - 1
        occupation = remaining >= 2 and bare(token).lower() in ROLE_NOUNS  # "Singer Tomi X"
        if occupation or _is_title(token, last=remaining == 0):
            last_title = index
    last_word = tokens[-1].lower() if tokens else ""
    before_last = tokens[-2].lower().rstrip(".") if len(tokens) > 1 else ""
    surname_like = (
        last_title == len(tokens) - 1
        and last_title > 0
        and not raw[-1].endswith(".")
        and (
            (last_word in TITLE_WORDS and last_word not in PARTY_WORDS | _FORMS_OF_ADDRESS)
            # Mark Green, Mrs. Green: a party's name after a given name is a surname
            or (last_word in PARTY_WORDS and before_last in _GIVEN_OR_TITLE)
        )
    )
    if surname_like:
        # A title word that ends a name is a surname: Peter T. King, Mr. King, Martin King.
        before = tokens[last_title - 1]
        honorific = before.lower().rstrip(".") in HONORIFIC_TITLES
        given = len(before) == 1 or before.lower() in GIVEN_NAMES
        if honorific or (given and not _is_title(before, last=False)):
            last_title -= 1
            while last_title >= 0 and not (
                _is_title(tokens[last_title], last=False)
                or (last_title < len(tokens) - 3 and bare(tokens[last_title]).lower() in ROLE_NOUNS)
            ):
                last_title -= 1
    role = tokens[: last_title + 1]
    name = tokens[last_title + 1 :]
    if len(name) > 3 and name[0].lower() not in GIVEN_NAMES:
        # "Senate Minority Whip Richard J. Durbin": capitalised words no title list knows
        # before a given name are the role's (not in three words: Billie Jean King).
        at = next((k for k in range(1, len(name) - 1) if name[k].lower() in GIVEN_NAMES), None)
        if at is not None:
            role, name = role + name[:at], name[at:]
    if not 1 <= len(name) <= 4:
        return (" ".join(role) or None), None
    particles = {"de", "da", "di", "du", "van", "von", "der", "den", "del", "la", "le", "bin", "al"}
    if any(not (t[:1].isupper() or t in particles or _ARTICLED.match(t)) for t in name):
        return (" ".join(role) or None), None
    if name[-1].lower() in NOT_NAME_WORDS or len(name[-1]) < 2 or name[-1].endswith("."):
        return (" ".join(role) or None), None
    return (" ".join(role) or None), " ".join(name)


_ARTICLED = re.compile(rf"{ARTICLED}[A-Z]")
"""An Arabic surname with its article: al-Awlaki, el-Sisi."""
_GIVEN_OR_TITLE = GIVEN_NAMES | HONORIFIC_TITLES

_GENERATIONS = frozenset("Jr Sr II III IV".split())


def is_org_name(tokens: Sequence[str]) -> bool:
    """Whether capitalised words name an organisation: they end with a word organisations'
    names end with (Committee, Party, Times, News), or are one acronym (FBI, CNN)."""
    last = bare(tokens[-1])
    if len(tokens) == 1:
        acronym = last.isupper() and 2 <= len(last) <= 6 and last.isalpha()
        return acronym and last.lower() not in TITLE_WORDS | ROLE_NOUNS
    return last.lower() in ORG_HEADS and last[:1].isupper()


_FEMALE_ROLES = frozenset(
    """spokeswoman chairwoman congresswoman businesswoman actress mother wife daughter sister
    widow queen princess grandmother aunt niece girlfriend woman waitress hostess heiress
    duchess countess baroness empress stewardess""".split()
)
_MALE_ROLES = frozenset(
    """spokesman chairman congressman businessman actor father husband son brother widower king
    prince grandfather uncle nephew boyfriend man waiter heir duke baron emperor""".split()
)


def gender_of(name: str, role: str | None) -> str | None:
    """ "m", "f" or None: what an honorific, a role word or a given name says of a gender."""
    for word in (role or "").split():
        gender = HONORIFICS.get(word.lower().strip("."))
        if gender:
            return gender
        if word.lower().strip(",.") in _FEMALE_ROLES:
            return "f"
        if word.lower().strip(",.") in _MALE_ROLES:
            return "m"
    first = name.split(maxsplit=1)[0].lower()
    if first in FEMALE_NAMES:
        return "f"
    if first in MALE_NAMES:
        return "m"
    if len(name.split()) > 1 and first.endswith("a") and first not in AMBIGUOUS_A_NAMES:
        return "f"
    return None
