"""Domain responses, with the red-flag ids filled into referral payloads.

Referral responses live in domain.yml so they work without the action server.
Rasa's interpolation can only put a slot into a string, so this generator sets
the payload's `red_flags` to the slot's list itself.

Every endpoints file names this generator, so the Rasa server always imports
this module: it installs the compiled check of action server responses here
(sciatica_rasa.action_results).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from sciatica_rasa import action_results

action_results.install()

RED_FLAGS_SLOT = "red_flags"


class ReferralNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def _fill_response(
        self,
        response: Dict[Text, Any],
        filled_slots: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> Dict[Text, Any]:
        response = super()._fill_response(response, filled_slots, **kwargs)
        custom = response.get("custom")
        if isinstance(custom, dict) and custom.get("type") == "referral":
            flags = (filled_slots or {}).get(RED_FLAGS_SLOT) or []
            custom["red_flags"] = list(flags) if isinstance(flags, list) else [str(flags)]
        return response
