import pytest

from sciatica.language import looks_english


@pytest.mark.parametrize(
    "text",
    [
        "what stretch for piriformis",
        "hi",
        "my bum hurts",
        "i have pain down my left leg",
        "how do i do a clamshell",
        "fig 4?",
        "ok",
        "😀",
        "12345",
        "la la la",  # one foreign function word is not enough
        "I had a bad day, de nada",
    ],
)
def test_english_or_unknown_is_accepted(text):
    assert looks_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "hola tengo dolor en la pierna",
        "j'ai mal au dos et à la jambe",
        "ich habe schmerzen im bein",
        "tenho dor nas costas e na perna",
        "ho mal di schiena",
        "ik heb pijn in mijn rug",
        "腰が痛いです",
        "у меня болит спина",
        "أعاني من ألم في الظهر",
    ],
)
def test_other_languages_are_recognised(text):
    assert not looks_english(text)
