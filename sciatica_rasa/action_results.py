"""Check action server responses with a compiled schema.

Rasa checks every response of the action server with `jsonschema.validate`,
which first validates the schema itself against the JSON Schema meta-schema and
builds a new validator: a third of the Rasa server's time per turn went there.
The schema never changes, so it is checked and compiled once; responses are
validated exactly as before and a bad one raises the same ValidationError.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Replace RemoteAction's response check with the compiled one (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]

