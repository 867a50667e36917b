"""The words and word patterns quote finding knows: reporting verbs, titles and roles, name
shapes, mentions (name, pronoun, description), kinds of nouns that are not people, given names."""

from __future__ import annotations

import re

_REPORTING_LEMMAS = """add state declare insist warn argue explain note ask reply respond claim
    announce acknowledge admit continue conclude recall suggest urge caution counter concede
    complain predict promise vow stress emphasise emphasize observe remark shout tweet post
    confirm deny joke plead demand reiterate maintain contend comment quip testify agree
    disagree boast lament muse sigh yell whisper pledge assure remind charge allege signal
    underline report assert interject answer scoff beam deflect question chant blast praise
    accuse cite express tout proclaim opine retort snap grumble fume gush exclaim mutter
    murmur recount reveal disclose wonder hint imply thank apologize apologise reason posit
    counsel preach lecture chide mock taunt tease laugh text email message summarize summarise
    confess elaborate clarify repeat underscore highlight threaten beg implore inquire enquire
    challenge interrupt reflect advise inform instruct marvel rebut protest object cheer
    concur retort rant rave coo huff gripe whine reassure stipulate specify acknowledge
    announce emphasize caution propose recommend crack""".split()
_DOUBLED = frozenset("admit quip snap rebut beg".split())
_IRREGULAR = {
    "say": ("said", "says"),
    "tell": ("told", "tells"),
    "write": ("wrote", "writes", "written"),
    "speak": ("spoke", "speaks"),
    "read": ("reads",),
}
_PHRASAL = ("point out", "shoot back", "fire back", "chime in", "weigh in", "go on", "cut in")
_PHRASAL_FORMS = {
    "point": ("pointed", "points"),
    "shoot": ("shot", "shoots"),
    "fire": ("fired", "fires"),
    "chime": ("chimed", "chimes"),
    "weigh": ("weighed", "weighs"),
    "go": ("went", "goes"),
    "cut": ("cut", "cuts"),
}


def _forms(lemma: str) -> tuple[str, str]:
    """A regular verb's past and third-person forms."""
    if lemma in _DOUBLED:
        past = lemma + lemma[-1] + "ed"
    elif lemma.endswith("e"):
        past = lemma + "d"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        past = lemma[:-1] + "ied"
    else:
        past = lemma + "ed"
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        third = lemma + "es"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    return past, third


def _speech_verbs() -> str:
    forms = {
        "say",
        "tell",
        "add",
        "write",
        "ask",
        "explain",
        "insist",
        "argue",
        "warn",
        "told reporters",
    }
    for lemma in _REPORTING_LEMMAS:
        forms.update(_forms(lemma))
    for irregular in _IRREGULAR.values():
        forms.update(irregular)
    for phrase in _PHRASAL:
        verb, particle = phrase.split()
        forms.update(f"{form} {particle}" for form in _PHRASAL_FORMS[verb])
    return "|".join(sorted(forms, key=lambda f: (-len(f), f)))


SPEECH_VERBS = _speech_verbs()
"""Reporting verbs (past and present forms; a few base forms), longest first."""

_EVALUATIVE_LEMMAS = """call describe dub brand label term characterize characterise portray depict
    dismiss hail slam blast praise accuse criticize criticise condemn denounce attack mock
    ridicule deride decry deem refer tout promise vow pledge warn insist applaud credit
    congratulate blame fault chastise scold rebuke lambaste excoriate reject defend welcome
    commend salute celebrate lament regret acknowledge concede deplore question dispute
    challenge""".split()


def _fragment_verbs() -> str:
    forms = {"labelled", "labelling", "labels"}
    for lemma in _EVALUATIVE_LEMMAS:
        forms.update(_forms(lemma))
    return "|".join(sorted(forms, key=lambda f: (-len(f), f)))


FRAGMENT_VERBS = _fragment_verbs()
"""Verbs that quote a few of someone's words about something: called it “a disaster”."""


SPEECH_RE = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
CUE_RE = re.compile(rf"\b(?:{SPEECH_VERBS}|{FRAGMENT_VERBS})\b")
"""A reporting verb, or a verb that quotes someone's words about something."""


def _ing(lemma: str) -> str:
    if lemma in _DOUBLED:
        return lemma + lemma[-1] + "ing"
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
        return lemma[:-1] + "ing"
    return lemma + "ing"


PROGRESSIVE_RE = re.compile(
    r"\b(?:is|was|are|were|been|be)\s+(?:"
    + "|".join(
        sorted(
            {_ing(v) for v in (*_REPORTING_LEMMAS, *_EVALUATIVE_LEMMAS)}
            | {"saying", "telling", "writing", "speaking"},
            key=lambda f: (-len(f), f),
        )
    )
    + r")\b"
)
"""A reporting verb in a progressive form: "is telling", "was saying"."""


TITLE_WORDS = frozenset(
    """secretary general minister prime president vice deputy chancellor senator sen governor
    gov mayor judge justice chief director commissioner ambassador premier king queen prince
    princess pope archbishop bishop rev dr mr mrs ms mx professor prof gen colonel col
    lieutenant lt captain capt admiral sergeant sgt spokesman spokeswoman spokesperson
    chairman chairwoman chair leader speaker envoy attorney coach manager ceo founder editor
    representative rep undersecretary commissioner chief-of-staff general-secretary
    minister-president mp congressman congresswoman councillor councilor alderman sheriff
    inspector superintendent detective professor advocate counsel barrister solicitor""".split()
)


ROLE_NOUNS = frozenset(
    """minister secretary general premier president chancellor senator governor mayor judge
    chief director commissioner ambassador spokesman spokeswoman spokesperson chairman
    chairwoman chair leader head speaker envoy attorney officer official executive ceo
    founder editor analyst economist lawyer professor researcher scientist diplomat
    negotiator coach manager captain general admiral colonel commander king queen pope
    bishop archbishop prince mp congressman congresswoman councillor councilor sheriff
    inspector superintendent detective owner chairperson strategist adviser advisor aide
    organiser organizer activist campaigner worker resident farmer driver nurse doctor
    teacher student voter witness survivor victim mother father woman man author writer
    historian expert representative governor-general premier-elect president-elect candidate
    lawmaker legislator deputy spokesperson passenger pensioner hiker climber runner player
    striker goalkeeper midfielder defender athlete champion swimmer cyclist rider pilot
    sailor soldier officer firefighter paramedic surgeon physician professor lecturer
    principal headteacher headmaster pastor priest imam rabbi vicar shopkeeper baker butcher
    fisherman landlord tenant homeowner shopper customer commuter motorist cyclist parent
    grandmother grandfather daughter son wife husband widow neighbour neighbor friend
    colleague counterpart predecessor successor rival opponent challenger incumbent nominee
    rapporteur ombudsman prosecutor defendant plaintiff juror judge magistrate glaciologist
    climatologist epidemiologist virologist biologist chemist physicist engineer architect
    designer artist actor actress singer musician director producer novelist poet journalist
    reporter columnist blogger teenager chancellor mayor-elect consultant pollster host
    delegate commentator correspondent anchor contributor operative donor entrepreneur
    businessman businesswoman retiree veteran lobbyist""".split()
)


ROLE_WORDS = (
    TITLE_WORDS
    | ROLE_NOUNS
    | frozenset("retired former acting interim deputy senior junior chief assistant vice".split())
)


PRONOUNS = {"he": "m", "she": "f", "they": "p", "i": "s", "we": "p"}


ARTICLED = r"(?:al|el)-"
"""The article of an Arabic surname (al-Awlaki, el-Sisi), as a regex fragment."""

NAME_TOKEN = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|St|Rev|Jr|Sr)\.|"
    rf"(?:(?<![\w\-]){ARTICLED})?[A-Z][\w’'\-]*\w|[A-Z]\.?)"
)
"""A word of a name: capitalised, an initial, an abbreviated title, or an Arabic surname with
its article ("al-Awlaki")."""


NAME_PARTICLE = r"(?:de|da|di|du|van|von|der|den|del|la|le|bin|al|el|ter|ten|St\.)"


NAME_LEAD = r"(?:(?:de|van|von|da|di|du|del|le|la|al|bin)[ \t]+)?"


NAME_SEQ = rf"{NAME_LEAD}{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN}){{0,5}}"


DET = r"(?:the|a|an|its|his|her|their|one|another)"


ROLE_LEAD = r"(?:(?:[A-Z][\w’'\-]*|[a-z][\w’'\-]*)[ \t]+){0,4}?"


MENTION = (
    r"(?P<pron>\b(?:he|she|they|I|we|He|She|They|We)\b)"
    rf"|(?P<desc>\b(?:{DET}|The|A|An|Its|His|Her|Their|One|Another)\s+"
    r"(?:[\w’'\-]+\s+){0,4}?[\w’'\-]+(?:\s+(?:for|of|at|in)\s+(?:the\s+)?[\w’'\-]+){0,2})"
    rf"|(?P<name>{ROLE_LEAD}{NAME_SEQ})"
)


NAME_RUN = re.compile(rf"{NAME_TOKEN}(?:[ \t]+(?:{NAME_PARTICLE}[ \t]+)?{NAME_TOKEN})*")


PLACE_WORDS = frozenset(
    """hall street square road avenue house palace building centre center park station
    airport bridge church cathedral court university college school hospital ministry council
    parliament senate congress bank group union party agency office embassy club stadium
    arena museum theatre theater hotel port city county province region state republic
    kingdom island river valley mountain lake sea ocean bay gulf coast times post news
    herald journal tribune guardian telegraph press review gazette""".split()
)


ORG_WORDS = frozenset(
    """company government ministry council agency department union party court commission
    committee bank firm group organisation organization club team board police army military
    school university hospital federation association office embassy kremlin administration
    authority authorities parliament senate congress cabinet regulator network channel
    newspaper station airline operator institute foundation charity campaign coalition
    alliance league county city state country""".split()
)


ORG_HEADS = frozenset(
    """committee party association institute institution university college council
    commission department agency bureau office service services foundation center centre
    campaign coalition union organization organisation company corporation corp inc llc
    group network news times post journal press tribune herald gazette magazine review caller
    watch project fund court congress senate house administration ministry government police
    army navy forces church board authority alliance league federation society club bank
    trust partners media radio television channel report institute reuters daily weekly
    globe telegraph guardian observer examiner chronicle inquirer sun mirror express
    independent standard register dispatch bulletin monitor beacon star""".split()
)
"""Last words of organisations' names: the Democratic National Committee, The Washington Post."""

GROUP_WORDS = frozenset(
    """officials police residents workers protesters analysts critics experts sources witnesses
    diplomats people members ministers leaders lawmakers investors economists""".split()
)


DOCUMENT_WORDS = frozenset(
    """statement report letter document memo filing ruling judgment decision communique
    communiqué notice declaration post tweet message email indictment complaint lawsuit
    survey study release announcement text draft verdict order agreement treaty article piece
    video column editorial essay op-ed ad advertisement transcript summary""".split()
)


SCARE_CUES = re.compile(
    r"(?:so-called|so called|dubbed|nicknamed|known\s+as|called|termed|titled|entitled|"
    r"branded|labelled|labeled|the\s+word|the\s+term|the\s+phrase|the\s+slogan|the\s+motto|"
    r"(?:film|movie|book|novel|song|album|series|show|play|report|documentary|podcast|"
    r"programme|program|operation|campaign|exhibition|poem|opera|game|project|plan)s?)\s*$",
    re.IGNORECASE,
)


STOPWORDS_EN = frozenset(
    """the a an and of to in is was for on that with as by at it from he she said be has have
    are were this but not his her they which will would or had their its who been""".split()
)


HONORIFIC_TITLES = frozenset("mr mrs ms miss dr mx sen rep gov gen prof rev".split())
"""Titles before a surname that make the next capitalised word a name even when it is also a
title word: Mr. King, Mrs. Judge."""

HONORIFICS = {
    "mr": "m",
    "mrs": "f",
    "ms": "f",
    "miss": "f",
    "sir": "m",
    "dame": "f",
    "lady": "f",
    "lord": "m",
    "king": "m",
    "queen": "f",
    "prince": "m",
    "princess": "f",
}


PARTY_WORDS = frozenset(
    """republican democrat democratic conservative labour liberal socialist green greens tory
    independent nationalist centrist communist""".split()
)


NOT_NAME_WORDS = (
    frozenset(
        "he she it they we i you this that these those there here his her its their our my your "
        "in on at for with from after before when while if but and or as by to of "
        "yesterday today tomorrow".split()
    )
    | frozenset(
        """the a an and or but of in on at to for with by from as said says told monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()
    )
    | frozenset(
        """although though given like unlike even whatever unfortunately fortunately likewise
    regarding outside inside despite during meanwhile still yet neither either both besides
    perhaps indeed instead moreover however thus only just also then now so because since
    until unless whether whereas amid among across against without within upon over under
    after before behind beyond beside between around about above below toward towards
    ahead asked speaking writing meanwhile nevertheless nonetheless otherwise recently
    earlier later once twice finally eventually""".split()
    )
)
"""Words that are never part of a name: capitalised at a sentence's start ("Like Corker,",
"Regarding Trump’s rhetoric"), they are stripped from the name that follows."""


FEMALE_NAMES = frozenset(
    """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa
    betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa
    deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda
    pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
    catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren
    christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa
    ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise
    amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte
    marie kayla alexis lori claire sophie chloe lucy ingrid marte katrin liis hana ida clara
    susanne ursula helga birgit annika agnieszka katarzyna malgorzata ewa irina olga natalia
    tatiana svetlana yulia elena ana ines isabel carmen lucia pilar rosa marta giulia
    francesca chiara paola laura nadia fatima aisha amina leila yasmin priya anjali sunita
    mei yuki keiko hiroko eleanor naomi rose kaja joanna judith dana miriam lena mara
    harriet imogen fiona siobhan niamh aoife sinead sian ngozi adaeze chiamaka ifeoma helena
    annette yvonne monique isabelle camille chantal nathalie veronique margit kristina jana
    petra zuzana anke heike silke britta gunilla astrid sigrid ragnhild solveig karin
    maja
    hillary carly nikki megyn kellyanne huma loretta debbie condoleezza condi madeleine ivanka
    melania chelsea tulsi kamala jill jeanne marsha susana jeanine katie katy kate
    kathy cathy kristen kirsten kim tammy patty peggy paula pam penny sally
    sheila sherry stacey stacy sue suzanne tina tracy vicki wendy whitney zoe
    gina heidi holly jane jenny jo joanne jodi julia june kay leah
    lily lynn mandy meryl mia molly monica nina nora norma phyllis rita
    roberta rosalind shannon shelley sonia sylvia tamara tanya terri valerie vanessa vera
    wanda betsy bette bonnie candace carla caroline cecilia cindy colleen connie daisy
    darlene dawn dolores edith eileen elaine ellen erin eva faith gail geraldine
    gwen hazel irene iris jeanette joy juanita kara karla katrina kendra kristin
    laurie lillian lois lorraine louise lucille lydia mabel mae marcia margo marian
    marjorie marlene maureen maxine melanie mildred nadine pauline priscilla rhonda rosemary roxanne
    sabrina sonya stella tabitha tara thelma tiffany vivian yolanda tamika keisha gretchen
    bernice mitzi trudy myrna dianne deirdre ginny ginger lorna marla nita rae""".split()
)


MALE_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
    jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy
    roy vincent ralph eugene russell bobby mason philip louis hans jens karl klaus jurgen
    uwe olaf lars sven nils erik henrik mats pieter joost luuk tomasz piotr pawel
    krzysztof marek andrei sergei dmitri vladimir oleg igor alexei nikolai ivan mikhail
    pierre jean-luc francois jacques philippe michel alain luc marco luca giuseppe giovanni
    francesco matteo alessandro lorenzo carlos miguel javier alvaro luis jorge pedro pablo
    diego rafael tomas mohammed ahmed ali omar hassan youssef rahul amit raj arjun hiroshi
    takeshi kenji wei jian chen li liu zhang yusuf emre mehmet kemal oskar gustav anders
    jonas mikael johan niklas tom tim ben sam max leo theo hugo felix oliver harry jake
    charlie alfie freddie archie colin graham nigel geoffrey gareth rhys owen dafydd callum
    hamish angus fergus declan seamus liam niall cian darragh eoin ronan kwame kofi chinedu
    emeka tunde femi olu derrick dwayne tyrone jalen deshawn marcus nikos giorgos dimitris
    kostas stavros
    bernie ted jeb chris mike mitch rand newt rick barack bill mitt
    reince corey jim bob dick dan dave steve ed eddie fred greg
    hank jeff jon josh ken lou marty matt nick pete phil ray
    ron stan tony vince walt barry chuck clint curt dale darrell don
    doug drew duane earl elliot ernie floyd gene glenn gordon grant herb
    howard hugh ira irving jay joel johnny kent kirk kurt lance leon
    leonard leroy lloyd lyle mario martin marvin maurice mel melvin milton morris
    murray neil norman oscar otis perry preston quentin randall reggie rex rob
    rod rodney ross rudy russ rusty seth sid stuart todd trent trey
    troy vern vic wade wally warren wes wesley wilbur woody zach beau
    cory cornel eliot elliott hakeem jamal kareem raul tucker bret shaun spencer
    stewart tad thad thom ty wyatt xavier jerome herman hubert isaac lewis
    lester marshall nathaniel orrin rahm reid ricky robby sonny tommy vernon wendell
    wilson abe al alvin andy arnold art bart benny bert brad brent
    brett buddy bud carlton cecil cliff clifford clyde conrad dwight edgar elmer
    emmett ernest ezra franklin gerry gil hal harvey homer horace jed jeremiah
    lamar luther mack mort ned pierce reuben roland rupert sherman sterling ward""".split()
)


AMBIGUOUS_A_NAMES = frozenset(
    """luca andrea nikita sasha misha mustafa joshua ezra elisha jonah noa dana issa kenta
    akira sota yota hamza musa luka ilya""".split()
)

GIVEN_NAMES = FEMALE_NAMES | MALE_NAMES
"""Given names of either gender (lower case), built once."""
NOT_SPEAKER_WORDS = DOCUMENT_WORDS | PLACE_WORDS
"""A capitalised run ending in one of these is a document or a place, not a speaker."""
CAPITALISED_RUN = r"[A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*){0,3}"
"""Up to four capitalised words (a name, a label, an organisation), as a regex fragment."""
