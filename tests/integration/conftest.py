"""A real action server and Rasa server on free ports, shared by the integration tests."""
from __future__ import annotations

import pytest

from rest_helpers import MODEL, Conversation
from sciatica_rasa.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    with Stack.on_free_ports(tmp_path_factory.mktemp("stack")).serving() as stack:
        yield stack


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    return Conversation(stack)
