"""The words and word patterns quote finding knows: reporting verbs, titles and roles, name
shapes, mentions (name, pronoun, description), kinds of nouns that are not people, given names."""

from __future__ import annotations

import re

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|wrote|writes|stated|states|declared|declares|insisted|"
    "insists|warned|warns|argued|argues|explained|explains|noted|notes|asked|asks|replied|"
    "replies|responded|responds|claimed|claims|announced|announces|acknowledged|admitted|"
    "admits|continued|continues|concluded|recalled|recalls|suggested|suggests|urged|urges|"
    "cautioned|countered|conceded|complained|predicted|promised|vowed|stressed|stresses|"
    "emphasised|emphasized|observed|remarked|shouted|tweeted|posted|confirmed|denied|joked|"
    "pleaded|demanded|reiterated|maintained|contended|commented|quipped|wrote|testified|"
    "told reporters|agreed|disagreed|boasted|conceded|lamented|mused|sighed|yelled|whispered|"
    "pledged|insisted|assured|reminded|charged|alleged|signalled|signaled|underlined|added"
)


FRAGMENT_VERBS = "called|calls|described|describes|dubbed|branded|labelled|labeled|termed"


SPEECH_RE = re.compile(rf"\b(?:{SPEECH_VERBS})\b")


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
    reporter columnist blogger teenager chancellor mayor-elect""".split()
)


ROLE_WORDS = (
    TITLE_WORDS
    | ROLE_NOUNS
    | frozenset("retired former acting interim deputy senior junior chief assistant vice".split())
)


PRONOUNS = {"he": "m", "she": "f", "they": "p", "i": "s", "we": "p"}


NAME_TOKEN = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|St|Rev|Jr|Sr)\.|"
    r"[A-Z][\w’'\-]*\w|[A-Z]\.?)"
)


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


GROUP_WORDS = frozenset(
    """officials police residents workers protesters analysts critics experts sources witnesses
    diplomats people members ministers leaders lawmakers investors economists""".split()
)


DOCUMENT_WORDS = frozenset(
    """statement report letter document memo filing ruling judgment decision communique
    communiqué notice declaration post tweet message email indictment complaint lawsuit
    survey study release announcement text draft verdict order agreement treaty""".split()
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


NOT_NAME_WORDS = frozenset(
    "he she it they we i you this that these those there here his her its their our my your "
    "in on at for with from after before when while if but and or as by to of "
    "yesterday today tomorrow".split()
) | frozenset(
    """the a an and or but of in on at to for with by from as said says told monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()
)


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
    maja""".split()
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
    uwe olaf lars sven nils erik henrik mats pieter jan joost luuk tomasz piotr pawel
    krzysztof marek andrei sergei dmitri vladimir oleg igor alexei nikolai ivan mikhail
    pierre jean-luc francois jacques philippe michel alain luc marco luca giuseppe giovanni
    francesco matteo alessandro lorenzo carlos miguel javier alvaro luis jorge pedro pablo
    diego rafael tomas mohammed ahmed ali omar hassan youssef rahul amit raj arjun hiroshi
    takeshi kenji wei jian chen li liu zhang yusuf emre mehmet kemal oskar gustav anders
    jonas mikael johan niklas tom tim ben sam max leo theo hugo felix oliver harry jake
    charlie alfie freddie archie colin graham nigel geoffrey gareth rhys owen dafydd callum
    hamish angus fergus declan seamus liam niall cian darragh eoin ronan kwame kofi chinedu
    emeka tunde femi olu derrick dwayne tyrone jalen deshawn marcus nikos giorgos dimitris
    kostas stavros""".split()
)


AMBIGUOUS_A_NAMES = frozenset(
    """luca andrea nikita sasha misha mustafa joshua ezra elisha jonah noa dana issa kenta
    akira sota yota hamza musa luka ilya""".split()
)
