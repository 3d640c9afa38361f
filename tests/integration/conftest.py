"""A real action server and Rasa server on free ports, shared by the integration tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from rest_helpers import MODEL, Conversation, free_port
from sciatica_rasa.stack import Ports, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    workdir: Path = tmp_path_factory.mktemp("stack")
    stack = Stack(
        ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
        tracker_db=workdir / "rasa.db",
        log_dir=workdir / "log",
    )
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    return Conversation(stack)
