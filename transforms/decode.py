"""Bytes to text: BOM sniffing, strict UTF-8, then charset detection for the rest.

The fast path (valid UTF-8, by far the most common case) costs one ``bytes.decode``. Only files that
are not UTF-8 pay for charset detection, and what the detector cannot read with confidence is
quarantined as ``undecodable`` rather than guessed.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from transforms.reasons import QuarantineReason

# UTF-32 BOMs must be tested before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, newline, carriage return and form feed: text files do not have them.
BINARY_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])

# Above this share of control bytes a file is binary. Real text has none, but a stray escape or
# two survives copy-paste; 1% is far above that and far below any binary format.
MAX_CONTROL_BYTE_SHARE = 0.01

# charset-normalizer's "chaos" is the share of the text that looks like mojibake. Correct
# detections of cp1251, koi8-r and latin-1 news text measure 0.0; random high bytes that happen to
# decode measure well above 0.2.
MAX_DETECTION_CHAOS = 0.2

# charset-normalizer's "coherence" is how well the decoded text fits a language's letter
# frequencies. Real cp1251, latin-1 and Shift-JIS news measure 0.15-0.7; repeated junk bytes can
# decode as cp949 with no mess at all but coherence 0, so a detection needs some language evidence.
# (Real cp949 Korean also measures 0 and is quarantined with the detector's guess in the detail.)
MIN_DETECTION_COHERENCE = 0.0

# Single-byte Latin code pages other than Western European, and the languages that use them.
OTHER_LATIN_CODE_PAGES = frozenset(
    {
        "cp1250",
        "cp1254",
        "cp1257",
        "cp775",
        "cp852",
        "iso8859_2",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_16",
        "mac_latin2",
        "mac_turkish",
        "mac_iceland",
    }
)
OTHER_LATIN_LANGUAGES = frozenset(
    {
        "Czech",
        "Polish",
        "Slovak",
        "Hungarian",
        "Romanian",
        "Croatian",
        "Slovene",
        "Lithuanian",
        "Latvian",
        "Estonian",
        "Turkish",
        "Icelandic",
    }
)

# Encodings of news text: preferred to exotic code pages among equally clean detections.
COMMON_ENCODINGS = (
    "cp1252",
    "cp1251",
    "iso8859_2",
    "cp1250",
    "koi8_r",
    "iso8859_15",
    "iso8859_5",
    "cp1253",
    "cp1254",
    "cp1257",
    "cp932",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "cp949",
    "euc_kr",
)
CHAOS_TIE = 0.01
# Letters and typography of Western European text outside ASCII, as cp1252 decodes them.
WESTERN_NON_ASCII = re.compile(
    r"[^\x00-\x7f\u00c0-\u00ff\u00a0-\u00bf\u2010-\u201e\u2026\u20ac\u2022]"
)
# Accented letters are a minority even in French or Spanish; more is not Western text.
MAX_WESTERN_NON_ASCII_SHARE = 0.2
# Japanese prose is full of hiragana; junk bytes read as a CJK code page are not.
KANA = re.compile(r"[\u3040-\u30ff]")
MIN_KANA_SHARE = 0.1

# Only the first bytes feed the binary test: enough to see a binary header, cheap for large files.
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Decoded:
    """The outcome of decoding one file: text and its encoding, or a quarantine reason."""

    text: str | None
    encoding: str | None
    reason: QuarantineReason | None = None
    detail: str | None = None


def _looks_binary(raw: bytes) -> bool:
    head = raw[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    # Deleting the control bytes counts them without a regex match each.
    controls = len(head) - len(head.translate(None, BINARY_CONTROL_BYTES))
    return controls > MAX_CONTROL_BYTE_SHARE * len(head)


def _as_cp1252(raw: bytes) -> str | None:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _is_japanese(text: str) -> bool:
    return len(KANA.findall(text)) >= MIN_KANA_SHARE * len(text)


def _plausible_western(raw: bytes) -> str | None:
    """The text as cp1252 when it reads as Western European text, else None.

    For short texts the detector finds no language evidence and guesses a CJK code page for
    a few accented letters; cp1252 is right when every non-ASCII character is a Latin-1 letter
    or a typographic sign and they are few.
    """
    text = _as_cp1252(raw)
    if text is None:
        return None
    non_ascii = sum(1 for c in text if ord(c) > 0x7F)
    letters = sum(1 for c in text if c.isalpha())
    if WESTERN_NON_ASCII.search(text) or non_ascii > MAX_WESTERN_NON_ASCII_SHARE * max(letters, 1):
        return None
    return text


def decode_bytes(raw: bytes) -> Decoded:
    """Decode the raw bytes of one article file.

    Args:
        raw: The file's bytes, exactly as read.

    Returns:
        The decoded text and encoding name, or ``text=None`` with a reason (``empty``, ``binary``,
        ``undecodable``) and a human-readable detail.
    """
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                return Decoded(None, None, QuarantineReason.UNDECODABLE, f"{encoding} BOM: {error}")
            if not text.strip():
                return Decoded(None, None, QuarantineReason.EMPTY, f"only a {encoding} BOM")
            return Decoded(text, encoding + ("-sig" if encoding == "utf-8" else ""))
    if not raw.strip():
        return Decoded(None, None, QuarantineReason.EMPTY, f"{len(raw)} bytes of white space")
    if _looks_binary(raw):
        return Decoded(None, None, QuarantineReason.BINARY, "NUL or control bytes in the text")
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        utf8_error = f"invalid UTF-8 at byte {error.start}"
    return _detect(raw, utf8_error)


def _detect(raw: bytes, utf8_error: str) -> Decoded:
    """Decode a non-UTF-8 file with the encoding the detector and the evidence agree on."""
    results = list(charset_normalizer.from_bytes(raw))
    usable = [
        r
        for r in results
        if r.chaos <= MAX_DETECTION_CHAOS
        and (r.coherence > MIN_DETECTION_COHERENCE or _is_japanese(str(r)))
    ]
    if not usable:
        western = _plausible_western(raw)
        if western is not None:
            return Decoded(western, "cp1252")
        best = results[0] if results else None
        found = (
            "no candidate"
            if best is None
            else f"{best.encoding} at chaos {best.chaos:.2f}, coherence {best.coherence:.2f}"
        )
        return Decoded(None, None, QuarantineReason.UNDECODABLE, f"{utf8_error}; detector: {found}")
    # The detector ties many code pages on short texts: among the least chaotic, the code pages
    # used for news come first (iso8859_2 rather than iso8859_3 for Polish), then the most
    # coherent wins (cp1250 over cp1252 for Czech).
    least = min(r.chaos for r in usable)
    tied = [r for r in usable if r.chaos <= least + CHAOS_TIE]
    common = [r for r in tied if r.encoding in COMMON_ENCODINGS] or tied
    best = max(common, key=lambda r: r.coherence)
    if best.encoding in OTHER_LATIN_CODE_PAGES and best.language not in OTHER_LATIN_LANGUAGES:
        # Latin code pages differ in a handful of accented letters, and the detector often names
        # a Baltic or Central European one for Spanish (`más` read as `mįs`). Without evidence
        # of such a language, Western European text that reads as cp1252 is cp1252.
        western = _plausible_western(raw)
        if western is not None:
            return Decoded(western, "cp1252")
    text = str(best)
    # Western text reads the same in cp1250 and cp1252; name the code page it was written in.
    if best.encoding != "cp1252" and _as_cp1252(raw) == text:
        return Decoded(text, "cp1252")
    return Decoded(text, best.encoding)
