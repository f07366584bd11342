"""A deterministic corpus of news article files in the seed format, with ground truth.

``python -m bench.generator --out DIR --n N --seed S`` writes ``DIR/files/<publisher>/<yyyy-mm>/``
article files (at most a few thousand per folder), ``DIR/truth.parquet`` (one row per file),
``DIR/publishers.toml`` (the user's mapping for the outlets whose pages never name them) and
``DIR/generator.json`` (parameters and counts). The same seed gives byte-identical output.

What the corpus holds, so that cleaning and deduplication are really exercised:

* 56 outlets (24 that write and copy everyday stories, 32 small ones that print the wire's widest
  stories), each with its own page chrome (top lines, share bar, donation or newsletter
  appeal, disclaimers and notices that read like sentences, "Read more" lists of teasers that
  differ per page, copyright line), dateline habit (``MOSCOW, March 5. /TASS/.``,
  ``LONDON (Reuters) -``, ``PARIS, March 5 -`` or none), byline habit (``By AFP``, one of the
  outlet's staff writers, whose bylines recur on hundreds of stories, or none), standfirsts and
  agency sign-offs (``— AFP``). Only The Moscow Times has a built-in signature; most outlets
  name themselves in their chrome, some never do (mapped by ``publishers.toml``, or unknown);
* wire stories syndicated to 1-10 outlets, and now and then to 50-56, each copy in that
  outlet's chrome and lightly edited: trimmed tail, new or upper-cased headline, typographic
  quotes, typos, extra white space, partial reprints (first half), a local lead paragraph on
  top, a paragraph dropped in the middle; an outlet's own stories now and then under a
  recurring headline (``Live updates``, ``Corrections``); a third of the copies run the same
  day as the story's first outlet, the others 1-14 days later (``copy_delay_days``: the truth of
  first seen and of the speed of spread);
* exact re-crawls (the same bytes under another name), and hard negatives: different stories on
  the same day that share one templated background paragraph;
* month-only and missing date headers, non-English articles (Russian, German, French, Spanish)
  in UTF-8, cp1251 or latin-1, UTF-16 and BOM files, CRLF files, and bad files (empty, binary,
  undecodable bytes, oversized).

Ground truth per file: ``story_id`` (copies and re-crawls share it), ``publisher`` (the outlet,
``unknown`` where nothing on the page or in the mapping names it), ``published_date`` (the
header's, else the dateline's), ``date_precision`` (the header's), ``language``, ``expected``
(``accepted``/``quarantined``), ``reason``, ``kind``, ``edit``, ``title``, ``subtitle``,
``byline``, ``dateline``, ``agency`` (the wire the page credits, by dateline, byline or
sign-off) and ``clean_body``: the body a perfect cleaner returns (paragraphs joined by a blank
line; no chrome, headline, byline or dateline, as newsetl's ``documents.body`` defines it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

MONTHS = [
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
]
FIRST = [
    "Dmitry",
    "Alexander",
    "Maria",
    "Elena",
    "John",
    "Sarah",
    "Ahmed",
    "Li",
    "Carlos",
    "Anna",
    "Pierre",
    "Olga",
    "Kenji",
    "Fatima",
    "Igor",
    "Laura",
    "Rajesh",
    "Ngozi",
    "Tomas",
    "Yusuf",
]
LAST = [
    "Peskov",
    "Fomin",
    "Ivanova",
    "Smith",
    "Okafor",
    "Hassan",
    "Wei",
    "Mendez",
    "Kowalski",
    "Dubois",
    "Sato",
    "Petrova",
    "Novak",
    "Haddad",
    "Sharma",
    "Jensen",
    "Moreau",
    "Kim",
    "Alvarez",
    "Nowak",
    "Larsen",
    "Rossi",
    "Tanaka",
    "Abara",
]
ROLES = [
    "Kremlin spokesman",
    "Deputy Defense Minister",
    "Foreign Minister",
    "Prime Minister",
    "central bank governor",
    "Economy Minister",
    "opposition leader",
    "UN envoy",
    "Health Minister",
    "Energy Minister",
    "army chief",
    "Interior Minister",
]
COUNTRIES = [
    "Russia",
    "Myanmar",
    "Ukraine",
    "China",
    "India",
    "Brazil",
    "Nigeria",
    "Egypt",
    "France",
    "Germany",
    "Turkey",
    "Iran",
    "Japan",
    "Mexico",
    "Kenya",
    "Poland",
    "Indonesia",
    "Argentina",
    "Vietnam",
    "Pakistan",
    "Canada",
    "Italy",
]
CITIES = [
    "MOSCOW",
    "LONDON",
    "PARIS",
    "BEIJING",
    "NEW DELHI",
    "CAIRO",
    "BERLIN",
    "ANKARA",
    "TOKYO",
    "NAIROBI",
    "WARSAW",
    "JAKARTA",
    "GENEVA",
    "BRUSSELS",
    "ISTANBUL",
    "LAGOS",
]
ORGS = [
    "the Defense Ministry",
    "the Foreign Ministry",
    "the central bank",
    "the United Nations",
    "the European Union",
    "NATO",
    "the World Bank",
    "the parliament",
    "the state oil company",
    "the electoral commission",
    "the health ministry",
    "the IMF",
]
TOPICS = [
    "military cooperation",
    "gas exports",
    "the grain deal",
    "interest rates",
    "a ceasefire",
    "border security",
    "vaccine supplies",
    "election rules",
    "debt talks",
    "a trade accord",
    "nuclear safety",
    "refugee flows",
    "fuel prices",
    "a new pipeline",
    "drought relief",
]
VERBS = [
    "said",
    "told reporters",
    "announced",
    "warned",
    "confirmed",
    "insisted",
    "noted",
    "acknowledged",
    "stressed",
    "added",
]
ADJ = [
    "serious",
    "constructive",
    "unprecedented",
    "difficult",
    "promising",
    "tense",
    "historic",
    "cautious",
    "urgent",
    "limited",
    "broad",
    "fragile",
]
FILLER = [
    "officials",
    "analysts",
    "diplomats",
    "investors",
    "residents",
    "lawmakers",
    "experts",
    "negotiators",
    "traders",
    "observers",
]
TIMES = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "at the weekend",
    "late on Sunday",
    "earlier this week",
    "last month",
    "overnight",
]

FOREIGN: dict[str, list[str]] = {
    "ru": [
        "Россия",
        "заявил",
        "министр",
        "обороны",
        "в",
        "и",
        "что",
        "сотрудничество",
        "с",
        "по",
        "правительство",
        "в понедельник",
        "это",
        "как",
        "для",
        "также",
        "переговоры",
        "страны",
        "военное",
        "соглашение",
        "был",
        "который",
        "экономика",
        "президент",
    ],
    "de": [
        "der",
        "die",
        "und",
        "das",
        "Regierung",
        "hat",
        "ist",
        "nicht",
        "mit",
        "den",
        "sich",
        "Minister",
        "sagte",
        "auf",
        "für",
        "Gespräche",
        "wird",
        "auch",
        "Zusammenarbeit",
        "nach",
    ],
    "fr": [
        "le",
        "les",
        "et",
        "des",
        "gouvernement",
        "a",
        "est",
        "une",
        "dans",
        "pour",
        "qui",
        "ministre",
        "déclaré",
        "sur",
        "au",
        "avec",
        "négociations",
        "été",
        "cette",
        "accord",
    ],
    "es": [
        "el",
        "los",
        "y",
        "las",
        "gobierno",
        "del",
        "por",
        "una",
        "con",
        "para",
        "ministro",
        "dijo",
        "es",
        "su",
        "al",
        "fue",
        "como",
        "acuerdo",
        "negociaciones",
        "más",
    ],
}


@dataclass(frozen=True)
class Publisher:
    """A publisher's house style: chrome, dateline habit and byline habit."""

    name: str
    slug: str
    top: tuple[str, ...]
    bottom: tuple[str, ...]
    related_marker: str
    dateline: str  # "tass", "wire", "plain" or "none"
    byline: str  # "agency", "person" or "none"
    staff: tuple[str, ...] = ()
    """Writers whose bylines ("person" habit) recur on the outlet's stories."""
    evidence: str = "chrome"
    """How a reader can tell the outlet: "chrome" (it names itself), "mapping" (the corpus's
    publishers.toml maps its folder) or "none" (nothing does: its truth is unknown)."""
    subtitle: bool = False
    """A standfirst between the headline and the byline."""
    sign_off: bool = False
    """Wire stories end with a line crediting the agency (`— AFP`)."""

    @property
    def truth(self) -> str:
        """The publisher a perfect reader names for this outlet's pages."""
        return self.name if self.evidence != "none" else "unknown"


def _publishers() -> tuple[Publisher, ...]:
    names = [
        "The Moscow Times",
        "Daily Courier",
        "Global Wire Post",
        "Evening Standard Review",
        "Metro Herald",
        "The Continental",
        "Northern Gazette",
        "Pacific Chronicle",
        "Capital Observer",
        "The Independent Voice",
        "Harbour Times",
        "Sunrise Daily",
        "The Civic Ledger",
        "Valley Tribune",
        "Atlas Newsroom",
        "The Plain Dealer Online",
        "Frontier Journal",
        "Union Bulletin",
        "The Meridian",
        "Crossroads News",
        "Lakeside Record",
        "Summit Post",
        "The Dispatch Hub",
        "Riverside Press",
    ]
    markers = [
        "Read more about: {topic}",
        "Related articles",
        "More from {name}",
        "You may also like",
        "Read more",
        "Most read",
        "Recommended",
        "Related stories",
    ]
    habits = ["tass", "wire", "plain", "none"]
    bylines = ["agency", "person", "none"]
    publishers = []
    for index, name in enumerate(names):
        slug = "".join(c for c in name.lower().replace(" ", "-") if c.isalnum() or c == "-")
        top = (
            (f"Support {name}!", "Contribute today")
            if index % 3 == 0
            else (f"{name}", "Home | World | Business | Opinion | Sport")
            if index % 3 == 1
            else ("Skip to content", "Share on Facebook Twitter WhatsApp")
        )
        bottom = (
            (
                "Share on Facebook Twitter Email",
                f"Sign up for our daily newsletter from {name}",
                f"© 2021 {name}. All rights reserved.",
            )
            if index % 2
            else (
                f"Independent journalism isn't dead. You can help keep {name} alive.",
                f"Please consider making a donation to {name} to help us continue our reporting.",
                f"© {name}",
            )
        )
        publishers.append(
            Publisher(
                name,
                slug,
                top,
                bottom,
                markers[index % len(markers)],
                habits[index % 4],
                bylines[index % 3],
                staff=_staff(name),
                subtitle=index % 5 == 1,
            )
        )
    return tuple(publishers) + _more_outlets(len(publishers))


def _staff(name: str) -> tuple[str, ...]:
    """An outlet's writers: three to six names, the same in every corpus."""
    rng = random.Random(f"staff/{name}")
    return tuple(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(3, 6)))


OUTLET_PLACES = [
    "Harbor", "Valley", "Coastal", "Granite", "Prairie", "Hillside", "Bay", "Delta", "Cedar",
    "Pine", "Maple", "Oak", "River", "Canyon", "Mesa", "Island", "County", "Highland",
]  # fmt: skip
OUTLET_WORDS = [
    "Sentinel", "Ledger", "Clarion", "Beacon", "Monitor", "Register", "Examiner", "Enquirer",
    "Mercury", "Telegraph", "Advocate", "Leader", "Argus", "Pioneer",
]  # fmt: skip
# Chrome that reads like sentences: rules do not know it, only learning across a site's
# stories can tell it from the story.
SENTENCE_CHROME = [
    "The views expressed in this article are the author's own and do not necessarily reflect the "
    "editorial stance of {name}.",
    "{name} is an independent newsroom supported by readers like you; every contribution, big or "
    "small, keeps our reporting free for everyone.",
    "Share this story with your friends and colleagues on Facebook, Twitter, LinkedIn and "
    "WhatsApp, or copy the link and send it to them by email.",
    "Get the best of {name} every morning: our free daily briefing brings you the stories that "
    "matter, and you can unsubscribe at any time.",
    "Copyright 2021 {name}. This material may not be published, broadcast, rewritten or "
    "redistributed without permission.",
]
ANONYMOUS_CHROME = [
    "The views expressed in this article are the author's own and do not necessarily reflect "
    "those of this website.",
    "We are an independent newsroom supported by readers like you; every contribution, big or "
    "small, keeps our reporting free for everyone.",
    "Share this story with your friends and colleagues on Facebook, Twitter, LinkedIn and "
    "WhatsApp, or copy the link and send it to them by email.",
]
WIRE_OUTLETS = 32
# Outlets of the second group whose pages never name them: every eighth is mapped by the
# corpus's publishers.toml, every eighth (offset by four) has no evidence at all.
EVIDENCE_CYCLE = 8


def _more_outlets(first_index: int) -> tuple[Publisher, ...]:
    """Thirty-two more outlets, so that a wire story can be carried by fifty or more.

    Small outlets that print the wire's widest stories and little else. None has a built-in
    signature; most name themselves in their chrome, some in sentences only, some never (mapped
    by the corpus's ``publishers.toml``, or with no evidence at all).
    """
    rng = random.Random("outlets")
    names = [f"{place} {word}" for place in OUTLET_PLACES for word in OUTLET_WORDS]
    rng.shuffle(names)
    outlets = []
    for index, name in enumerate(names[:WIRE_OUTLETS]):
        slug = name.lower().replace(" ", "-")
        evidence = (
            "mapping"
            if index % EVIDENCE_CYCLE == 0
            else "none"
            if index % EVIDENCE_CYCLE == EVIDENCE_CYCLE // 2
            else "chrome"
        )
        named = evidence == "chrome"
        top = (
            (name, "Menu", "Search")
            if named and index % 3 == 0
            else ("Menu", "Search", "Sign in")
            if index % 3 == 1
            else ("Skip to content", "Latest | Local | Business | Sport | Opinion")
        )
        pool = [line.format(name=name) for line in SENTENCE_CHROME] if named else ANONYMOUS_CHROME
        bottom = tuple(rng.sample(pool, rng.randint(2, 3)))
        # Sites sign their pages with a copyright line, or with a sentence that is one.
        if named and not any(line.startswith("Copyright") for line in bottom):
            bottom += (f"© 2021 {name}",)
        outlets.append(
            Publisher(
                name,
                slug,
                top,
                bottom,
                ["Related", "More stories", "Most read", "Read more"][index % 4],
                ["tass", "wire", "plain", "none", "wire"][index % 5],
                ["person", "agency", "person", "none"][index % 4],
                staff=_staff(name),
                evidence=evidence,
                subtitle=index % 3 == 2,
                sign_off=index % 6 == 3,
            )
        )
    return tuple(outlets)


PUBLISHERS = _publishers()
# The outlets that write, and are copied by, the everyday stories; the others print the wire's
# widest stories. Report tables count per publisher and month: 32 outlets of a few pages a month
# cost them little, where 80 of the everyday kind ran their build out of memory.
REGULAR_OUTLETS = PUBLISHERS[: len(PUBLISHERS) - WIRE_OUTLETS]
AGENCIES = {
    "AFP": "wire",
    "Reuters": "wire",
    "AP": "wire",
    "TASS": "tass",
    "Xinhua": "wire",
    "dpa": "wire",
    "Kyodo": "wire",
    "EFE": "wire",
}
# Recurring headlines: an outlet's own pages under the same title, on a few percent of them.
RECURRING_HEADLINES = [
    "Live updates",
    "Corrections",
    "Morning briefing",
    "Letters to the editor",
    "The week in review",
]
RECURRING_SHARE = 0.04
# Stories that the wire sends to fifty outlets or more.
WIDE_SHARE = 0.005
WIDE_OUTLETS = (50, 56)


def publishers_toml(publishers: tuple[Publisher, ...] = PUBLISHERS) -> str:
    """The user's mapping for the outlets a reader cannot tell from their pages."""
    entries = [
        f'[[publisher]]\nname = "{p.name}"\npaths = ["{p.slug}/**"]\n'
        for p in publishers
        if p.evidence == "mapping"
    ]
    return (
        "# Written by bench.generator: the folders of outlets whose pages never name them.\n\n"
        + "\n".join(entries)
    )


@dataclass
class GeneratorSummary:
    """What was written: counts by kind, language, reason and publisher."""

    out_dir: str
    n: int
    seed: int
    kinds: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    publishers: int = 0
    stories: int = 0
    reprint_groups: int = 0


class _Writer:
    """Writes article files and streams their ground truth to Parquet."""

    BATCH = 5000
    SCHEMA = pa.schema(
        [
            ("source_path", pa.string()),
            ("story_id", pa.string()),
            ("publisher", pa.string()),
            ("published_date", pa.date32()),
            ("date_precision", pa.string()),
            ("language", pa.string()),
            ("expected", pa.string()),
            ("reason", pa.string()),
            ("kind", pa.string()),
            ("edit", pa.string()),
            ("title", pa.string()),
            ("byline", pa.string()),
            ("dateline", pa.string()),
            ("subtitle", pa.string()),
            ("agency", pa.string()),
            ("clean_body", pa.string()),
        ]
    )

    def __init__(self, out_dir: Path, seed: int) -> None:
        self.seed = seed
        self.files = out_dir / "files"
        self.rows: list[dict[str, object]] = []
        self.writer = pq.ParquetWriter(out_dir / "truth.parquet", self.SCHEMA, compression="zstd")
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()

    def write(self, folder: str, content: bytes, truth: dict[str, object]) -> None:
        name = (
            f"{self.count:07d}_{xxhash.xxh3_64_hexdigest(f'{self.seed}/{self.count}'.encode())}.txt"
        )
        relative = f"{folder}/{name}"
        path = self.files / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.rows.append({"source_path": relative, **truth})
        self.count += 1
        self.kinds[str(truth["kind"])] += 1
        if truth["expected"] == "accepted":
            self.languages[str(truth["language"])] += 1
        else:
            self.reasons[str(truth["reason"])] += 1
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.SCHEMA))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _sentence(rng: random.Random, cast: list[str], country: str, topic: str) -> str:
    person = rng.choice(cast)
    patterns = [
        lambda: (
            f"{person} {rng.choice(VERBS)} {rng.choice(TIMES)} that {country} would "
            f"{rng.choice(['review', 'expand', 'suspend', 'defend', 'renegotiate'])} {topic} "
            f"with {rng.choice(COUNTRIES)}."
        ),
        lambda: (
            f'"We see a {rng.choice(ADJ)} situation and we will act on {topic}," '
            f"{person.split()[-1]} {rng.choice(VERBS)}."
        ),
        lambda: (
            f"{rng.choice(FILLER).capitalize()} in {rng.choice(CITIES).title()} described the "
            f"talks on {topic} as {rng.choice(ADJ)}, citing {rng.randint(2, 900)} "
            f"{rng.choice(['cases', 'units', 'million dollars', 'people', 'tonnes'])}."
        ),
        lambda: (
            f"{rng.choice(ORGS).capitalize()} {rng.choice(VERBS)} it had received "
            f"{rng.randint(2, 99)} requests from {rng.choice(COUNTRIES)} since {rng.choice(MONTHS)}."
        ),
        lambda: (
            f"The {rng.choice(ADJ)} move follows weeks of {rng.choice(['pressure', 'protests', 'delays', 'talks', 'rumours'])} "
            f"over {topic} and {rng.choice(TOPICS)}, {rng.choice(FILLER)} {rng.choice(VERBS)}."
        ),
    ]
    return rng.choice(patterns)()


@dataclass
class _Story:
    story_id: str
    date: dt.date
    title: str
    paragraphs: list[str]
    agency: str
    place: str


def _story(rng: random.Random, story_id: str, date: dt.date) -> _Story:
    country, topic = rng.choice(COUNTRIES), rng.choice(TOPICS)
    cast = [f"{rng.choice(ROLES)} {_person(rng)}" for _ in range(3)]
    paragraphs = []
    for _ in range(rng.randint(5, 13)):
        paragraphs.append(
            " ".join(_sentence(rng, cast, country, topic) for _ in range(rng.randint(2, 3)))
        )
    title = (
        f"{country} {rng.choice(['Weighs', 'Rejects', 'Backs', 'Delays', 'Signs'])} "
        f"{topic.title()} {rng.choice(['Plan', 'Deal', 'Move', 'Talks', 'Proposal'])}"
    )
    return _Story(story_id, date, title, paragraphs, rng.choice(list(AGENCIES)), rng.choice(CITIES))


def _dateline(style: str, story: _Story, agency: str) -> str:
    when = f"{MONTHS[story.date.month - 1]} {story.date.day}"
    if style == "tass":
        return f"{story.place}, {when}. /{agency}/."
    if style == "wire":
        return f"{story.place} ({agency}) -"
    if style == "plain":
        return f"{story.place}, {when} -"
    return ""


def _typographic(text: str) -> str:
    out, opening = [], True
    for char in text:
        if char == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append("’" if char == "'" else char)
    return "".join(out)


def _typos(rng: random.Random, paragraph: str, count: int) -> str:
    words = paragraph.split(" ")
    for _ in range(count):
        index = rng.randrange(len(words))
        word = words[index]
        if len(word) > 3:
            position = rng.randrange(len(word) - 1)
            words[index] = (
                word[:position] + word[position + 1] + word[position] + word[position + 2 :]
            )
    return " ".join(words)


@dataclass
class _Rendered:
    """One copy's page text and what a perfect reader takes from it."""

    page: str
    byline: str | None
    dateline: str | None
    clean_body: str
    subtitle: str | None = None
    agency: str | None = None


def _render(
    rng: random.Random,
    publisher: Publisher,
    story: _Story,
    title: str,
    paragraphs: list[str],
    agency: str,
) -> _Rendered:
    """Page text of one copy, with its byline, dateline, clean body, subtitle and agency."""
    dateline = _dateline(publisher.dateline, story, agency)
    byline = _byline(rng, publisher, agency)
    subtitle = _standfirst(rng, story) if publisher.subtitle and byline else None
    body = list(paragraphs)
    clean_body = "\n\n".join(body)
    if dateline:
        body[0] = f"{dateline} {body[0]}"
    teasers = []
    for _ in range(rng.randint(2, 4)):
        teasers += [
            f"opinion {_person(rng)}",
            "",
            f"{rng.choice(COUNTRIES)} and the {rng.choice(TOPICS).title()}",
            "",
            f"{rng.choice(FILLER).capitalize()} say {rng.choice(TOPICS)} will be {rng.choice(ADJ)}.",
        ]
    marker = publisher.related_marker.format(topic=rng.choice(COUNTRIES), name=publisher.name)
    lines = [*publisher.top, "", title, ""]
    if subtitle:
        lines.append(subtitle)
    if byline:
        lines.append(f"By {byline}")
    lines.append("\n\n".join(body))
    if publisher.sign_off:
        lines += ["", f"— {agency}"]
    lines += ["", marker, "", *teasers, "", "\n\n".join(publisher.bottom)]
    credited = (
        agency
        if publisher.dateline in {"tass", "wire"}
        or publisher.byline == "agency"
        or publisher.sign_off
        else None
    )
    return _Rendered("\n".join(lines), byline, dateline or None, clean_body, subtitle, credited)


def _byline(rng: random.Random, publisher: Publisher, agency: str) -> str | None:
    """The name a page credits: the agency, one of the outlet's writers, or nobody."""
    if publisher.byline == "agency":
        # Some outlets spell the Associated Press out.
        return "The Associated Press" if agency == "AP" and len(publisher.name) % 2 else agency
    if publisher.byline == "person":
        return rng.choice(publisher.staff) if publisher.staff else _person(rng)
    return None


def _standfirst(rng: random.Random, story: _Story) -> str:
    """A one-sentence summary under the headline."""
    return (
        f"{rng.choice(FILLER).capitalize()} expect {rng.choice(TOPICS)} to dominate the "
        f"{rng.choice(ADJ)} talks in {story.place.title()} {rng.choice(TIMES)}."
    )


def copy_delay_days(seed: int, story_id: str, copy: int) -> int:
    """Days after the story's first outlet that its ``copy``-th syndicated copy ran.

    The truth of who ran a story first and how fast it spread: a third of copies the same day,
    the rest a day to two weeks later. Drawn from a stream of its own (seed, story, copy), so
    every other byte of the corpus is what it would be without delays.
    """
    draw = random.Random(f"{seed}/{story_id}/{copy}")
    return 0 if draw.random() < 1 / 3 else min(int(draw.expovariate(0.4)) + 1, 14)


def _header(date: dt.date, precision: str) -> str:
    if precision == "day":
        return f" date {date.isoformat()} "
    if precision == "month":
        return f" date {date.strftime('%Y-%m')} "
    return ""


def _foreign(rng: random.Random, language: str) -> tuple[str, str]:
    words = FOREIGN[language]
    paragraphs = [
        " ".join(rng.choice(words) for _ in range(rng.randint(40, 90))) + "."
        for _ in range(rng.randint(3, 6))
    ]
    body = "\n\n".join(p[0].upper() + p[1:] for p in paragraphs)
    return " ".join(rng.choice(words) for _ in range(5)).capitalize(), body


# --- Partial reprints and their negatives -------------------------------------------------------
# Copies of a long story that keep only part of it, or alter it heavily, and documents that share
# words with stories without copying any. Drawn from their own random stream, so the rest of the
# corpus is the same files as without them (only fewer, to make room).

REPRINT_KINDS = (
    "brief",
    "teaser",
    "ocr",
    "link_list",
    "reordered",
    "rewritten_lead",
    "reworded",
)
"""Copies of a long story (kind ``long_story``), each labelled with the story it copies:
``brief`` the first 60-140 words; ``teaser`` the first quarter, then a subscription line;
``ocr`` every sixth longer word corrupted as OCR does; ``link_list`` a dozen related headlines
dropped into the middle; ``reordered`` the paragraphs in another order; ``rewritten_lead`` a new
lead paragraph and two new paragraphs in the middle; ``reworded`` every third sentence lightly
reworded."""
REPRINT_NEGATIVES = ("other_outlet", "digest")
"""Stories of their own that must not be linked to the stories they resemble: ``other_outlet``
another outlet's own article on the same news, the same day (same people, place and topic,
sometimes one sentence quoted alike); ``digest`` a news-in-brief digest quoting the first
sentences of three to five stories."""
# Share of the generator's iterations that write a reprint group (a long story, one to three
# copies, sometimes other outlets' articles and a digest: about four files), so that about a
# tenth of the corpus belongs to these groups.
REPRINT_SHARE = 0.065
SUBSCRIPTION_LINES = (
    "Subscribe to {name} to read the rest of this article.",
    "This article is for subscribers only. Already a subscriber? Log in to keep reading.",
    "To continue reading, subscribe to {name} from one dollar a week.",
    "The full story is available to {name} subscribers. Subscribe now.",
)
DIGEST_TITLES = ("News in brief", "Morning briefing", "The day in brief", "World news roundup")
RELATED_HEADINGS = ("Related coverage", "More on this story", "Also in the news", "Further reading")
# Light rewording: a word or phrase and what another desk writes instead.
REWORDINGS = {
    "said": "stated",
    "told reporters": "told journalists",
    "announced": "declared",
    "warned": "cautioned",
    "confirmed": "affirmed",
    "insisted": "maintained",
    "noted": "observed",
    "acknowledged": "conceded",
    "stressed": "underlined",
    "added": "went on to say",
    "officials": "authorities",
    "analysts": "commentators",
    "diplomats": "envoys",
    "talks": "negotiations",
    "would": "will",
    "situation": "position",
    "received": "been sent",
    "requests": "applications",
    "described": "characterised",
    "citing": "pointing to",
    "follows": "comes after",
    "weeks": "months",
    "move": "step",
    "since": "starting in",
}
# Characters OCR confuses: what it reads instead of each.
OCR_CONFUSIONS = (
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("d", "cl"),
    ("li", "h"),
    ("l", "1"),
    ("i", "l"),
    ("e", "c"),
    ("o", "0"),
    ("a", "o"),
    ("h", "b"),
    ("u", "v"),
    ("n", "u"),
    ("s", "5"),
    ("t", "f"),
    ("g", "q"),
)
# A longer word, for OCR noise: this many letters or more.
OCR_LONGER_WORD = 5
OCR_EVERY = 6


@dataclass(frozen=True)
class _News:
    """One piece of news: the people, country, topic, place and day every story of it shares."""

    cast: tuple[str, ...]
    country: str
    topic: str
    place: str
    date: dt.date


@dataclass(frozen=True)
class _LongStory:
    """A long story (300 to 2,000 words) and its sentences, paragraph by paragraph."""

    story: _Story
    sentences: tuple[tuple[str, ...], ...]


def _news(rng: random.Random, date: dt.date) -> _News:
    return _News(
        tuple(f"{rng.choice(ROLES)} {_person(rng)}" for _ in range(3)),
        rng.choice(COUNTRIES),
        rng.choice(TOPICS),
        rng.choice(CITIES),
        date,
    )


def _news_paragraphs(rng: random.Random, news: _News, count: int) -> list[list[str]]:
    """``count`` paragraphs of two or three sentences about ``news``."""
    return [
        [
            _sentence(rng, list(news.cast), news.country, news.topic)
            for _ in range(rng.randint(2, 3))
        ]
        for _ in range(count)
    ]


def _headline(rng: random.Random, news: _News) -> str:
    return (
        f"{news.country} {rng.choice(['Weighs', 'Rejects', 'Backs', 'Delays', 'Signs'])} "
        f"{news.topic.title()} {rng.choice(['Plan', 'Deal', 'Move', 'Talks', 'Proposal'])}"
    )


def _long_story(rng: random.Random, story_id: str, news: _News) -> _LongStory:
    """Paragraphs of two or three sentences up to a length from 300 to 2,000 words (mean ~650)."""
    target = min(2000, 300 + int(rng.expovariate(1 / 350)))
    sentences: list[list[str]] = []
    words = 0
    while words < target:
        paragraph = _news_paragraphs(rng, news, 1)[0]
        if words + sum(len(s.split()) for s in paragraph) > 2000:
            break
        sentences.append(paragraph)
        words += sum(len(s.split()) for s in paragraph)
    story = _Story(
        story_id,
        news.date,
        _headline(rng, news),
        [" ".join(paragraph) for paragraph in sentences],
        rng.choice(list(AGENCIES)),
        news.place,
    )
    return _LongStory(story, tuple(tuple(paragraph) for paragraph in sentences))


def _leading_sentences(
    sentences: tuple[tuple[str, ...], ...], words: int, at_least: int = 1, at_most: int = 10**9
) -> list[str]:
    """The story's opening paragraphs in whole sentences, up to about ``words`` words: as many
    sentences as fit in ``words``, then more until ``at_least`` words, the last one cut at
    ``at_most`` words."""
    taken: list[list[str]] = []
    count = 0
    for paragraph in sentences:
        taken.append([])
        for sentence in paragraph:
            size = len(sentence.split())
            if count >= at_least and count + size > words:
                return [" ".join(p) for p in taken if p]
            if count + size > at_most:
                taken[-1].append(" ".join(sentence.split()[: at_most - count]))
                return [" ".join(p) for p in taken if p]
            taken[-1].append(sentence)
            count += size
    return [" ".join(p) for p in taken if p]


def _brief(rng: random.Random, long: _LongStory) -> list[str]:
    """The first 60-140 words: whole sentences up to a length drawn in that range, and at least
    60 words (a sentence that would pass 140 words is cut there)."""
    return _leading_sentences(long.sentences, rng.randint(60, 140), at_least=60, at_most=140)


def _teaser(rng: random.Random, long: _LongStory, publisher: Publisher) -> tuple[list[str], str]:
    """The first quarter of the story, and the subscription line that ends the page's text."""
    total = sum(len(s.split()) for p in long.sentences for s in p)
    line = rng.choice(SUBSCRIPTION_LINES).format(name=publisher.name)
    return _leading_sentences(long.sentences, total // 4), line


def _ocr_word(rng: random.Random, word: str) -> str:
    """One OCR misreading of ``word``: a confused character pair, else a dropped letter."""
    options = [(a, b) for a, b in OCR_CONFUSIONS if a in word]
    if options:
        wrong, read = rng.choice(options)
        at = rng.choice([i for i in range(len(word)) if word.startswith(wrong, i)])
        return word[:at] + read + word[at + len(wrong) :]
    at = rng.randrange(len(word))
    return word[:at] + word[at + 1 :]


def _ocr(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """Every sixth longer word (five letters or more) misread, from a random first one."""
    phase = rng.randrange(OCR_EVERY)
    seen = 0
    out = []
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for index, word in enumerate(words):
            if sum(c.isalpha() for c in word) >= OCR_LONGER_WORD:
                if seen % OCR_EVERY == phase:
                    words[index] = _ocr_word(rng, word)
                seen += 1
        out.append(" ".join(words))
    return out


def _link_list(rng: random.Random, paragraphs: list[str]) -> tuple[list[str], str]:
    """The story with a dozen related headlines dropped into the middle (the page's paragraphs),
    and that block (chrome: the clean body is the story)."""
    headlines = [
        f"{rng.choice(COUNTRIES)} {rng.choice(['weighs', 'rejects', 'backs', 'delays', 'signs'])} "
        f"{rng.choice(TOPICS)} {rng.choice(['plan', 'deal', 'move', 'talks', 'proposal'])}"
        for _ in range(12)
    ]
    block = "\n".join([rng.choice(RELATED_HEADINGS), *headlines])
    middle = max(1, len(paragraphs) // 2)
    return [*paragraphs[:middle], block, *paragraphs[middle:]], block


def _reordered(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """The same paragraphs in another order."""
    order = list(range(len(paragraphs)))
    while len(order) > 1 and order == sorted(order):
        rng.shuffle(order)
    return [paragraphs[i] for i in order]


def _rewritten_lead(rng: random.Random, long: _LongStory, news: _News) -> list[str]:
    """A new lead paragraph in place of the first, and two new paragraphs in the middle."""
    new = [" ".join(p) for p in _news_paragraphs(rng, news, 3)]
    rest = list(long.story.paragraphs[1:])
    middle = len(rest) // 2
    return [new[0], *rest[:middle], new[1], new[2], *rest[middle:]]


def _reword(rng: random.Random, sentence: str) -> str:
    """One or two words of ``sentence`` as another desk writes them (a word swap when none)."""
    found = [phrase for phrase in REWORDINGS if f" {phrase} " in f" {sentence} "]
    if not found:
        words = sentence.split(" ")
        at = rng.randrange(max(1, len(words) - 1))
        words[at : at + 2] = reversed(words[at : at + 2])
        return " ".join(words)
    for phrase in rng.sample(found, min(len(found), rng.randint(1, 2))):
        sentence = f" {sentence} ".replace(f" {phrase} ", f" {REWORDINGS[phrase]} ", 1).strip()
    return sentence


def _reworded(rng: random.Random, long: _LongStory) -> list[str]:
    """Every third sentence lightly reworded, from a random first one."""
    phase = rng.randrange(3)
    out, index = [], 0
    for paragraph in long.sentences:
        sentences = []
        for sentence in paragraph:
            sentences.append(_reword(rng, sentence) if index % 3 == phase else sentence)
            index += 1
        out.append(" ".join(sentences))
    return out


def _other_outlet(rng: random.Random, news: _News, long: _LongStory) -> tuple[str, list[str]]:
    """Another outlet's own article on the same news: its own words, now and then one sentence
    (a quote) the same as the story's."""
    paragraphs = [" ".join(p) for p in _news_paragraphs(rng, news, rng.randint(4, 14))]
    if rng.random() < 0.5:
        quoted = rng.choice([s for p in long.sentences for s in p])
        at = rng.randrange(len(paragraphs))
        paragraphs[at] = f"{paragraphs[at]} {quoted}"
    return _headline(rng, news), paragraphs


def _digest(stories: list[_LongStory]) -> list[str]:
    """A news-in-brief digest: each story's headline and first sentence."""
    return [f"{long.story.title}: {long.sentences[0][0]}" for long in stories]


@dataclass(frozen=True)
class _Piece:
    """One document of a reprint group, before its page is rendered."""

    story_id: str
    kind: str
    publisher: Publisher
    title: str
    page: list[str]
    """Paragraphs as the page shows them."""
    clean: list[str]
    """Paragraphs of the clean body (a perfect cleaner drops inserted chrome)."""


def _reprint_pieces(rng: random.Random, long: _LongStory, news: _News, number: int) -> list[_Piece]:
    """The documents of one reprint group but its digest, the long story first."""
    story = long.story
    pieces = [
        _Piece(
            story.story_id,
            "long_story",
            rng.choice(PUBLISHERS),
            story.title,
            story.paragraphs,
            story.paragraphs,
        )
    ]
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        kind = rng.choice(REPRINT_KINDS)
        publisher = rng.choice(PUBLISHERS)
        title = story.title if rng.random() < 0.5 else f"{news.place.title()}: {story.title}"
        page = clean = list(story.paragraphs)
        if kind == "brief":
            page = clean = _brief(rng, long)
        elif kind == "teaser":
            clean, line = _teaser(rng, long, publisher)
            page = [*clean, line]
        elif kind == "ocr":
            page = clean = _ocr(rng, story.paragraphs)
        elif kind == "link_list":
            page, _ = _link_list(rng, story.paragraphs)
        elif kind == "reordered":
            page = clean = _reordered(rng, story.paragraphs)
        elif kind == "rewritten_lead":
            page = clean = _rewritten_lead(rng, long, news)
        else:
            page = clean = _reworded(rng, long)
        pieces.append(_Piece(story.story_id, kind, publisher, title, page, clean))
    for index in range(rng.choices([0, 1, 2], [0.5, 0.35, 0.15])[0]):
        title, paragraphs = _other_outlet(rng, news, long)
        pieces.append(
            _Piece(
                f"r{number}-o{index}",
                "other_outlet",
                rng.choice(PUBLISHERS),
                title,
                paragraphs,
                paragraphs,
            )
        )
    return pieces


def _write_reprint_group(
    rng: random.Random, writer: _Writer, n: int, number: int, recent: list[_LongStory]
) -> None:
    """Write reprint group ``number``: a long story, its copies, other outlets' articles on the
    same news, and now and then a digest of the last few long stories."""
    date = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
    news = _news(rng, date)
    long = _long_story(rng, f"r{number}", news)
    pieces = _reprint_pieces(rng, long, news, number)
    recent.append(long)
    if len(recent) >= 5 and rng.random() < 0.3:
        quoted = rng.sample(recent, rng.randint(3, 5))
        digest = _digest(quoted)
        title = rng.choice(DIGEST_TITLES)
        pieces.append(
            _Piece(f"r{number}-d", "digest", rng.choice(PUBLISHERS), title, digest, digest)
        )
        recent.clear()
    for piece in pieces:
        if writer.count >= n:
            return
        rendered = _render(
            rng, piece.publisher, long.story, piece.title, piece.page, long.story.agency
        )
        writer.write(
            f"{piece.publisher.slug}/{date.strftime('%Y-%m')}",
            (_header(date, "day") + rendered.page).encode(),
            {
                "story_id": piece.story_id,
                "publisher": piece.publisher.truth,
                "published_date": date,
                "date_precision": "day",
                "language": "en",
                "expected": "accepted",
                "reason": None,
                "kind": piece.kind,
                "edit": None,
                "title": piece.title,
                "byline": rendered.byline,
                "dateline": rendered.dateline,
                "subtitle": rendered.subtitle,
                "agency": rendered.agency,
                "clean_body": "\n\n".join(piece.clean),
            },
        )


def _wide_copies(rng: random.Random, story: _Story) -> list[tuple[_Story, str, Publisher | None]]:
    """A wire story that fifty outlets or more carry, each once."""
    outlets = rng.sample(PUBLISHERS, rng.randint(*WIDE_OUTLETS))
    return [(story, "original", outlets[0])] + [
        (story, "syndicated_copy", outlet) for outlet in outlets[1:]
    ]


def _shown_date(header: object, publisher: Publisher, story: _Story) -> object:
    """The date a reader sees: the header's, else a dateline's day (its year from the folder)."""
    if header is None and publisher.dateline in {"tass", "plain"}:
        return story.date
    return header


def _recurring_headline(rng: random.Random, story: _Story) -> None:
    """An outlet's own story, now and then under a headline it uses again and again."""
    if rng.random() < RECURRING_SHARE:
        story.title = rng.choice(RECURRING_HEADLINES)


def generate(
    out_dir: Path,
    n: int,
    seed: int,
    *,
    bad_share: float = 0.01,
    max_file_bytes: int = 1 << 20,
    reprint_share: float = REPRINT_SHARE,
) -> GeneratorSummary:
    """Write ``n`` article files and their ground truth into ``out_dir``.

    Args:
        out_dir: Folder to create (``files/``, ``truth.parquet``, ``generator.json``).
        n: Number of files.
        seed: Random seed: the same seed gives the same bytes.
        bad_share: Share of bad files (empty, binary, undecodable, oversized).
        max_file_bytes: newsetl's size cap; oversized files are made just past it.
        reprint_share: Share of iterations that write a reprint group (:data:`REPRINT_KINDS`);
            0 writes the corpus without them.
    """
    rng = random.Random(seed)
    # Reprint groups draw from their own stream: the other files are the same with or without.
    reprint_rng = random.Random(f"{seed}/reprints")
    recent: list[_LongStory] = []
    reprint_groups = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out_dir, seed)
    start = dt.date(2020, 1, 1)
    stories = 0
    try:
        while writer.count < n:
            if reprint_share and reprint_rng.random() < reprint_share:
                _write_reprint_group(reprint_rng, writer, n, reprint_groups, recent)
                reprint_groups += 1
                continue
            roll = rng.random()
            date = start + dt.timedelta(days=rng.randrange(3 * 365))
            precision = "none" if rng.random() < 0.02 else "month" if rng.random() < 0.03 else "day"
            truth_date = (
                None
                if precision == "none"
                else (date.replace(day=1) if precision == "month" else date)
            )
            base = {
                "published_date": truth_date,
                "date_precision": precision,
                "edit": None,
                "title": None,
                "byline": None,
                "dateline": None,
                "subtitle": None,
                "agency": None,
                "clean_body": None,
            }
            folder_month = date.strftime("%Y-%m")
            # A story iteration writes ~2.5 files on average: scale the per-iteration odds so that
            # the shares hold per file.
            if roll < bad_share * 2.5:
                # Oversized files are a megabyte each: keep them rare so the corpus stays ~3 KB/file.
                kind = rng.choices(
                    ["empty", "binary", "undecodable", "oversized"], [10, 10, 10, 1]
                )[0]
                content = {
                    "empty": b"",
                    "binary": bytes(rng.randrange(256) for _ in range(512)) + b"\x00\x00",
                    "undecodable": bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * rng.randint(40, 200),
                    "oversized": b"word " * (max_file_bytes // 5 + 10),
                }[kind]
                writer.write(
                    f"bad/{folder_month}",
                    content,
                    base
                    | {
                        "story_id": f"bad-{writer.count}",
                        "publisher": None,
                        "language": None,
                        "expected": "quarantined",
                        "reason": kind,
                        "kind": "bad",
                    },
                )
                continue
            if roll < bad_share * 2.5 + 0.06:
                language = rng.choice(list(FOREIGN))
                title, body = _foreign(rng, language)
                publisher = rng.choice(REGULAR_OUTLETS)
                text = _header(date, precision) + f"{title}\n\n{body}"
                encoding = (
                    "cp1251"
                    if language == "ru" and rng.random() < 0.5
                    else (
                        "latin-1"
                        if language in {"de", "fr", "es"} and rng.random() < 0.5
                        else "utf-8"
                    )
                )
                writer.write(
                    f"{publisher.slug}/{folder_month}",
                    text.encode(encoding),
                    base
                    | {
                        "story_id": f"s{stories}",
                        # No chrome: only the user's mapping of its folder names the outlet.
                        "publisher": publisher.truth
                        if publisher.evidence == "mapping"
                        else "unknown",
                        "language": language,
                        "expected": "accepted",
                        "reason": None,
                        "kind": f"foreign-{encoding}",
                        "title": title,
                        "clean_body": body,
                    },
                )
                stories += 1
                continue
            story = _story(rng, f"s{stories}", date)
            stories += 1
            if rng.random() < 0.05:
                # A hard negative: another story of the same day sharing a background paragraph.
                background = (
                    f"The dispute over {rng.choice(TOPICS)} has simmered for years, with "
                    f"{rng.choice(COUNTRIES)} and {rng.choice(COUNTRIES)} trading accusations "
                    f"at {rng.choice(ORGS)} and in talks hosted by {rng.choice(CITIES).title()}."
                )
                twin = _story(rng, f"s{stories}", date)
                stories += 1
                story.paragraphs.insert(1, background)
                twin.paragraphs.insert(1, background)
                copies = [(story, "original", None), (twin, "hard_negative", None)]
            elif rng.random() < WIDE_SHARE:
                copies = _wide_copies(rng, story)
            else:
                outlets = min(int(rng.expovariate(0.7)) + 1, 10)
                if outlets == 1:
                    _recurring_headline(rng, story)
                copies = [(story, "original", None)] + [(story, "syndicated_copy", None)] * (
                    outlets - 1
                )
            for number, (piece, kind, outlet) in enumerate(copies):
                if writer.count >= n:
                    break
                day = piece.date
                if kind == "syndicated_copy":
                    day += dt.timedelta(days=copy_delay_days(seed, piece.story_id, number))
                publisher = outlet or rng.choice(REGULAR_OUTLETS)
                title, paragraphs, edit = piece.title, list(piece.paragraphs), "none"
                if kind == "syndicated_copy":
                    edit = rng.choice(
                        [
                            "trim_tail",
                            "new_headline",
                            "upper_headline",
                            "typographic",
                            "typos",
                            "whitespace",
                            "partial",
                            "local_lead",
                            "drop_middle",
                        ]
                    )
                    if edit == "trim_tail" and len(paragraphs) > 3:
                        paragraphs = paragraphs[: -rng.randint(1, 2)]
                    elif edit == "new_headline":
                        title = f"{rng.choice(COUNTRIES)} Reacts as {piece.title}"
                    elif edit == "upper_headline":
                        title = title.upper()
                    elif edit == "typographic":
                        paragraphs = [_typographic(p) for p in paragraphs]
                    elif edit == "typos":
                        paragraphs = [_typos(rng, p, 1) for p in paragraphs]
                    elif edit == "whitespace":
                        paragraphs = [p.replace(". ", ".  ") for p in paragraphs]
                    elif edit == "partial":
                        paragraphs = paragraphs[: max(2, len(paragraphs) // 2)]
                    elif edit == "local_lead":
                        paragraphs = [
                            f"Local {rng.choice(FILLER)} in {rng.choice(CITIES).title()} "
                            f"followed the news closely {rng.choice(TIMES)}.",
                            *paragraphs,
                        ]
                    elif edit == "drop_middle" and len(paragraphs) > 3:
                        paragraphs.pop(len(paragraphs) // 2)
                rendered = _render(rng, publisher, piece, title, paragraphs, piece.agency)
                text = _header(day, precision) + rendered.page
                # newsetl folds runs of spaces, so the perfect cleaner's body has single spaces.
                clean = rendered.clean_body.replace(".  ", ". ")
                encoding = rng.choices(
                    ["utf-8", "utf-8-sig", "utf-16", "crlf"], [0.96, 0.015, 0.01, 0.015]
                )[0]
                content = (
                    text.replace("\n", "\r\n").encode()
                    if encoding == "crlf"
                    else text.encode(encoding)
                )
                row = base | {
                    "published_date": _shown_date(
                        None
                        if precision == "none"
                        else (day.replace(day=1) if precision == "month" else day),
                        publisher,
                        piece,
                    ),
                    "story_id": piece.story_id,
                    "publisher": publisher.truth,
                    "language": "en",
                    "expected": "accepted",
                    "reason": None,
                    "kind": kind,
                    "edit": edit,
                    "title": title,
                    "byline": rendered.byline,
                    "dateline": rendered.dateline,
                    "subtitle": rendered.subtitle,
                    "agency": rendered.agency,
                    "clean_body": clean,
                }
                folder = f"{publisher.slug}/{day.strftime('%Y-%m')}"
                writer.write(folder, content, row)
                if rng.random() < 0.03 and writer.count < n:
                    writer.write(folder, content, row | {"kind": "recrawl"})
    finally:
        writer.close()
    summary = GeneratorSummary(
        str(out_dir),
        n,
        seed,
        dict(writer.kinds),
        dict(writer.languages),
        dict(writer.reasons),
        len(PUBLISHERS),
        stories,
        reprint_groups,
    )
    (out_dir / "generator.json").write_text(json.dumps(asdict(summary), indent=1, sort_keys=True))
    (out_dir / "publishers.toml").write_text(publishers_toml())
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic news corpus with ground truth.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-share", type=float, default=0.01)
    parser.add_argument("--max-file-bytes", type=int, default=1 << 20)
    parser.add_argument(
        "--reprint-share",
        type=float,
        default=REPRINT_SHARE,
        help="share of iterations writing a partial-reprint group (0: none)",
    )
    args = parser.parse_args(argv)
    summary = generate(
        args.out,
        args.n,
        args.seed,
        bad_share=args.bad_share,
        max_file_bytes=args.max_file_bytes,
        reprint_share=args.reprint_share,
    )
    print(json.dumps(asdict(summary), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
