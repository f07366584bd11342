"""The wire agency credited for an article's text, under one canonical name.

A story from a wire is credited where the trade puts it, and nowhere else counts: the dateline
(``PARIS (AFP) -``, ``MOSCOW, March 5. /TASS/.``), the byline (``By AFP``, ``Jane Doe, Reuters``,
``By The Associated Press``), a sign-off after the story (``— AFP``, ``(Reuters)``,
``Source: Xinhua``) and a wire's copyright notice on the page (``© 2019 Associated Press. All
Rights Reserved.``, or Reuters' ``REUTER`` sign-off). A story that quotes an agency (``told
AFP``) or a photo credit (``Photo: AFP``) credits nothing.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

# Canonical name: the ways the agency is written in datelines, bylines and credits.
AGENCIES: dict[str, tuple[str, ...]] = {
    "AP": ("AP", "Associated Press", "The Associated Press"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Reuters": ("Reuters", "REUTERS", "Thomson Reuters"),
    "TASS": ("TASS", "ITAR-TASS"),
    "Xinhua": ("Xinhua", "XINHUA", "Xinhua News Agency"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "EFE": ("EFE", "Agencia EFE"),
    "ANSA": ("ANSA",),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap", "Yonhap News Agency"),
    "PTI": ("PTI", "Press Trust of India"),
    "UPI": ("UPI", "United Press International"),
    "Interfax": ("Interfax",),
    "RIA Novosti": ("RIA Novosti", "RIA"),
    "IANS": ("IANS",),
    "ANI": ("ANI",),
    "AAP": ("AAP", "Australian Associated Press"),
    "Anadolu": ("Anadolu Agency", "Anadolu"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
}
ALIASES: dict[str, str] = {alias: name for name, aliases in AGENCIES.items() for alias in aliases}
AGENCY_NAMES: frozenset[str] = frozenset(ALIASES)
# Credited under pictures, not stories: never a publisher's name either.
PHOTO_AGENCIES: frozenset[str] = frozenset(
    {
        "Getty Images",
        "Getty",
        "Shutterstock",
        "EPA",
        "EPA-EFE",
        "Alamy",
        "AP Photo",
        "AFP Photo",
        "Reuters Photo",
        "iStock",
        "ZUMA Press",
        "Rex Features",
        "PA Images",
        "PA",
    }
)

_ALIAS = "|".join(re.escape(a) for a in sorted(ALIASES, key=len, reverse=True))
# A byline that is an agency, or a person credited with one: `Jane Doe, Reuters`.
BYLINE_AGENCY = (
    rf"(?:^|, |\| |/ ?| and | with )(?:[Ss]taff and )?(?P<agency>{_ALIAS})(?: [Ss]taff)?$"
)
# A line after the story that only credits the wire: `— AFP`, `(Reuters)`, `Source: Xinhua`.
SIGN_OFF = (
    rf"^(?:[-–—]+ ?)?[(\[]?(?:(?:[Ss]ource|[Cc]redit|[Ww]ith|[Vv]ia|[Ff]rom|[Bb]y)s?:? )?"
    rf"(?:/)?(?P<agency>{_ALIAS})(?:/)?(?: (?:wire|[Ss]taff|contributed to this report))?[)\]]?\.?$"
)
# A wire's copyright notice (the page carries the wire's text under licence), or the sign-off
# of Reuters' own wire items, `REUTER` on a line of its own.
WIRE_COPYRIGHT = (
    rf"(?m)^(?:(?:©|\(c\)|Copyright)(?: ©)? ?(?:\d{{4}} )?(?:The )?(?P<agency>{_ALIAS})\b"
    r"(?:\.| All| -|,|$)|\s*(?P<reuter>REUTER)\s*$)"
)


# A wire's copyright notice ends the page's story, within its last characters.
TAIL_CHARS = 3000


def canonical_agencies(names: pa.Array) -> pa.Array:
    """The canonical agency of each name written as the trade writes it, null for others."""
    aliases = pa.array(list(ALIASES))
    canonical = pa.array(list(ALIASES.values()))
    return pc.take(canonical, pc.index_in(pc.utf8_trim_whitespace(names), value_set=aliases))


def _group(texts: pa.Array, pattern: str) -> pa.Array:
    return pc.struct_field(pc.extract_regex(texts, pattern), "agency")


def byline_agencies(bylines: pa.Array) -> pa.Array:
    """The agency a byline credits (``AFP``, ``Jane Doe, Reuters``), null where none."""
    return canonical_agencies(_group(bylines, BYLINE_AGENCY))


def sign_off_agencies(lines: pa.Array) -> pa.Array:
    """The agency of each line that is a sign-off and nothing else, null elsewhere."""
    return canonical_agencies(_group(pc.utf8_trim_whitespace(lines), SIGN_OFF))


def credited_agencies(
    dateline_agency: pa.Array, byline: pa.Array, sign_off: pa.Array, pages: pa.Array
) -> pa.Array:
    """The wire credited for each text: dateline, then byline, sign-off and copyright notice.

    Args:
        dateline_agency: The agency of each dateline as printed, null where none.
        byline: The credited name of each byline, null where none.
        sign_off: The agency of each story's sign-off (:func:`sign_off_agencies`).
        pages: The page texts, where a wire's copyright notice is looked for.

    Returns:
        Canonical agency names, null where nothing credits one.
    """
    tail = pc.utf8_slice_codeunits(pages, -TAIL_CHARS, 2**31 - 1)
    notice = pc.extract_regex(tail, WIRE_COPYRIGHT)
    reuter = pc.if_else(pc.equal(pc.struct_field(notice, "reuter"), "REUTER"), "Reuters", None)
    copyright_notice = pc.coalesce(
        canonical_agencies(pc.struct_field(notice, "agency")), pc.cast(reuter, pa.string())
    )
    return pc.coalesce(
        canonical_agencies(dateline_agency),
        byline_agencies(byline),
        sign_off,
        copyright_notice,
    )
