"""The subjects the corpus writes about, as a small template grammar.

A template is a sentence with `{slots}` filled from an article's facts and `[a|b|c]` choices (which
nest, and may be empty) picked at random. Each topic has a facts function that draws the people,
places and numbers of one article, and pools of sentence templates by paragraph role. Templates
that only fit some facts (a rate rise, not a cut) are handed out by the facts function as extras.
Quotations are a frame ('"{Q}," {who_last} said.') around a quote from the speaker's pool.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import TypeVar

from tests.stories.world import CLUBS, COMPANIES, COUNTRIES, UNIONS, Cast, Country, Person

T = TypeVar("T")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SINGULAR = {  # currency as in "the zloty rose"
    "pounds": "pound",
    "euros": "euro",
    "reais": "real",
    "Canadian dollars": "Canadian dollar",
    "Australian dollars": "Australian dollar",
    "rupees": "rupee",
    "shillings": "shilling",
    "rand": "rand",
    "pesos": "peso",
    "zlotys": "zloty",
}


@dataclass(frozen=True, slots=True)
class Scene:
    """Where and when one article happens, and how its outlet writes numbers."""

    rng: Random
    cast: Cast
    country: Country
    city: str
    when: datetime
    sign: bool  # "4.5%" rather than "4.5 percent"

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def pct(self, value: float, places: int = 1) -> str:
        text = f"{value:.{places}f}"
        return f"{text}%" if self.sign else f"{text} percent"

    def num(self, low: int, high: int, step: int = 1) -> str:
        return f"{self.rng.randrange(low, high + 1, step):,}"

    def money(self, low: float, high: float, unit: str = "billion") -> str:
        return f"{self.rng.uniform(low, high):.1f} {unit} {self.country.currency}"

    def other_city(self) -> str:
        return self.pick([c for c in self.country.cities if c != self.city])

    def month(self, offset: int) -> str:
        return MONTHS[(self.when.month - 1 + offset) % 12]

    def year(self, back_low: int, back_high: int) -> str:
        return str(self.when.year - self.rng.randint(back_low, back_high))

    def stranger(self) -> str:
        """A name for someone in one story only, sharing no surname with the recurring cast."""
        taken = {p.last for p in self.cast.prominent if p.country is self.country}
        free = [n for n in self.country.surnames if n not in taken] or self.country.surnames
        return f"{self.pick(self.country.women + self.country.men)} {self.pick(free)}"

    def expert(self, kind: str) -> Person:
        fits = [p for p in self.cast.academics if kind in p.role]
        return self.pick([p for p in fits if p.country is self.country] or fits)

    def analyst(self, *, besides: Person | None = None) -> Person:
        return self.pick([p for p in self.cast.analysts if p is not besides])


@dataclass(frozen=True, slots=True)
class Facts:
    speaker: Person  # {p1}: the main voice
    other: Person  # {p2}: the other side, or the person the story is about
    expert: Person  # {an}: an analyst or academic
    values: dict[str, str]
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)  # pool -> templates


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    facts: Callable[[Scene], Facts]
    where: Callable[[Country], bool]
    headline: tuple[str, ...]
    lede: tuple[str, ...]
    detail: tuple[str, ...]
    background: tuple[str, ...]
    outlook: tuple[str, ...]
    q1: tuple[str, ...]  # quotes of the speaker
    q2: tuple[str, ...]  # quotes of the other side
    qa: tuple[str, ...]  # quotes of the expert
    public: bool = True  # a story about public life, where talk of governments fits


def anywhere(country: Country) -> bool:
    return True


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def bare(name: str) -> str:
    return name.removeprefix("the ")


def as_role(person: Person, role: str) -> Person:
    return dataclasses.replace(person, role=role)


# --- quotation frames and sentences that fit any topic ---------------------------------------

INTRO_FRAMES: tuple[str, ...] = (  # a speaker's first quote names them in full
    '"{Q}," said {who}, {who_role}.',
    '"{Q}," said {who_intro}.',
    '"{Q}," {who_subject} said [in a statement|at a news conference in {city}|on {day}].',
    '{who_subject} [said|told reporters] [on {day}|in {city}|]: "{Q}."',
    'In a statement, {who_subject} said: "{Q}."',
    '"{Q}," {who_subject} [told reporters|told a news conference] [in {city}|on {day}|].',
    '{who_subject} [struck a defiant tone|sounded a cautious note|was blunt] [on {day}|]. "{Q}," '
    "{who_he} said.",
)
FOLLOW_FRAMES: tuple[str, ...] = (
    '"{Q}," {who_last} [said|added].',
    '"{Q}," {who_last} said. "{Q}."',
    '{who_last} [said|added|told reporters]: "{Q}."',
    '[Speaking|Speaking to reporters|Speaking later] in {city}, {who_last} said: "{Q}."',
    '"{Q}," {who_last} [wrote|said] in a post on social media.',
    '"{Q}," {who_he} [said|added], [according to a transcript of the remarks|according to a '
    "statement from {who_his} office|].",
)

GENERIC_ANY: tuple[str, ...] = (  # sentences that fit any subject
    "[Local media|Local broadcasters|Newspapers in {country}] [reported|said] that {event} had "
    "dominated [the evening news|front pages|social media] [on {day}|for much of the week].",
    "The figures could not be independently verified.",
    "[Reaction on social media|Online reaction] was [swift|divided|largely critical], with [the "
    "topic|{event}] [trending|among the most discussed subjects] in {country} [by the "
    "evening|within hours].",
    "[Asked about|Pressed on|Questioned about] [the timing|next steps|the cost], {p1_last} "
    "[said|replied] that [it was too early to say|more would be said in due course|a decision "
    "would be made soon].",
    "[A spokesperson for {p1_last}|{p1_last}'s spokesperson] declined to [comment further|give "
    "further details] [on {day}|when contacted].",
    "[Further details|More details] [are expected|were expected] [later in the week|in the coming "
    "days].",
)
GENERIC: tuple[str, ...] = (  # sentences about public life
    "[Officials|A government spokesperson|{p1_last}'s office] did not [immediately "
    "respond|respond] to [a request|requests] for [further comment|comment] [on {day}|late on "
    "{day}|].",
    "It was [not immediately clear|unclear] [how|whether] {event} would affect [the government's "
    "plans|the rest of the year|the government's agenda for {next_month}].",
    "[The government of {leader}|{leader}'s government] has faced [growing|mounting] "
    "[criticism|pressure] over [its handling of the economy|the cost of living|the state of public "
    "services] [in recent months|since the summer|this year].",
    "[Opinion polls|Recent surveys] [suggest|show] that [voters|most people in {country}] "
    "[rank|see] the [cost of living|state of the economy] as their [top|biggest] concern.",
    "Officials in {capital} said they would [publish|release] [a fuller assessment|further "
    "figures|an update] [on {next_weekday}|next week|before the end of {month}].",
    "[The issue|The matter] has [drawn|attracted] [attention|interest] [well beyond|outside] "
    "{country}, with [neighbouring governments|foreign diplomats|international investors] "
    "[watching closely|following developments].",
    "[Critics|Opponents] [say|argue] that [the government|officials] [moved too slowly|had been "
    "slow to act|had been warned months ago].",
    "The [latest development|news] [follows|comes after] [a turbulent|a difficult|an eventful] "
    "[week|month] for {country}, which is [also|] grappling with [a slowing economy|high energy "
    "prices|a tight labour market].",
    "[Government sources|Officials], speaking on condition of anonymity [because they were not "
    "authorised to speak publicly|because the discussions were private], said {event} [had been "
    "discussed|was raised] at [a cabinet meeting|a meeting of senior ministers] on {day}.",
    "[Residents|Several people] in {city} [told reporters|said] they [had been following|were "
    "following] [the news|developments] [closely|with concern|with some relief].",
)

BIOS: tuple[str, ...] = (
    "{last}, {age}, has been {core} since {since} and [previously|before that] [served as|worked "
    "as] {prev}.",
    "A former {career}, {last} [became|was named] {core} in {since} [after|following] [a long "
    "career in|years in] {field}.",
    "{last} [took up the post|was appointed] in {since}, having [previously|earlier] [served "
    "as|worked as] {prev}, and is [widely seen as|regarded as] {repute}.",
)
BIO_PREV = (
    "a regional governor",
    "deputy finance minister",
    "a member of parliament for {city}",
    "a senior official at the central bank",
    "a trade negotiator",
    "a hospital doctor",
    "a city councillor in {city}",
    "a corporate lawyer",
    "an adviser to the previous government",
    "head of a think tank in {city}",
    "a university lecturer",
    "a newspaper columnist",
)
BIO_CAREER = (
    "economist",
    "diplomat",
    "labour lawyer",
    "schoolteacher",
    "management consultant",
    "investment banker",
    "journalist",
    "civil servant",
    "surgeon",
    "engineer",
)
BIO_FIELD = (
    "local government",
    "the civil service",
    "finance",
    "the law",
    "academia",
    "the trade union movement",
    "business",
    "medicine",
)
BIO_REPUTE = (
    "a pragmatist",
    "a cautious operator",
    "an outspoken figure",
    "a consensus builder",
    "a skilled negotiator",
    "a technocrat",
    "a rising star of {party}",
)


def since(person: Person) -> int:
    """The year a person took up their post: one fact, however often it is written."""
    return Random(f"since:{person.name}").randint(2012, 2023)


def bio(person: Person) -> str:
    """The background sentence an outlet keeps reusing about a person: the same text every time."""
    rng = Random(f"bio:{person.name}")
    role = person.role
    if not role.startswith("the city's"):
        role = role.removeprefix("the ").removeprefix("a ").removeprefix("an ")
    values = {
        "last": person.last,
        "age": str(rng.randint(38, 71)),
        "core": role or "a professional footballer",
        "since": str(since(person)),
        "prev": rng.choice(BIO_PREV).format(city=person.city),
        "career": rng.choice(BIO_CAREER),
        "field": rng.choice(BIO_FIELD),
        "repute": rng.choice(BIO_REPUTE).format(party=person.party or "the governing party"),
    }
    template = rng.choice(BIOS).format_map(values)
    while "[" in template:  # the same choices every time: this rng is the person's own
        start = template.rindex("[")
        end = template.index("]", start)
        template = (
            template[:start]
            + rng.choice(template[start + 1 : end].split("|"))
            + (template[end + 1 :])
        )
    return template


# --- central bank rates ----------------------------------------------------------------------


def _rates(s: Scene) -> Facts:
    up = s.rng.random() < 0.5
    bps = s.pick((25, 25, 25, 50, 50, 75))
    old = s.rng.randrange(300, 1100, 25) / 100
    new = old + bps / 100 if up else old - bps / 100
    infl = s.rng.uniform(2.4, 9.5) if up else s.rng.uniform(1.6, 5.5)
    dissent = s.rng.randint(1, 3)
    values = {
        "event": "the rate decision",
        "bank": s.pick(
            (f"{s.country.name}'s central bank", f"the {s.country.adjective} central bank")
        ),
        "verb": "raised" if up else "cut",
        "verbs": "raises" if up else "cuts",
        "verb_inf": "raise" if up else "cut",
        "move": "hike" if up else "cut",
        "old": s.pct(old, 2),
        "new": s.pct(new, 2),
        "bps": str(bps),
        "infl": s.pct(infl),
        "infl_prev": s.pct(infl + s.rng.uniform(-0.8, 0.8)),
        "infl_peak": s.pct(s.rng.uniform(9.5, 17.0)),
        "target": s.pct(s.pick((2.0, 2.0, 2.5, 3.0)), 0 if s.sign else 1),
        "vote": f"{9 - dissent}-{dissent}",
        "dissent": ("one member", "two members", "three members")[dissent - 1],
        "dissent_view": s.pick(("a smaller move", "leaving rates unchanged", "a larger move")),
        "growth": s.pct(s.rng.uniform(-0.5, 3.2)),
        "growth_year": str(s.when.year + 1),
        "fx": SINGULAR[s.country.currency],
        "fx_verb": "[firmed|rose|edged up]" if up else "[slipped|weakened|fell]",
        "fx_move": s.pct(s.rng.uniform(0.2, 1.4)),
        "yield_verb": "rose" if up else "fell",
        "yield_bps": str(s.rng.randint(3, 19)),
        "last_move": s.month(-s.rng.randint(2, 7)),
        "past_year": s.year(2, 3),
        "wages": s.pct(s.rng.uniform(2.5, 8.0)),
        "debt": s.pct(s.rng.uniform(45, 115), 0),
        "reason": "[price pressures were proving more stubborn than expected|inflation was still "
        "running well above target|the labour market remained too tight]"
        if up
        else "[inflation had cooled enough to give the economy some relief|price pressures were "
        "easing faster than expected|the economy needed support]",
    }
    ups: dict[str, tuple[str, ...]] = {
        "q1": (
            "Inflation is still [too high|well above our target], and we [will not|cannot] take "
            "chances with it",
            "We would rather act now than [have to do more later|let price pressures become "
            "entrenched]",
            "We know this is [painful|hard] for [families with mortgages|borrowers], but high "
            "inflation [hurts them more|is the bigger threat]",
            "We are [prepared|ready] to [act again|do more] if [needed|necessary]",
        ),
        "q2": (
            "Nobody [likes|wants] higher [borrowing costs|mortgage bills], but inflation has to "
            "come down",
        ),
        "headline": (
            "{country_adj} central bank raises rates to {new} as inflation [stays stubborn|refuses "
            "to cool]",
        ),
    }
    downs: dict[str, tuple[str, ...]] = {
        "q1": (
            "We have made [real|significant] progress on inflation, and that [gives us room|allows "
            "us] to [ease|support the economy]",
            "This is not [the start of|a signal of] a rapid [series of cuts|easing cycle]",
            "We will move [carefully|cautiously] [from here|in the months ahead]",
            "Households have [been under|felt] [real|considerable] pressure, and [today's "
            "decision|this decision] should [offer some relief|help]",
        ),
        "q2": ("[This decision|Today's decision] [shows|confirms] that our plan is working",),
        "headline": ("{country_adj} central bank cuts rates to {new} as inflation [cools|eases]",),
    }
    return Facts(
        s.cast.office(s.country, "governor"),
        s.cast.office(s.country, "finance"),
        s.analyst(),
        values,
        ups if up else downs,
    )


RATES = Topic(
    "rates",
    _rates,
    lambda country: country.currency != "euros",
    headline=(
        "{country_adj} central bank {verbs} rates by {bps} basis points to {new}",
        "{country} {verbs} interest rates to {new}[, signals caution|, keeps options open|]",
        "{p1_last} [defends|explains] {country} rate {move}",
        "{country_adj} rate-setters vote {vote} to {verb_inf} borrowing costs",
        "Central bank in {capital} {verbs} key rate to {new}",
    ),
    lede=(
        "{bank} {verb} its [benchmark|main|key] interest rate by {bps} basis points to {new} on "
        "{day}, [its first move since {last_move}|as policymakers [tried|sought] to [steer|bring] "
        "inflation [back toward|closer to] its {target} target].",
        "[Policymakers at {bank}|{bank}|Rate-setters at {bank}] {verb} borrowing costs to {new} "
        "from {old} on {day}, saying {reason}.",
        "{bank} {verb} interest rates for the [first|second|third] time [this year|since "
        "{last_move}] on {day}, taking its benchmark rate to {new} [as|after] {reason}.",
    ),
    detail=(
        "The decision was [taken by|reached in] a {vote} vote of the [monetary policy "
        "committee|rate-setting committee|bank's policy board], with {dissent} [favouring|arguing "
        "for] {dissent_view}.",
        "Annual inflation [stood at|was running at] {infl} in {prev_month}, [compared with "
        "{infl_prev} a month earlier|against {infl_prev} in the previous month], according to the "
        "national statistics office.",
        "The bank now [expects|forecasts] the economy to grow {growth} in {growth_year}, "
        "[slightly|marginally] [below|above] [its previous forecast|what it projected in the "
        "summer].",
        "The {fx} {fx_verb} [about|around|roughly] {fx_move} against the dollar [after the "
        "announcement|in the minutes after the decision|following the decision].",
        "Yields on two-year government bonds {yield_verb} {yield_bps} basis points [in afternoon "
        "trading|by late afternoon|after the decision].",
        "[Markets|Investors|Traders] had [largely|mostly] priced in [a move of that size|a smaller "
        "move], [according to|judging by] [money market pricing|pricing in swaps markets|a poll of "
        "economists published last week].",
        "Mortgage lenders [are expected to|were likely to] pass the [change|move] on to "
        "[borrowers|households] [within weeks|in the coming weeks], [analysts said|according to "
        "industry groups|brokers said].",
        "Growth in wages [slowed|eased|picked up] to {wages} in the three months to {prev_month}, "
        "[a figure the bank watches closely|which the bank has flagged as a concern|official data "
        "showed last week].",
        "The bank [also|] said it would [keep|continue] reducing its holdings of government bonds "
        "[at the current pace|as planned], [a process known as quantitative tightening|unchanged "
        "from its previous guidance].",
    ),
    background=(
        "{bank} raised rates [aggressively|sharply|repeatedly] in {past_year} [as|when] [energy "
        "prices soared|inflation hit {infl_peak}][, and has since moved more cautiously|, before "
        "holding steady for much of the following year].",
        "Inflation [peaked at|hit] {infl_peak} in {past_year}, [its highest level in "
        "decades|driven by energy and food prices].",
        "{p1_last}, who [has led the bank since|took over at the bank in] {p1_since}, has "
        "[repeatedly|often] [said|argued] that policymakers would [rather act early than fall "
        "behind|prefer to move gradually than surprise markets].",
        "Economists have [long|] [debated|questioned] how quickly changes in borrowing costs [feed "
        "through to|reach] [an economy where most mortgages are on fixed rates|a country where "
        "household debt is among the highest in the region].",
        "The government has [little|limited] [room|fiscal room] to [support|help] households, "
        "[with|as] public debt [close to|near|above] {debt} of economic output.",
    ),
    outlook=(
        "The next policy meeting is [scheduled|set] for {next_month}[, when the bank will also "
        "publish new forecasts|].",
        "[Most economists|Analysts polled last week] [expect|now expect] [one more {move} before "
        "the end of {year}|rates to stay at {new} until at least {next_month}|further moves to "
        "depend on the next inflation figures].",
        "{p1_last} [is due to|will] [appear before|testify to] [lawmakers|a parliamentary "
        "committee] [next week|on {next_weekday}], where [{p1_he} is likely to face "
        "questions|questions are expected] about the [decision|timing of the move].",
    ),
    q1=(
        "[What comes next|The path ahead] [depends on the data, not on a preset course|will be "
        "determined by the data, not by a preset course]",
    ),
    q2=(
        "The bank is independent, and [we respect|the government respects] its decisions",
        "[Our job|The government's task] is to [keep public finances in order|support households]",
    ),
    qa=(
        "The bank [has signalled|is signalling] that it [is not done yet|is in no hurry]",
        "The [statement|guidance] was [more hawkish|more dovish|more cautious] than [markets had "
        "expected|we expected]",
        "We [still|now] expect [one more|another] {move} [before the end of the year|by "
        "{next_month}]",
        "[Wage growth|Services inflation] [is|remains] the key [number|variable] to watch",
    ),
)


# --- elections -------------------------------------------------------------------------------


def _election(s: Scene) -> Facts:
    leader = s.cast.office(s.country, "leader")
    rival = s.cast.office(s.country, "opposition")
    winner, loser = (leader, rival) if s.rng.random() < 0.5 else (rival, leader)
    share1 = s.rng.uniform(29.0, 47.0)
    share2 = share1 - s.rng.uniform(2.0, 14.0)
    seats = s.pick((150, 200, 230, 290, 338, 350, 400, 460, 500, 513, 543, 650))
    majority = seats // 2 + 1
    won = s.rng.random() < 0.5
    seats1 = (
        s.rng.randint(majority, int(seats * 0.62))
        if won
        else s.rng.randint(int(seats * 0.3), majority - 2)
    )
    values = {
        "event": "the election",
        "kind": s.pick(("general election", "snap election", "parliamentary election")),
        "party1": winner.party,
        "party2": loser.party,
        "Party1": cap(bare(winner.party)),
        "share1": s.pct(share1),
        "share2": s.pct(share2),
        "drop": f"{s.rng.uniform(1.5, 9.5):.1f}",
        "small_share": s.pct(s.rng.uniform(3.0, 11.0)),
        "turnout": s.pct(s.rng.uniform(48.0, 81.0)),
        "turnout_prev": s.pct(s.rng.uniform(48.0, 81.0)),
        "counted": s.pct(s.rng.uniform(71.0, 99.5)),
        "seats1": str(seats1),
        "seats": str(seats),
        "majority": str(majority),
        "majority_text": "[enough for|above] the {majority} needed for a majority"
        if won
        else "short of the {majority} needed for a majority",
        "next_step": "The new government is expected to be sworn in [by|before] {next_month}."
        if won
        else "{p1_last} is expected to [open|begin] coalition talks with [smaller parties|centrist "
        "parties] [in the coming days|next week].",
        "prev_election": s.year(3, 5),
        "reform_year": s.year(1, 6),
    }
    return Facts(winner, loser, s.expert("political science"), values)


ELECTION = Topic(
    "election",
    _election,
    anywhere,
    headline=(
        "{Party1} wins {country} election with {share1} of vote",
        "{p1_last} [declares victory|claims win] as {country} counts votes",
        "{country} election: {p1_last}'s party leads with {counted} of votes counted",
        "Turnout [hits|reaches] {turnout} as {country_adj} voters go to the polls",
        "{p2_last} [concedes|admits defeat] in {country_adj} election",
    ),
    lede=(
        "{party1} [won|took|secured] {share1} of the vote in {country}'s {kind} on {day}, "
        "according to [preliminary|official] results [with {counted} of ballots counted|published "
        "by the electoral commission], putting {p1} [on course to form|within reach of] the next "
        "government.",
        "{p1_named} [claimed|declared] victory in {country}'s {kind} [late on|early on] {day} "
        "after [results|preliminary results] showed {p1_his} party [winning|taking] {share1} of "
        "the vote.",
        "Voters in {country} [handed|gave] {party1} [the largest share of the vote|a clear lead|a "
        "narrow lead] in a {kind} on {day}, [with|as] {party2} [trailing on|finishing second with] "
        "{share2}.",
    ),
    detail=(
        "Turnout was {turnout}, [compared with|against] {turnout_prev} at the last election [in "
        "{prev_election}|four years ago].",
        "[Projections|Seat projections] [based on the results|published by public broadcasters] "
        "gave {party1} {seats1} of the {seats} seats in {parliament}, {majority_text}.",
        "{party2} [finished|came] second with {share2}[, down {drop} points from the last "
        "election|, its weakest showing in years].",
        "Smaller parties [shared|split] the rest of the vote, with [a new anti-establishment "
        "movement|a regionalist party|the Greens] [winning|taking] {small_share}.",
        "[Electoral officials|The electoral commission] said [voting had passed off|the vote had "
        "been] [largely peacefully|without major incidents], [although|though] [queues of several "
        "hours were reported|some polling stations opened late] in {city}.",
        "[Final|Official] results [are expected|were due] [on {next_weekday}|within days|later in "
        "the week].",
        "[International observers said the vote was broadly free and fair|Observers described the "
        "vote as well organised], [while noting|but noted] [concerns about campaign "
        "financing|uneven access to the media].",
        "{p1_last} [celebrated with|addressed] supporters [at a hotel in {capital}|at the party's "
        "headquarters in {capital}|at a rally in {city}] [shortly after midnight|late into the "
        "night].",
    ),
    background=(
        "The campaign was dominated by [the cost of living|housing costs|immigration and public "
        "services|energy prices], with [both|the main] [parties|candidates] [promising|pledging] "
        "[tax cuts|to build more homes|to cut hospital waiting times].",
        "Polls [before the vote|during the campaign] had [pointed to|suggested] a [tight "
        "race|close contest], and many voters [said they were undecided|were undecided] [until the "
        "final week|in the last days].",
        "{p2_last} had campaigned on a pledge to [raise the minimum wage|cut income taxes|reform "
        "the pension system|tackle corruption], [but|yet] [struggled to|failed to] [win over "
        "younger voters|reach voters outside the big cities].",
        "It was the [first|second] national vote since [a constitutional reform|new electoral "
        "boundaries] [came into force|took effect] in {reform_year}.",
    ),
    outlook=(
        "{next_step}",
        "{Parliament} is [due|expected] to [convene|hold its first session] in {next_month}.",
        "[Analysts|Observers] said the [result|outcome] [could|would] [reshape|shift] [the "
        "country's relations with its neighbours|policy toward foreign investors|the direction of "
        "economic policy].",
    ),
    q1=(
        "[Tonight|Today], the people of {country} [have chosen|chose] [change|a new "
        "direction|stability]",
        "I will [govern|lead] for everyone in this country, not only those who voted for us",
        "[There is|We have] [a lot of|much] work to do, and [we will start|it starts] [tomorrow|on "
        "Monday]",
        "We [listened|went out] to voters in every [corner|part] of {country}",
        "This result [is|gives us] a clear mandate [to act|for change|to govern]",
    ),
    q2=(
        "Voters have [spoken|made their choice], and I [respect|accept] [their decision|the "
        "result]",
        "[This is|It is] [not the result we wanted|a disappointing night for us]",
        "We will [hold the government to account|be a strong opposition]",
        "I called {p1_last} [tonight|this evening] to [congratulate|offer my congratulations]",
    ),
    qa=(
        "[This is|It was] a [clear|decisive|narrow] [verdict|judgment] on [the economy|the cost of "
        "living|the last four years]",
        "The [real|hard] work [starts|begins] now, with [coalition talks|a budget] that "
        "[could|will] [take months|test the new government]",
        "[Turnout|The turnout figure] [tells us|suggests] voters were [motivated|energised] this "
        "time",
        "[Younger|Urban] voters [moved|swung] [decisively|sharply] away from {party2}",
    ),
)


# --- wildfires -------------------------------------------------------------------------------


def _wildfire(s: Scene) -> Facts:
    deaths = s.pick((0, 0, 0, 1, 2, 3, 4, 7))
    values = {
        "event": "the fire",
        "place": "[in the hills|in the forests|in farmland] [north|south|east|west] of {city}",
        "hectares": s.num(800, 42000, 50),
        "evac": s.num(1200, 38000, 100),
        "firefighters": s.num(150, 2400, 10),
        "aircraft": str(s.rng.randint(4, 31)),
        "homes": str(s.rng.randint(3, 240)),
        "injured": str(s.rng.randint(2, 19)),
        "towns": s.pick(("two", "three", "four", "five", "six")),
        "deaths_line": (
            "No deaths [were|have been] reported, [although|but] {injured} firefighters were "
            "treated for [smoke inhalation|minor injuries]."
            if deaths == 0
            else f"[Officials confirmed|Authorities said] {deaths} "
            f"{'person had' if deaths == 1 else 'people had'} [died|been killed], [among them "
            "a man who had refused to leave his farm|including an elderly resident who was trapped "
            "in a car]."
        ),
        "wind": f"{s.rng.randint(45, 110)} km/h",
        "contained": s.pct(s.rng.uniform(0, 65), 0),
        "temp": f"{s.rng.randint(33, 46)}C",
        "humidity": s.pct(s.rng.uniform(6, 19), 0),
        "city2": s.other_city(),
        "cause": s.pick(
            (
                "it may have been started by a downed power line",
                "lightning strikes earlier in the week were a possible cause",
                "it may have been started deliberately",
                "sparks from farm machinery could have been to blame",
            )
        ),
        "past_year": s.year(1, 4),
        "past_hectares": s.num(40000, 900000, 1000),
    }
    return Facts(s.cast.responders[s.city], s.cast.mayors[s.city], s.expert("disaster"), values)


WILDFIRE = Topic(
    "wildfire",
    _wildfire,
    lambda c: (
        c.name
        in {
            "Spain",
            "Italy",
            "France",
            "Australia",
            "Canada",
            "Brazil",
            "South Africa",
            "Mexico",
            "Kenya",
            "India",
        }
    ),
    headline=(
        "Wildfire forces evacuation of {evac} [people|residents] near {city}",
        "[Firefighters|Crews] battle wildfire [outside|near] {city} as winds [pick up|reach "
        "{wind}]",
        "{city} wildfire [burns|scorches] {hectares} hectares, [destroys {homes} homes|{contained} "
        "contained]",
        "[Thousands flee|Residents flee] wildfire [near|outside] {city}",
        "{country} sends {aircraft} water-bombing aircraft to [fight|tackle] {city} fire",
    ),
    lede=(
        "A wildfire [burning|raging] {place} forced [the evacuation of {evac} people|{evac} "
        "residents to leave their homes] on {day}, as [strong|gusting|hot, dry] winds "
        "[pushed|drove] the flames [toward|towards] [suburban neighbourhoods|outlying villages|the "
        "motorway].",
        "[More than|Nearly] {firefighters} firefighters [were battling|fought] a "
        "[fast-moving|wind-driven] wildfire {place} on {day}, after the [blaze|fire] [burned "
        "through|scorched] {hectares} hectares [of forest and scrubland|of pine forest|of farmland "
        "and bush].",
        "Authorities [ordered|issued] evacuations for {towns} [towns|villages|districts] {place} "
        "on {day} [as|after] a wildfire [jumped containment lines|spread overnight|doubled in "
        "size].",
    ),
    detail=(
        "The fire had [burned|consumed] {hectares} hectares [by {day} evening|by late {day}|as of "
        "{day}] and was {contained} contained, [according to the regional fire service|according "
        "to emergency officials|officials said].",
        "At least {homes} [homes|houses|buildings] [were destroyed|have been destroyed] "
        "[and|while] [dozens more|many others] [were damaged|suffered damage].",
        "{deaths_line}",
        "Winds [gusting|] up to {wind} were [forecast|expected] [to continue until "
        "{next_weekday}|overnight|into the weekend], [complicating|hampering] [efforts to contain "
        "the blaze|the work of crews on the ground].",
        "{aircraft} [water-bombing aircraft|planes and helicopters] [joined|were deployed in] the "
        "[effort|firefight] [at first light|on {day} morning|once the smoke cleared].",
        "Temperatures [reached|climbed to|hit] {temp} [on {day}|in the afternoon], [with|and] "
        "humidity [below|under] {humidity}.",
        "[Several main roads|Two highways] [were closed|remained closed], including the [main "
        "route|motorway] between {city} and {city2}.",
        "Evacuees [were being housed|spent the night] in [schools|sports halls|a temporary "
        "shelter] [in|across] {city}, [officials said|according to the city council].",
        "The cause of the fire [was under investigation|had not been determined], [though|but] "
        "[officials said|investigators suspected] {cause}.",
    ),
    background=(
        "{country} has [endured|seen] [a string of|several] [severe|destructive] fire seasons [in "
        "recent years|since {past_year}], which [scientists link to|experts attribute partly to] "
        "[hotter, drier summers|climate change].",
        "The [region|area] had gone [weeks|more than a month] without [significant|meaningful] "
        "rain, leaving [vegetation|the undergrowth] [tinder dry|extremely dry].",
        "In {past_year}, wildfires [burned|destroyed] [more than|about] {past_hectares} hectares "
        "[across the country|nationwide], according to official figures.",
        "[Critics|Firefighters' unions] have [long|repeatedly] [warned|complained] that [crews are "
        "understaffed|budgets for fire prevention have been cut|equipment is ageing].",
    ),
    outlook=(
        "[Forecasters expect|The weather service predicts] [cooler temperatures|some rain|a change "
        "in wind direction] [by {next_weekday}|later in the week|over the weekend], which [could "
        "help|may help] crews [gain the upper hand|make progress].",
        "Residents [will not be allowed|are unlikely to be allowed] to return [until the area is "
        "declared safe|before {next_weekday}], [officials said|the mayor's office said].",
        "{leader} [was due to|planned to] [visit|tour] the [affected area|fire zone] [on "
        "{next_weekday}|later in the week].",
    ),
    q1=(
        "[This is|It is] a [very|extremely] [dangerous|volatile|difficult] fire, and [the next 24 "
        "hours|the next two days] [will be critical|are crucial]",
        "If you are told to leave, leave. [Do not wait|Please do not wait]",
        "Our crews have been working [around the clock|through the night], [and they are "
        "exhausted|in extremely difficult conditions]",
        "The wind is [our biggest|the main] [enemy|problem] right now",
        "We have {firefighters} people on the ground and every [available|] aircraft in the air",
    ),
    q2=(
        "[Our|My] thoughts are with [everyone|the families] who [lost|have lost] their homes",
        "The city will [provide|offer] [shelter|support] to anyone who needs it",
        "We will [rebuild|recover], [but|and] it will take time",
        "I [urge|ask] residents to [follow the advice of|listen to] emergency services",
    ),
    qa=(
        "Fire seasons are [getting longer|starting earlier], and this fire fits that pattern",
        "We [need|will need] to rethink how and where we build homes near [forests|bushland]",
        "[Prevention|Clearing undergrowth] [is cheaper|costs far less] than fighting fires",
    ),
)


# --- trade talks -----------------------------------------------------------------------------

GOODS = (
    "steel",
    "electric vehicles",
    "grain",
    "semiconductors",
    "dairy products",
    "wine",
    "pharmaceuticals",
    "fertiliser",
    "beef",
    "solar panels",
)


def _trade(s: Scene) -> Facts:
    partner = s.pick([c for c in COUNTRIES if c is not s.country])
    goods, goods2 = s.rng.sample(GOODS, 2)
    tariff = s.rng.randint(12, 45)
    deal = s.rng.random() < 0.5
    values = {
        "event": "the talks",
        "partner": partner.name,
        "partner_adj": partner.adjective,
        "partner_city": s.pick(partner.cities),
        "partner_parliament": partner.parliament,
        "goods": goods,
        "goods2": goods2,
        "tariff": s.pct(tariff, 0),
        "tariff_new": s.pct(s.rng.randint(0, tariff // 2), 0),
        "years": str(s.rng.randint(3, 10)),
        "value": f"{s.rng.uniform(4, 95):.1f} billion dollars",
        "goods_share": s.pct(s.rng.uniform(8, 40), 0),
        "round": s.pick(("fourth", "fifth", "sixth", "seventh", "eighth", "ninth")),
        "deadline": s.pick(("the end of the year", f"the end of {s.month(3)}", "next summer")),
        "dispute_since": s.year(2, 7),
        "result": "both sides [announcing|unveiling] a framework agreement covering {goods} and "
        "{goods2}"
        if deal
        else "no [agreement|deal] on {goods} tariffs, the main sticking point",
        "state": "close to the finish line" if deal else "stuck",
    }
    deal_extra: dict[str, tuple[str, ...]] = {
        "headline": ("{country} and {partner} [reach|agree] framework trade deal on {goods}",),
        "q1": (
            "This is a [good|fair|balanced] deal for [our exporters|{country_adj} workers|both "
            "countries]",
            "[We|Our negotiators] secured [what we needed|the protections we asked for] on "
            "{goods2}",
        ),
    }
    stall_extra: dict[str, tuple[str, ...]] = {
        "headline": (
            "{country}-{partner} trade talks [stall|end without deal] over {goods}",
            "{partner} [threatens|warns of] retaliation as {country} talks drag on",
        ),
        "q1": (
            "We [will not|are not going to] sign a deal [at any price|that hurts our farmers|just "
            "for the sake of it]",
            "[The gap|The distance] between us [is still|remains] [significant|wide] on {goods}",
        ),
    }
    other = as_role(s.cast.office(partner, "trade"), f"{partner.adjective} trade minister")
    return Facts(
        s.cast.office(s.country, "trade"),
        dataclasses.replace(other, title=f"{partner.adjective} Trade Minister"),
        s.analyst(),
        values,
        deal_extra if deal else stall_extra,
    )


TRADE = Topic(
    "trade",
    _trade,
    anywhere,
    headline=(
        "{p1_last} says {goods} tariffs must [fall|come down] in {partner} deal",
        "Trade talks between {country} and {partner} [resume|enter {round} round] in {city}",
    ),
    lede=(
        "[Negotiators|Officials] from {country} and {partner} [ended|wrapped up] the {round} round "
        "of trade talks in {city} on {day}, with {result}.",
        "{p1_named} [said|told reporters] on {day} that talks with {partner} on [cutting|lowering] "
        "tariffs on {goods} were {state}, as negotiators [met|gathered] in {city} for a {round} "
        "round.",
        "Trade talks between {country} and {partner} [over|on] {goods} and {goods2} [ended|broke "
        "up] in {city} on {day} with {result}, [officials said|according to officials].",
    ),
    detail=(
        "{partner} currently [imposes|applies|charges] a {tariff} tariff on {goods} from "
        "{country}, [which|a level that] [exporters|industry groups] [say|argue] [makes them "
        "uncompetitive|has cost thousands of jobs].",
        "Under the [proposal|draft] [discussed|on the table], the tariff would [fall|be cut] to "
        "{tariff_new} over {years} years, according to [two officials familiar with the talks|a "
        "person briefed on the negotiations|a draft seen by reporters].",
        "Trade between the two countries was worth [about|around|roughly] {value} last year, and "
        "{goods} [accounted for|made up] [about|nearly] {goods_share} of the total.",
        "Farmers' organisations in {partner} oppose concessions on {goods2} and [held a "
        "protest|staged a demonstration] near the venue on {day}.",
        "The talks were the [first|most significant] since {country} [imposed|introduced] "
        "[duties|quotas] on {partner_adj} {goods2} [in {prev_month}|earlier this year].",
        "Negotiators [had also discussed|also touched on] [rules of origin|public "
        "procurement|digital trade|investment screening][, but made less progress there|, without "
        "reaching agreement].",
        "[Business groups|Industry associations] in {country} [welcomed the progress, saying "
        "exporters needed certainty|criticised the pace of the talks, saying it was too slow].",
    ),
    background=(
        "{country} and {partner} have been [at odds|in dispute] over {goods} [since|ever since] "
        "{dispute_since}.",
        "[Global|International] trade has been [strained|disrupted] by [rising tariffs|shipping "
        "disruptions|the fragmentation of supply chains] [over the past few years|since the "
        "pandemic].",
        "{p1_last} has [made expanding exports a priority|described trade diversification as a "
        "central goal] [of {p1_his} time in office|since taking office].",
    ),
    outlook=(
        "The next round [is|was] [scheduled|planned] for {next_month} in {partner_city}.",
        "[Both sides|The two governments] [aim|hope] to [conclude|finalise] [an agreement|a deal] "
        "[before|by] {deadline}.",
        "Any final deal would [need|have] to be [approved|ratified] by {parliament} [and|as well "
        "as] {partner_parliament}.",
    ),
    q1=(
        "[We|Both sides] [want|are committed to] [a deal|an agreement] that [works|is fair] for "
        "both sides",
        "[There is|We have] [real|genuine] [goodwill|momentum] [on both sides|at the table]",
    ),
    q2=(
        "[Our|The {partner_adj}] position on {goods2} [has not changed|is well known]",
        "We [came|have come] to {city} [to negotiate|in good faith]",
        "[We are|I am] [optimistic|hopeful] that [we can close the remaining gaps|a deal can be "
        "done] [by|before] {deadline}",
    ),
    qa=(
        "[Any|The] deal [would|will] matter most for {goods} [producers|exporters]",
        "Neither side can afford [a breakdown|to walk away] [right now|at this point]",
        "[Tariffs|Trade barriers] [like these|of this size] [tend to|usually] [hurt "
        "consumers|raise prices] [on both sides|in both countries]",
    ),
)


# --- football transfers ----------------------------------------------------------------------

POSITIONS = ("midfielder", "striker", "centre-back", "winger", "goalkeeper", "full-back")


def _transfer(s: Scene) -> Facts:
    club_to, club_from, club_other, club_youth = s.rng.sample(CLUBS, 4)
    fee = s.rng.randint(8, 115)
    age = s.rng.randint(19, 31)
    position = s.pick(POSITIONS)
    player = as_role(s.pick(s.cast.players), f"the {age}-year-old {position}")
    finish = ("second", "third", "fourth", "fifth", "sixth", "seventh", "ninth", "11th")
    values = {
        "event": "the transfer",
        "club_to": club_to,
        "club_from": club_from,
        "club_other": club_other,
        "club_youth": club_youth,
        "fee": f"{fee} million euros" if s.sign else f"€{fee} million",
        "fee_max": f"{fee + s.rng.randint(3, 20)} million euros",
        "bid1": f"{max(fee - s.rng.randint(4, 20), 5)} million euros",
        "spend": f"{fee + s.rng.randint(20, 150)} million euros",
        "age": str(age),
        "position": position,
        "years": s.pick(("three", "four", "five")),
        "contract_end": str(s.when.year + s.rng.randint(3, 5)),
        "goals": str(s.rng.randint(0, 31)),
        "apps": str(s.rng.randint(18, 52)),
        "finish": s.pick(finish),
        "to_finish": s.pick(finish),
        "shirt": str(s.rng.randint(2, 44)),
        "since_year": s.year(2, 6),
        "deadline_date": f"{s.month(1)} {s.rng.randint(1, 3)}",
    }
    return Facts(s.cast.managers[club_to], player, s.cast.managers[club_from], values)


TRANSFER = Topic(
    "transfer",
    _transfer,
    anywhere,
    headline=(
        "{club_to} [sign|complete signing of|land] {p2_last} from {club_from} for {fee}",
        "{p2} [joins|completes move to] {club_to} in {fee} deal",
        "{p1_last} says {p2_last} [can|will] [transform|lift] {club_to}",
        "{club_from} accept {fee} offer for {position} {p2_last}",
    ),
    lede=(
        "{club_to} [have completed|completed|have finalised] the signing of {position} {p2} from "
        "{club_from} for {fee}[, the clubs said on {day}|, the club announced on {day}].",
        "{p2} [has joined|joined] {club_to} from {club_from} on a {years}-year contract in a deal "
        "worth {fee}, making {p2_him} the club's [most expensive|second most expensive|biggest] "
        "signing [this summer|this window|in years].",
        "{club_to} [moved quickly|acted swiftly] to [sign|secure] {p2} on {day}, [agreeing|paying] "
        "{fee} to [prise|lure] the {age}-year-old {position} away from {club_from}.",
    ),
    detail=(
        "{p2_last} scored {goals} goals in {apps} [appearances|games] [last season|in all "
        "competitions last season], [helping {club_from} finish|as {club_from} finished] {finish} "
        "in the league.",
        "The {age}-year-old [passed|completed] a medical [on {day} morning|at the club's training "
        "ground outside {city}|earlier in the day] before [signing|putting pen to paper on] a "
        "contract [until|running until] {contract_end}.",
        "The fee [could|may] rise to {fee_max} with [add-ons|performance-related bonuses], "
        "[according to people familiar with the deal|according to local media reports].",
        "{club_from} had [rejected|turned down] an opening offer of {bid1} [earlier in the "
        "month|last week] before agreeing to the improved bid.",
        "{p2_last} will wear the number {shirt} shirt and [could|is expected to] make {p2_his} "
        "debut against {club_other} [on {next_weekday}|this weekend].",
        "The [move|deal] [takes|brings] {club_to}'s [spending|outlay] [this window|this summer] to "
        "[more than|about] {spend}.",
        "[Several|Other] clubs, [including|among them] {club_other}, had also been [linked "
        "with|interested in] the {position}.",
    ),
    background=(
        "{club_to} finished {to_finish} last season and [are|were] [eager|desperate] to "
        "[strengthen|reinforce] [the squad|their attack|their defence] [ahead of|before] the new "
        "season.",
        "{p2_last} came through the youth [system|academy] at {club_youth} before moving to "
        "{club_from} in {since_year}.",
        "{p1_last} [took charge|was appointed] at {club_to} in {p1_since} and has [made|described] "
        "[signing a {position}|strengthening the squad] [a priority|{p1_his} main target].",
    ),
    outlook=(
        "The transfer window [closes|shuts] on {deadline_date}, and {club_to} [are still|are also] "
        "[looking to|hoping to] [add|sign] a [striker|goalkeeper|defender] [before then|before the "
        "deadline].",
        "{club_from} [are expected to|will] [reinvest|use] [part of|much of] the [fee|money] [on a "
        "replacement|on new signings] [before the deadline|in the coming days].",
    ),
    q1=(
        "{p2_last} is [exactly|precisely] the [kind|type] of player we [needed|were looking for]",
        "{p2_He} brings [energy|quality|experience] and [a real hunger to win|leadership]",
        "[We have followed|I have watched] {p2_him} [for a long time|for several seasons]",
        "[It's|This is] a [big|important] signing [for the club|for us] and [a statement of "
        "intent|a sign of our ambition]",
    ),
    q2=(
        "[It's|This is] a dream to join a club like {club_to}",
        "[I can't wait|I'm excited] to [meet my new team-mates|get started|play in front of these "
        "fans]",
        "[I want to|I'm here to] [win trophies|help the team win]",
        "I [will always be grateful|want to thank] {club_from} for everything",
    ),
    qa=(
        "We [did not want to|didn't want to] [lose|sell] {p2_him}, but the offer was [too good to "
        "turn down|right for everyone]",
        "{p2_last} leaves with our best wishes",
        "We have [a plan|a replacement in mind] and will [act|move] [quickly|before the deadline]",
    ),
    public=False,
)


# --- court rulings ---------------------------------------------------------------------------

LAWS = (  # the law, short name, the right it was said to breach, what it was for
    (
        "a law extending police surveillance powers",
        "the surveillance law",
        "the right to privacy",
        "fight organised crime",
    ),
    (
        "the government's pension reform",
        "the pension reform",
        "the principle of equality",
        "keep the pension system solvent",
    ),
    (
        "a ban on short-term holiday rentals in major cities",
        "the rental ban",
        "property rights",
        "ease a housing shortage",
    ),
    (
        "a windfall tax on energy companies",
        "the windfall tax",
        "the principle of equal taxation",
        "fund energy subsidies for households",
    ),
    (
        "new restrictions on public protests",
        "the protest law",
        "freedom of assembly",
        "protect public order",
    ),
    ("a law on media ownership", "the media law", "press freedom", "prevent monopolies"),
    (
        "an overhaul of the judicial appointments system",
        "the judicial overhaul",
        "the independence of the courts",
        "make the courts more accountable",
    ),
    (
        "a tax on sugary drinks",
        "the sugar tax",
        "the freedom to conduct a business",
        "tackle childhood obesity",
    ),
)
PETITIONERS = (
    "a coalition of civil rights groups",
    "opposition lawmakers",
    "two regional governments",
    "a group of landlords",
    "a trade union federation",
    "an association of energy companies",
)


def _court(s: Scene) -> Facts:
    law, short, right, purpose = s.pick(LAWS)
    struck = s.rng.random() < 0.5
    majority = s.rng.randint(5, 9)
    minority = s.rng.randint(1, majority - 1)
    judge = s.stranger()
    values = {
        "event": "the ruling",
        "court": s.country.court,
        "Court": cap(bare(s.country.court)),
        "verdict": "is a setback for" if struck else "hands a victory to",
        "law": law,
        "law_short": short,
        "Law": cap(bare(short)),
        "law_bare": bare(short),
        "right": right,
        "purpose": purpose,
        "petitioners": s.pick(PETITIONERS),
        "split": f"{majority}-{minority}",
        "dissent": "one judge" if minority == 1 else f"{minority} judges",
        "judge": judge,
        "ruled": "struck down" if struck else "upheld",
        "side": "siding with" if struck else "rejecting the arguments of",
        "holding": "the government had [failed to show|not shown] that the measure was "
        "[necessary|proportionate]"
        if struck
        else "lawmakers had [acted within their powers|struck a reasonable balance]",
        "dissent_view": "the majority had [overstepped its role|ignored decades of precedent]"
        if struck
        else "the law [went far beyond|was out of proportion to] what its aims required",
        "filed": s.year(1, 3),
        "passed": s.year(1, 4),
        "hearings": str(s.rng.randint(2, 11)),
        "months": str(s.rng.randint(3, 18)),
    }
    struck_extra: dict[str, tuple[str, ...]] = {
        "headline": (
            "{Court} strikes down {country}'s {law_bare}",
            "Court [blocks|overturns] {law_bare} in blow to {p1_last}",
        ),
        "detail": (
            "The government has {months} months to [amend|rewrite] the law, the court said.",
        ),
        "q1": (
            "We [respect|accept] the court's [decision|ruling], [even though we disagree with "
            "it|but we are disappointed]",
            "The government will [study the judgment carefully|look at how to address the court's "
            "concerns]",
        ),
        "q2": ("[This is|Today is] a [victory|great day] for [every citizen|the rule of law]",),
        "outlook": (
            "The government said it would [study|review] the [ruling|judgment] before deciding [on "
            "next steps|whether to redraft the law].",
        ),
    }
    upheld_extra: dict[str, tuple[str, ...]] = {
        "headline": (
            "{Court} upholds {law_bare}[ in {split} ruling|]",
            "Court backs {p1_last} government over {law_bare}",
        ),
        "q1": (
            "[This ruling|Today's decision] confirms that [the law|our reform] [is|was] "
            "[lawful|sound]",
            "Now we can [get on with|move ahead with] [implementing it|the work]",
        ),
        "q2": ("[We are|Our clients are] [deeply disappointed|disappointed] [by|with] the ruling",),
        "outlook": (
            "{petitioners} said they would [continue the fight in {parliament}|campaign for the "
            "law's repeal].",
        ),
    }
    lawyer = s.pick([p for p in s.cast.lawyers if "government" not in p.role])
    return Facts(
        s.cast.office(s.country, "leader"),
        lawyer,
        s.expert("constitutional"),
        values,
        struck_extra if struck else upheld_extra,
    )


COURT = Topic(
    "court",
    _court,
    anywhere,
    headline=(
        "{country}'s top court rules on {law_bare} [after {hearings}-day hearing|after months of "
        "hearings]",
        "{Law} {ruled} by {country}'s top court in {split} vote",
    ),
    lede=(
        "{court} {ruled} {law} on {day}, [in a {split} ruling|by a {split} majority], {side} "
        "{petitioners}.",
        "In a {split} [ruling|decision] [published|handed down] on {day}, {court} {ruled} {law}, "
        "[the most closely watched case of the year|a case that had divided {country}].",
        "{country}'s highest court {ruled} {law} on {day}, in a {split} decision that {verdict} "
        "{p1_named}.",
    ),
    detail=(
        "The [case|challenge] was [brought|filed] by {petitioners} in {filed}, who argued that the "
        "[law|measure] [violated|breached] {right}.",
        "[Writing for the majority|In the majority opinion], Judge {judge} [said|wrote] that "
        "{holding}.",
        "In a dissent, {dissent} [argued|warned] that {dissent_view}.",
        "The court heard [arguments|evidence] over {hearings} days in {prev_month}.",
        "[Dozens of|Hundreds of] [supporters|protesters|people] [gathered|waited] [outside|on the "
        "steps of] the court in {capital} [ahead of the ruling|as the decision was read out].",
        "The ruling [cannot be appealed|is final].",
    ),
    background=(
        "{law_short} was [passed|approved] by {parliament} in {passed} [after a heated debate|by a "
        "narrow margin|despite opposition protests].",
        "{p1_last}'s government had argued that the [law|measure] was [needed|necessary] to "
        "{purpose}.",
        "The case [was|had been] [closely watched|one of the most closely watched in years] "
        "because similar [laws|measures] are [being challenged|under review] in [several|other] "
        "countries.",
    ),
    outlook=(
        "The ruling [is likely to|could] [shape|influence] [several|a number of] [pending "
        "cases|similar cases before lower courts].",
    ),
    q1=("[We|The government] will [always|] respect the independence of the courts",),
    q2=("[The court|The judges] [have sent|sent] a clear message",),
    qa=(
        "[This is|It is] [one of the most significant|a landmark] [rulings|decisions] [in years|of "
        "the past decade]",
        "[The judgment|The ruling] [leaves|gives] [parliament|lawmakers] [some room|little room] "
        "to [try again|redraft the law]",
        "The [dissent|minority opinion] [will|is likely to] be [read|studied] [closely|carefully] "
        "[by lawyers|in future cases]",
    ),
)


# --- strikes ---------------------------------------------------------------------------------

SECTORS = {  # union -> workers, office that answers, a line about the disruption
    "the General Workers' Union": (
        "public sector workers",
        "finance",
        "[Rubbish went uncollected|Council offices were shut] in [parts of|much of] {city}, and "
        "[about|some] {share} of [public offices|local services] were closed, officials said.",
    ),
    "the Transport Workers' Federation": (
        "rail workers",
        "finance",
        "Only {share} of [trains|scheduled services] were running [on {day}|by midday], according "
        "to the national rail operator.",
    ),
    "the Nurses' Association": (
        "nurses",
        "health",
        "[Hospitals|Health authorities] [postponed|cancelled] [about|more than] {cancelled} "
        "[operations and appointments|non-urgent procedures], according to health officials.",
    ),
    "the Teachers' Union": (
        "teachers",
        "finance",
        "[About|More than] {share} of schools [closed|were closed or partly closed] on {day}, "
        "according to official figures.",
    ),
    "the Dockworkers' Union": (
        "dockworkers",
        "trade",
        "At least {ships} container ships were [waiting|queued] off {city}'s port by {day} "
        "evening, [according to|said] the port authority.",
    ),
    "the Public Service Alliance": (
        "civil servants",
        "finance",
        "[Passport offices|Tax offices] [were closed|shut their doors] and [about|some] {share} of "
        "government helplines [went unanswered|were unstaffed], officials said.",
    ),
}


def _strike(s: Scene) -> Facts:
    union = s.pick(UNIONS)
    workers, office, disruption = SECTORS[union]
    demand = s.rng.uniform(6.0, 18.0)
    offer = s.rng.uniform(2.0, demand - 2.5)
    values = {
        "event": "the strike",
        "union": union,
        "Union": cap(bare(union)),
        "workers": workers,
        "disruption": disruption,
        "share": s.pct(s.rng.uniform(15, 70), 0),
        "cancelled": s.num(1500, 60000, 100),
        "ships": str(s.rng.randint(12, 85)),
        "members": s.num(20000, 450000, 1000),
        "demand": s.pct(demand),
        "offer": s.pct(offer),
        "settle": s.pct((demand + offer) / 2),
        "duration": s.pick(("24-hour", "48-hour", "three-day", "five-day")),
        "turnout": s.pct(s.rng.uniform(55, 92), 0),
        "cost": s.money(60, 900, "million"),
        "city2": s.other_city(),
        "strike_since": s.year(4, 30),
    }
    minister = s.cast.office(s.country, office)
    return Facts(s.cast.union_leaders[s.country.name, union], minister, s.analyst(), values)


STRIKE = Topic(
    "strike",
    _strike,
    anywhere,
    headline=(
        "{workers} strike across {country} over pay",
        "{duration} strike [disrupts|hits] {country}[ as talks fail|]",
        "{Union} rejects {offer} pay offer, [calls|announces] strike",
        "[Thousands|Tens of thousands] of {workers} [march|rally] in {city} [as strike begins|on "
        "first day of strike]",
    ),
    lede=(
        "[Tens of thousands|Thousands] of {workers} [walked out|went on strike] across {country} "
        "on {day} [in a dispute|in a row] over pay, causing disruption [from {city} to {city2}|in "
        "major cities].",
        "A {duration} strike by {workers} [began|got under way] on {day} after {union} rejected a "
        "{offer} pay offer, saying it [fell far short of|did not keep pace with] inflation.",
        "{workers} across {country} walked off the job on {day}[, the first national strike in the "
        "sector since {strike_since}|, escalating a months-long dispute over pay and conditions].",
    ),
    detail=(
        "{union}, which [represents|has] [about|some] {members} members, is "
        "[demanding|seeking|calling for] a {demand} pay rise to [make up for|offset] [high "
        "inflation|rising living costs].",
        "[The government has offered|Employers have offered] {offer}, [saying|arguing] [anything "
        "more|a bigger rise] would [fuel inflation|be unaffordable|require cuts elsewhere].",
        "{disruption}",
        "{union} said [about|some] {turnout} of members [took part|joined the walkout], a figure "
        "the government [disputed|did not confirm].",
        "Pickets [formed|gathered] [outside workplaces|at depots and offices] [before dawn|early "
        "on {day}], and a [march|rally] [through central {city}|in {city}] [drew|attracted] "
        "[thousands of|several thousand] people.",
        "[Business groups|Employers' associations] [estimated|said] the strike [would cost|was "
        "costing] the economy [about|around] {cost} a day.",
        "The two sides last held talks on {prev_day}, but the talks [broke down|ended] [after a "
        "few hours|within two hours].",
    ),
    background=(
        "Consumer prices [rose|climbed] [sharply|by more than a fifth] over the past three years, "
        "[eroding|squeezing] real wages for {workers}.",
        "The dispute is [one of several|part of a wave of] [labour disputes|strikes] in {country} "
        "[this year|in recent months], [including|after] [walkouts|strikes] by [airport staff|bus "
        "drivers|university lecturers].",
        "{p1_last}, who [was elected|became] general secretary in {p1_since}, has [taken a harder "
        "line|been more confrontational] than {p1_his} predecessor.",
    ),
    outlook=(
        "{union} has [threatened|warned of] further [strikes|walkouts] in {next_month} if there is "
        "no improved offer.",
        "Talks [are|were] [scheduled|due] to resume [on {next_weekday}|next week], [officials "
        "said|according to the labour ministry].",
    ),
    q1=(
        "[Our members|{workers}] have [had enough|been pushed to the limit]",
        "Nobody wants to strike, but [the government has left us no choice|we have been left with "
        "no choice]",
        "[This offer|An offer of {offer}] is a real-terms pay cut",
        "We [are|remain] [ready|willing] to talk [at any time|whenever the government is serious]",
    ),
    q2=(
        "This strike will only hurt the [people|families] who [rely on|depend on] these services",
        "Our offer is [fair|reasonable] and [affordable|responsible]",
        "[The door|My door] [is|remains] open",
        "We [cannot|can't] agree to a deal that [would fuel inflation|we cannot afford]",
    ),
    qa=(
        "The longer the [dispute|strike] [drags on|continues], the [greater|bigger] the "
        "[damage|cost] to [growth|the economy]",
        "A settlement [somewhere around|close to] {settle} [looks likely|seems the most likely "
        "outcome]",
        "Disputes [like this|of this kind] [tend to|usually] end with both sides giving ground",
    ),
)


# --- floods ----------------------------------------------------------------------------------

STORMS = (
    "Storm Adela",
    "Storm Boris",
    "Storm Ciaran",
    "Storm Delia",
    "Storm Emeric",
    "Storm Flora",
    "Storm Gideon",
    "Storm Hester",
    "Storm Ivo",
    "Storm Juno",
    "Storm Kasimir",
    "Storm Lorna",
    "Cyclone Mira",
    "Cyclone Nadi",
    "Tropical Storm Orla",
)


def _flood(s: Scene) -> Facts:
    values = {
        "event": "the flooding",
        "storm": s.pick(STORMS),
        "rain": f"{s.rng.randint(90, 420)} mm",
        "hours": str(s.rng.randint(6, 20)),
        "deaths": str(s.rng.randint(2, 38)),
        "missing": str(s.rng.randint(2, 25)),
        "displaced": s.num(800, 65000, 100),
        "power": s.num(5000, 380000, 500),
        "rescues": s.num(40, 1800, 10),
        "homes_flooded": s.num(300, 16000, 50),
        "level": f"{s.rng.uniform(3.2, 9.8):.1f}",
        "aid": s.money(20, 900, "million"),
        "city2": s.other_city(),
        "past_year": s.year(1, 5),
    }
    return Facts(s.cast.responders[s.city], s.cast.mayors[s.city], s.expert("disaster"), values)


FLOOD = Topic(
    "flood",
    _flood,
    anywhere,
    headline=(
        "Floods kill {deaths} in {country} as {storm} [hits|batters] {city}",
        "{storm} [brings|dumps] {rain} of rain on {city} in {hours} hours",
        "{displaced} [evacuated|displaced] as [rivers burst their banks|floodwaters rise] in "
        "{country}",
        "{city} [cleans up|counts the cost] after [flash floods|{storm}]",
    ),
    lede=(
        "[Torrential|Heavy] rain [brought by|from] {storm} [flooded|swamped] "
        "[streets|neighbourhoods] in {city} on {day}, [killing at least {deaths} people|leaving at "
        "least {deaths} people dead] and [forcing|driving] {displaced} [people|residents] from "
        "their homes, [officials said|according to officials].",
        "{storm} [dumped|dropped] {rain} of rain on {city} in {hours} hours [on {day}|overnight "
        "into {day}], [turning streets into rivers|sending rivers over their banks] and [cutting "
        "power to {power} homes|leaving {power} homes without power].",
        "At least {deaths} people [died|were killed] and {missing} [were missing|remained missing] "
        "[after|as] flash floods [swept through|hit] {city} [and surrounding towns|and nearby "
        "villages] on {day}.",
    ),
    detail=(
        "[Rescue teams|Emergency crews] [carried out|made] [more than|about] {rescues} rescues "
        "[overnight|during the night], [many of them|some] [by boat|from rooftops].",
        "[About|Roughly|Some] {homes_flooded} [homes|properties] [were flooded|were damaged by "
        "water], according to the city council.",
        "[Among the dead was|The victims included] [an elderly woman who was trapped in a basement "
        "flat|a man who was swept away while trying to cross a flooded road].",
        "Schools in {city} [were closed|remained closed] on {day}, and [train|rail] services [were "
        "suspended|were cancelled] [between {city} and {city2}|across the region].",
        "The [national weather service|meteorological office] had [issued|raised] [its highest|a "
        "red] [warning|alert] for {city} [on {prev_day}|a day earlier].",
        "[Water levels|The river] [peaked|crested] at {level} metres [on {day} evening|overnight], "
        "[well above the flood-defence threshold|the highest since records began].",
        "{power} [homes|households] [were without|remained without] power [on {day}|by late "
        "{day}], according to the grid operator.",
    ),
    background=(
        "{country} has been [hit|struck] by [several|a series of] [extreme|severe] [weather "
        "events|floods] [in recent years|since {past_year}], which [scientists say are "
        "becoming|experts warn will become] more frequent as the climate warms.",
        "Parts of {city} are built on low-lying land [close to|near] the river, and "
        "[planners|engineers] have [long|] warned of flood risk.",
        "A [flood-defence|drainage] [project|upgrade] for {city} [announced|promised] in "
        "{past_year} [has been delayed|remains unfinished] [because of|over] [funding "
        "disputes|rising costs].",
    ),
    outlook=(
        "[More|Further] rain [is forecast|is expected] [over the weekend|over the next 48 "
        "hours|for {next_weekday}], and [officials|authorities] warned [that rivers could rise "
        "again|that the danger had not passed].",
        "{leader} [said|announced] the government would [release|make available] {aid} in "
        "[emergency aid|emergency funding] [for affected families|for the region].",
    ),
    q1=(
        "The water [came up|rose] [incredibly|extremely] fast",
        "[Please|We urge people to] stay away from [rivers|flooded roads] and [do not|don't] try "
        "to drive through floodwater",
        "Our teams [have been|were] working [all night|through the night] [in very difficult "
        "conditions|and they will keep going]",
        "We are still searching for the missing",
    ),
    q2=(
        "[This is|It is] [the worst|one of the worst] [floods|disasters] [this city has seen|in "
        "living memory]",
        "[Our priority|The priority now] is to [find|reach] [everyone|the missing] and keep people "
        "safe",
        "[We will need|The city needs] [help|support] from the national government to "
        "[rebuild|recover]",
    ),
    qa=(
        "[Cities|Urban areas] [were not|are not] [designed|built] for rain [like this|of this "
        "intensity]",
        "Storms like this used to be [rare|once-in-a-century events]",
        "[Investment|Spending] in [drainage|flood defences] [has not kept pace|lags far behind] "
        "[with|] the risk",
    ),
)


# --- company results -------------------------------------------------------------------------


def _earnings(s: Scene) -> Facts:
    name, ticker, sector = s.pick(
        [c for c in COMPANIES if s.cast.homes[c[0]] is s.country] or COMPANIES
    )
    revenue = s.rng.uniform(0.8, 40.0)
    good = s.rng.random() < 0.5
    profit = s.rng.randint(40, 2400)
    ratio = s.rng.uniform(0.6, 0.95)
    prev = int(profit * ratio) if good else int(profit / ratio)
    fixed = Random(f"company:{name}")  # the same boilerplate about a company every time
    debt = s.rng.uniform(0.5, 18.0)
    margin = s.rng.uniform(3.0, 24.0)
    values = {
        "event": "the results",
        "company": name,
        "ticker": ticker,
        "sector": sector,
        "quarter": s.pick(("first-quarter", "second-quarter", "third-quarter", "fourth-quarter")),
        "revenue": f"{revenue:.1f} billion {s.country.currency}",
        "rev_consensus": f"{revenue * s.rng.uniform(0.9, 1.1):.1f} billion {s.country.currency}",
        "rev_growth": s.pct(s.rng.uniform(0.5, 19.0)),
        "rev_verb": "[rose|grew|increased]" if good else "[fell|slipped|declined]",
        "profit": f"{profit:,} million {s.country.currency}",
        "profit_prev": f"{prev:,} million {s.country.currency}",
        "shares_move": s.pct(s.rng.uniform(1.2, 14.0)),
        "dividend": f"{s.rng.uniform(0.1, 3.5):.2f} {s.country.currency}",
        "margin": s.pct(margin),
        "margin_prev": s.pct(margin + s.rng.uniform(-3.0, 3.0)),
        "debt": f"{debt:.1f} billion {s.country.currency}",
        "debt_prev": f"{debt * s.rng.uniform(0.85, 1.15):.1f} billion {s.country.currency}",
        "jobs": s.num(300, 9000, 50),
        "guide_low": f"{revenue * s.rng.uniform(3.5, 3.9):.1f} billion {s.country.currency}",
        "guide_high": f"{revenue * s.rng.uniform(4.0, 4.4):.1f} billion {s.country.currency}",
        "idx_move": s.pick(
            (
                "little changed",
                f"up {s.pct(s.rng.uniform(0.1, 1.6))}",
                f"down {s.pct(s.rng.uniform(0.1, 1.6))}",
            )
        ),
        "rival": s.pick([c for c, _, _ in COMPANIES if c != name]),
        "cfo": s.stranger(),
        "about": f"{name} employs about {fixed.randrange(4000, 90000, 500):,} people in "
        f"{fixed.randint(8, 60)} countries and is one of {s.country.name}'s largest listed "
        "companies.",
    }
    good_extra: dict[str, tuple[str, ...]] = {
        "headline": (
            "{company} profit [jumps|rises|beats forecasts] as demand holds up",
            "{company} shares [surge|jump|rise] {shares_move} after [strong|upbeat] {quarter} "
            "results",
            "{company} [raises|lifts] full-year [forecast|outlook]",
        ),
        "lede": (
            "{company} [reported|posted] a [stronger-than-expected|better-than-expected] rise in "
            "{quarter} profit on {day}, [helped by|driven by] [firm demand|higher prices|cost "
            "cuts], and [raised|lifted] its [full-year|annual] [forecast|outlook].",
            "Shares in {company} [rose|jumped|climbed] {shares_move} in {city} on {day} after the "
            "{sector} [group|company] [reported|posted] {quarter} net profit of {profit}, up from "
            "{profit_prev} a year earlier.",
        ),
        "q1": (
            "[This was|It was] a [strong|very good|solid] quarter [across the business|for the "
            "group]",
            "Demand [held up well|stayed strong] [across our markets|in every region]",
        ),
        "qa": ("The [numbers|results] were [better|stronger] than [expected|the market feared]",),
        "detail": (
            "Finance chief {cfo} told analysts on a call that [demand had held up better than "
            "expected|cost savings were ahead of schedule].",
        ),
    }
    bad_extra: dict[str, tuple[str, ...]] = {
        "headline": (
            "{company} profit [falls|slumps|misses forecasts] as demand weakens",
            "{company} shares [slide|tumble|fall] {shares_move} after [weak|disappointing] "
            "{quarter} results",
            "{company} to cut {jobs} jobs as profit falls",
        ),
        "lede": (
            "{company} [reported|posted] a [sharp|steep|bigger-than-expected] fall in {quarter} "
            "profit on {day}, [hurt by|weighed down by] [weak demand|higher costs|a stronger "
            "currency], and said it would cut {jobs} jobs.",
            "Shares in {company} [fell|slid|tumbled] {shares_move} in {city} on {day} after the "
            "{sector} [group|company] [reported|posted] {quarter} net profit of {profit}, down "
            "from {profit_prev} a year earlier.",
        ),
        "q1": (
            "[This was|It was] a [difficult|tough|challenging] quarter, and we are not satisfied "
            "with [the results|these numbers]",
            "Cutting jobs is never [easy|an easy decision], [but|yet] [it is necessary|we have to "
            "adapt]",
        ),
        "qa": ("The [numbers|results] were [weaker|softer] than [expected|we had feared]",),
        "detail": (
            "Finance chief {cfo} told analysts on a call that [the company would prioritise cash "
            "flow|the weaker trading was likely to persist into next year].",
        ),
    }
    first = s.analyst()
    return Facts(
        s.cast.chiefs[name],
        s.analyst(besides=first),
        first,
        values,
        good_extra if good else bad_extra,
    )


EARNINGS = Topic(
    "earnings",
    _earnings,
    anywhere,
    headline=("{company} {quarter} revenue [at|comes in at] {revenue}",),
    lede=(
        "{company}, the {country_adj} {sector} [group|company], said on {day} that {quarter} "
        "[revenue|sales] {rev_verb} {rev_growth} to {revenue}, and net profit came in at {profit}.",
    ),
    detail=(
        "[Revenue|Sales] {rev_verb} {rev_growth} to {revenue}, compared with [analysts' average "
        "forecast|a consensus forecast] of {rev_consensus}.",
        "The company [kept|set] its dividend at {dividend} per share.",
        "[Its operating margin|The operating margin] [moved to {margin} from {margin_prev}|came in "
        "at {margin}, against {margin_prev} a year earlier].",
        "[Net debt|The group's net debt] was {debt} at the end of the quarter, compared with "
        "{debt_prev} three months earlier.",
        "The results came [a week|days] after [rival|competitor] {rival} [reported|posted] "
        "[similar|weaker|stronger] numbers.",
        "The [broader market|benchmark index] [ended the day|closed] {idx_move}.",
    ),
    background=(
        "{about}",
        "The {sector} [sector|industry] has [been hit by higher interest rates|struggled with "
        "weaker consumer demand|benefited from a rebound in demand] [over the past year|this "
        "year].",
        "{p1_last} [took over|became chief executive] in {p1_since} and has [pursued|launched] [a "
        "cost-cutting programme|an expansion into new markets|a restructuring of the business].",
    ),
    outlook=(
        "The company expects [full-year|annual] revenue of between {guide_low} and {guide_high}.",
        "{company} [will|is due to] [hold|present] [an investor day|a strategy update] in "
        "{next_month}, [where it is expected to|at which investors expect it to] [set out|outline] "
        "[new targets|its plans for the next five years].",
    ),
    q1=("We [remain|are] [focused on|committed to] [our strategy|cost discipline]",),
    q2=(
        "[The outlook|The guidance] is [what matters|the key] [for investors|here]",
        "[Investors|The market] [will want|wants] [more detail|clarity] on [costs|margins|the "
        "strategy]",
    ),
    qa=("I [would|still] [expect|see] [some|further] [volatility|pressure] in the shares",),
    public=False,
)


# --- protests --------------------------------------------------------------------------------

CAUSES = (  # the cause, short name, the government's defence, background
    (
        "rising rents and a shortage of housing",
        "the housing crisis",
        "build more homes",
        "Rents in {city} have risen by [about|more than] {rise} [over the past five years|since "
        "{past_year}], far outpacing wage growth.",
    ),
    (
        "a planned increase in the retirement age",
        "the pension plan",
        "keep the pension system solvent",
        "The plan would raise the retirement age to {age} by {plan_year}.",
    ),
    (
        "higher fuel prices",
        "fuel prices",
        "balance the budget",
        "Fuel prices have risen by [about|more than] {rise} since the government ended subsidies "
        "in {past_year}.",
    ),
    (
        "a corruption scandal involving senior officials",
        "the corruption scandal",
        "let investigators do their work",
        "Prosecutors opened an investigation in {past_year} into contracts worth {amount}.",
    ),
    (
        "cuts to university funding",
        "the education cuts",
        "bring spending under control",
        "The budget would cut university funding by {rise} over three years.",
    ),
    (
        "a proposed tax on small businesses",
        "the business tax",
        "make the tax system fairer",
        "The tax would apply to firms with revenue above {amount}.",
    ),
)
SLOGANS = (
    "Enough is enough",
    "Not in our name",
    "We will not pay for your crisis",
    "Homes for people",
    "Hands off our future",
    "Listen to the street",
)


def _protest(s: Scene) -> Facts:
    cause, short, defence, background = s.pick(CAUSES)
    crowd = s.rng.randrange(8000, 250000, 1000)
    values = {
        "event": "the protest",
        "cause": cause,
        "cause_short": short,
        "cause_bare": bare(short),
        "defence": defence,
        "cause_background": background,
        "rise": s.pct(s.rng.uniform(15, 70), 0),
        "age": str(s.rng.randint(64, 68)),
        "plan_year": str(s.when.year + s.rng.randint(4, 12)),
        "amount": s.money(1, 40, "million"),
        "crowd": f"{crowd:,}",
        "police_estimate": f"{int(crowd * s.rng.uniform(0.3, 0.7)) // 100 * 100:,}",
        "arrests": str(s.rng.randint(2, 140)),
        "injured": str(s.rng.randint(2, 35)),
        "place": s.pick(
            (
                f"{s.city}'s main square",
                f"the streets of central {s.city}",
                f"the area around {s.city}'s central station",
            )
        ),
        "slogan": s.pick(SLOGANS),
        "city2": s.other_city(),
        "past_year": s.year(1, 4),
        "nth": s.pick(("third", "fourth", "fifth")),
    }
    return Facts(
        s.cast.office(s.country, "opposition"),
        s.cast.office(s.country, s.pick(("leader", "finance"))),
        s.expert("political science"),
        values,
    )


PROTEST = Topic(
    "protest",
    _protest,
    anywhere,
    headline=(
        "[Tens of thousands|Thousands] [march|protest|rally] in {city} over {cause_bare}",
        "Police make {arrests} arrests as {cause_bare} protest [turns violent|spreads]",
        "{city} protest: crowds [demand|call for] [government U-turn|{p2_last}'s resignation] over "
        "{cause_bare}",
        "{p1_last} [joins|addresses] [protesters|marchers] in {city} as anger grows over "
        "{cause_bare}",
    ),
    lede=(
        "[Tens of thousands|Thousands] of people [marched|took to the streets|rallied] in {city} "
        "on {day} to protest against {cause}, in [one of the largest|the biggest] demonstrations "
        "[the city has seen|in {country}] [in years|since {past_year}].",
        "[Protesters|Demonstrators] [filled|packed] {place} on {day}, [chanting slogans|waving "
        "flags and banners] against {cause}, as [police|riot police] [kept watch|lined nearby "
        "streets].",
        "Police [arrested|detained] {arrests} people in {city} on {day} [after|as] a "
        "[march|protest] against {cause} [ended in clashes|turned tense] [near government "
        "buildings|outside city hall].",
    ),
    detail=(
        "Organisers [said|claimed] {crowd} people [took part|joined the march], [while|but] police "
        "[put the figure at|estimated the crowd at] {police_estimate}.",
        "[Police said|According to police,] {injured} officers were [slightly|] injured and "
        "{arrests} people were [detained|arrested] [for public order offences|for vandalism|for "
        "throwing objects].",
        "[Marchers|Protesters] [carried|held up] [banners|placards] [reading|that read] "
        '"{slogan}".',
        "[Several|Some] [shops|businesses] [along the route|in the city centre] [closed "
        "early|boarded up their windows] [as a precaution|].",
        "[Public transport in {city} was disrupted|Metro and bus services in {city} ran a reduced "
        "service] [for much of the afternoon|as roads were closed].",
        "[Similar|Smaller] [protests|rallies] [were held|took place] in {city2}, according to "
        "local media.",
    ),
    background=(
        "{cause_background}",
        "The government has [defended|stood by] its [policy|plan], saying it [is|was] "
        "[needed|necessary] to {defence}.",
        "It was the {nth} major protest over {cause_short} [since the summer|this year|in as many "
        "months].",
    ),
    outlook=(
        "[Organisers|Unions backing the protest] [called|announced] [another|a further] [march|day "
        "of action] for {next_month}.",
        "[Lawmakers|{Parliament}] [are due to|will] debate [the issue|{cause_short}] [next week|in "
        "{next_month}].",
    ),
    q1=(
        "[The government|This government] [has stopped listening|is not listening] to [ordinary "
        "people|the people]",
        "[People|Families] [cannot|can't] go on like this",
        "We will [keep|continue] [marching|fighting] until [the government changes course|it drops "
        "its plans]",
        "Today [shows|showed] [the strength of feeling|how angry people are]",
    ),
    q2=(
        "We respect the right to [protest|peaceful protest]",
        "[Violence|Vandalism] [will not be tolerated|has no place in a democracy]",
        "Our [policy|plan] [is|remains] the right one [for the country|in the long run]",
        "[We are|I am] [ready|willing] to [listen|talk] to [anyone|all sides]",
    ),
    qa=(
        "[The size of the crowd|The turnout] [should|will] [worry|concern] the government",
        "[Protests|Movements] like this [can|often] [gather|build] momentum [quickly|in unexpected "
        "ways]",
        "The issue [cuts across|transcends] [party lines|traditional divides]",
    ),
)


# --- disease outbreaks -----------------------------------------------------------------------

DISEASES = (
    ("measles", "measles"),
    ("cholera", "cholera"),
    ("dengue fever", "dengue"),
    ("mpox", "mpox"),
    ("a new strain of influenza", "flu"),
    ("whooping cough", "whooping cough"),
)


def _outbreak(s: Scene) -> Facts:
    disease, short = s.pick(DISEASES)
    cases = s.rng.randint(60, 4800)
    values = {
        "event": "the outbreak",
        "disease": disease,
        "disease_short": short,
        "cases": f"{cases:,}",
        "cases_prev": f"{int(cases * s.rng.uniform(0.4, 0.8)):,}",
        "deaths": str(s.rng.randint(2, 60)),
        "new_cases": str(s.rng.randint(5, 300)),
        "hospitalised": str(s.rng.randint(4, 400)),
        "vaccinated": s.num(2000, 180000, 100),
        "target_vax": s.num(50000, 900000, 1000),
        "schools": str(s.rng.randint(3, 60)),
        "vax_rate": s.pct(s.rng.uniform(71, 91), 0),
        "herd": s.pct(s.pick((90, 95)), 0),
        "past_year": s.year(3, 12),
        "past_cases": s.num(500, 20000, 100),
    }
    return Facts(
        s.cast.office(s.country, "health"),
        s.cast.mayors[s.city],
        s.expert("epidemiologist"),
        values,
    )


OUTBREAK = Topic(
    "outbreak",
    _outbreak,
    anywhere,
    headline=(
        "{disease_short} outbreak in {city} [rises to|reaches] {cases} cases",
        "{country} [confirms|reports] {deaths} deaths from {disease_short} in {city}",
        "[Health officials|Authorities] [launch|step up] vaccination drive as {disease_short} "
        "[spreads|cases climb] in {city}",
        "{p1_last} urges residents to get vaccinated amid {disease_short} outbreak",
    ),
    lede=(
        "Health authorities in {country} [confirmed|reported] {cases} cases of {disease} in {city} "
        "[as of {day}|by {day}], including {deaths} deaths, and [officials|doctors] "
        "[warned|cautioned] that the [true|real] number [was likely higher|could be much higher].",
        "{p1_named} [announced|launched] [an emergency vaccination campaign|a vaccination drive] "
        "in {city} on {day} [after|as] cases of {disease_short} [rose|climbed] to {cases}[, up "
        "from {cases_prev} a week earlier|].",
        "[An outbreak of|A surge in] {disease} in {city} has [killed|claimed the lives of] "
        "{deaths} people and [sickened|infected] [at least|more than] {cases}, [the health "
        "ministry said|according to the health ministry] on {day}.",
    ),
    detail=(
        "{new_cases} new cases were [recorded|reported] in the [past|previous] 24 hours, "
        "[and|while] {hospitalised} people [were|remained] in hospital.",
        "[Most|The majority] of [cases|those infected] [were|are] [children under 10|young "
        "adults|in densely populated neighbourhoods], according to the ministry.",
        "[Officials|The ministry] said {vaccinated} people had been vaccinated since the "
        "[campaign|drive] began [on {prev_day}|last week].",
        "{schools} schools [were closed|have been closed] [as a precaution|for cleaning] "
        "[and|while] [public gatherings|large events] in {city} were [restricted|discouraged].",
        "The national reference laboratory [confirmed|identified] the [strain|cause of the "
        "outbreak] [on {prev_day}|last week], and [further tests were|genetic sequencing was] "
        "under way.",
        "[Hospitals|Clinics] in {city} [set up|opened] [isolation wards|dedicated treatment "
        "centres] and [postponed|cancelled] [some|non-urgent] [operations|appointments].",
        "The World Health Organization said it was [monitoring|following] the [situation|outbreak] "
        "[closely|] and [had offered|was ready to provide] [technical|] support.",
    ),
    background=(
        "Vaccination coverage in {country} has [fallen|dropped] to about {vax_rate}, [below|well "
        "below] the {herd} [level|threshold] [experts say is needed|needed] to [prevent|stop] "
        "outbreaks.",
        "The [last major|previous large] outbreak [in {country}|] came in {past_year}, when about "
        "{past_cases} people fell ill.",
        "[Health workers|Doctors' groups] have [warned|complained] [for years|repeatedly] that "
        "[public clinics|primary care services] [are|were] [underfunded|understaffed].",
    ),
    outlook=(
        "The health ministry said it would publish [daily|weekly] updates until the outbreak was "
        "contained.",
        "[Officials aim|The health ministry aims] to [vaccinate|reach] {target_vax} people [by the "
        "end of {month}|within a month].",
    ),
    q1=(
        "The [situation|outbreak] is [serious|under control], but we [are|remain] "
        "[vigilant|prepared]",
        "Vaccination is safe, and it saves lives",
        "[We have|The ministry has] [sent|deployed] [extra|additional] [doctors|medical teams] to "
        "{city}",
        "I [urge|ask] [every parent|all parents|everyone] to make sure vaccinations are up to date",
    ),
    q2=(
        "[The city|We] will do [everything|whatever it takes] to [protect|keep] [residents|people] "
        "safe",
        "[We have|The city has] [opened|set up] [extra|additional] vaccination centres",
        "[Panic|Fear] does not help; [information|vaccination] does",
    ),
    qa=(
        "Case numbers [are likely to|will probably] [rise|keep rising] [before they fall|for "
        "several weeks]",
        "This outbreak [was|is] [entirely|largely] [preventable|avoidable]",
        "[Contact tracing|Rapid testing] [is|will be] [crucial|the key] in the coming "
        "[weeks|fortnight]",
    ),
)


# --- budgets ---------------------------------------------------------------------------------

TAXES = (
    "raising the top rate of income tax to {top_rate}",
    "freezing income tax thresholds",
    "introducing a levy on banks' profits",
    "raising taxes on tobacco and alcohol",
    "cutting the corporate tax rate to {corp_rate}",
    "ending a fuel duty discount",
)
SPENDING = ("defence", "healthcare", "housing", "public sector pay", "schools", "railways")
MEASURES = (
    "a one-off payment to low-income pensioners",
    "new tax breaks for small businesses",
    "a levy on online gambling",
    "funding for {homes} new social homes",
    "free school meals for all primary pupils",
    "a freeze on public transport fares",
)


def _budget(s: Scene) -> Facts:
    deficit = s.rng.uniform(1.2, 6.5)
    values = {
        "event": "the budget",
        "next_year": str(s.when.year + 1),
        "deficit": s.pct(deficit),
        "deficit_prev": s.pct(deficit + s.rng.uniform(0.2, 1.6)),
        "debt": s.pct(s.rng.uniform(40, 135), 0),
        "peak_year": str(s.when.year + s.rng.randint(2, 5)),
        "growth": s.pct(s.rng.uniform(0.2, 3.4)),
        "spending": s.money(80, 900),
        "area": s.pick(SPENDING),
        "boost": s.money(1, 25),
        "tax": s.pick(TAXES),
        "top_rate": s.pct(s.rng.randint(40, 55), 0),
        "corp_rate": s.pct(s.rng.randint(15, 25), 0),
        "measure": s.pick(MEASURES),
        "homes": s.num(5000, 60000, 1000),
        "yield_bps": str(s.rng.randint(2, 14)),
        "deadline": s.pick(
            ("the end of the year", f"mid-{s.month(2)}", f"the end of {s.month(1)}")
        ),
    }
    return Facts(
        s.cast.office(s.country, "finance"),
        s.cast.office(s.country, "opposition"),
        s.analyst(),
        values,
    )


BUDGET = Topic(
    "budget",
    _budget,
    anywhere,
    headline=(
        "{country} budget: {p1_last} [unveils|announces] more money for {area}",
        "{p1_last} [targets|aims for] deficit of {deficit} in {next_year} budget",
        "{p2_last} [attacks|slams|criticises] {country_adj} budget as [unfair|reckless|a missed "
        "opportunity]",
        "{country} to [raise|boost] {area} spending by {boost} in [new|draft] budget",
    ),
    lede=(
        "{p1_named} [unveiled|presented|set out] a budget for {next_year} on {day} that "
        "[aims|seeks] to [cut|narrow|reduce] the deficit to {deficit} of [economic output|GDP] "
        "while [raising|increasing|boosting] spending on {area} by {boost}.",
        "{country}'s government [presented|published] its {next_year} budget on {day}, "
        "[pledging|promising] [an extra|an additional] {boost} for {area} and {tax}.",
        "{country} will [raise|increase] spending on {area} by {boost} next year and [fund|pay "
        "for] [it|part of it] by {tax}, {p1_named} said on {day} [as|when] {p1_he} presented the "
        "{next_year} budget.",
    ),
    detail=(
        "The deficit [is forecast|is projected|is expected] to [narrow|fall] to {deficit} of GDP "
        "[next year|in {next_year}] from {deficit_prev} [this year|in {year}].",
        "Public debt is expected to [peak|stabilise] at around {debt} of [GDP|economic output] in "
        "{peak_year}.",
        "The [government|ministry] [expects|forecasts] [growth|economic growth] of {growth} [next "
        "year|in {next_year}].",
        "Total government spending is set to reach {spending} [next year|in {next_year}].",
        "The [budget|plan] also includes {measure}.",
        "{Parliament} must [approve|vote on] the budget [by|before] {deadline}[, and the "
        "government needs|; the government needs] [the support of|votes from] [smaller "
        "parties|independent lawmakers] to [pass it|get it through].",
        "[Bond markets|Investors] [reacted calmly|were unmoved|took the plan in their stride], "
        "with ten-year [yields|bond yields] [little changed|edging up {yield_bps} basis points] "
        "[after the announcement|by the close].",
    ),
    background=(
        "{country} has been under pressure from [ratings agencies|investors] to [rein in|bring "
        "down] [borrowing|its deficit] since [the pandemic|an energy crisis] [pushed|drove] debt "
        "[sharply higher|to record levels].",
        "{p1_last}, a former [central banker|economist|investment banker], has [promised|pledged] "
        "to [restore|bring back] [order to the public finances|fiscal discipline] [without|but not "
        "through] [austerity|cuts to public services].",
        "[Last year's|The previous] budget was [criticised|attacked] by [economists|the "
        "opposition] for [relying on|counting on] [optimistic growth forecasts|one-off revenues].",
    ),
    outlook=(
        "[A final vote|The final vote] [in {parliament}|] is [expected|scheduled] in {next_month}.",
        "[Ratings agencies|Credit ratings agencies] [are due|are scheduled] to review {country}'s "
        "[credit rating|debt rating] in {next_month}.",
    ),
    q1=(
        "This is a [responsible|balanced|careful] budget for [difficult|uncertain] times",
        "We are [investing|putting money] in [what matters|the things people care about] while "
        "[getting the deficit down|keeping debt under control]",
        "Nobody [likes|enjoys] paying [more|higher] taxes, but [these are choices|this is a "
        "choice] we [had to make|could not avoid]",
        "Every [single|] [item|measure] in this budget [has been|is] [paid for|fully costed]",
    ),
    q2=(
        "This budget does nothing for [working families|young people|pensioners]",
        "The government is [squeezing|taxing] [the middle class|ordinary people] to pay for its "
        "own [mistakes|failures]",
        "We will [vote against it|oppose it] [in {parliament}|]",
    ),
    qa=(
        "The [numbers|fiscal numbers] [look|are] [credible|plausible|optimistic]",
        "The growth forecast [looks|seems] [optimistic|ambitious|like a stretch]",
        "[Markets|Investors] will want to see [delivery|the plan carried out], not [just|only] "
        "[promises|targets]",
    ),
)

TOPICS: tuple[Topic, ...] = (
    RATES,
    ELECTION,
    WILDFIRE,
    TRADE,
    TRANSFER,
    COURT,
    STRIKE,
    FLOOD,
    EARNINGS,
    PROTEST,
    OUTBREAK,
    BUDGET,
)


def base_values(s: Scene, facts: Facts) -> dict[str, str]:
    """Slots every template may use: place, time, and the three voices of the article."""
    leader = s.cast.office(s.country, "leader")
    event_day = s.when - timedelta(days=s.rng.choice((0, 0, 1)))
    values = {
        "country": s.country.name,
        "country_adj": s.country.adjective,
        "city": s.city,
        "capital": s.country.cities[0],
        "parliament": s.country.parliament,
        "Parliament": cap(s.country.parliament),
        "leader": leader.named,
        "day": WEEKDAYS[event_day.weekday()],
        "prev_day": WEEKDAYS[(event_day.weekday() - 1) % 7],
        "next_weekday": WEEKDAYS[(event_day.weekday() + s.rng.randint(2, 5)) % 7],
        "month": MONTHS[s.when.month - 1],
        "prev_month": s.month(-1),
        "next_month": s.month(s.rng.randint(1, 2)),
        "year": str(s.when.year),
    }
    for key, person in (("p1", facts.speaker), ("p2", facts.other), ("an", facts.expert)):
        values |= {
            key: person.name,
            f"{key}_named": person.named,
            f"{key}_since": str(since(person)),
            f"{key}_intro": person.named if person.title else f"{person.name}, {person.role}",
            f"{key}_subject": person.named if person.title else f"{person.name}, {person.role},",
            f"{key}_last": person.last,
            f"{key}_role": person.role,
            f"{key}_he": "she" if person.she else "he",
            f"{key}_He": "She" if person.she else "He",
            f"{key}_his": "her" if person.she else "his",
            f"{key}_him": "her" if person.she else "him",
        }
    return values
