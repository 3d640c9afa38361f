import pytest

from sciatica.datafiles import DataFileError
from sciatica.language import load_word_lists, looks_english


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


def test_yaml_booleans_are_words():
    # Bare yes/no/on in YAML are booleans; the file quotes them.
    english, others = load_word_lists()
    assert {"yes", "no", "on"} <= english
    assert "no" in others["portuguese"]


@pytest.mark.parametrize(
    "content, entry",
    [
        ("english: [the, yes]\nothers: {spanish: [el]}\n", "english"),
        ("english: [the]\nothers: {spanish: el}\n", "others.spanish"),
        ("english: [the]\nothers: {spanish: []}\n", "others.spanish"),
        ("english: []\nothers: {spanish: [el]}\n", None),
        ("english: [the]\n", "others"),
        ("- just a list\n", None),
    ],
)
def test_a_broken_word_list_file_fails_naming_the_file_and_entry(tmp_path, content, entry):
    path = tmp_path / "languages.yml"
    path.write_text(content)
    with pytest.raises(DataFileError) as error:
        load_word_lists(path)
    assert str(path) in str(error.value)
    if entry:
        assert entry in str(error.value)
