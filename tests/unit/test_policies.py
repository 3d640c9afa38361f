"""CachedTEDPolicy answers a repeated dialogue state from its cache, exactly as TED would,
and loads for prediction with the same weights as Rasa's own loader."""
import numpy as np
import pytest
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from sciatica_rasa.policies import PREDICTION_CACHE_SIZE, CachedTEDPolicy

DOMAIN = Domain.from_dict({
    "intents": ["greet", "goodbye"],
    "responses": {"utter_greet": [{"text": "hi"}], "utter_goodbye": [{"text": "bye"}]},
})


def story(intent, action):
    events = [ActionExecuted("action_listen"), UserUttered(intent, {"name": intent}), ActionExecuted(action),
              ActionExecuted("action_listen")]
    return TrackerWithCachedStates.from_events("story", events, domain=DOMAIN, slots=DOMAIN.slots)


def said(intent, text):
    events = [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 1.0})]
    return DialogueStateTracker.from_events("someone", events, DOMAIN.slots)


CONFIG = {**CachedTEDPolicy.get_default_config(), "epochs": 2, "random_seed": 7}
CONTEXT = ExecutionContext(GraphSchema({}), "ted")


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def policy(storage):
    policy = CachedTEDPolicy.create(CONFIG, storage, Resource("ted"), CONTEXT)
    policy.train([story("greet", "utter_greet"), story("goodbye", "utter_goodbye")] * 2, DOMAIN)
    return policy


def test_loaded_for_prediction_it_holds_and_predicts_what_rasas_loader_gives(policy, storage):
    ours = CachedTEDPolicy.load(CONFIG, storage, Resource("ted"), CONTEXT)
    rasas = TEDPolicy.load(CONFIG, storage, Resource("ted"), CONTEXT)
    assert type(ours.model).__name__ == "PredictionTED" and type(rasas.model).__name__ == "TED"
    # The variables prediction uses, each with the trained value (Rasa's loader also
    # creates the training-only ones).
    ours_values = {v.name: v.numpy() for v in ours.model.variables}
    rasas_values = {v.name: v.numpy() for v in rasas.model.variables}
    assert ours_values and set(ours_values) <= set(rasas_values)
    for name, value in ours_values.items():
        np.testing.assert_array_equal(value, rasas_values[name], err_msg=name)
    for intent, text in [("greet", "hi"), ("goodbye", "bye")]:
        expected = TEDPolicy.predict_action_probabilities(rasas, said(intent, text), DOMAIN).probabilities
        assert TEDPolicy.predict_action_probabilities(ours, said(intent, text), DOMAIN).probabilities == expected


def test_a_repeated_state_is_a_hit_with_the_very_prediction_ted_makes(policy):
    first = policy.predict_action_probabilities(said("greet", "hello"), DOMAIN)
    hits = policy.cache_hits
    # Other words, same intent: the same dialogue state.
    again = policy.predict_action_probabilities(said("greet", "hey there"), DOMAIN)
    uncached = TEDPolicy.predict_action_probabilities(policy, said("greet", "hey there"), DOMAIN)
    assert policy.cache_hits == hits + 1
    assert again.probabilities == first.probabilities == uncached.probabilities
    assert again.policy_name == "CachedTEDPolicy" and again.policy_priority == uncached.policy_priority


def test_different_states_are_different_entries(policy):
    misses = policy.cache_misses
    greet = policy.predict_action_probabilities(said("greet", "hi"), DOMAIN)
    goodbye = policy.predict_action_probabilities(said("goodbye", "bye"), DOMAIN)
    assert policy.cache_misses >= misses + 1
    assert goodbye.probabilities == TEDPolicy.predict_action_probabilities(policy, said("goodbye", "bye"), DOMAIN).probabilities
    assert greet.probabilities != goodbye.probabilities


@pytest.fixture
def sized(policy):
    def resize(size):
        policy.config[PREDICTION_CACHE_SIZE] = size
        policy._predictions.clear()
        policy.cache_hits = policy.cache_misses = 0
        return policy

    yield resize
    resize(CachedTEDPolicy.get_default_config()[PREDICTION_CACHE_SIZE])


def test_the_cache_keeps_at_most_its_size(sized):
    small = sized(1)
    small.predict_action_probabilities(said("greet", "hi"), DOMAIN)
    small.predict_action_probabilities(said("goodbye", "bye"), DOMAIN)
    assert len(small._predictions) == 1
    small.predict_action_probabilities(said("greet", "hi"), DOMAIN)
    assert small.cache_hits == 0


def test_size_zero_turns_the_cache_off(sized):
    off = sized(0)
    for _ in range(2):
        off.predict_action_probabilities(said("greet", "hi"), DOMAIN)
    assert off.cache_hits == 0 and not off._predictions
