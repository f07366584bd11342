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
BINARY_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")

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
    controls = len(BINARY_CONTROL_BYTES.findall(head))
    return controls > MAX_CONTROL_BYTE_SHARE * len(head)


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
    best = charset_normalizer.from_bytes(raw).best()
    if (
        best is None
        or best.chaos > MAX_DETECTION_CHAOS
        or best.coherence <= MIN_DETECTION_COHERENCE
    ):
        found = (
            "no candidate"
            if best is None
            else f"{best.encoding} at chaos {best.chaos:.2f}, coherence {best.coherence:.2f}"
        )
        return Decoded(None, None, QuarantineReason.UNDECODABLE, f"{utf8_error}; detector: {found}")
    return Decoded(str(best), best.encoding)
