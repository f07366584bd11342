import pyarrow as pa

from transforms.language import detect_languages


def test_languages_of_news_prose() -> None:
    texts = pa.array(
        [
            "Russia acknowledged Monday that it was developing ties with Myanmar but said it was "
            "very concerned by an increase in civilian casualties at protests.",
            "Россия готова развивать военное и военно-техническое сотрудничество с Мьянмой, "
            "заявил в понедельник замминистра обороны, и это было сказано на встрече в Москве.",
            "Der Präsident hat am Montag in Berlin gesagt, dass die Regierung nicht mit der "
            "Opposition verhandeln wird, auch wenn sich die Lage verschlechtert.",
            "Le président a déclaré lundi que les relations avec la Russie sont importantes et "
            "qu'il ne voit pas de raison pour une rupture dans cette région.",
            "El presidente dijo el lunes que las relaciones con Rusia son importantes y que no ve "
            "razones para una ruptura con los socios del país.",
        ]
    )
    assert detect_languages(texts).to_pylist() == ["en", "ru", "de", "fr", "es"]


def test_too_little_evidence_is_undetermined_not_guessed() -> None:
    texts = pa.array(["BAHIA COCOA", "", None, "12 345 678", "東京で会議が開かれた"])
    assert detect_languages(texts).to_pylist() == ["und"] * 5
