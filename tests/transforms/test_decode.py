import codecs

import pytest

from transforms.decode import decode_bytes
from transforms.reasons import QuarantineReason

RUSSIAN = "Россия готова развивать военное сотрудничество с Мьянмой, заявил Александр Фомин. " * 3
FRENCH = "Le président français a déclaré à Paris que la coopération était très importante. " * 3
# Short texts: the detector has little language evidence and ties many code pages.
SPANISH = (
    "Más y con su negociaciones como por los más negociaciones, dijo el ministro del gobierno. "
    "El acuerdo fue firmado en la capital después de semanas de conversaciones difíciles."
)
GERMAN = (
    "Die Bundesregierung hat am Montag erklärt, dass die Gespräche über die Gaspreise "
    "fortgesetzt werden. „Wir sind zuversichtlich“, sagte der Sprecher – 5 € pro Einheit."
)
CZECH = (
    "Vláda v pondělí oznámila, že jednání o cenách plynu budou pokračovat. Ministr řekl, že "
    "očekává dohodu ještě před koncem měsíce a že ceny pro domácnosti se nezvýší."
)
POLISH = (
    "Rząd poinformował w poniedziałek, że rozmowy w sprawie cen gazu będą kontynuowane. "
    "Minister powiedział, że spodziewa się porozumienia jeszcze przed końcem miesiąca."
)
RUSSIAN_SHORT = (
    "Правительство в понедельник заявило, что переговоры о ценах на газ будут продолжены. "
    "Министр сказал, что ожидает соглашения еще до конца месяца."
)
JAPANESE = (
    "政府は月曜日、ガス価格に関する協議を継続すると発表した。"
    "大臣は月末までに合意が得られると期待していると述べた。"
)


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
        (SPANISH.encode("latin-1"), SPANISH, "cp1252"),
        (GERMAN.encode("cp1252"), GERMAN, "cp1252"),
        (CZECH.encode("cp1250"), CZECH, "cp1250"),
        (POLISH.encode("iso8859_2"), POLISH, "iso8859_2"),
        (RUSSIAN_SHORT.encode("koi8_r"), RUSSIAN_SHORT, "koi8_r"),
        (RUSSIAN_SHORT.encode("cp1251"), RUSSIAN_SHORT, "cp1251"),
        (JAPANESE.encode("shift_jis"), JAPANESE, "cp932"),
    ],
    ids=[
        "ascii",
        "utf8",
        "utf8-bom",
        "utf16-le",
        "utf16-be",
        "utf32-le",
        "cp1251",
        "latin-1",
        "latin-1-short-spanish",
        "cp1252-euro-and-quotes",
        "cp1250-czech",
        "iso8859-2-polish",
        "koi8-r",
        "cp1251-short",
        "shift-jis",
    ],
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
