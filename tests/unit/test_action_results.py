"""The compiled check of action server responses accepts and rejects exactly what Rasa's does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from sciatica_rasa import action_results

RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "side", "value": "left"}], "responses": [{"text": "hi"}]},
    {"responses": [{"custom": {"type": "exercise", "id": "clamshell"}, "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "not_an_event"}]},
    {"events": [{"name": "no event type"}]},
    {"events": "not a list"},
    {"responses": [42]},
]


def rasa_accepts(response) -> bool:
    try:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("response", RESPONSES)
def test_same_verdict_as_rasas_check(response):
    action_results.install()
    action = RemoteAction("action_anything", None)
    if rasa_accepts(response):
        assert action._validate_action_result(response) is True
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)


def test_both_verdicts_are_exercised():
    verdicts = {rasa_accepts(response) for response in RESPONSES}
    assert verdicts == {True, False}


def test_the_schema_is_checked_once(monkeypatch):
    action_results._validator.cache_clear()
    action_results.install()
    calls = []
    validator_class = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda cls, schema: calls.append(1)))
    action = RemoteAction("action_anything", None)
    for _ in range(5):
        action._validate_action_result(RESPONSES[0])
    assert calls == [1]
