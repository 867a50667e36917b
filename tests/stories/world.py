"""The invented world the corpus is written about: countries, people, companies, clubs, outlets.

Countries and cities are real so that datelines read naturally; every person, company, club, union
and firm is invented. The cast is drawn from fixed name lists with its own fixed seed, so it is the
same whatever seed the corpus is built with: originals and negatives keep meeting the same people.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random


def _split(names: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in names.split(","))


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    adjective: str
    leader_title: str  # "Prime Minister", "President", "Chancellor"
    parliament: str
    court: str
    currency: str  # written after an amount: "4.2 billion euros"
    cities: tuple[str, ...]  # the capital first
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]


def _country(head: str, cities: str, women: str, men: str, surnames: str) -> Country:
    name, adjective, leader, parliament, court, currency = _split(head)
    return Country(
        name, adjective, leader, parliament, court, currency,
        _split(cities), _split(women), _split(men), _split(surnames),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    last: str
    title: str  # before the name: "Finance Minister"; may be empty
    role: str  # after the name: "the finance minister"; may be empty
    country: Country
    city: str
    she: bool
    party: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def named(self) -> str:
        """The name as a first mention in running text: "Finance Minister Ewa Lis"."""
        return f"{self.title} {self.name}" if self.title else self.name


COUNTRIES: tuple[Country, ...] = (
    _country(
        "Britain, British, Prime Minister, parliament, the Supreme Court, pounds",
        "London, Manchester, Birmingham, Glasgow",
        "Harriet, Fiona, Rosalind, Imogen, Clare, Niamh",
        "Callum, Rupert, Gareth, Declan, Hugh, Ewan",
        "Ashworth, Pemberton, Hollis, Greaves, Kettering, Marsh, Dunmore, Ellery, Thorne, "
        "Waverley, Abbott, Crane, Fenwick, Lowther, Radley, Sisley",
    ),
    _country(
        "France, French, Prime Minister, the National Assembly, the Constitutional Council, euros",
        "Paris, Lyon, Marseille",
        "Claire, Sandrine, Élodie, Margaux, Agnès, Solène",
        "Thibault, Olivier, Rémi, Baptiste, Laurent, Yannick",
        "Delacroix, Vautrin, Marchetti, Lefort, Bessac, Roussel, Aubry, Quéré, Garnier, Brossard, "
        "Chauvet, Delmas, Fontaine, Lacombe, Meunier, Perrot",
    ),
    _country(
        "Germany, German, Chancellor, the Bundestag, the Constitutional Court, euros",
        "Berlin, Munich, Hamburg, Frankfurt",
        "Katrin, Ulrike, Jana, Heike, Svenja, Annegret",
        "Matthias, Jörg, Tobias, Florian, Uwe, Henrik",
        "Brandauer, Kessler, Wittmann, Oberholz, Reinhardt, Lindqvist, Falk, Seidel, Albrecht, "
        "Dorn, Engel, Grüner, Hofstetter, Jaeger, Kranz, Vogler",
    ),
    _country(
        "Spain, Spanish, Prime Minister, Congress, the Constitutional Court, euros",
        "Madrid, Barcelona, Valencia, Seville",
        "Lucía, Carmen, Inés, Marta, Nuria, Elena",
        "Javier, Álvaro, Sergio, Íñigo, Raúl, Andrés",
        "Ortega, Saldaña, Villalba, Cuesta, Ibarra, Montero, Arrieta, Peñalver, Bermejo, Castaño, "
        "Echeverría, Galindo, Lozano, Robles, Segura, Tejada",
    ),
    _country(
        "Italy, Italian, Prime Minister, parliament, the Constitutional Court, euros",
        "Rome, Milan, Naples, Turin",
        "Giulia, Francesca, Chiara, Ilaria, Paola, Serena",
        "Matteo, Lorenzo, Davide, Stefano, Carlo, Fabrizio",
        "Bellandi, Ferrucci, Caruso, Monteleone, Rinaldi, Sartori, Galli, Verdone, Amato, "
        "Bertolini, Colonna, D'Alessio, Esposito, Lombardi, Pellegrini, Vitale",
    ),
    _country(
        "Brazil, Brazilian, President, Congress, the Supreme Federal Court, reais",
        "Brasília, São Paulo, Rio de Janeiro, Recife",
        "Fernanda, Luciana, Beatriz, Renata, Camila, Adriana",
        "Rodrigo, Thiago, Marcelo, Gustavo, Paulo, Eduardo",
        "Tavares, Moreira, Bastos, Azevedo, Figueira, Queiroz, Lacerda, Nogueira, Cardoso, "
        "Damasceno, Esteves, Guimarães, Loureiro, Meireles, Prado, Siqueira",
    ),
    _country(
        "Canada, Canadian, Prime Minister, the House of Commons, the Supreme Court, "
        "Canadian dollars",
        "Ottawa, Toronto, Vancouver, Montreal",
        "Meredith, Shauna, Colleen, Danielle, Gwen, Tessa",
        "Brennan, Malcolm, Darren, Gordon, Kieran, Wade",
        "Thibodeau, MacAllister, Brightwell, Okafor, Lindgren, Carrow, Pelletier, Strand, Ashby, "
        "Beaulieu, Corrigan, Desrosiers, Fraser, Halvorsen, Kowalchuk, Ridley",
    ),
    _country(
        "Australia, Australian, Prime Minister, parliament, the High Court, Australian dollars",
        "Canberra, Sydney, Melbourne, Perth",
        "Kylie, Bronwyn, Tamsin, Leanne, Jodie, Maree",
        "Lachlan, Brodie, Fergus, Heath, Dougal, Mitchell",
        "Whitcombe, Barrington, Tolley, Cardell, Fairweather, Lysaght, Munro, Pryce, Ainslie, "
        "Blackwood, Calloway, Dunstan, Eastwood, Gilchrist, Huxley, Renshaw",
    ),
    _country(
        "India, Indian, Prime Minister, parliament, the Supreme Court, rupees",
        "New Delhi, Mumbai, Bengaluru, Chennai",
        "Ananya, Kavita, Meera, Radhika, Sunita, Lakshmi",
        "Arjun, Vikram, Rohan, Sanjay, Karthik, Aditya",
        "Raghavan, Malhotra, Deshpande, Iyengar, Bhatnagar, Chatterjee, Kulkarni, Saxena, "
        "Agarwal, Banerjee, Chandran, Dutta, Gokhale, Joshi, Nair, Pillai",
    ),
    _country(
        "Kenya, Kenyan, President, parliament, the High Court, shillings",
        "Nairobi, Mombasa, Kisumu",
        "Wanjiru, Akinyi, Njeri, Atieno, Muthoni, Chebet",
        "Otieno, Kamau, Kiprono, Mwangi, Odhiambo, Kibet",
        "Wafula, Njoroge, Omondi, Kipchumba, Mutua, Wekesa, Gitau, Onyango, Achieng, Barasa, "
        "Chege, Karanja, Langat, Macharia, Ndungu, Rotich",
    ),
    _country(
        "South Africa, South African, President, parliament, the Constitutional Court, rand",
        "Pretoria, Johannesburg, Cape Town, Durban",
        "Nomvula, Thandeka, Lindiwe, Refilwe, Zanele, Annelie",
        "Sipho, Thabo, Mandla, Pieter, Lwazi, Kagiso",
        "Mokoena, Dlamini, Van der Berg, Ntuli, Khumalo, Botha, Mahlangu, Sithole, Coetzee, "
        "Ferreira, Gumede, Jacobs, Magagula, Nkosi, Pillay, Zulu",
    ),
    _country(
        "Mexico, Mexican, President, Congress, the Supreme Court, pesos",
        "Mexico City, Guadalajara, Monterrey, Puebla",
        "Guadalupe, Ximena, Itzel, Rocío, Mariana, Alejandra",
        "Emiliano, Joaquín, Rogelio, Mauricio, Ernesto, Salvador",
        "Zavala, Cervantes, Ochoa, Betancourt, Larios, Quintero, Treviño, Arellano, Benavides, "
        "Del Toro, Escobedo, Gallardo, Ibarra, Madrigal, Palacios, Villaseñor",
    ),
    _country(
        "Poland, Polish, Prime Minister, the Sejm, the Constitutional Tribunal, zlotys",
        "Warsaw, Krakow, Gdansk, Wroclaw",
        "Agnieszka, Katarzyna, Magdalena, Joanna, Ewa, Beata",
        "Tomasz, Krzysztof, Paweł, Grzegorz, Marek, Wojciech",
        "Zielinski, Wrobel, Kaczmarczyk, Sobczak, Lis, Duda-Nowak, Pietrzak, Mazur, Adamczyk, "
        "Borowski, Chmielewski, Gorski, Jablonski, Kowalczyk, Nowicki, Urbanski",
    ),
)

# Every country has one holder of each office: 13 countries x 6 offices = 78 recurring officials.
OFFICES: tuple[tuple[str, str, str], ...] = (  # key, title, role
    ("leader", "", ""),  # from Country.leader_title
    ("finance", "Finance Minister", "the finance minister"),
    ("governor", "Governor", "the central bank governor"),
    ("trade", "Trade Minister", "the trade minister"),
    ("health", "Health Minister", "the health minister"),
    ("opposition", "Opposition Leader", ""),  # the leader of a party
)
RESPONDERS: tuple[tuple[str, str], ...] = (  # title, role
    ("Fire Chief", "the regional fire chief"),
    ("Police Commissioner", "the city's police commissioner"),
    ("Civil Protection Director", "the head of the civil protection agency"),
)
PARTIES = _split(
    "the Democratic Alliance, the People's Party, the Social Democrats, the Reform Movement, "
    "the Liberal Union, the Green Coalition, the National Renewal Front, the Civic Platform"
)
FIRMS = _split(
    "Halden Capital, Brightmoor Securities, Castellan Partners, Ridgeway Research, Norvale Bank, "
    "Altamira Economics, Kestrel Advisory, Lindqvist & Co, Pendleton Asset Management, "
    "Sable Street Analytics"
)
ANALYST_ROLES = _split(
    "chief economist at, senior analyst at, head of research at, a strategist at, "
    "an economist at, a portfolio manager at"
)
ACADEMIC_ROLES = _split(
    "a professor of political science at the University of, "
    "a lecturer in public policy at the University of, "
    "a constitutional law expert at the University of, "
    "a researcher in disaster management at the University of, "
    "an epidemiologist at the University of"
)
LAWYER_ROLES = _split(
    "a lawyer for the petitioners, a lawyer for the government, a senior counsel in the case"
)
COMPANIES: tuple[tuple[str, str, str], ...] = (  # name, ticker, what it does
    ("Norvik Energy", "NVK", "energy"),
    ("Caldera Mining", "CDM", "mining"),
    ("Brightwater Foods", "BWF", "packaged food"),
    ("Asteron Motors", "AST", "carmaking"),
    ("Pelion Pharmaceuticals", "PLN", "drugmaking"),
    ("Marlowe Telecom", "MTL", "telecoms"),
    ("Ostara Airlines", "OSA", "aviation"),
    ("Tessaly Semiconductors", "TSY", "chipmaking"),
    ("Verano Retail Group", "VRG", "retail"),
    ("Kinloch Insurance", "KIN", "insurance"),
    ("Solenne Shipping", "SOL", "shipping"),
    ("Grayfield Software", "GRF", "software"),
    ("Amberly Steel", "AMS", "steel"),
    ("Quillon Media", "QLM", "media"),
    ("Harrowgate Bank", "HGB", "banking"),
    ("Dunmore Construction", "DMC", "construction"),
)
CLUBS = _split(
    "Northbridge United, Atlético Valmora, FC Rheinau, Sporting Lisvale, Olympique Méranne, "
    "AC Portavia, Ravenscourt City, Union Sankt Eller, Estrela do Norte, Dynamo Kalvary, "
    "Real Castelmar, Westhaven Rovers, Inter Calabrina, Borussia Altfeld"
)
UNIONS = _split(
    "the General Workers' Union, the Transport Workers' Federation, the Nurses' Association, "
    "the Teachers' Union, the Dockworkers' Union, the Public Service Alliance"
)
OUTLETS = _split(
    "reuters.com, apnews.com, afp.com, bbc.co.uk, theguardian.com, nytimes.com, "
    "washingtonpost.com, aljazeera.com, france24.com, dw.com, euronews.com, independent.co.uk, "
    "thetimes.co.uk, lemonde.fr, elpais.com, theglobeandmail.com, abc.net.au, smh.com.au, "
    "thehindu.com, hindustantimes.com, nation.africa, news24.com, eluniversal.com.mx, "
    "notesfrompoland.com, cbc.ca, irishtimes.com, straitstimes.com, scmp.com, npr.org, cnn.com, "
    "news.sky.com, bloomberg.com, ft.com, politico.eu, thelocal.de, japantimes.co.jp"
)
WIRES: tuple[tuple[str, str, str], ...] = (  # outlet, agency in the dateline, dash after it
    ("reuters.com", "Reuters", " - "),
    ("apnews.com", "AP", " — "),
    ("afp.com", "AFP", " - "),
)
AGGREGATORS: tuple[tuple[str, str], ...] = (  # domain, display name
    ("newsbeat24.com", "NewsBeat24"),
    ("topstorywire.net", "TopStoryWire"),
    ("worldnewsfeed.org", "World News Feed"),
    ("headlinehub.co", "HeadlineHub"),
    ("dailybriefing.news", "The Daily Briefing"),
    ("newsnowdigest.com", "NewsNow Digest"),
)
REPORTERS = _split(
    "Anna Novak, David Okoro, Sophie Laurent, Marcus Feld, Priya Menon, Tom Hadley, "
    "Lucia Ferreira, Jonas Berg, Amira Haddad, Ben Carrick, Mei Takahashi, Ruth Adeyemi, "
    "Kofi Mensah, Elena Petrova, Hannah Voss, Diego Salas"
)


@dataclass(frozen=True, slots=True)
class Cast:
    officials: dict[tuple[str, str], Person]  # by (country, office key)
    mayors: dict[str, Person]  # by city
    responders: dict[str, Person]  # fire chief, police or civil protection, by city
    analysts: tuple[Person, ...]
    academics: tuple[Person, ...]
    union_leaders: dict[tuple[str, str], Person]  # by (country, union)
    homes: dict[str, Country]  # where each company is based
    chiefs: dict[str, Person]  # chief executives, by company
    players: tuple[Person, ...]
    managers: dict[str, Person]  # by club
    lawyers: tuple[Person, ...]

    @property
    def prominent(self) -> list[Person]:
        """Office holders, mayors, responders, union leaders and chief executives."""
        return [
            *self.officials.values(), *self.mayors.values(), *self.responders.values(),
            *self.union_leaders.values(), *self.chiefs.values(),
        ]  # fmt: skip

    def office(self, country: Country, key: str) -> Person:
        return self.officials[country.name, key]


def make_cast() -> Cast:
    """The same cast every time: it has its own seed, separate from the corpus seed."""
    rng = Random("newsbot-stories-cast")
    taken: set[str] = set()
    surnames: dict[str, set[str]] = {}  # surnames of office holders, by country

    def person(
        country: Country, title: str, role: str, city: str | None = None, party: str = ""
    ) -> Person:
        # Office holders of one country never share a surname, so "Lis said" is unambiguous.
        used = surnames.setdefault(country.name, set())
        while True:
            she = rng.random() < 0.5
            first = rng.choice(country.women if she else country.men)
            last = rng.choice(country.surnames)
            if she and country.name == "Poland" and last.endswith("ski"):
                last = last[:-1] + "a"  # Polish surnames agree with the bearer
            if (title and last in used) or f"{first} {last}" in taken:
                continue
            taken.add(f"{first} {last}")
            if title:
                used.add(last)
            return Person(first, last, title, role, country, city or country.cities[0], she, party)

    officials: dict[tuple[str, str], Person] = {}
    for country in COUNTRIES:
        governing, opposition = rng.sample(PARTIES, 2)
        for key, office_title, office_role in OFFICES:
            title, role, party = office_title, office_role, governing
            if key == "leader":
                title, role = country.leader_title, f"the {country.leader_title.lower()}"
            elif key == "opposition":
                role, party = f"the leader of {opposition}", opposition
            elif key == "governor":
                party = ""
            officials[country.name, key] = person(country, title, role, party=party)
    mayors: dict[str, Person] = {}
    responders: dict[str, Person] = {}
    for country in COUNTRIES:
        for city in country.cities:
            mayors[city] = person(country, "Mayor", f"the mayor of {city}", city)
            title, role = rng.choice(RESPONDERS)
            responders[city] = person(country, title, role, city)
    analysts = tuple(
        person(rng.choice(COUNTRIES), "", f"{rng.choice(ANALYST_ROLES)} {firm}")
        for firm in FIRMS
        for _ in range(2)
    )
    academics: list[Person] = []
    for country in COUNTRIES:
        for role in ACADEMIC_ROLES:
            city = rng.choice(country.cities)
            academics.append(person(country, "", f"{role} {city}", city))
    union_leaders = {
        (country.name, union): person(country, "", f"the general secretary of {union}")
        for country in COUNTRIES
        for union in UNIONS
    }
    homes = {  # every country has at least one company
        name: COUNTRIES[i] if i < len(COUNTRIES) else rng.choice(COUNTRIES)
        for i, (name, _, _) in enumerate(COMPANIES)
    }
    chiefs = {
        name: person(
            homes[name], "", f"the chief executive of {name}", rng.choice(homes[name].cities)
        )
        for name, _, _ in COMPANIES
    }
    players = tuple(person(rng.choice(COUNTRIES), "", "") for _ in range(30))
    managers = {club: person(rng.choice(COUNTRIES), "", f"the {club} manager") for club in CLUBS}
    lawyers = tuple(person(rng.choice(COUNTRIES), "", rng.choice(LAWYER_ROLES)) for _ in range(12))
    return Cast(
        officials, mayors, responders, analysts, tuple(academics), union_leaders, homes, chiefs,
        players, managers, lawyers,
    )  # fmt: skip
