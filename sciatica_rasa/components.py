"""NLU components over the project's spaCy pipeline.

- DomainEntityExtractor: entities from the pipeline's entity ruler, with the
  canonical value (e.g. "bum" -> glutes) taken from the ruler's pattern id.
- RedFlagFindingsFeaturizer: what the red-flag rules found, as sentence features
  for the intent classifier (sciatica.triage.finding_features).
- RedFlagTriage: runs the deterministic red-flag detector on every message and
  merges it with the trained model's red-flag intents. Either one refers: a flag
  the rules name overrides the intent with `red_flag_<level>`; a flag only the
  model sees becomes `red_flag_suspected` (a GP-level referral and the screening
  questions). A red-flag topic touched without an affirmed finding becomes
  `red_flag_hint`: the bot asks that topic's question at once. Rules, not a custom
  action, route all of them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sciatica.language import load_word_lists, looks_english
from sciatica.triage import (
    FINDING_FEATURES,
    HINTS_SPANS_KEY,
    LEVELS,
    UNCLASSIFIED_PREFIX,
    RedFlagBook,
    assess,
    finding_features,
    load_red_flags,
)
from sciatica_rasa.graph import NodeNamedComponent
from sciatica_rasa.spacy_nlp import SpacyNLP

RED_FLAG_ENTITY = "red_flag"
HINT_ENTITY = "red_flag_hint"
# "full": the person describes their own symptoms, so every screening question
# follows the hinted ones; "hinted": only the questions of the topics touched.
SCOPE_ENTITY = "screening_scope"
HINT_INTENT = "red_flag_hint"
# An urgent finding, and a more urgent topic touched: refer, then ask about the topic.
URGENT_AND_HINT_INTENT = "red_flag_urgent_ask"
OWN_SYMPTOM_INTENTS = frozenset({"describe_symptoms", "check_symptoms", "report_exercise_pain"})
# Set by the guarded channels on typed "/..." text; passed on to the actions.
TYPED_COMMAND = "typed_command"
NON_ENGLISH_INTENT = "non_english"
SUSPECTED_INTENT = "red_flag_suspected"
FALLBACK_INTENT = "nlu_fallback"
# The trained model's own best intent, past the fallback classifier and before this
# component overrides anything: what `make eval` and `make nlu-holdout` score.
MODEL_INTENT_KEY = "model_intent"


def red_flag_intent(level: str) -> str:
    return f"red_flag_{level}"


MODEL_INTENT_LEVELS = {red_flag_intent(level): level for level in LEVELS}
# Intents only this component may give: the model's guess of them is not trusted alone.
TRIAGE_INTENTS = frozenset({*MODEL_INTENT_LEVELS, SUSPECTED_INTENT, HINT_INTENT, URGENT_AND_HINT_INTENT})


@lru_cache(maxsize=4)
def red_flag_book(path: Optional[Text] = None) -> RedFlagBook:
    """The red flags of `path` (None: the project's file), loaded once per process: the
    findings featurizer and the triage read the same book, which takes about 0.3 s to load."""
    return load_red_flags(path) if path else load_red_flags()


def _doc(message: Message, model: SpacyModel):
    """The spaCy doc SpacyNLP made for this message (made here if absent)."""
    doc = message.get(SPACY_DOCS[TEXT])
    if doc is None:
        doc = model.model((message.get(TEXT) or "").lower())
    return doc


def _override_intent(message: Message, name: str) -> None:
    """Put `name` first with full confidence, keeping the model's ranking below it."""
    ranking = [
        entry for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != name
    ]
    top = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)


def _demote_intent(message: Message) -> None:
    """Replace a red-flag intent by the best-ranked intent that is not one."""
    ranking = [
        entry for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) not in TRIAGE_INTENTS
    ]
    best = ranking[0] if ranking else {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, best, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _triage_output(flags: List[Text], level: Optional[Text], hints: List[Dict[Text, Any]],
                   scope: Optional[Text], markers: List[Text]) -> Dict[Text, Any]:
    """What the triage decided, in the message's parse data (kept in the tracker store)."""
    return {"level": level, "red_flags": list(flags), "hints": [e["value"] for e in hints], "screening": scope,
            "markers": list(markers)}


class _NoTraining(NodeNamedComponent):
    """Base for rule-based components: nothing to train, nothing to persist."""

    def __init__(self, config: Dict[Text, Any], name: Text = "") -> None:
        self._config = config

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class DomainEntityExtractor(_NoTraining, EntityExtractorMixin):
    """Body areas, symptoms, sides, exercise names and options from the entity ruler."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"dimensions": ["body_area", "symptom", "side", "exercise", "option"]}

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        dimensions = set(self._config["dimensions"])
        for message in messages:
            found = [
                {
                    "entity": ent.label_,
                    "value": ent.ent_id_ or ent.text,
                    "start": ent.start_char,
                    "end": ent.end_char,
                    "confidence": None,
                }
                for ent in _doc(message, model).ents
                if ent.label_ in dimensions
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    is_trainable=False,
    model_from="SpacyNLP",
)
class RedFlagFindingsFeaturizer(DenseFeaturizer, NodeNamedComponent):
    """The red-flag rules' findings as sentence features, next to the sentence vector.

    `weight` scales them against the encoder's unit-length vector; `finding_weight`, if
    given, scales the "a red flag affirmed at this level" ones instead (only denied and
    topic touched keep `weight`). Both chosen on our folds, the development set and the
    red-flag sets (README, "Dense features", rounds 7 and 10).
    """

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "weight": 0.3, "finding_weight": None,
                "red_flags_path": None}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        # finding_weight may be left out (None: the same as weight), weight may not.
        for key, value in (("weight", config.get("weight", 0)), ("finding_weight", config.get("finding_weight"))):
            if value is not None and not float(value) > 0:
                raise ValueError(f"RedFlagFindingsFeaturizer needs a '{key}' above 0")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.validate_config(config)
        self._book = red_flag_book(config.get("red_flags_path"))
        weight = float(config["weight"])
        finding_weight = float(config.get("finding_weight") or weight)
        self._weights = np.array([finding_weight if feature.startswith("finding_") else weight
                                  for feature in FINDING_FEATURES], dtype=np.float32)

    def process_training_data(self, training_data: TrainingData, model: SpacyModel) -> TrainingData:
        self.process(training_data.training_examples, model)
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            if message.get(TEXT):
                values = finding_features(assess(_doc(message, model), self._book), self._book)
                sentence = (self._weights * np.asarray(values, dtype=np.float32))[None, :]
                self.add_features_to_message(None, sentence, TEXT, message)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class TypedCommandMarker(_NoTraining):
    """Tells the actions that a message was typed "/..." text, so no form takes it as an answer."""

    @classmethod
    def required_components(cls) -> List[type]:
        return []

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get("metadata") or {}).get(TYPED_COMMAND):
                message.set(TYPED_COMMAND, True, add_to_output=True)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
    is_trainable=False,
    model_from="SpacyNLP",
)
class RedFlagTriage(_NoTraining):
    """Either detector refers: the rules over the spaCy doc or the trained intents.

    Placed last in the pipeline so that no later component (such as the
    fallback classifier) can hide a red flag.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # The trained model's red-flag intent counts from this confidence on,
            # even when the fallback classifier replaced it as too uncertain: alone,
            # it only starts the screening questions (GP-level advice) ...
            "model_threshold": 0.5,
            # ... and it raises a level the rules found only from this one.
            "raise_threshold": 0.5,
            "red_flags_path": None,
        }

    def __init__(self, config: Dict[Text, Any], name: Text = "") -> None:
        super().__init__(config, name)
        self._book = red_flag_book(config.get("red_flags_path"))
        load_word_lists()  # checked now: a broken file stops the server at start

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            if message.get(TEXT):
                self._triage(message, model)
        return messages

    def _triage(self, message: Message, model: SpacyModel) -> None:
        self._record_model_intent(message)
        doc = _doc(message, model)
        assessment = assess(doc, self._book)
        flags = list(assessment.flags)
        level = assessment.level
        model_level = self._model_level(message, self._config["model_threshold"])
        raised_level = self._model_level(message, self._config["raise_threshold"])
        own_symptoms = self._model_intent(message) in OWN_SYMPTOM_INTENTS
        hints = self._hint_entities(message, doc, assessment)
        # Markers raise a level only with other findings; they are kept in the parse
        # data for the summary (sciatica/summary.py) and the referral report.
        markers = [item for item in assessment.evidence if item in self._book.markers]
        if assessment.negated and not flags:
            # The rules read the red flag and its negation ("no bladder problems");
            # the model's guess from the same words does not overrule them.
            model_level = None
        if hints and not flags:
            # A red-flag topic touched without an affirmed finding: its question at
            # once, in the person's words. All the questions follow when they describe
            # their own symptoms or the model suspects a red flag.
            _override_intent(message, HINT_INTENT)
            self._add_flags(message, [], None, hints, "full" if own_symptoms else "hinted", markers)
            return
        if model_level and not flags:
            # The model saw a red flag the rules cannot name. It is often wrong on
            # look-alikes ("both my knees crack"), so it does not send anyone to A&E
            # by itself: the bot says a doctor may need to look, and asks the
            # screening questions, where any yes refers at that flag's level.
            _override_intent(message, SUSPECTED_INTENT)
            self._add_flags(message, [f"{UNCLASSIFIED_PREFIX}{model_level}"], None, [], "full", markers)
            return
        if flags and raised_level and level != "gp" and LEVELS.index(raised_level) < LEVELS.index(level):
            # Both saw a red flag; the higher level wins. A GP-level finding is screened
            # first instead, where any yes refers at its own level.
            level = raised_level
        if level is None:
            if message.get(INTENT, {}).get(INTENT_NAME_KEY) in TRIAGE_INTENTS:
                _demote_intent(message)  # a red-flag intent nobody stands behind
            if not looks_english(message.get(TEXT)):
                _override_intent(message, NON_ENGLISH_INTENT)
            elif message.get(INTENT, {}).get(INTENT_NAME_KEY) in OWN_SYMPTOM_INTENTS:
                self._add_entities(message, [self._scope_entity("full")])  # a screening asks everything
            if markers:
                message.set("triage", _triage_output([], None, [], None, markers), add_to_output=True)
            return
        more_urgent = [h for h in hints if LEVELS.index(self._book.flags[h["value"]].level) < LEVELS.index(level)]
        if level == "urgent" and more_urgent:
            _override_intent(message, URGENT_AND_HINT_INTENT)
            self._add_flags(message, flags, level, more_urgent, "hinted", markers)
            return
        _override_intent(message, red_flag_intent(level))
        # A GP-level finding is screened first: the hints' questions come first then.
        self._add_flags(message, flags, level, hints if level == "gp" else [], "full", markers)

    def _hint_entities(self, message: Message, doc, assessment) -> List[Dict[Text, Any]]:
        """One entity per hinted flag, spanning the words the person used for it."""
        text = message.get(TEXT) or ""
        entities = []
        for span in doc.spans.get(HINTS_SPANS_KEY, []):
            if span.label_ not in assessment.hints or any(e["value"] == span.label_ for e in entities):
                continue
            start, end = span.start_char, span.end_char
            entities.append({"entity": HINT_ENTITY, "value": span.label_, "start": start, "end": end,
                             "text": text[start:end], "extractor": type(self).__name__})
        return [e for e in entities if self._book.flags[e["value"]].level != "gp"]

    def _add_flags(self, message: Message, flags: List[Text], level: Optional[Text],
                   hints: List[Dict[Text, Any]] = (), scope: Optional[Text] = None,
                   markers: List[Text] = ()) -> None:
        entities = [
            {"entity": RED_FLAG_ENTITY, "value": flag, "extractor": type(self).__name__}
            for flag in flags
        ]
        entities += list(hints)
        if scope:
            entities.append(self._scope_entity(scope))
        self._add_entities(message, entities)
        message.set("triage", _triage_output(flags, level, hints, scope, markers), add_to_output=True)

    def _scope_entity(self, scope: Text) -> Dict[Text, Any]:
        return {"entity": SCOPE_ENTITY, "value": scope, "extractor": type(self).__name__}

    @staticmethod
    def _add_entities(message: Message, entities: List[Dict[Text, Any]]) -> None:
        message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)

    @staticmethod
    def _record_model_intent(message: Message) -> None:
        """Keep the model's own answer in the parse result, whatever this component decides."""
        top = next((entry for entry in message.get(INTENT_RANKING_KEY) or []
                    if entry.get(INTENT_NAME_KEY) != FALLBACK_INTENT), None)
        if top is None:
            return
        message.set(MODEL_INTENT_KEY, {INTENT_NAME_KEY: top.get(INTENT_NAME_KEY),
                                       PREDICTED_CONFIDENCE_KEY: top.get(PREDICTED_CONFIDENCE_KEY)},
                    add_to_output=True)

    @staticmethod
    def _model_intent(message: Message) -> Optional[str]:
        """The trained model's best intent, past the fallback classifier."""
        for entry in message.get(INTENT_RANKING_KEY) or []:
            if entry.get(INTENT_NAME_KEY) != FALLBACK_INTENT:
                return entry.get(INTENT_NAME_KEY)
        return None

    @staticmethod
    def _model_level(message: Message, threshold: float) -> Optional[str]:
        # The fallback classifier puts nlu_fallback first; look past it.
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != FALLBACK_INTENT
        ]
        if not ranking:
            return None
        top = ranking[0]
        if top.get(PREDICTED_CONFIDENCE_KEY, 0.0) < threshold:
            return None
        return MODEL_INTENT_LEVELS.get(top.get(INTENT_NAME_KEY))
