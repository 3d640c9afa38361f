import pytest
import yaml

from sciatica.catalog import DEFAULT_CATALOG_PATH, DataFileError, load_catalog
from sciatica.matching import (
    DEFAULT_QUERIES_PATH,
    ExerciseMatcher,
    LabelledQuery,
    Match,
    content_tokens,
    evaluate,
    load_labelled_queries,
)

CATALOG = load_catalog()


@pytest.fixture(scope="module")
def matcher() -> ExerciseMatcher:
    return ExerciseMatcher(CATALOG)


def top(matcher: ExerciseMatcher, text: str, **hints) -> str | None:
    results = matcher.search(text, **hints)
    return results[0].exercise.id if results else None


# -- labelled queries -------------------------------------------------------------------------


def test_labelled_queries_reach_95_percent_top1(matcher):
    cases = load_labelled_queries(DEFAULT_QUERIES_PATH, catalog=CATALOG)
    report = evaluate(matcher, cases)
    print("\n" + report.summary())
    assert report.accuracy >= 0.95, report.summary()


def test_labelled_file_is_big_enough_and_has_empty_cases():
    cases = load_labelled_queries(DEFAULT_QUERIES_PATH, catalog=CATALOG)
    assert sum(1 for c in cases if c.expected) >= 60
    assert sum(1 for c in cases if not c.expected) >= 8


@pytest.mark.parametrize(
    "exercise,phrase",
    [(e, p) for e in CATALOG for p in e.phrases],
    ids=lambda value: value if isinstance(value, str) else value.id,
)
def test_every_entry_is_found_by_its_name_and_each_alias(matcher, exercise, phrase):
    assert top(matcher, phrase) == exercise.id
    assert top(matcher, f"how do i do the {phrase.lower()}") == exercise.id


# -- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("figure four", "figure_four_stretch"),
        ("fig 4", "figure_four_stretch"),
        ("figure 4 stretch sitting down", "seated_figure_four_stretch"),
        ("clam shells", "clamshell"),
        ("bird-dog", "bird_dog"),
        ("knees to chest", "knee_to_chest"),
        ("hamstrng stretch", "standing_hamstring_stretch"),
        ("piriformus stretch", "piriformis_stretch"),
    ],
)
def test_names_aliases_and_typos(matcher, text, expected):
    assert top(matcher, text) == expected


@pytest.mark.parametrize(
    "text,allowed",
    [
        ("something for my bum", {"buttock_stretch", "glute_bridge"}),
        ("the back of my thigh", {"standing_hamstring_stretch", "prone_hamstring_curl"}),
        ("hammies", {"standing_hamstring_stretch", "prone_hamstring_curl"}),
        ("make my core stronger", {"bird_dog", "plank"}),
        ("tummy", {"pelvic_tilt", "ab_curl"}),
    ],
)
def test_everyday_area_words(matcher, text, allowed):
    assert top(matcher, text) in allowed


def test_goal_changes_the_order_for_the_same_area(matcher):
    assert top(matcher, "stretch my hamstrings") == "standing_hamstring_stretch"
    assert top(matcher, "strengthen my hamstrings") == "prone_hamstring_curl"
    assert top(matcher, "release my piriformis") == "tennis_ball_release"


@pytest.mark.parametrize(
    "text",
    [
        "best exercise for sciatica",
        "what should i do for sciatica",
        "whats the best stretch for sciatica",
        "i have sciatica",
    ],
)
def test_best_for_sciatica_comes_first_for_general_requests(matcher, text):
    assert top(matcher, text) == CATALOG.best_for_sciatica.id


def test_best_for_sciatica_does_not_override_the_goal(matcher):
    results = matcher.search("best strengthening exercise for sciatica")
    assert results and all(m.exercise.kind == "strengthen" for m in results)


def test_hints_combine_with_the_text(matcher):
    assert top(matcher, "something please", areas=["hamstrings"], goal="strengthen") == "prone_hamstring_curl"
    assert top(matcher, "something please", areas=["hamstrings"], goal="stretch") == "standing_hamstring_stretch"
    assert top(matcher, "anything", areas=["bum"]) in {"buttock_stretch", "glute_bridge"}
    assert top(matcher, "stretches", areas=["not_an_area"]) is not None  # an unknown hint is ignored


def test_place_words(matcher):
    assert top(matcher, "a stretch i can do at my desk") == "seated_figure_four_stretch"
    assert top(matcher, "something to do in bed") == "knee_to_chest"


def test_exclude_skips_entries_already_shown(matcher):
    first = top(matcher, "stretch for my piriformis")
    second = top(matcher, "stretch for my piriformis", exclude={first})
    assert second is not None and second != first


def test_ties_follow_catalog_order(matcher):
    results = matcher.search("stretches")
    order = {entry_id: i for i, entry_id in enumerate(CATALOG.ids)}
    for before, after in zip(results, results[1:]):
        if before.score == after.score:
            assert order[before.exercise.id] < order[after.exercise.id]


def test_results_are_ranked_with_reasons(matcher):
    results = matcher.search("figure 4 for my glutes")
    assert isinstance(results[0], Match)
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)
    assert "figure 4" in results[0].reason
    with pytest.raises(AttributeError):
        results[0].score = 0


def test_search_is_deterministic(matcher):
    text = "loosen my tight hips and bum"
    assert matcher.search(text) == matcher.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "exercise for my neck",
        "wrist stretch",
        "shoulder exercises",
        "knee pain",
        "chest stretch",
        "upper back stretches",
        "hello",
        "",
        "what time is it",
    ],
)
def test_nothing_is_made_up(matcher, text):
    assert matcher.search(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("exercise for my neck", "neck"),
        ("my shoulders hurt", "shoulder"),
        ("knee pain", "knee"),
        ("upper back stretch", "upper back"),
        ("knee to chest", None),
        ("how long do i hold the knee hug", None),
        ("lower back", None),
        ("back of my thigh", None),
    ],
)
def test_mentions_unknown_area(matcher, text, expected):
    assert matcher.mentions_unknown_area(text) == expected


def test_sciatica_down_to_the_knee_still_gets_exercises(matcher):
    assert top(matcher, "my sciatica goes down to my knee") == CATALOG.best_for_sciatica.id


@pytest.mark.parametrize(
    "text,expected",
    [
        ("how do i do a clamshell", "clamshell"),
        ("fig 4?", "figure_four_stretch"),
        ("whats the piriformis stretch", "piriformis_stretch"),
        ("the seated piriformis stretch", "seated_figure_four_stretch"),
        ("stretch for my piriformis", None),  # a request, not a name
        ("knee to chest or cobra", None),  # two names: not confident
        ("something for my bum", None),
        ("neck roll", None),
    ],
)
def test_find_by_name(matcher, text, expected):
    found = matcher.find_by_name(text)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize("area,words", list(CATALOG.area_words.items()))
def test_every_area_word_normalises_to_its_area(matcher, area, words):
    assert matcher.normalise_area(area) == area
    for word in words:
        assert matcher.normalise_area(word) == area, word


@pytest.mark.parametrize("kind,words", list(CATALOG.goal_words.items()))
def test_every_goal_word_normalises_to_its_kind(matcher, kind, words):
    assert matcher.normalise_goal(kind) == kind
    for word in words:
        assert matcher.normalise_goal(word) == kind, word


@pytest.mark.parametrize(
    "word,expected",
    [("butt", "glutes"), ("Hammies", "hamstrings"), ("back of my thigh", "hamstrings"), ("neck", None)],
)
def test_normalise_area(matcher, word, expected):
    assert matcher.normalise_area(word) == expected


@pytest.mark.parametrize(
    "word,expected",
    [("stronger", "strengthen"), ("loosen", "stretch"), ("massage", "release"), ("self_care", "self-care"), ("dance", None)],
)
def test_normalise_goal(matcher, word, expected):
    assert matcher.normalise_goal(word) == expected


def test_content_tokens_strip_filler_and_plurals():
    assert content_tokens("How do I do the Clam-Shells?") == ["clam", "shell"]
    assert content_tokens("figure four stretches") == ["figure", "4", "stretch"]


# -- evaluation and the labelled file ---------------------------------------------------------


def test_evaluate_counts_hits_misses_and_empty_cases(matcher):
    cases = [
        LabelledQuery("clamshell", ("clamshell",)),
        LabelledQuery("clamshell", ("plank",)),
        LabelledQuery("neck stretch", ()),
        LabelledQuery("plank", ()),
    ]
    report = evaluate(matcher, cases)
    assert (report.total, report.top1_correct, report.accuracy) == (4, 2, 0.5)
    assert [f.query.expected for f in report.failures] == [("plank",), ()]
    assert report.failures[1].got[0] == "plank"


def test_loader_rejects_unknown_ids(tmp_path):
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"queries": [{"text": "neck roll", "expect": ["neck_roll"]}]}))
    with pytest.raises(DataFileError, match="neck_roll"):
        load_labelled_queries(path, catalog=CATALOG)
    assert load_labelled_queries(path)[0].expected == ("neck_roll",)  # without a catalog, only the shape


def test_loader_requires_an_expect_list(tmp_path):
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"queries": [{"text": "plank"}]}))
    with pytest.raises(DataFileError, match="plank"):
        load_labelled_queries(path)


def test_aliases_that_read_the_same_after_normalising_fail(tmp_path):
    with DEFAULT_CATALOG_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    plank = next(e for e in data["exercises"] if e["id"] == "plank")
    plank["aliases"].append("the clamshells")  # reads as "clamshell"
    path = tmp_path / "exercises.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        ExerciseMatcher(load_catalog(path))
    assert str(path) in str(error.value) and "'plank'" in str(error.value)
