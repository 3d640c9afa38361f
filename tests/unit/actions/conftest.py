"""Tracker fixtures for the custom actions, in the style of rasa-sdk's own tests."""
from __future__ import annotations

from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from sciatica import PROJECT_ROOT


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
