import codecs

import pytest

from transforms.decode import decode_bytes
from transforms.reasons import QuarantineReason

RUSSIAN = "Россия готова развивать военное сотрудничество с Мьянмой, заявил Александр Фомин. " * 3
FRENCH = "Le président français a déclaré à Paris que la coopération était très importante. " * 3


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        (b"Plain ASCII news.", "Plain ASCII news.", "utf-8"),
        ("It’s “quoted” — fine.".encode(), "It’s “quoted” — fine.", "utf-8"),
        (codecs.BOM_UTF8 + "BOM’d".encode(), "BOM’d", "utf-8-sig"),
        (
            codecs.BOM_UTF16_LE + "UTF-16 LE’s text".encode("utf-16-le"),
            "UTF-16 LE’s text",
            "utf-16-le",
        ),
        (
            codecs.BOM_UTF16_BE + "UTF-16 BE’s text".encode("utf-16-be"),
            "UTF-16 BE’s text",
            "utf-16-be",
        ),
        (codecs.BOM_UTF32_LE + "UTF-32 text".encode("utf-32-le"), "UTF-32 text", "utf-32-le"),
        (RUSSIAN.encode("cp1251"), RUSSIAN, "cp1251"),
        (FRENCH.encode("latin-1"), FRENCH, "cp1252"),
    ],
    ids=["ascii", "utf8", "utf8-bom", "utf16-le", "utf16-be", "utf32-le", "cp1251", "latin-1"],
)
def test_decodes_each_encoding(raw: bytes, text: str, encoding: str) -> None:
    decoded = decode_bytes(raw)
    assert decoded.reason is None
    assert decoded.text == text
    assert decoded.encoding == encoding


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", QuarantineReason.EMPTY),
        (b" \n\t\r\n ", QuarantineReason.EMPTY),
        (codecs.BOM_UTF8, QuarantineReason.EMPTY),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), QuarantineReason.BINARY),
        (b"text with a NUL\x00 byte in it", QuarantineReason.BINARY),
        (bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40, QuarantineReason.UNDECODABLE),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", QuarantineReason.UNDECODABLE),
    ],
    ids=["empty", "whitespace", "bom-only", "png", "nul", "invalid-bytes", "bad-utf16"],
)
def test_rejects_what_is_not_text(raw: bytes, reason: QuarantineReason) -> None:
    decoded = decode_bytes(raw)
    assert decoded.text is None
    assert decoded.reason == reason
    assert decoded.detail
