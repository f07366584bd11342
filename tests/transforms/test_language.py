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
    texts = pa.array(["BAHIA COCOA", "", None, "12 345 678", "Tokyo 東京"])
    assert detect_languages(texts).to_pylist() == ["und"] * 5


def test_languages_of_their_own_script() -> None:
    texts = pa.array(
        [
            "東京で会議が開かれた。政府は協議を継続すると発表した。",
            "엔터미디어 주말 밤 9시 MBC와 SBS는 막장극의 대결로 붙는 경우가 흔하다.",
            "北京今天举行会议，政府宣布将继续进行谈判。",
            "Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι οι συνομιλίες θα συνεχιστούν.",
            "Kindle書籍を読む場合は、一般的にスマホやタブレットで読むことが多い。",
        ]
    )
    assert detect_languages(texts).to_pylist() == ["ja", "ko", "zh", "el", "ja"]


def test_more_latin_languages() -> None:
    texts = pa.array(
        [
            "Sebelum Islam pecah jadi Sunni dan Syiah, yang ini adalah sejarah dari dalam dan "
            "untuk umat yang tidak akan lupa.",
            "Hükümet pazartesi günü yaptığı açıklamada, görüşmelerin devam edeceğini ve bu "
            "konuda daha çok çalışma için bir plan olarak hazırlandığını söyledi.",
            "Regeringen meddelade på måndagen att samtalen om gaspriserna kommer att fortsätta "
            "och att det inte finns någon anledning till oro för hushållen.",
        ]
    )
    assert detect_languages(texts).to_pylist() == ["id", "tr", "sv"]
