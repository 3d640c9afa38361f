"""Answers about one catalog entry: the full explanation, the message payload, follow-ups.

Everything is built from the entry's data. Where the sources give no number the answer says
so, and any advice it offers instead is marked as general and says what it was given for.
Plain text for a chat bubble: short paragraphs, numbered steps, no markdown.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .catalog import GENERAL_ADVICE, Catalog, Exercise, default_catalog
from .matching import KIND_LABELS, PLACE_LABELS

FOLLOW_UP_TOPICS = (
    "hold_time",
    "reps",
    "frequency",
    "other_side",
    "if_it_hurts",
    "easier",
    "harder",
    "why",
    "equipment",
    "where",
)

NO_NUMBER = "the sources give no number for this"
# Entries of these kinds are held or repeated; for advice and self-care a missing number is no gap.
_COUNTED_KINDS = ("stretch", "strengthen", "release")

POSITION_LABELS = {
    "lying_on_back": "lying on your back",
    "lying_on_stomach": "lying on your stomach",
    "lying_on_side": "lying on your side",
    "face_down": "face down",
    "all_fours": "on all fours",
    "standing": "standing",
    "seated": "sitting",
    "any": "in any position",
}


def explain(exercise: Exercise, catalog: Catalog | None = None) -> str:
    """The whole answer: what it is, steps, dosage, why, cautions, any disagreement, sources.

    Each caution says where it comes from: the first is printed as "Take care: ..."
    and the source line names its origin; general safety advice (NHS) is labelled as
    such wherever it is shown, never passed off as the article's.
    """
    catalog = catalog or default_catalog()
    paragraphs = [
        _introduction(exercise),
        "\n".join(f"{number}. {step}" for number, step in enumerate(exercise.steps, start=1)),
        _dosage_paragraph(exercise, catalog),
        f"Why it helps: {exercise.why}",
        f"Take care: {exercise.cautions[0]}",
    ]
    general = [c for i, c in enumerate(exercise.cautions) if i and exercise.caution_source(i) == GENERAL_ADVICE]
    if general and exercise.caution_source(0) != GENERAL_ADVICE:
        paragraphs.append(f"General advice (NHS): {general[0]}")
    paragraphs += [f"What the source doesn't say: {gap}" for gap in exercise.source_gaps]
    if exercise.disagreement:
        paragraphs.append(f"Note: {exercise.disagreement}")
    paragraphs += _professional_advice(exercise, catalog)
    paragraphs.append(_sources_line(exercise, catalog))
    return "\n\n".join(p for p in paragraphs if p)


def caution_origin(exercise: Exercise, catalog: Catalog, index: int = 0) -> str:
    """Where a caution comes from, in words: an article's label, or general advice and its source."""
    source = exercise.caution_source(index)
    if source == GENERAL_ADVICE:
        return f"general advice ({catalog.safety.source})"
    return catalog.source_label(source)


def _sources_line(exercise: Exercise, catalog: Catalog) -> str:
    line = "Source: " + "; ".join(catalog.source_label(s) for s in exercise.sources) + "."
    if exercise.caution_source(0) == GENERAL_ADVICE:
        article = "the article" if len(exercise.sources) == 1 else "these articles"
        return f"{line} The caution is {caution_origin(exercise, catalog)}, not from {article}."
    if exercise.caution_source(0) not in exercise.sources:
        return f"{line} The caution is from {caution_origin(exercise, catalog)}."
    return line


def _professional_advice(exercise: Exercise, catalog: Catalog) -> list[str]:
    """The entry's sources' own advice to see a professional, each named."""
    paragraphs = []
    for source in exercise.sources:
        advice = catalog.sources[source].see_a_professional
        if advice:
            label = catalog.source_label(source)
            paragraphs.append(f"{label[0].upper()}{label[1:]} also advises: {advice}")
    return paragraphs


def exercise_payload(exercise: Exercise) -> dict[str, Any]:
    """The structured message for the chat client; `type`, `id` and `name` are a fixed contract."""
    return {
        "type": "exercise",
        "id": exercise.id,
        "name": exercise.name,
        "kind": exercise.kind,
        "targets": list(exercise.targets),
        "steps": list(exercise.steps),
        "hold": exercise.dosage.hold,
        "reps": exercise.dosage.reps,
        "frequency": exercise.dosage.frequency,
        "caution": exercise.cautions[0],
        "sources": list(exercise.sources),
    }


def follow_up(exercise: Exercise, topic: str, catalog: Catalog | None = None) -> str:
    """The answer to a follow-up question about `exercise`; `topic` is one of FOLLOW_UP_TOPICS."""
    validate_topic(topic)
    return _FOLLOW_UPS[topic](exercise, catalog or default_catalog())


def validate_topic(topic: str) -> str:
    if topic not in FOLLOW_UP_TOPICS:
        raise ValueError(f"unknown follow-up topic '{topic}' (known: {', '.join(FOLLOW_UP_TOPICS)})")
    return topic


# -- the explanation ------------------------------------------------------------------------


def _introduction(exercise: Exercise) -> str:
    kind = KIND_LABELS[exercise.kind]
    if exercise.kind == "activity" or not exercise.targets:
        return f"{exercise.name}: {kind}."
    where = "" if exercise.position == "any" else f", done {POSITION_LABELS[exercise.position]}"
    return f"{exercise.name}: {kind} for your {_areas(exercise)}{where}."


def _dosage_paragraph(exercise: Exercise, catalog: Catalog) -> str:
    counted = exercise.kind in _COUNTED_KINDS
    hold_label = "Hold" if counted else "How long"
    lines = [
        _dosage_line(hold_label, exercise.dosage.hold, counted),
        _dosage_line("Repetitions", exercise.dosage.reps, counted),
        _dosage_line("How often", exercise.dosage.frequency, counted, _general(exercise, "frequency", catalog)),
    ]
    if exercise.one_sided and exercise.dosage.sides:
        lines.append(f"Sides: {exercise.dosage.sides}.")
    return "\n".join(line for line in lines if line)


def _dosage_line(label: str, value: str | None, counted: bool, general: str = "") -> str:
    if value:
        return f"{label}: {value}."
    if not counted:
        return ""
    return f"{label}: {NO_NUMBER}" + (f"; general advice: {general}." if general else ".")


def _general(exercise: Exercise, topic: str, catalog: Catalog) -> str:
    return "; ".join(advice.text for advice in catalog.general_advice_for(exercise, topic))


def _areas(exercise: Exercise) -> str:
    return _listed([target.replace("_", " ") for target in exercise.targets], "and")


# -- follow-up answers ----------------------------------------------------------------------
# Each starts with the entry's name, so the answer reads right whatever came before it.


def _hold_time(exercise: Exercise, catalog: Catalog) -> str:
    counted = exercise.kind in _COUNTED_KINDS
    if exercise.dosage.hold:
        return f"{exercise.name}. {'Hold' if counted else 'How long'}: {exercise.dosage.hold}."
    if exercise.kind == "activity":
        return f"{exercise.name}. There is nothing to hold: this is advice for everyday life."
    answer = f"{exercise.name}. The sources give no hold time for this."
    if exercise.dosage.reps:
        answer += f" What they do say: {exercise.dosage.reps}."
    return f"{answer} {catalog.safety.go_gently}" if counted else answer


def _reps(exercise: Exercise, catalog: Catalog) -> str:
    if exercise.dosage.reps:
        return f"{exercise.name}. Repetitions: {exercise.dosage.reps}."
    if exercise.kind not in _COUNTED_KINDS:
        answer = f"{exercise.name}. This isn't counted in repetitions."
        return answer + (f" How long: {exercise.dosage.hold}." if exercise.dosage.hold else "")
    answer = f"{exercise.name}. The sources give no number of repetitions for this."
    return answer + (f" They describe a hold: {exercise.dosage.hold}." if exercise.dosage.hold else "")


def _frequency(exercise: Exercise, catalog: Catalog) -> str:
    frequency = exercise.dosage.frequency
    if frequency:
        answer = f"{exercise.name}. How often: {frequency}."
    else:
        answer = f"{exercise.name}. The sources give no number for how often to do this."
        general = _general(exercise, "frequency", catalog)
        answer += f" General advice: {general}." if general else ""
    if "week" not in (frequency or ""):
        answer += " They give no number of weeks either."
    return f"{answer} General safety advice: {catalog.safety.not_improving}"


def _other_side(exercise: Exercise, catalog: Catalog) -> str:
    if exercise.kind == "activity":
        return f"{exercise.name}. There is no side to switch: this is advice for everyday life."
    if not exercise.one_sided:
        both = ": it works both sides at once" if exercise.kind in _COUNTED_KINDS else ""
        return f"{exercise.name}. There is no other side to do{both}."
    if exercise.dosage.sides:
        return f"{exercise.name}. Yes: {exercise.dosage.sides}."
    answer = f"{exercise.name}. The source doesn't say whether to do it on both sides."
    general = _general(exercise, "sides", catalog)
    return answer + (f" General advice: {general}." if general else "")


def _if_it_hurts(exercise: Exercise, catalog: Catalog) -> str:
    general = [c for i, c in enumerate(exercise.cautions) if exercise.caution_source(i) == GENERAL_ADVICE]
    if "further down your leg" not in " ".join(general):
        general.append(catalog.safety.stop_if_worse)
    answer = "If it hurts, stop."
    for index, caution in enumerate(exercise.cautions):
        if exercise.caution_source(index) != GENERAL_ADVICE:
            label = catalog.source_label(exercise.caution_source(index))
            answer += f" {label[0].upper()}{label[1:]}: {caution}"
    return f"{answer} General advice (NHS): {' '.join(general)} {catalog.safety.pain_spreads}"


def _easier(exercise: Exercise, catalog: Catalog) -> str:
    if exercise.variants.easier:
        return f"{exercise.name}. {exercise.variants.easier}"
    return (
        f"{exercise.name}. The sources don't describe an easier version. "
        f"General advice: {catalog.safety.go_gently}"
    )


def _harder(exercise: Exercise, catalog: Catalog) -> str:
    if exercise.variants.harder:
        return f"{exercise.name}. {exercise.variants.harder}"
    return f"{exercise.name}. The sources don't describe a harder version."


def _why(exercise: Exercise, catalog: Catalog) -> str:
    labels = "; ".join(catalog.source_label(s) for s in exercise.sources)
    answer = f"{exercise.name}. {exercise.why} (Source: {labels}.)"
    return answer + (f" Note: {exercise.disagreement}" if exercise.disagreement else "")


def _equipment(exercise: Exercise, catalog: Catalog) -> str:
    if not exercise.equipment:
        return f"{exercise.name}. You don't need any equipment."
    return f"{exercise.name}. You need: {_listed(exercise.equipment, 'and')}."


def _where(exercise: Exercise, catalog: Catalog) -> str:
    if not exercise.suitable_for:
        return f"{exercise.name}. This is advice for everyday life rather than an exercise done in one place."
    answer = f"{exercise.name}. You can do it {_listed([PLACE_LABELS[p] for p in exercise.suitable_for], 'or')}"
    answer += "." if exercise.position == "any" else f", {POSITION_LABELS[exercise.position]}."
    missing = [PLACE_LABELS[p] for p in ("desk", "bed", "chair") if p not in exercise.suitable_for]
    if missing and "anywhere" not in exercise.suitable_for:
        answer += f" It isn't one to do {_listed(missing, 'or')}."
    return answer


def _listed(items: Sequence[str], conjunction: str) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


_FOLLOW_UPS: dict[str, Callable[[Exercise, Catalog], str]] = {
    "hold_time": _hold_time,
    "reps": _reps,
    "frequency": _frequency,
    "other_side": _other_side,
    "if_it_hurts": _if_it_hurts,
    "easier": _easier,
    "harder": _harder,
    "why": _why,
    "equipment": _equipment,
    "where": _where,
}
