"""Who published an article: the outlet whose page it is, never the wire that wrote the story.

Evidence, strongest first:

1. The user's mapping: an input layout whose folder names the publisher (``{publisher}/**``),
   or folder and file-name patterns and domains in the publishers file (:func:`parse_rules`).
2. Signatures: what an outlet's page chrome says about itself (``Support The Moscow Times!``,
   ``© 2021 BBC``), built in or from the publishers file. They name the outlet that published the
   page even when the story came from a wire (``By AFP`` on a Moscow Times page).
3. The site's own name, learned from its chrome: a line that most pages of the site share and
   that names it (``© 2021 Lakeside Record. All rights reserved.``), for the pages that carry the
   site's chrome (:mod:`transforms.census` learns it).
4. The site named at the end of the page title (``Headline - SlashGear``), when it reads like a
   site's name: a domain, a newspaper's word (``Times``, ``News``), or one word in two capitals
   (``MacRumors``). A lone surname (``Harris``) or an agency is no evidence.

A wire agency is never the publisher (it is the ``agency`` column), and no evidence gives
``unknown``, never a guess.

Every file also has a *site*: the key under which its chrome is learned. It is the mapped
publisher, else the folder the layout names (by default the first folder of the file's path),
else the input root itself.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.agencies import AGENCY_NAMES, PHOTO_AGENCIES

UNKNOWN_PUBLISHER = "unknown"

# Chrome sits at the top and the bottom of a page; scanning only there keeps the cost flat however
# long the article, and keeps quotes in the story ("...told The Moscow Times") from counting.
HEAD_CHARS = 1000
TAIL_CHARS = 3000


@dataclass(frozen=True, slots=True)
class PublisherSignature:
    """One way an outlet signs its pages: a RE2 pattern found in the page text's chrome."""

    publisher: str
    pattern: str


DEFAULT_SIGNATURES: tuple[PublisherSignature, ...] = (
    PublisherSignature(
        "The Moscow Times",
        r"Support The Moscow Times|donation to The Moscow Times|The Moscow Times['’] team"
        r"|© \d{4} The Moscow Times",
    ),
    # Reuters wire items sign off with a line `REUTER` (Reuters-21578): the wire's own feed.
    PublisherSignature("Reuters", r"(?m)^\s*REUTER\s*$"),
    PublisherSignature("BBC News", r"© \d{4} BBC|BBC News (?:Services|App)|bbc\.co\.uk/news"),
    PublisherSignature("The Guardian", r"© \d{4} Guardian News|theguardian\.com"),
    PublisherSignature("Al Jazeera", r"© \d{4} Al Jazeera|aljazeera\.com"),
    PublisherSignature("RT", r"© Autonomous Nonprofit Organization “TV-Novosti”|\brt\.com\b"),
    PublisherSignature("Meduza", r"meduza\.io|Support Meduza"),
)


@dataclass(frozen=True, slots=True)
class PathRule:
    """Files whose path (from the input root) matches ``pattern`` (RE2) are ``publisher``'s."""

    publisher: str
    pattern: str


@dataclass(frozen=True, slots=True)
class PublisherRules:
    """What the user and the defaults say about publishers, in the order of the evidence."""

    signatures: tuple[PublisherSignature, ...] = DEFAULT_SIGNATURES
    paths: tuple[PathRule, ...] = ()
    layout: str | None = None
    """RE2 over the path with a ``publisher`` or a ``site`` group: the folder that names it."""
    site_group: str = "site"


class SignatureError(ValueError):
    """A publishers file that cannot be used: bad TOML, missing fields, or a bad pattern."""


def glob_pattern(glob: str) -> str:
    """An anchored RE2 pattern for a path glob: ``*`` within a folder, ``**/`` any folders."""
    out = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
        elif glob.startswith("**", index):
            out.append(".*")
            index += 2
        elif glob[index] == "*":
            out.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(glob[index]))
            index += 1
    return "^" + "".join(out) + "$"


def _layout_pattern(layout: str) -> tuple[str, str]:
    """The RE2 pattern of a layout such as ``{publisher}/**`` and the name of its group."""
    names = re.findall(r"\{(publisher|site)\}", layout)
    if len(names) != 1 or layout.count("{") != 1:
        raise SignatureError(
            f"layout {layout!r} must name one folder {{publisher}} or {{site}}, like "
            "'{publisher}/**' or '*/{site}/**'"
        )
    before, after = layout.split("{" + names[0] + "}")
    body = glob_pattern(before)[1:-1] + f"(?P<{names[0]}>[^/]+)" + glob_pattern(after)[1:-1]
    return "^" + body + "$", names[0]


def _strings(entry: dict[str, object], key: str, name: str) -> list[str]:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise SignatureError(f"publisher {name!r}: {key} must be a list of strings")
    return list(values)


def parse_rules(toml_text: str) -> PublisherRules:
    r"""Read a publishers file: the user's mapping and signatures, ahead of the built-in ones.

    The format (every key but ``name`` optional; one of ``patterns``, ``paths``, ``domains``)::

        layout = "{site}/**"    # or "{publisher}/**": the folder that holds each site

        [[publisher]]
        name = "Kyiv Independent"
        patterns = ["Support the Kyiv Independent"]   # RE2, found in the page's chrome
        paths = ["kyiv-independent/**", "**/*kyivindependent*"]   # folder or file-name globs
        domains = ["kyivindependent.com"]   # in the path, or in the page's chrome

    Raises:
        SignatureError: With the publisher and the problem, for any entry that cannot be used.
    """
    try:
        document = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as error:
        raise SignatureError(f"publishers file is not valid TOML: {error}") from error
    signatures: list[PublisherSignature] = []
    paths: list[PathRule] = []
    for index, entry in enumerate(document.get("publisher", [])):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SignatureError(f"publisher #{index + 1} has no name")
        name = name.strip()
        patterns = _strings(entry, "patterns", name)
        globs = _strings(entry, "paths", name)
        domains = _strings(entry, "domains", name)
        if not (patterns or globs or domains):
            raise SignatureError(f"publisher {name!r} has no patterns, paths or domains")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise SignatureError(
                    f"publisher {name!r}: bad pattern {pattern!r}: {error}"
                ) from error
        text = [f"(?:{p})" for p in patterns]
        text += [rf"(?i)\b{re.escape(domain)}\b" for domain in domains]
        if text:
            signatures.append(PublisherSignature(name, "|".join(text)))
        where = [glob_pattern(g) for g in globs]
        where += [rf"(?i)(?:^|[/._-]){re.escape(domain)}(?:$|[/._-])" for domain in domains]
        if where:
            paths.append(PathRule(name, "|".join(f"(?:{p})" for p in where)))
    layout, group = None, "site"
    if "layout" in document:
        if not isinstance(document["layout"], str):
            raise SignatureError("layout must be a string like '{publisher}/**'")
        layout, group = _layout_pattern(document["layout"])
    return PublisherRules((*signatures, *DEFAULT_SIGNATURES), tuple(paths), layout, group)


def parse_signatures(toml_text: str) -> tuple[PublisherSignature, ...]:
    """The text signatures of a publishers file (see :func:`parse_rules`), without the defaults."""
    rules = parse_rules(toml_text)
    return rules.signatures[: len(rules.signatures) - len(DEFAULT_SIGNATURES)]


def combine_signatures(
    extra: Iterable[PublisherSignature], defaults: Sequence[PublisherSignature] = DEFAULT_SIGNATURES
) -> tuple[PublisherSignature, ...]:
    """User signatures first (they win where both match), then the defaults."""
    return (*extra, *defaults)


@dataclass(frozen=True, slots=True)
class Sites:
    """The site of each file, and the publisher the user's mapping gives it (null where none)."""

    site: pa.Array
    mapped: pa.Array


# Crawls often name a page's file after its site: `www.kyivindependent.com_2021-05-01_1.txt`.
FILE_NAME_DOMAIN = (
    r"(?:^|/)(?P<domain>(?i:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})[_ ]"
)


def sites_of(paths: pa.Array, rules: PublisherRules) -> Sites:
    """Each file's site and mapped publisher, from its path alone.

    The site is the mapped publisher, else the layout's folder (written with its ``/``), else a
    domain that opens the file's name, else (without a layout) the first folder of the path,
    else ``""``: the files at the input root are one site.
    """
    n = len(paths)
    mapped = pa.nulls(n, pa.string())
    for rule in rules.paths:
        hit = pc.fill_null(pc.match_substring_regex(paths, rule.pattern), False)
        mapped = pc.if_else(pc.and_(hit, pc.is_null(mapped)), rule.publisher, mapped)
    domain = pc.struct_field(pc.extract_regex(paths, FILE_NAME_DOMAIN), "domain")
    if rules.layout is not None:
        folder = pc.struct_field(pc.extract_regex(paths, rules.layout), rules.site_group)
        if rules.site_group == "publisher":
            mapped = pc.coalesce(mapped, folder)
        site = pc.coalesce(mapped, pc.binary_join_element_wise(folder, "", "/"), domain, "")
    else:
        folder = pc.struct_field(pc.extract_regex(paths, r"^(?P<folder>[^/]+/)"), "folder")
        site = pc.coalesce(mapped, domain, folder, "")
    return Sites(site, mapped)


# Lines of a site's chrome that name it, and the name in them.
_NAME_WORD = r"[A-Z][\w&'’-]*(?:\.[\w-]+)*"
SITE_NAME = rf"(?P<name>(?:The )?{_NAME_WORD}(?: (?:{_NAME_WORD}|&|of|the|and|for|de|la|du|del))*)"
SITE_NAME_LINES = (
    rf"^(?:©|\(c\)|Copyright(?: ©)?) ?(?:\d{{4}}(?: ?[-–] ?\d{{4}})?,? )?{SITE_NAME}"
    r"(?:[.,]|$| All rights| Ltd| Inc| LLC)",
    rf"^(?:Support|Subscribe to|Donate to) {SITE_NAME}!?$",
    rf"\b(?:donation to|help keep|newsletter from|free newsletter of|is published by) "
    rf"{SITE_NAME}\b",
)
# A page title's site name reads like one: a domain, a word newspapers use in their names, or one
# word with a capital inside (MacRumors); a lone capitalised word can be a reporter's surname.
SITE_LIKE = (
    r"(?i:\.(?:com|net|org|info|co\.uk|co|ru|de|fr|in|ca|com\.au|io)\b)"
    r"|\b(?i:news|times|post|daily|herald|gazette|journal|tribune|chronicle|observer|review"
    r"|today|online|magazine|telegraph|guardian|independent|express|mirror|standard|star"
    r"|press|report|insider|network|tv|radio|media|blog|wire|sun|record|bulletin|dispatch"
    r"|sentinel|courier|examiner|inquirer|monitor|register|leader|weekly|week)\b"
    r"|^[A-Z][a-z]+[A-Z][A-Za-z0-9]*$"
)


def site_name_candidates(lines: pa.Array) -> pa.Array:
    """The site named by each line of chrome (a copyright or an appeal), null elsewhere.

    Wire and photo agencies are left out: ``© 2019 Associated Press`` under a story names its
    source, not the site.
    """
    found = pa.nulls(len(lines), pa.string())
    for pattern in SITE_NAME_LINES:
        name = pc.struct_field(pc.extract_regex(lines, pattern), "name")
        found = pc.coalesce(found, name)
    found = pc.utf8_rtrim(found, characters=" .,-&")
    excluded = pa.array(sorted({*AGENCY_NAMES, *PHOTO_AGENCIES}))
    lowered = pc.utf8_lower(pc.replace_substring_regex(found, r"^The ", ""))
    banned = pc.is_in(lowered, value_set=pc.utf8_lower(excluded))
    too_short = pc.less(pc.utf8_length(found), 2)
    return pc.if_else(pc.fill_null(pc.or_(banned, too_short), True), None, found)


def site_like_names(names: pa.Array) -> pa.Array:
    """``names`` where they read like a site's name and are no agency, null elsewhere."""
    like = pc.fill_null(pc.match_substring_regex(names, SITE_LIKE), False)
    excluded = pc.utf8_lower(pa.array(sorted({*AGENCY_NAMES, *PHOTO_AGENCIES})))
    agency = pc.fill_null(pc.is_in(pc.utf8_lower(names), value_set=excluded), False)
    return pc.if_else(pc.and_not(like, agency), names, None)


def attribute_publishers(
    texts: pa.Array,
    sites: Sites | None = None,
    rules: PublisherRules | None = None,
    *,
    learned_names: pa.Array | None = None,
    title_sites: pa.Array | None = None,
) -> pa.Array:
    """Name the publisher of each page.

    Args:
        texts: Page texts before chrome removal (the chrome is the evidence).
        sites: Each file's site and mapped publisher (:func:`sites_of`); None: no mapping.
        rules: Signatures (highest priority first) and the user's mapping; None: built-ins.
        learned_names: The learned name of each page's site, where the page carries the site's
            chrome; null elsewhere.
        title_sites: The site named at the end of each page title (`... - SlashGear`), null
            where none.

    Returns:
        Publisher names, ``unknown`` where nothing names the outlet.
    """
    rules = rules or PublisherRules()
    head = pc.utf8_slice_codeunits(texts, 0, HEAD_CHARS)
    tail = pc.utf8_slice_codeunits(texts, -TAIL_CHARS, 2**31 - 1)
    long_enough = pc.greater(pc.utf8_length(texts), HEAD_CHARS)
    chrome = pc.if_else(long_enough, pc.binary_join_element_wise(head, tail, "\n"), texts)
    evidence = [_signed(chrome, rules)]
    if sites is not None:
        evidence.insert(0, sites.mapped)
    if learned_names is not None:
        evidence.append(learned_names)
    if title_sites is not None:
        evidence.append(site_like_names(title_sites))
    return pc.coalesce(*evidence, UNKNOWN_PUBLISHER)


def _signed(chrome: pa.Array, rules: PublisherRules) -> pa.Array:
    """The outlet of the highest-priority signature found in each page's chrome, null where none.

    One RE2 pass of all signatures at once finds the pages that carry any (few do); only those
    are scanned once per signature, highest priority first, so that the order decides and not
    the position.
    """
    signed = pa.nulls(len(chrome), pa.string())
    if not rules.signatures:
        return signed
    try:
        anywhere = pc.match_substring_regex(
            chrome, "|".join(f"(?:{signature.pattern})" for signature in rules.signatures)
        )
    except pa.ArrowInvalid:  # patterns that cannot share one expression (a repeated group name)
        anywhere = pa.array(np.ones(len(chrome), dtype=bool))
    carrying = np.flatnonzero(pc.fill_null(anywhere, False).to_numpy(zero_copy_only=False))
    if len(carrying) == 0:
        return signed
    pages = chrome.take(pa.array(carrying))
    found = pa.nulls(len(pages), pa.string())
    for signature in rules.signatures:
        hit = pc.fill_null(pc.match_substring_regex(pages, signature.pattern), False)
        found = pc.if_else(pc.and_(hit, pc.is_null(found)), signature.publisher, found)
    mask = np.zeros(len(chrome), dtype=bool)
    mask[carrying] = True
    return pc.replace_with_mask(signed, pa.array(mask), found)
