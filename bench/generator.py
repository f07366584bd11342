"""A deterministic corpus of news article files in the seed format, with ground truth.

``python -m bench.generator --out DIR --n N --seed S`` writes ``DIR/files/<publisher>/<yyyy-mm>/``
article files (at most a few thousand per folder), ``DIR/truth.parquet`` (one row per file) and
``DIR/generator.json`` (parameters and counts). The same seed gives byte-identical output.

What the corpus holds, so that cleaning and deduplication are really exercised:

* 24 publishers, each with its own page chrome (top lines, share bar, donation or newsletter
  appeal, "Read more" lists of teasers that differ per page, copyright line), dateline habit
  (``MOSCOW, March 5. /TASS/.``, ``LONDON (Reuters) -``, ``PARIS, March 5 -`` or none) and byline
  habit (``By AFP``, ``By Jane Doe`` or none);
* wire stories syndicated to 1-10 outlets, each copy in that outlet's chrome and lightly edited:
  trimmed tail, new or upper-cased headline, typographic quotes, typos, extra white space, partial
  reprints (first half), a local lead paragraph on top, a paragraph dropped in the middle; a
  third of the copies run the same day as the story's first outlet, the others 1-14 days later
  (``copy_delay_days``: the truth of first seen and of the speed of spread);
* exact re-crawls (the same bytes under another name), and hard negatives: different stories on
  the same day that share one templated background paragraph;
* month-only and missing date headers, non-English articles (Russian, German, French, Spanish)
  in UTF-8, cp1251 or latin-1, UTF-16 and BOM files, CRLF files, and bad files (empty, binary,
  undecodable bytes, oversized).

Ground truth per file: ``story_id`` (copies and re-crawls share it), ``publisher``,
``published_date``, ``date_precision``, ``language``, ``expected`` (``accepted``/``quarantined``),
``reason``, ``kind``, ``edit``, ``title``, ``byline``, ``dateline`` and ``clean_body``: the body a
perfect cleaner returns (paragraphs joined by a blank line; no chrome, headline, byline or
dateline, as newsetl's ``documents.body`` defines it).
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
            )
        )
    return tuple(publishers)


PUBLISHERS = _publishers()
AGENCIES = {"AFP": "wire", "Reuters": "wire", "AP": "wire", "TASS": "tass"}


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


def _render(
    rng: random.Random,
    publisher: Publisher,
    story: _Story,
    title: str,
    paragraphs: list[str],
    agency: str,
) -> tuple[str, str | None, str | None, str]:
    """Page text of one copy; returns (page, byline, dateline, clean_body)."""
    dateline = _dateline(publisher.dateline, story, agency)
    byline = (
        agency
        if publisher.byline == "agency"
        else (_person(rng) if publisher.byline == "person" else None)
    )
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
    if byline:
        lines.append(f"By {byline}")
    lines += ["\n\n".join(body), "", marker, "", *teasers, "", "\n\n".join(publisher.bottom)]
    return "\n".join(lines), byline, dateline or None, clean_body


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


def generate(
    out_dir: Path, n: int, seed: int, *, bad_share: float = 0.01, max_file_bytes: int = 1 << 20
) -> GeneratorSummary:
    """Write ``n`` article files and their ground truth into ``out_dir``.

    Args:
        out_dir: Folder to create (``files/``, ``truth.parquet``, ``generator.json``).
        n: Number of files.
        seed: Random seed: the same seed gives the same bytes.
        bad_share: Share of bad files (empty, binary, undecodable, oversized).
        max_file_bytes: newsetl's size cap; oversized files are made just past it.
    """
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out_dir, seed)
    start = dt.date(2020, 1, 1)
    stories = 0
    try:
        while writer.count < n:
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
                publisher = rng.choice(PUBLISHERS)
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
                        "publisher": "unknown",
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
            else:
                outlets = min(int(rng.expovariate(0.7)) + 1, 10)
                copies = [(story, "original", None)] + [(story, "syndicated_copy", "edit")] * (
                    outlets - 1
                )
            for number, (piece, kind, _) in enumerate(copies):
                if writer.count >= n:
                    break
                day = piece.date
                if kind == "syndicated_copy":
                    day += dt.timedelta(days=copy_delay_days(seed, piece.story_id, number))
                publisher = rng.choice(PUBLISHERS)
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
                page, byline, dateline, clean = _render(
                    rng, publisher, piece, title, paragraphs, piece.agency
                )
                text = _header(day, precision) + page
                # newsetl folds runs of spaces, so the perfect cleaner's body has single spaces.
                clean = clean.replace(".  ", ". ")
                encoding = rng.choices(
                    ["utf-8", "utf-8-sig", "utf-16", "crlf"], [0.96, 0.015, 0.01, 0.015]
                )[0]
                content = (
                    text.replace("\n", "\r\n").encode()
                    if encoding == "crlf"
                    else text.encode(encoding)
                )
                row = base | {
                    "published_date": None
                    if precision == "none"
                    else (day.replace(day=1) if precision == "month" else day),
                    "story_id": piece.story_id,
                    "publisher": publisher.name,
                    "language": "en",
                    "expected": "accepted",
                    "reason": None,
                    "kind": kind,
                    "edit": edit,
                    "title": title,
                    "byline": byline,
                    "dateline": dateline,
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
    )
    (out_dir / "generator.json").write_text(json.dumps(asdict(summary), indent=1, sort_keys=True))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic news corpus with ground truth.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-share", type=float, default=0.01)
    parser.add_argument("--max-file-bytes", type=int, default=1 << 20)
    args = parser.parse_args(argv)
    summary = generate(
        args.out, args.n, args.seed, bad_share=args.bad_share, max_file_bytes=args.max_file_bytes
    )
    print(json.dumps(asdict(summary), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
