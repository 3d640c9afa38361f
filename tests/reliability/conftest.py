"""One action server and Rasa server for the reliability tests, on free ports.

They run with the default settings (ACTION_TIMEOUT, log level); the tests that
stop, restart or replace a server leave the pair running as they found it.
"""
from __future__ import annotations

import pytest

from bot_clients import MODEL, TEST_ACTION_TIMEOUT, RestUser, Servers, new_servers



@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Servers:
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    defaults = {"ACTION_TIMEOUT": str(TEST_ACTION_TIMEOUT), "LOG_LEVEL": "INFO"}  # whatever the shell has
    servers = new_servers(tmp_path_factory.mktemp("servers"), extra_env=defaults)
    names = ("actions", "rasa")
    servers.start(names)
    try:
        servers.wait_ready(timeout=300, names=names)
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def user(servers: Servers) -> RestUser:
    return RestUser(servers.rasa_url)
